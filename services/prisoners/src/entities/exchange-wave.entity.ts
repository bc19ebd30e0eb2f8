import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One exchange: its place in the agreement's sequence, its schedule, the agreed ratio and, once sealed,
 * a fixed manifest, or the mediator's withdrawal of it while PLANNED. Its status (PLANNED, SEALED,
 * IN_PROGRESS, COMPLETED, WITHDRAWN) is derived, never stored.
 */
@Entity({ name: 'exchange_wave' })
@Index('exchange_wave_agreement_sequence_key', ['agreementId', 'sequence'], { unique: true })
@Index('exchange_wave_milestone_idx', ['milestoneId', 'sequence'])
export class ExchangeWave {
  @PrimaryColumn({ type: 'uuid', name: 'id' })
  id: string;

  @Column({ type: 'uuid', name: 'agreement_id' })
  agreementId: string;

  /** The milestone (owned by the milestones service) the wave delivers on. */
  @Column({ type: 'uuid', name: 'milestone_id' })
  milestoneId: string;

  @Column({ type: 'integer', name: 'sequence' })
  sequence: number;

  @Column({ type: 'timestamptz', name: 'scheduled_at' })
  scheduledAt: Date;

  /** The party whose releases set what the other side owes under the ratio; null when the wave has no ratio. */
  @Column({ type: 'uuid', name: 'ratio_base_party_id', nullable: true })
  ratioBasePartyId: string | null;

  @Column({ type: 'text', name: 'exception_reason', nullable: true })
  exceptionReason: string | null;

  @Column({ type: 'text', name: 'exception_by', nullable: true })
  exceptionBy: string | null;

  @Column({ type: 'timestamptz', name: 'exception_at', nullable: true })
  exceptionAt: Date | null;

  @Column({ type: 'text', name: 'planned_by' })
  plannedBy: string;

  @Column({ type: 'timestamptz', name: 'planned_at' })
  plannedAt: Date;

  @Column({ type: 'timestamptz', name: 'sealed_at', nullable: true })
  sealedAt: Date | null;

  @Column({ type: 'text', name: 'sealed_by', nullable: true })
  sealedBy: string | null;

  /** Set when the mediator withdrew the wave while PLANNED; then it is never sealed. */
  @Column({ type: 'timestamptz', name: 'withdrawn_at', nullable: true })
  withdrawnAt: Date | null;

  @Column({ type: 'text', name: 'withdrawn_by', nullable: true })
  withdrawnBy: string | null;

  @Column({ type: 'text', name: 'withdrawal_reason', nullable: true })
  withdrawalReason: string | null;
}
