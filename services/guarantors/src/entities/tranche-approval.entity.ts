import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Tranche } from './tranche.entity.js';

/** A mediator's approval of a tranche's release: the first of the two people a release needs. At most one per tranche. */
@Entity({ name: 'tranche_approval' })
export class TrancheApproval {
  @PrimaryColumn({ type: 'uuid', name: 'tranche_id' })
  trancheId: string;

  @OneToOne(() => Tranche)
  @JoinColumn({ name: 'tranche_id' })
  tranche: Relation<Tranche>;

  /** The approving agency. */
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
