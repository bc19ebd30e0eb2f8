import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { minorUnits } from './columns.js';
import { LedgerAccount } from './ledger-account.entity.js';
import { LedgerJournal } from './ledger-journal.entity.js';

/**
 * One side of a journal: a signed amount in minor units on one ledger account (positive adds to the
 * account, negative takes from it). An account's balance is the sum of its entries; nothing else
 * stores a balance. Append-only.
 */
@Entity({ name: 'ledger_entry' })
@Index('ledger_entry_journal_idx', ['journalId'])
@Index('ledger_entry_account_idx', ['accountId'])
export class LedgerEntry {
  @PrimaryColumn({ type: 'uuid', name: 'id' })
  id: string;

  @Column({ type: 'uuid', name: 'journal_id' })
  journalId: string;

  @ManyToOne(() => LedgerJournal)
  @JoinColumn({ name: 'journal_id' })
  journal: Relation<LedgerJournal>;

  @Column({ type: 'uuid', name: 'account_id' })
  accountId: string;

  @ManyToOne(() => LedgerAccount)
  @JoinColumn({ name: 'account_id' })
  account: Relation<LedgerAccount>;

  /** Equal to the journal's and the account's currency (composite foreign keys). */
  @Column({ type: 'text', name: 'currency' })
  currency: string;

  @Column({ type: 'bigint', name: 'amount_minor', transformer: minorUnits })
  amountMinor: bigint;
}
