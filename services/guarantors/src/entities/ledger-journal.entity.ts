import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { minorUnits } from './columns.js';
import { EscrowAccount } from './escrow-account.entity.js';
import { Guarantor } from './guarantor.entity.js';
import { Tranche } from './tranche.entity.js';

/**
 * One movement of money: a deposit into escrow, a tranche's release to the beneficiary, or a share
 * forfeited back to the guarantor. Its entries sum to zero and its positive entries to `amountMinor`
 * (checked by a deferred constraint trigger). Append-only. A RELEASE journal is the stored fact that a
 * tranche was released; at most one per tranche (unique index), and likewise one FORFEIT. A deposit's
 * reference is unique per escrow account, ignoring case and surrounding spaces (an expression index, so
 * not described to TypeORM; deposits repeated before that index existed are kept out of it, see its
 * migration).
 */
export const JOURNAL_KINDS = ['DEPOSIT', 'RELEASE', 'FORFEIT'] as const;
export type JournalKind = (typeof JOURNAL_KINDS)[number];

@Entity({ name: 'ledger_journal' })
@Index('ledger_journal_release_key', ['trancheId'], { unique: true, where: `kind = 'RELEASE'` })
@Index('ledger_journal_forfeit_key', ['trancheId'], { unique: true, where: `kind = 'FORFEIT'` })
@Index('ledger_journal_account_idx', ['escrowAccountId', 'sequence'])
@Index('ledger_journal_deposit_reference_key', { synchronize: false })
export class LedgerJournal {
  @PrimaryColumn({ type: 'uuid', name: 'id' })
  id: string;

  /** The journal number: the order journals were written in (an identity column). */
  @Column({ type: 'bigint', name: 'sequence', insert: false, update: false, unique: true })
  sequence: string;

  @Column({ type: 'text', name: 'kind' })
  kind: JournalKind;

  @Column({ type: 'uuid', name: 'escrow_account_id' })
  escrowAccountId: string;

  @ManyToOne(() => EscrowAccount)
  @JoinColumn({ name: 'escrow_account_id' })
  escrowAccount: Relation<EscrowAccount>;

  /** The guarantor whose holding the money moved into or out of. */
  @Column({ type: 'uuid', name: 'guarantor_id' })
  guarantorId: string;

  @ManyToOne(() => Guarantor)
  @JoinColumn({ name: 'guarantor_id' })
  guarantor: Relation<Guarantor>;

  /** For RELEASE and FORFEIT: the tranche concerned. */
  @Column({ type: 'uuid', name: 'tranche_id', nullable: true })
  trancheId: string | null;

  @ManyToOne(() => Tranche)
  @JoinColumn({ name: 'tranche_id' })
  tranche: Relation<Tranche> | null;

  @Column({ type: 'text', name: 'currency' })
  currency: string;

  /** The amount moved, in minor units (positive). */
  @Column({ type: 'bigint', name: 'amount_minor', transformer: minorUnits })
  amountMinor: bigint;

  /** For FORFEIT: the penalty schedule's share applied, in basis points. */
  @Column({ type: 'integer', name: 'basis_points', nullable: true })
  basisPoints: number | null;

  /** The payer's reference for a deposit (a transfer number), if given; stored trimmed, in the case it was sent. */
  @Column({ type: 'text', name: 'reference', nullable: true })
  reference: string | null;

  @Column({ type: 'timestamptz', name: 'recorded_at' })
  recordedAt: Date;

  /** The agency that recorded the movement. */
  @Column({ type: 'text', name: 'recorded_by', nullable: true })
  recordedBy: string | null;

  @Column({ type: 'text', name: 'recorded_by_subject', nullable: true })
  recordedBySubject: string | null;
}
