import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The agreement's pre-agreed consequence of a missed milestone: the share of a tranche forfeited back to its guarantor. */
@Entity({ name: 'penalty_schedule' })
export class PenaltySchedule {
  /** The agreement (owned by the milestones service); one schedule per agreement. */
  @PrimaryColumn({ type: 'uuid', name: 'agreement_id' })
  agreementId: string;

  /** 0 to 10000 (basis points of the tranche's amount). */
  @Column({ type: 'integer', name: 'forfeit_basis_points' })
  forfeitBasisPoints: number;

  @Column({ type: 'text', name: 'description', nullable: true })
  description: string | null;

  @Column({ type: 'timestamptz', name: 'set_at' })
  setAt: Date;

  @Column({ type: 'text', name: 'set_by', nullable: true })
  setBy: string | null;
}
