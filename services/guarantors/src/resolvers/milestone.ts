import { isUuid } from '@treaty/service-kit';
import { fundedRatio, fundingLine } from '../domain/funding.js';
import { holdingKey } from '../ledger.js';
import { isMilestoneStatus, type MilestoneStatus } from '../domain/tranche.js';
import type { Context } from '../context.js';
import { withStatus } from './shared.js';

/**
 * The milestones service owns milestones; this service adds their tranches and how well escrow funds
 * them. The gateway passes the milestone's `status` and `underSnapBack` in the representation (`@requires`); they are handed
 * down to the tranches so that their status needs no further call.
 */
export interface MilestoneRef {
  id: string;
  status?: MilestoneStatus;
  /** null: the gateway asked milestones for it and got none (a service it depends on was unavailable). */
  underSnapBack?: boolean | null;
}

export const Milestone = {
  __resolveReference(reference: { id: string; status?: unknown; underSnapBack?: unknown }): MilestoneRef | null {
    if (!isUuid(reference.id)) return null;
    return {
      id: reference.id,
      status: isMilestoneStatus(reference.status) ? reference.status : undefined,
      underSnapBack: typeof reference.underSnapBack === 'boolean' ? reference.underSnapBack : reference.underSnapBack === null ? null : undefined,
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
