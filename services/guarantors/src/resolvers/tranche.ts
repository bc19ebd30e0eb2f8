import { logEntryField } from '@treaty/service-kit';
import { DomainError, ErrorCode, ServiceUnavailableError } from '@treaty/service-kit';
import type { TrancheFunds } from '../domain/funding.js';
import { money } from '../domain/money.js';
import { settle, type Band, type PerformanceMetric, type UnpaidRemainder } from '../domain/performance.js';
import { settledStatus, trancheStatus, type TrancheStatus } from '../domain/tranche.js';
import type { TranchePerformanceRelease, TranchePerformanceTerms as TermsRow } from '../entities/index.js';
import { holdingKey } from '../ledger.js';
import type { MilestoneFacts } from '../peers.js';
import { measureKey, type Context } from '../context.js';
import { ref, type TrancheView } from './shared.js';

/** A tranche's RELEASE and FORFEIT journals. */
async function settlements(t: TrancheView, ctx: Context) {
  const journals = await ctx.loaders.settlementsOfTranche.load(t.id);
  return { release: journals.find((j) => j.kind === 'RELEASE') ?? null, penalty: journals.find((j) => j.kind === 'FORFEIT') ?? null };
}

/** Where the tranche's money is (forfeited, released, unpaid, carried in, held in escrow for it, unfunded), from its holding's reservations. */
export async function fundsOf(t: { id: string; escrowAccountId: string; guarantorId: string }, ctx: Context): Promise<TrancheFunds> {
  const holding = await ctx.loaders.fundsOfHolding.load(holdingKey(t.escrowAccountId, t.guarantorId));
  const funds = holding?.tranches.get(t.id);
  if (!funds) throw new Error(`tranche ${t.id} is missing from its holding's funds`);
  return funds;
}

/** A variable tranche's bands, highest first, from the two arrays its terms are stored in. */
export function bandsOf(terms: Pick<TermsRow, 'bandFromBasisPoints' | 'bandPaysBasisPoints'>): Band[] {
  return terms.bandFromBasisPoints.map((fromBasisPoints, i) => ({ fromBasisPoints, paysBasisPoints: terms.bandPaysBasisPoints[i]! }));
}

/** What `TranchePayout` resolves from: a projection (no log subject) or a recorded variable release. */
export interface PayoutView {
  measured: number | null;
  threshold: number | null;
  ratio: number | null;
  bandFromBasisPoints: number | null;
  paysBasisPoints: number;
  pays: ReturnType<typeof money>;
  unpaid: ReturnType<typeof money>;
  remainder: UnpaidRemainder | null;
  carryToTrancheId: string | null;
  measuredAt: Date;
  /** The tranche whose recorded payout this is (its log entry's subject); null for a projection. */
  loggedFor: string | null;
}

/** A ratio in basis points as the API shows it: 8333 → 0.8333. */
const ratioOf = (bp: bigint) => Number(bp) / 10_000;

export function recordedPayout(r: TranchePerformanceRelease): PayoutView {
  return {
    measured: r.measured,
    threshold: r.threshold,
    ratio: ratioOf(r.ratioBasisPoints),
    bandFromBasisPoints: r.bandFromBasisPoints,
    paysBasisPoints: r.paysBasisPoints,
    pays: money(r.paidMinor, r.currency),
    unpaid: money(r.unpaidMinor, r.currency),
    remainder: r.remainder,
    carryToTrancheId: r.carriedToTrancheId,
    measuredAt: r.releasedAt,
    loggedFor: r.trancheId,
  };
}

/** The benchmark a variable tranche names, as milestones reports it now; refused if it is gone. */
export function benchmarkOf(milestone: MilestoneFacts, terms: Pick<TermsRow, 'benchmarkId' | 'trancheId'>) {
  const benchmark = milestone.benchmarks.find((b) => b.id === terms.benchmarkId);
  if (!benchmark) {
    throw new DomainError(
      ErrorCode.NOT_FOUND,
      `Milestone "${milestone.title}" no longer has benchmark ${terms.benchmarkId}, which variable tranche ${terms.trancheId} is measured against, as the milestones service reports it now; ask the mediator.`,
    );
  }
  return benchmark;
}

/** Whether a tranche of the holding can still receive a carried remainder: not released, and standing for something. */
export function isOpen(funds: TrancheFunds | undefined): boolean {
  return !!funds && !funds.releasedAlready && funds.held + funds.unfunded > 0n;
}

/** The views of a tranche's approval, release and penalty: where each sits in the evidence log. */
export const TrancheApproval = { logEntry: logEntryField('tranche-approval', (a: { trancheId: string }) => a.trancheId) };
const releaseJournalEntry = logEntryField('ledger-journal', (r: { journalId: string }) => r.journalId);
export const TrancheRelease = {
  logEntry(r: { journalId: string | null }, args: unknown, ctx: Context) {
    return r.journalId ? releaseJournalEntry(r as { journalId: string }, args, ctx) : null;
  },
};
export const TranchePenalty = { logEntry: logEntryField('ledger-journal', (r: { journalId: string }) => r.journalId) };
const payoutEntry = logEntryField('tranche-performance', (p: { loggedFor: string }) => p.loggedFor);
export const TranchePayout = {
  carryTo(p: PayoutView, _: unknown, ctx: Context) {
    return p.carryToTrancheId ? ctx.loaders.tranche.load(p.carryToTrancheId) : null;
  },
  logEntry(p: PayoutView, args: unknown, ctx: Context) {
    return p.loggedFor ? payoutEntry(p as { loggedFor: string }, args, ctx) : null;
  },
};
export const TranchePerformanceTerms = {
  bands: bandsOf,
  carryTo(t: TermsRow, _: unknown, ctx: Context) {
    return t.carryToTrancheId ? ctx.loaders.tranche.load(t.carryToTrancheId) : null;
  },
};

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
   * From the stored release and penalty first (through the holding's funds); only when neither settles
   * it, from the milestone's status: the one passed down from `Milestone` (`@requires`), or else
   * confirmed with milestones (batched).
   */
  async status(t: TrancheView, _: unknown, ctx: Context): Promise<TrancheStatus> {
    const funds = await fundsOf(t, ctx);
    const facts = { released: funds.releasedAlready, forfeitedMinor: funds.forfeited, remainingMinor: t.amountMinor + funds.carriedIn - funds.forfeited };
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
  async carriedIn(t: TrancheView, _: unknown, ctx: Context) {
    return money((await fundsOf(t, ctx)).carriedIn, t.currency);
  },
  async unpaid(t: TrancheView, _: unknown, ctx: Context) {
    return money((await fundsOf(t, ctx)).unpaid, t.currency);
  },
  /** All that is held, once the status is RELEASABLE and escrow holds all that remains; else nothing. Fails with `status` when that cannot be told. */
  async releasable(t: TrancheView, args: unknown, ctx: Context) {
    const [status, funds] = await Promise.all([Tranche.status(t, args, ctx), fundsOf(t, ctx)]);
    return money(status === 'RELEASABLE' && funds.unfunded === 0n ? funds.held : 0n, t.currency);
  },
  performance(t: TrancheView, _: unknown, ctx: Context) {
    return ctx.loaders.performanceTermsOfTranche.load(t.id);
  },
  /**
   * What a release made now would pay. For a variable tranche, the benchmark's threshold comes from
   * milestones and its measured value from its owner, both batched per request (`milestone`,
   * `measurement`): no query plan can bring them here (see `measurement` in context.ts).
   */
  async projectedPayout(t: TrancheView, _: unknown, ctx: Context): Promise<PayoutView | null> {
    const funds = await fundsOf(t, ctx);
    const remaining = funds.held + funds.unfunded;
    if (funds.releasedAlready || remaining <= 0n) return null;
    const terms = await ctx.loaders.performanceTermsOfTranche.load(t.id);
    const measuredAt = ctx.clock.now();
    if (!terms) {
      const nothing = money(0n, t.currency);
      return { measured: null, threshold: null, ratio: null, bandFromBasisPoints: null, paysBasisPoints: 10_000, pays: money(remaining, t.currency), unpaid: nothing, remainder: null, carryToTrancheId: null, measuredAt, loggedFor: null };
    }
    const milestone = await ctx.loaders.milestone.load(t.milestoneId);
    if (!milestone) throw new DomainError(ErrorCode.NOT_FOUND, `The milestones service does not know milestone ${t.milestoneId} of tranche ${t.id}, so its payout cannot be projected.`);
    const benchmark = benchmarkOf(milestone, terms);
    const [measured, holding] = await Promise.all([
      ctx.loaders.measurement.load(measureKey(milestone.id, terms.metric as PerformanceMetric)),
      ctx.loaders.fundsOfHolding.load(holdingKey(t.escrowAccountId, t.guarantorId)),
    ]);
    const target = terms.carryToTrancheId ? holding?.tranches.get(terms.carryToTrancheId) : undefined;
    const s = settle({ bands: bandsOf(terms), threshold: benchmark.threshold, measured, remainingMinor: remaining, terms: terms.remainder, carryTargetOpen: isOpen(target) });
    return {
      measured,
      threshold: benchmark.threshold,
      ratio: ratioOf(s.ratioBasisPoints),
      bandFromBasisPoints: s.band?.fromBasisPoints ?? null,
      paysBasisPoints: s.paysBasisPoints,
      pays: money(s.paidMinor, t.currency),
      unpaid: money(s.unpaidMinor, t.currency),
      remainder: s.remainder,
      carryToTrancheId: s.remainder === 'CARRY_TO_TRANCHE' ? terms.carryToTrancheId : null,
      measuredAt,
      loggedFor: null,
    };
  },
  approval(t: TrancheView, _: unknown, ctx: Context) {
    return ctx.loaders.approvalOfTranche.load(t.id);
  },
  async release(t: TrancheView, _: unknown, ctx: Context) {
    const variable = await ctx.loaders.performanceReleaseOfTranche.load(t.id);
    if (variable) {
      return { journalId: variable.journalId, amount: money(variable.paidMinor, variable.currency), releasedAt: variable.releasedAt, releasedBy: variable.releasedBy, payout: recordedPayout(variable) };
    }
    const { release } = await settlements(t, ctx);
    return release && { journalId: release.id, amount: money(release.amountMinor, release.currency), releasedAt: release.recordedAt, releasedBy: release.recordedBy, payout: null };
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
