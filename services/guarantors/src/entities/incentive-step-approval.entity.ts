import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A mediator's approval of one step of an incentive escrow: the first of the two people a release needs. At most one per step. */
@Entity({ name: 'incentive_step_approval' })
@Index('incentive_step_approval_step_key', ['incentiveEscrowId', 'step'], { unique: true })
export class IncentiveStepApproval {
  @PrimaryColumn({ type: 'uuid', name: 'id' })
  id: string;

  @Column({ type: 'uuid', name: 'incentive_escrow_id' })
  incentiveEscrowId: string;

  @Column({ type: 'integer', name: 'step' })
  step: number;

  @Column({ type: 'text', name: 'approved_by' })
  approvedBy: string;

  /** The approving person (token subject); the releaser must be someone else. */
  @Column({ type: 'text', name: 'approved_by_subject' })
  approvedBySubject: string;

  @Column({ type: 'timestamptz', name: 'approved_at' })
  approvedAt: Date;

  @Column({ type: 'text', name: 'note', nullable: true })
  note: string | null;
}
