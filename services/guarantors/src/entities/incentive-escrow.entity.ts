import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import type { IncentiveKind } from '../domain/incentive.js';
import { Guarantor } from './guarantor.entity.js';

/**
 * Non-monetary benefits a guarantor holds in escrow for a beneficiary party, in units of their own,
 * released in steps (`stepBasisPoints` of the units per `milestonesPerStep` listed milestones met). What
 * is held, released and reverted is never stored here: it is the sum of the escrow's unit journals.
 */
@Entity({ name: 'incentive_escrow' })
@Index('incentive_escrow_agreement_idx', ['agreementId'])
@Index('incentive_escrow_guarantor_idx', ['guarantorId'])
export class IncentiveEscrow {
  @PrimaryColumn({ type: 'uuid', name: 'id' })
  id: string;

  /** The order escrows were created in (an identity column). */
  @Column({ type: 'bigint', name: 'sequence', insert: false, update: false, unique: true })
  sequence: string;

  /** The agreement (owned by the milestones service). */
  @Column({ type: 'uuid', name: 'agreement_id' })
  agreementId: string;

  /** The party the benefit is for (owned by the milestones service). */
  @Column({ type: 'uuid', name: 'beneficiary_party_id' })
  beneficiaryPartyId: string;

  /** The granting guarantor: it releases the steps. */
  @Column({ type: 'uuid', name: 'guarantor_id' })
  guarantorId: string;

  @ManyToOne(() => Guarantor)
  @JoinColumn({ name: 'guarantor_id' })
  guarantor: Relation<Guarantor>;

  @Column({ type: 'text', name: 'kind' })
  kind: IncentiveKind;

  /** What a unit is, e.g. "fishing permits". */
  @Column({ type: 'text', name: 'unit' })
  unit: string;

  @Column({ type: 'text', name: 'description', nullable: true })
  description: string | null;

  @Column({ type: 'integer', name: 'total_units' })
  totalUnits: number;

  @Column({ type: 'integer', name: 'step_basis_points' })
  stepBasisPoints: number;

  @Column({ type: 'integer', name: 'milestones_per_step' })
  milestonesPerStep: number;

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @Column({ type: 'text', name: 'created_by', nullable: true })
  createdBy: string | null;
}
