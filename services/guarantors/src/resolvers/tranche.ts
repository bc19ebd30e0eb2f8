import { logEntryField } from '@treaty/service-kit';
import { DomainError, ErrorCode, ServiceUnavailableError } from '@treaty/service-kit';
import type { TrancheFunds } from '../domain/funding.js';
import { money } from '../domain/money.js';
import { remainingMinor, settledStatus, trancheStatus, type TrancheStatus } from '../domain/tranche.js';
import { holdingKey } from '../ledger.js';
import type { Context } from '../context.js';
import { ref, type TrancheView } from './shared.js';

/** What a tranche still owes: its amount less any share forfeited under the penalty schedule. */
async function settlements(t: TrancheView, ctx: Context) {
  const journals = await ctx.loaders.settlementsOfTranche.load(t.id);
  const release = journals.find((j) => j.kind === 'RELEASE') ?? null;
  const penalty = journals.find((j) => j.kind === 'FORFEIT') ?? null;
  return { release, penalty, forfeitedMinor: penalty?.amountMinor ?? 0n, remainingMinor: remainingMinor(t.amountMinor, penalty?.amountMinor) };
}

/** Where the tranche's amount is (forfeited, released, held in escrow for it, unfunded), from its holding's reservations. */
export async function fundsOf(t: TrancheView, ctx: Context): Promise<TrancheFunds> {
  const holding = await ctx.loaders.fundsOfHolding.load(holdingKey(t.escrowAccountId, t.guarantorId));
  const funds = holding?.tranches.get(t.id);
  if (!funds) throw new Error(`tranche ${t.id} is missing from its holding's funds`);
  return funds;
}

/** The views of a tranche's approval, release and penalty: where each sits in the evidence log. */
export const TrancheApproval = { logEntry: logEntryField('tranche-approval', (a: { trancheId: string }) => a.trancheId) };
export const TrancheRelease = { logEntry: logEntryField('ledger-journal', (r: { journalId: string }) => r.journalId) };
export const TranchePenalty = { logEntry: logEntryField('ledger-journal', (r: { journalId: string }) => r.journalId) };

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
  async status(t: TrancheView, _: unknown, ctx: Context): Promise<TrancheStatus> {
    const s = await settlements(t, ctx);
    const facts = { released: s.release !== null, forfeitedMinor: s.forfeitedMinor, remainingMinor: s.remainingMinor };
    const settled = settledStatus(facts);
    if (settled) return settled;
    if (t.milestoneUnderSnapBack === null) {
      // The gateway could not learn whether a snap-back is in force (another error of the answer names
      // the service that failed). Asking milestones again behind the gateway would only wait on the same outage.
      throw new ServiceUnavailableError(
        'milestones',
        `Whether a snap-back withholds tranche ${t.id} could not be established in this request: the agreement's snap-back state was not available (another error in this answer names the service that failed), so its status is null; its amount is shown. Retry in a moment.`,
      );
    }
    const known = t.milestoneStatus !== undefined && t.milestoneUnderSnapBack !== undefined;
    const milestone = known ? { status: t.milestoneStatus!, underSnapBack: t.milestoneUnderSnapBack as boolean } : await ctx.loaders.milestone.load(t.milestoneId);
    if (!milestone) {
      throw new DomainError(ErrorCode.NOT_FOUND, `The milestones service does not know milestone ${t.milestoneId} of tranche ${t.id}, so its status cannot be told.`);
    }
    return trancheStatus({ ...facts, milestoneStatus: milestone.status, underSnapBack: milestone.underSnapBack });
  },
  async forfeited(t: TrancheView, _: unknown, ctx: Context) {
    return money((await fundsOf(t, ctx)).forfeited, t.currency);
  },
  async released(t: TrancheView, _: unknown, ctx: Context) {
    return money((await fundsOf(t, ctx)).released, t.currency);
  },
  async held(t: TrancheView, _: unknown, ctx: Context) {
    return money((await fundsOf(t, ctx)).held, t.currency);
  },
  async unfunded(t: TrancheView, _: unknown, ctx: Context) {
    return money((await fundsOf(t, ctx)).unfunded, t.currency);
  },
  /** All that is held, once the status is RELEASABLE and escrow holds all that remains; else nothing. Fails with `status` when that cannot be told. */
  async releasable(t: TrancheView, args: unknown, ctx: Context) {
    const [status, funds] = await Promise.all([Tranche.status(t, args, ctx), fundsOf(t, ctx)]);
    return money(status === 'RELEASABLE' && funds.unfunded === 0n ? funds.held : 0n, t.currency);
  },
  approval(t: TrancheView, _: unknown, ctx: Context) {
    return ctx.loaders.approvalOfTranche.load(t.id);
  },
  async release(t: TrancheView, _: unknown, ctx: Context) {
    const { release } = await settlements(t, ctx);
    return release && { journalId: release.id, amount: money(release.amountMinor, release.currency), releasedAt: release.recordedAt, releasedBy: release.recordedBy };
  },
  async penalty(t: TrancheView, _: unknown, ctx: Context) {
    const { penalty } = await settlements(t, ctx);
    return (
      penalty && {
        journalId: penalty.id,
        basisPoints: penalty.basisPoints,
        forfeited: money(penalty.amountMinor, penalty.currency),
        appliedAt: penalty.recordedAt,
        appliedBy: penalty.recordedBy,
      }
    );
  },
};
