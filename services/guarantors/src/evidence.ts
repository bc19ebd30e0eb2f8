import { In } from 'typeorm';
import { factsByColumn, textDigest, type FactKind } from '@treaty/service-kit';
import { LedgerEntry, LedgerJournal, TrancheApproval } from './entities/index.js';

/**
 * What this service writes to its evidence log (DESIGN §11): each approval of a tranche's release, and
 * every movement of money (a deposit, a release, a penalty's forfeit) with its balanced ledger entries,
 * amounts in integer minor units as decimal strings. A tranche's status (RELEASABLE, WITHHELD…) is
 * derived from these, the milestone and snap-back, never stored, so it is not logged itself.
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

export const evidenceFacts: FactKind[] = [
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
