import { DomainError, ErrorCode, ServiceUnavailableError } from '@treaty/service-kit';
import { money } from '../domain/money.js';
import { remainingMinor, settledStatus, trancheStatus } from '../domain/tranche.js';
import type { Context } from '../context.js';
import { ref, type TrancheView } from './shared.js';

/** What a tranche still owes: its amount less any share forfeited under the penalty schedule. */
async function settlements(t: TrancheView, ctx: Context) {
  const journals = await ctx.loaders.settlementsOfTranche.load(t.id);
  const release = journals.find((j) => j.kind === 'RELEASE') ?? null;
  const penalty = journals.find((j) => j.kind === 'FORFEIT') ?? null;
  return { release, penalty, remainingMinor: remainingMinor(t.amountMinor, penalty?.amountMinor) };
}

export const Tranche = {
  milestone(t: TrancheView) {
    return ref(t.milestoneId);
  },
  escrowAccount(t: TrancheView, _: unknown, ctx: Context) {
    return ctx.loaders.escrowAccount.load(t.escrowAccountId);
  },
  guarantor(t: TrancheView, _: unknown, ctx: Context) {
    return ctx.loaders.guarantor.load(t.guarantorId);
  },
  amount(t: TrancheView) {
    return money(t.amountMinor, t.currency);
  },
  /**
   * From the stored release and penalty first; only when neither settles it, from the milestone's status:
   * the one passed down from `Milestone` (`@requires`), or else confirmed with milestones (batched).
   */
  async status(t: TrancheView, _: unknown, ctx: Context) {
    const s = await settlements(t, ctx);
    const facts = { released: s.release !== null, remainingMinor: s.remainingMinor };
    const settled = settledStatus(facts);
    if (settled) return settled;
    if (t.milestoneUnderSnapBack === null) {
      // The gateway could not learn whether a snap-back is in force (the error on Milestone.underSnapBack
      // says why). Asking milestones again behind the gateway would only wait on the same outage.
      throw new ServiceUnavailableError(
        'milestones',
        `Whether a snap-back withholds tranche ${t.id} could not be established in this request (see the error on Milestone.underSnapBack), so its status is null; its amount is shown. Retry in a moment.`,
      );
    }
    const known = t.milestoneStatus !== undefined && t.milestoneUnderSnapBack !== undefined;
    const milestone = known ? { status: t.milestoneStatus!, underSnapBack: t.milestoneUnderSnapBack as boolean } : await ctx.loaders.milestone.load(t.milestoneId);
    if (!milestone) {
      throw new DomainError(ErrorCode.NOT_FOUND, `The milestones service does not know milestone ${t.milestoneId} of tranche ${t.id}, so its status cannot be told.`);
    }
    return trancheStatus({ ...facts, milestoneStatus: milestone.status, underSnapBack: milestone.underSnapBack });
  },
  approval(t: TrancheView, _: unknown, ctx: Context) {
    return ctx.loaders.approvalOfTranche.load(t.id);
  },
  async release(t: TrancheView, _: unknown, ctx: Context) {
    const { release } = await settlements(t, ctx);
    return release && { amount: money(release.amountMinor, release.currency), releasedAt: release.recordedAt, releasedBy: release.recordedBy };
  },
  async penalty(t: TrancheView, _: unknown, ctx: Context) {
    const { penalty } = await settlements(t, ctx);
    return (
      penalty && {
        basisPoints: penalty.basisPoints,
        forfeited: money(penalty.amountMinor, penalty.currency),
        appliedAt: penalty.recordedAt,
        appliedBy: penalty.recordedBy,
      }
    );
  },
};
