import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { Caller } from '@treaty/service-kit';
import { unbalancedReason } from './domain/ledger.js';
import { EscrowAccount, LedgerAccount, LedgerEntry, LedgerJournal, type JournalKind, type LedgerAccountKind } from './entities/index.js';

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

/** The balance of one ledger account: the sum of its entries. */
export async function balanceOf(m: EntityManager, account: LedgerAccount): Promise<bigint> {
  const [row] = await m.query(`SELECT coalesce(sum(amount_minor), 0)::text AS balance FROM ledger_entry WHERE account_id = $1`, [account.id]);
  return BigInt(row.balance);
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
  return journal;
}
