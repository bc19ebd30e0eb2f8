import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import type { CommitmentKind } from '../domain/commitment.js';
import { minorUnits } from './columns.js';
import { Guarantor } from './guarantor.entity.js';

/**
 * A guarantor's security assurance or funding pledge to an agreement. Its status is never stored: it
 * follows from when it was committed and paid.
 */
@Entity({ name: 'commitment' })
@Index('commitment_guarantor_idx', ['guarantorId', 'agreementId'])
@Index('commitment_agreement_idx', ['agreementId'])
export class Commitment {
  @PrimaryColumn({ type: 'uuid', name: 'id' })
  id: string;

  @Column({ type: 'uuid', name: 'guarantor_id' })
  guarantorId: string;

  @ManyToOne(() => Guarantor)
  @JoinColumn({ name: 'guarantor_id' })
  guarantor: Relation<Guarantor>;

  /** The agreement (owned by the milestones service). */
  @Column({ type: 'uuid', name: 'agreement_id' })
  agreementId: string;

  @Column({ type: 'text', name: 'kind' })
  kind: CommitmentKind;

  @Column({ type: 'text', name: 'description', nullable: true })
  description: string | null;

  @Column({ type: 'bigint', name: 'amount_minor', nullable: true, transformer: minorUnits })
  amountMinor: bigint | null;

  @Column({ type: 'text', name: 'currency', nullable: true })
  currency: string | null;

  @Column({ type: 'timestamptz', name: 'pledged_at' })
  pledgedAt: Date;

  @Column({ type: 'text', name: 'pledged_by', nullable: true })
  pledgedBy: string | null;

  @Column({ type: 'timestamptz', name: 'committed_at', nullable: true })
  committedAt: Date | null;

  @Column({ type: 'text', name: 'committed_by', nullable: true })
  committedBy: string | null;

  @Column({ type: 'timestamptz', name: 'paid_at', nullable: true })
  paidAt: Date | null;

  @Column({ type: 'text', name: 'paid_by', nullable: true })
  paidBy: string | null;
}
