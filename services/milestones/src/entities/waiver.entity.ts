import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Milestone } from './milestone.entity.js';

/** The mediator's release of a party from a milestone. At most one per milestone (unique index). */
@Entity({ name: 'waiver' })
export class Waiver {
  @PrimaryColumn({ type: 'uuid', name: 'id' })
  id: string;

  @Column({ type: 'uuid', name: 'milestone_id', unique: true })
  milestoneId: string;

  @ManyToOne(() => Milestone, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'milestone_id' })
  milestone: Relation<Milestone>;

  @Column({ type: 'text', name: 'reason' })
  reason: string;

  @Column({ type: 'text', name: 'waived_by' })
  waivedBy: string;

  @Column({ type: 'timestamptz', name: 'waived_at' })
  waivedAt: Date;
}
