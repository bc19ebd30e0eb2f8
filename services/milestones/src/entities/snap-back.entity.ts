import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Agreement } from './agreement.entity.js';

export const SNAP_BACK_TRIGGERS = ['MILESTONE_MISSED', 'VIOLATIONS_THRESHOLD', 'RULING_CONFIRMS_BREACH'] as const;
export type SnapBackTriggerKind = (typeof SNAP_BACK_TRIGGERS)[number];

/** What triggers snap-back. Whether it is active is derived at read time, never stored. */
@Entity({ name: 'snap_back_clause' })
@Index('snap_back_clause_agreement_idx', ['agreementId'])
export class SnapBackClause {
  @PrimaryColumn({ type: 'uuid', name: 'id' })
  id: string;

  @Column({ type: 'uuid', name: 'agreement_id' })
  agreementId: string;

  @ManyToOne(() => Agreement, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'agreement_id' })
  agreement: Relation<Agreement>;

  @Column({ type: 'text', name: 'trigger' })
  trigger: SnapBackTriggerKind;

  @Column({ type: 'uuid', name: 'milestone_id', nullable: true })
  milestoneId: string | null;

  @Column({ type: 'integer', name: 'threshold', nullable: true })
  threshold: number | null;

  @Column({ type: 'integer', name: 'window_hours', nullable: true })
  windowHours: number | null;

  @Column({ type: 'text', name: 'reverts' })
  reverts: string;

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;
}

/** A mediator's lift of snap-back, with the reason on record. */
@Entity({ name: 'snap_back_lift' })
@Index('snap_back_lift_agreement_idx', ['agreementId', 'liftedAt'])
export class SnapBackLift {
  @PrimaryColumn({ type: 'uuid', name: 'id' })
  id: string;

  @Column({ type: 'uuid', name: 'agreement_id' })
  agreementId: string;

  @ManyToOne(() => Agreement, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'agreement_id' })
  agreement: Relation<Agreement>;

  @Column({ type: 'text', name: 'reason' })
  reason: string;

  @Column({ type: 'text', name: 'lifted_by' })
  liftedBy: string;

  @Column({ type: 'timestamptz', name: 'lifted_at' })
  liftedAt: Date;
}
