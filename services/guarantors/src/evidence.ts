import { In } from 'typeorm';
import { factsByColumn, textDigest, type FactKind } from '@treaty/service-kit';
import { IncentiveJournal, IncentiveStepApproval, LedgerEntry, LedgerJournal, TrancheApproval, TranchePerformanceRelease } from './entities/index.js';

/**
 * What this service writes to its evidence log (DESIGN §11): each approval of a tranche's release, and
 * every movement of money (a deposit, a release, a penalty's forfeit) with its balanced ledger entries,
 * amounts in integer minor units as decimal strings; each variable tranche's release (what was measured,
 * the band that applied, what was paid and where the rest went); and for incentive escrows, each step's
 * approval and every movement of units (the grant into escrow, each step released, each reversion).
 * Statuses (RELEASABLE, WITHHELD…) are derived from these, the milestones and snap-back, never stored,
 * so they are not logged themselves.
 */
export const approvalFact = (a: TrancheApproval) => ({
  trancheId: a.trancheId,
  approvedBy: a.approvedBy,
  approvedAt: a.approvedAt.toISOString(),
  noteSha256: textDigest(a.note),
});

export const journalFact = (j: LedgerJournal, entries: ReadonlyArray<Pick<LedgerEntry, 'accountId' | 'amountMinor'>>) => ({
  id: j.id,
  kind: j.kind,
  escrowAccountId: j.escrowAccountId,
  guarantorId: j.guarantorId,
  trancheId: j.trancheId,
  currency: j.currency,
  amountMinor: j.amountMinor.toString(),
  basisPoints: j.basisPoints,
  reference: j.reference,
  recordedAt: j.recordedAt.toISOString(),
  recordedBy: j.recordedBy,
  entries: entries
    .map((e) => ({ accountId: e.accountId, amountMinor: e.amountMinor.toString() }))
    .sort((a, b) => (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0)),
});

/** A variable tranche's release: the measurement and band behind the amount its journal moved (none when nothing was paid). */
export const performanceReleaseFact = (r: TranchePerformanceRelease) => ({
  trancheId: r.trancheId,
  benchmarkId: r.benchmarkId,
  metric: r.metric,
  threshold: r.threshold,
  measured: r.measured,
  ratioBasisPoints: r.ratioBasisPoints.toString(),
  bandFromBasisPoints: r.bandFromBasisPoints,
  paysBasisPoints: r.paysBasisPoints,
  currency: r.currency,
  remainingMinor: r.remainingMinor.toString(),
  paidMinor: r.paidMinor.toString(),
  unpaidMinor: r.unpaidMinor.toString(),
  remainder: r.remainder,
  carriedToTrancheId: r.carriedToTrancheId,
  journalId: r.journalId,
  releasedAt: r.releasedAt.toISOString(),
  releasedBy: r.releasedBy,
});

export const stepApprovalFact = (a: IncentiveStepApproval) => ({
  id: a.id,
  incentiveEscrowId: a.incentiveEscrowId,
  step: a.step,
  approvedBy: a.approvedBy,
  approvedAt: a.approvedAt.toISOString(),
  noteSha256: textDigest(a.note),
});

export const unitJournalFact = (j: IncentiveJournal) => ({
  id: j.id,
  incentiveEscrowId: j.incentiveEscrowId,
  kind: j.kind,
  units: j.units,
  step: j.step,
  triggerAt: j.triggerAt?.toISOString() ?? null,
  effectiveAt: j.effectiveAt.toISOString(),
  recordedAt: j.recordedAt.toISOString(),
  recordedBy: j.recordedBy,
});

/**
 * The kinds this service logged before the evidence log existed: the migration that logs what was
 * recorded before it (migrations/index.ts) reads only these, since on a fresh database it runs before
 * the tables of the later kinds are made.
 */
export const factsBeforeTheLog: FactKind[] = [
  factsByColumn('tranche-approval', TrancheApproval, 'trancheId', approvalFact, 'SELECT tranche_id FROM tranche_approval'),
  {
    kind: 'ledger-journal',
    subjectsSql: 'SELECT id FROM ledger_journal',
    async load(m, subjects) {
      if (subjects.length === 0) return new Map();
      const journals = await m.findBy(LedgerJournal, { id: In(subjects) });
      const entries = await m.findBy(LedgerEntry, { journalId: In(subjects) });
      return new Map(journals.map((j) => [j.id, journalFact(j, entries.filter((e) => e.journalId === j.id))]));
    },
  },
];

/** Every kind: those above, variable releases, and incentive step approvals and unit movements (issue 20). */
export const evidenceFacts: FactKind[] = [
  ...factsBeforeTheLog,
  factsByColumn('tranche-performance', TranchePerformanceRelease, 'trancheId', performanceReleaseFact, 'SELECT tranche_id FROM tranche_performance_release'),
  factsByColumn('incentive-step-approval', IncentiveStepApproval, 'id', stepApprovalFact, 'SELECT id FROM incentive_step_approval'),
  factsByColumn('incentive-journal', IncentiveJournal, 'id', unitJournalFact, 'SELECT id FROM incentive_journal'),
];
