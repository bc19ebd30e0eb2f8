import { isUuid, snapBackReaches } from '@treaty/service-kit';
import { fundedRatio, fundingLine } from '../domain/funding.js';
import { holdingKey } from '../ledger.js';
import { isMilestoneStatus, type MilestoneStatus } from '../domain/tranche.js';
import type { Context } from '../context.js';
import { withStatus } from './shared.js';

/**
 * The milestones service owns milestones; this service adds their tranches and how well escrow funds
 * them. The gateway passes the milestone's `status`, its deadline and its agreement's snap-back state in
 * the representation (`@requires`); from them this decides whether a snap-back withholds the tranches
 * (the kit's `snapBackReaches`, the rule milestones applies too) and hands that down, so that their
 * status needs no further call.
 */
export interface MilestoneRef {
  id: string;
  status?: MilestoneStatus;
  /** null: the gateway asked milestones for the snap-back state and got none (a service it depends on was unavailable). */
  underSnapBack?: boolean | null;
}

export interface MilestoneRepresentation {
  id: string;
  status?: unknown;
  dueAt?: unknown;
  agreement?: { snapBack?: { active?: unknown; triggeredAt?: unknown } | null } | null;
}

/** Whether the snap-back state the gateway sent reaches this milestone; undefined when it sent none. */
function underSnapBackOf(reference: MilestoneRepresentation): boolean | null | undefined {
  if (reference.agreement === undefined || typeof reference.dueAt !== 'string') return undefined;
  const state = reference.agreement?.snapBack;
  if (!state || typeof state.active !== 'boolean') return null;
  const triggeredAt = typeof state.triggeredAt === 'string' ? state.triggeredAt : null;
  return snapBackReaches({ active: state.active, triggeredAt }, new Date(reference.dueAt));
}

export const Milestone = {
  __resolveReference(reference: MilestoneRepresentation): MilestoneRef | null {
    if (!isUuid(reference.id)) return null;
    return {
      id: reference.id,
      status: isMilestoneStatus(reference.status) ? reference.status : undefined,
      underSnapBack: underSnapBackOf(reference),
    };
  },
  async tranches(m: MilestoneRef, _: unknown, ctx: Context) {
    return withStatus(await ctx.loaders.tranchesOfMilestone.load(m.id), m.status, m.underSnapBack);
  },
  /** From each tranche's reserved funds in its holding (see domain/funding.ts): another milestone's release or penalty cannot lower it. */
  async escrowFundedRatio(m: MilestoneRef, _: unknown, ctx: Context) {
    const tranches = await ctx.loaders.tranchesOfMilestone.load(m.id);
    const holdings = await Promise.all(tranches.map((t) => ctx.loaders.fundsOfHolding.load(holdingKey(t.escrowAccountId, t.guarantorId))));
    return fundedRatio(tranches.map((t, i) => fundingLine(t.currency, holdings[i]!.tranches.get(t.id)!)));
  },
};
