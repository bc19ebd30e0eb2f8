import { randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { preparedQuery, type Caller, type EvidenceLog } from '@treaty/service-kit';
import { allotHolding, type HoldingFunds, type HoldingTranche } from './domain/funding.js';
import { unbalancedReason } from './domain/ledger.js';
import { EscrowAccount, IncentiveJournal, LedgerAccount, LedgerEntry, LedgerJournal, type IncentiveEscrow, type JournalKind, type LedgerAccountKind, type UnitJournalKind } from './entities/index.js';
import { journalFact, unitJournalFact } from './evidence.js';

/**
 * Writes to the escrow ledger, always inside the caller's transaction. Money moves only as a journal
 * whose entries sum to zero; balances are only ever sums of entries.
 */

/**
 * The ledger account of `kind` in an escrow account (for a guarantor, except BENEFICIARY), created on
 * first use. With `lock`, the row is locked until the transaction ends, so that a balance checked
 * against it stays true until the journal that relies on it is written.
 */
export async function ledgerAccount(
  m: EntityManager,
  escrow: EscrowAccount,
  kind: LedgerAccountKind,
  guarantorId: string | null,
  lock = false,
): Promise<LedgerAccount> {
  const conflict =
    kind === 'BENEFICIARY' ? `(escrow_account_id) WHERE kind = 'BENEFICIARY'` : '(escrow_account_id, kind, guarantor_id) WHERE guarantor_id IS NOT NULL';
  await m.query(
    `INSERT INTO ledger_account (id, escrow_account_id, kind, guarantor_id, currency) VALUES ($1, $2, $3, $4, $5) ON CONFLICT ${conflict} DO NOTHING`,
    [randomUUID(), escrow.id, kind, guarantorId, escrow.currency],
  );
  const qb = m
    .getRepository(LedgerAccount)
    .createQueryBuilder('a')
    .where('a.escrow_account_id = :escrow AND a.kind = :kind', { escrow: escrow.id, kind });
  if (guarantorId) qb.andWhere('a.guarantor_id = :guarantorId', { guarantorId });
  if (lock) qb.setLock('pessimistic_write');
  return qb.getOneOrFail();
}

/** One guarantor's holding in one escrow account, as a loader key. */
export function holdingKey(escrowAccountId: string, guarantorId: string): string {
  return `${escrowAccountId}|${guarantorId}`;
}

/**
 * The balance and the tranches of each holding, in creation order with what was released, left unpaid,
 * carried in and forfeited of each, reserved as `allotHolding` says: one statement for any number of holdings. Mutations call it
 * inside their transaction with the holding's ledger account locked, so the reservations they check
 * cannot change before their journal is written; reads call it through a per-request loader.
 */
export async function fundsOfHoldings(
  q: DataSource | EntityManager,
  holdings: readonly { escrowAccountId: string; guarantorId: string }[],
): Promise<Map<string, HoldingFunds>> {
  const rows: {
    escrow_account_id: string; guarantor_id: string; balance: string;
    id: string | null; milestone_id: string; currency: string; amount: string; forfeited: string; released: string | null; unpaid: string; carried_in: string;
  }[] = holdings.length === 0 ? [] : await preparedQuery(q, 
    `WITH h AS (
       SELECT DISTINCT escrow_account_id, guarantor_id FROM unnest($1::uuid[], $2::uuid[]) AS x(escrow_account_id, guarantor_id)
     ), balances AS (
       SELECT a.escrow_account_id, a.guarantor_id, coalesce(sum(e.amount_minor), 0) AS balance
         FROM ledger_account a
         JOIN h ON h.escrow_account_id = a.escrow_account_id AND h.guarantor_id = a.guarantor_id
         LEFT JOIN ledger_entry e ON e.account_id = a.id
        WHERE a.kind = 'ESCROW'
        GROUP BY a.escrow_account_id, a.guarantor_id
     )
     SELECT h.escrow_account_id, h.guarantor_id, coalesce(b.balance, 0)::text AS balance,
            t.id, t.milestone_id, t.currency, t.amount_minor::text AS amount,
            coalesce(f.amount_minor, 0)::text AS forfeited,
            (CASE WHEN p.tranche_id IS NOT NULL THEN p.paid_minor ELSE r.amount_minor END)::text AS released,
            coalesce(p.unpaid_minor, 0)::text AS unpaid, coalesce(c.carried, 0)::text AS carried_in
       FROM h
       LEFT JOIN balances b ON b.escrow_account_id = h.escrow_account_id AND b.guarantor_id = h.guarantor_id
       LEFT JOIN tranche t ON t.escrow_account_id = h.escrow_account_id AND t.guarantor_id = h.guarantor_id
       LEFT JOIN ledger_journal r ON r.tranche_id = t.id AND r.kind = 'RELEASE'
       LEFT JOIN ledger_journal f ON f.tranche_id = t.id AND f.kind = 'FORFEIT'
       -- A variable tranche's release (it may have paid nothing, and so have no journal), and what earlier
       -- variable tranches carried to this one.
       LEFT JOIN tranche_performance_release p ON p.tranche_id = t.id
       LEFT JOIN LATERAL (
         SELECT sum(x.unpaid_minor) AS carried FROM tranche_performance_release x WHERE x.carried_to_tranche_id = t.id
       ) c ON true
      ORDER BY h.escrow_account_id, h.guarantor_id, t.sequence`,
    [holdings.map((h) => h.escrowAccountId), holdings.map((h) => h.guarantorId)],
  );
  const grouped = new Map<string, { balance: bigint; tranches: HoldingTranche[] }>();
  for (const r of rows) {
    const key = holdingKey(r.escrow_account_id, r.guarantor_id);
    const g = grouped.get(key) ?? { balance: BigInt(r.balance), tranches: [] };
    if (r.id !== null) {
      g.tranches.push({
        id: r.id,
        milestoneId: r.milestone_id,
        currency: r.currency,
        amountMinor: BigInt(r.amount),
        forfeitedMinor: BigInt(r.forfeited),
        releasedMinor: r.released === null ? null : BigInt(r.released),
        unpaidMinor: BigInt(r.unpaid),
        carriedInMinor: BigInt(r.carried_in),
      });
    }
    grouped.set(key, g);
  }
  return new Map([...grouped].map(([key, g]) => [key, allotHolding(g.balance, g.tranches)]));
}

/** The unique index that holds a deposit's reference to one deposit per escrow account (its migration says why). */
export const DEPOSIT_REFERENCE_KEY = 'ledger_journal_deposit_reference_key';

/**
 * The earliest deposit into `escrowAccountId` whose reference equals `reference` ignoring case and
 * surrounding spaces, or null. The comparison is the unique index's own expression, so this check and the
 * index that backs it under concurrency can never disagree; bank references are not case-sensitive, and a
 * reference retyped in other case is the same transfer. It looks at every deposit, including any repeats
 * booked before the index existed and kept out of it.
 */
export async function depositWithReference(m: EntityManager, escrowAccountId: string, reference: string): Promise<LedgerJournal | null> {
  return m
    .getRepository(LedgerJournal)
    .createQueryBuilder('j')
    .where(`j.escrow_account_id = :escrowAccountId AND j.kind = 'DEPOSIT' AND j.reference IS NOT NULL`, { escrowAccountId })
    .andWhere('lower(btrim(j.reference)) = lower(btrim(:reference))', { reference })
    .orderBy('j.sequence', 'ASC')
    .limit(1)
    .getOne();
}

export interface JournalDraft {
  kind: JournalKind;
  escrow: EscrowAccount;
  guarantorId: string;
  trancheId?: string | null;
  amountMinor: bigint;
  basisPoints?: number | null;
  reference?: string | null;
  at: Date;
  caller: Caller;
  /** The service's evidence log: every movement of money is appended to it with its entries. */
  evidence: EvidenceLog;
}

/** Records `amountMinor` moving from one ledger account to another as one balanced journal. */
export async function postTransfer(m: EntityManager, draft: JournalDraft, from: LedgerAccount, to: LedgerAccount): Promise<LedgerJournal> {
  const entries = [
    { accountId: from.id, amountMinor: -draft.amountMinor },
    { accountId: to.id, amountMinor: draft.amountMinor },
  ];
  const reason = unbalancedReason(draft.amountMinor, entries);
  if (reason) throw new Error(`refusing to write an unbalanced journal: ${reason}`);
  const journal = m.create(LedgerJournal, {
    id: randomUUID(),
    kind: draft.kind,
    escrowAccountId: draft.escrow.id,
    guarantorId: draft.guarantorId,
    trancheId: draft.trancheId ?? null,
    currency: draft.escrow.currency,
    amountMinor: draft.amountMinor,
    basisPoints: draft.basisPoints ?? null,
    reference: draft.reference ?? null,
    recordedAt: draft.at,
    recordedBy: draft.caller.agency ?? draft.caller.subject ?? null,
    recordedBySubject: draft.caller.subject,
  });
  await m.insert(LedgerJournal, journal);
  await m.insert(
    LedgerEntry,
    entries.map((e) => ({ id: randomUUID(), journalId: journal.id, accountId: e.accountId, currency: draft.escrow.currency, amountMinor: e.amountMinor })),
  );
  await draft.evidence.append(m, { kind: 'ledger-journal', subject: journal.id, fact: journalFact(journal, entries), by: draft.caller });
  return journal;
}

export interface UnitJournalDraft {
  kind: UnitJournalKind;
  escrow: IncentiveEscrow;
  units: number;
  step?: number | null;
  /** For a reversion: when the snap-back it follows was triggered; it counts from then on. */
  triggerAt?: Date | null;
  at: Date;
  caller: Caller;
  evidence: EvidenceLog;
}

/**
 * Records `units` of an incentive escrow moving between its fixed accounts (GRANT: guarantor to escrow,
 * RELEASE: escrow to beneficiary, REVERSION: beneficiary to guarantor) and appends it to the evidence log.
 * A reversion is effective from its trigger, anything else from when it is recorded.
 */
export async function postUnits(m: EntityManager, d: UnitJournalDraft): Promise<IncentiveJournal> {
  if (!Number.isInteger(d.units) || d.units <= 0) throw new Error(`refusing to write a unit journal of ${d.units} units`);
  const journal = m.create(IncentiveJournal, {
    id: randomUUID(),
    incentiveEscrowId: d.escrow.id,
    kind: d.kind,
    units: d.units,
    step: d.step ?? null,
    triggerAt: d.triggerAt ?? null,
    effectiveAt: d.kind === 'REVERSION' ? d.triggerAt! : d.at,
    recordedAt: d.at,
    recordedBy: d.caller.agency ?? d.caller.subject ?? null,
    recordedBySubject: d.caller.subject,
  });
  await m.insert(IncentiveJournal, journal);
  await d.evidence.append(m, { kind: 'incentive-journal', subject: journal.id, fact: unitJournalFact(journal), by: d.caller });
  return journal;
}
