import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Agreement } from './agreement.entity.js';
import { Milestone } from './milestone.entity.js';

export const RULING_ROLES = ['MEDIATOR', 'GUARANTOR', 'MONITOR'] as const;
export type RulingRole = (typeof RULING_ROLES)[number];

/** A rung of an agreement's dispute ladder, set when the agreement is created. */
@Entity({ name: 'dispute_tier' })
export class DisputeTier {
  @PrimaryColumn({ type: 'uuid', name: 'agreement_id' })
  agreementId: string;

  @PrimaryColumn({ type: 'integer', name: 'ordinal' })
  ordinal: number;

  @ManyToOne(() => Agreement, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'agreement_id' })
  agreement: Relation<Agreement>;

  @Column({ type: 'text', name: 'name' })
  name: string;

  @Column({ type: 'integer', name: 'hours' })
  hours: number;

  @Column({ type: 'text', name: 'ruling_role' })
  rulingRole: RulingRole;
}

/** An alleged breach. Its tier and status are derived from `filedAt`, the ladder and the clock. */
@Entity({ name: 'dispute' })
@Index('dispute_agreement_idx', ['agreementId', 'filedAt'])
@Index('dispute_milestone_idx', ['milestoneId'])
export class Dispute {
  @PrimaryColumn({ type: 'uuid', name: 'id' })
  id: string;

  @Column({ type: 'uuid', name: 'agreement_id' })
  agreementId: string;

  @ManyToOne(() => Agreement, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'agreement_id' })
  agreement: Relation<Agreement>;

  @Column({ type: 'uuid', name: 'milestone_id', nullable: true })
  milestoneId: string | null;

  @ManyToOne(() => Milestone)
  @JoinColumn({ name: 'milestone_id' })
  milestone: Relation<Milestone> | null;

  @Column({ type: 'uuid', name: 'incident_id', nullable: true })
  incidentId: string | null;

  @Column({ type: 'text', name: 'allegation' })
  allegation: string;

  @Column({ type: 'uuid', name: 'accused_party_id', nullable: true })
  accusedPartyId: string | null;

  @Column({ type: 'text', name: 'filed_by' })
  filedBy: string;

  @Column({ type: 'text', name: 'filed_by_subject', nullable: true })
  filedBySubject: string | null;

  /** When the complaint was lodged; starts the ladder's clocks. */
  @Column({ type: 'timestamptz', name: 'filed_at' })
  filedAt: Date;

  /** When it was entered here (at or after lodging). */
  @Column({ type: 'timestamptz', name: 'recorded_at' })
  recordedAt: Date;
}

export const RULING_OUTCOMES = ['BREACH_CONFIRMED', 'NO_BREACH', 'SETTLED'] as const;
export type RulingOutcome = (typeof RULING_OUTCOMES)[number];

/** The one ruling a dispute can have (unique per dispute). */
@Entity({ name: 'dispute_ruling' })
export class DisputeRuling {
  @PrimaryColumn({ type: 'uuid', name: 'dispute_id' })
  disputeId: string;

  @ManyToOne(() => Dispute, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'dispute_id' })
  dispute: Relation<Dispute>;

  @Column({ type: 'text', name: 'outcome' })
  outcome: RulingOutcome;

  @Column({ type: 'text', name: 'reasoning' })
  reasoning: string;

  @Column({ type: 'integer', name: 'tier_ordinal' })
  tierOrdinal: number;

  @Column({ type: 'text', name: 'ruled_by' })
  ruledBy: string;

  @Column({ type: 'timestamptz', name: 'ruled_at' })
  ruledAt: Date;
}
