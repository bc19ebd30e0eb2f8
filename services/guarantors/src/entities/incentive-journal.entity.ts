import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { IncentiveEscrow } from './incentive-escrow.entity.js';

/**
 * One movement of an incentive escrow's units, between three fixed accounts: GRANT from the granting
 * guarantor into escrow (once, the whole amount, when the escrow is made), RELEASE from escrow to the
 * beneficiary (one per step: unique index), REVERSION from the beneficiary back to the guarantor (one per
 * snap-back trigger: unique index; effective from the trigger, recorded when a mediator records it).
 * Balances are sums of journals; the table is append-only.
 */
export const UNIT_JOURNAL_KINDS = ['GRANT', 'RELEASE', 'REVERSION'] as const;
export type UnitJournalKind = (typeof UNIT_JOURNAL_KINDS)[number];

@Entity({ name: 'incentive_journal' })
@Index('incentive_journal_escrow_idx', ['incentiveEscrowId', 'sequence'])
export class IncentiveJournal {
  @PrimaryColumn({ type: 'uuid', name: 'id' })
  id: string;

  /** The order journals were written in (an identity column). */
  @Column({ type: 'bigint', name: 'sequence', insert: false, update: false, unique: true })
  sequence: string;

  @Column({ type: 'uuid', name: 'incentive_escrow_id' })
  incentiveEscrowId: string;

  @ManyToOne(() => IncentiveEscrow)
  @JoinColumn({ name: 'incentive_escrow_id' })
  incentiveEscrow: Relation<IncentiveEscrow>;

  @Column({ type: 'text', name: 'kind' })
  kind: UnitJournalKind;

  @Column({ type: 'integer', name: 'units' })
  units: number;

  /** For RELEASE: the step released. */
  @Column({ type: 'integer', name: 'step', nullable: true })
  step: number | null;

  /** For REVERSION: when the snap-back it follows was triggered (as milestones reported it). */
  @Column({ type: 'timestamptz', name: 'trigger_at', nullable: true })
  triggerAt: Date | null;

  /** From when the movement counts: the recording time, except a reversion, which counts from its trigger. */
  @Column({ type: 'timestamptz', name: 'effective_at' })
  effectiveAt: Date;

  @Column({ type: 'timestamptz', name: 'recorded_at' })
  recordedAt: Date;

  @Column({ type: 'text', name: 'recorded_by', nullable: true })
  recordedBy: string | null;

  @Column({ type: 'text', name: 'recorded_by_subject', nullable: true })
  recordedBySubject: string | null;
}
