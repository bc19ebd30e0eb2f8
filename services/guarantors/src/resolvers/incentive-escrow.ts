import { DomainError, ErrorCode, logEntryField } from '@treaty/service-kit';
import { incentiveUnderSnapBack, milestonesMet, stepSchedule, stepStatus, unitBalances, type IncentiveStepPlan } from '../domain/incentive.js';
import type { IncentiveEscrow as EscrowRow, IncentiveJournal, IncentiveStepApproval as ApprovalRow } from '../entities/index.js';
import type { MilestoneFacts } from '../peers.js';
import type { Context } from '../context.js';
import { ref } from './shared.js';

/**
 * An incentive escrow's amounts are sums of its unit journals; where its steps stand follows from them,
 * from the listed milestones' status and from the agreement's snap-back state. Those are confirmed with
 * milestones through the per-request `milestone` loader (one call for every escrow and tranche in the
 * request): reached from `incentiveEscrow(id)`, a guarantor or an agreement, no query plan brings the
 * status of a list of milestones here.
 */

interface EscrowState {
  met: number;
  underSnapBack: boolean;
  triggeredAt: Date | null;
}

async function stateOf(e: EscrowRow, ctx: Context): Promise<EscrowState> {
  const listed = await ctx.loaders.milestonesOfIncentive.load(e.id);
  const found = await ctx.loaders.milestone.loadMany(listed.map((l) => l.milestoneId));
  const milestones = found.map((m, i) => {
    if (m instanceof Error) throw m;
    if (!m) throw new DomainError(ErrorCode.NOT_FOUND, `The milestones service does not know milestone ${listed[i]!.milestoneId}, listed by incentive escrow ${e.id}.`);
    return m as MilestoneFacts;
  });
  const state = milestones[0]!.agreement.snapBack;
  return { met: milestonesMet(milestones.map((m) => m.status)), underSnapBack: incentiveUnderSnapBack(state, milestones.map((m) => m.dueAt)), triggeredAt: state.triggeredAt };
}

/** The first reversion recorded after a release: the one that took that step's units back. */
function reversionAfter(journals: readonly IncentiveJournal[], release: IncentiveJournal | undefined): IncentiveJournal | null {
  if (!release) return null;
  return journals.find((j) => j.kind === 'REVERSION' && BigInt(j.sequence) > BigInt(release.sequence)) ?? null;
}

export interface StepView extends IncentiveStepPlan {
  escrow: EscrowRow;
  release: IncentiveJournal | null;
  reversion: IncentiveJournal | null;
  approval: ApprovalRow | null;
}

export const IncentiveEscrow = {
  agreement(e: EscrowRow) {
    return ref(e.agreementId);
  },
  beneficiary(e: EscrowRow) {
    return ref(e.beneficiaryPartyId);
  },
  guarantor(e: EscrowRow, _: unknown, ctx: Context) {
    return ctx.loaders.guarantor.load(e.guarantorId);
  },
  async milestones(e: EscrowRow, _: unknown, ctx: Context) {
    return (await ctx.loaders.milestonesOfIncentive.load(e.id)).map((l) => ref(l.milestoneId));
  },
  async milestonesMet(e: EscrowRow, _: unknown, ctx: Context) {
    return (await stateOf(e, ctx)).met;
  },
  async underSnapBack(e: EscrowRow, _: unknown, ctx: Context) {
    return (await stateOf(e, ctx)).underSnapBack;
  },
  async steps(e: EscrowRow, _: unknown, ctx: Context): Promise<StepView[]> {
    const [journals, approvals] = await Promise.all([ctx.loaders.unitJournalsOfIncentive.load(e.id), ctx.loaders.stepApprovalsOfIncentive.load(e.id)]);
    return stepSchedule(e.totalUnits, e.stepBasisPoints, e.milestonesPerStep).map((plan) => {
      const release = journals.find((j) => j.kind === 'RELEASE' && j.step === plan.step);
      return { ...plan, escrow: e, release: release ?? null, reversion: reversionAfter(journals, release), approval: approvals.find((a) => a.step === plan.step) ?? null };
    });
  },
  async held(e: EscrowRow, _: unknown, ctx: Context) {
    return unitBalances(await ctx.loaders.unitJournalsOfIncentive.load(e.id)).held;
  },
  async released(e: EscrowRow, _: unknown, ctx: Context) {
    return unitBalances(await ctx.loaders.unitJournalsOfIncentive.load(e.id)).released;
  },
  async reverted(e: EscrowRow, _: unknown, ctx: Context) {
    return unitBalances(await ctx.loaders.unitJournalsOfIncentive.load(e.id)).reverted;
  },
  async withBeneficiary(e: EscrowRow, _: unknown, ctx: Context) {
    return unitBalances(await ctx.loaders.unitJournalsOfIncentive.load(e.id)).withBeneficiary;
  },
  /** All the beneficiary holds while a snap-back reaches the escrow and no reversion is recorded for its trigger. */
  async revertible(e: EscrowRow, _: unknown, ctx: Context) {
    const [state, journals] = await Promise.all([stateOf(e, ctx), ctx.loaders.unitJournalsOfIncentive.load(e.id)]);
    if (!state.underSnapBack) return 0;
    const recorded = journals.some((j) => j.kind === 'REVERSION' && j.triggerAt?.getTime() === state.triggeredAt?.getTime());
    return recorded ? 0 : unitBalances(journals).withBeneficiary;
  },
  movements(e: EscrowRow, _: unknown, ctx: Context) {
    return ctx.loaders.unitJournalsOfIncentive.load(e.id);
  },
};

export const IncentiveStep = {
  async status(s: StepView, _: unknown, ctx: Context) {
    const released = s.release !== null;
    // A released step's status needs nothing from milestones.
    const state = released ? { met: 0, underSnapBack: false } : await stateOf(s.escrow, ctx);
    return stepStatus({ released, reverted: s.reversion !== null, met: state.met, milestonesNeeded: s.milestonesNeeded, underSnapBack: state.underSnapBack });
  },
};

export const IncentiveStepApproval = { logEntry: logEntryField('incentive-step-approval', (a: ApprovalRow) => a.id) };

export const IncentiveMovement = {
  triggeredAt(j: IncentiveJournal) {
    return j.triggerAt;
  },
  logEntry: logEntryField('incentive-journal', (j: IncentiveJournal) => j.id),
};
