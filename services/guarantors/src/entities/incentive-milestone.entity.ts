import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One milestone of the set whose progress earns an incentive escrow's steps, in the order listed. */
@Entity({ name: 'incentive_milestone' })
@Index('incentive_milestone_milestone_idx', ['milestoneId'])
export class IncentiveMilestone {
  @PrimaryColumn({ type: 'uuid', name: 'incentive_escrow_id' })
  incentiveEscrowId: string;

  /** The milestone (owned by the milestones service). */
  @PrimaryColumn({ type: 'uuid', name: 'milestone_id' })
  milestoneId: string;

  @Column({ type: 'integer', name: 'ordinal' })
  ordinal: number;
}
