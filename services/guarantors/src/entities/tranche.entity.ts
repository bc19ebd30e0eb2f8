import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { minorUnits } from './columns.js';
import { EscrowAccount } from './escrow-account.entity.js';
import { Guarantor } from './guarantor.entity.js';

/**
 * An amount in an escrow account, funded by one guarantor, tied to one milestone. Its status is never
 * stored: it follows from its release and penalty journals and the milestone's status.
 */
@Entity({ name: 'tranche' })
@Index('tranche_milestone_idx', ['milestoneId'])
@Index('tranche_holding_idx', ['escrowAccountId', 'guarantorId', 'sequence'])
@Index('tranche_guarantor_idx', ['guarantorId'])
export class Tranche {
  @PrimaryColumn({ type: 'uuid', name: 'id' })
  id: string;

  /** The order tranches were created in (an identity column): a holding covers its tranches in this order. */
  @Column({ type: 'bigint', name: 'sequence', insert: false, update: false, unique: true })
  sequence: string;

  @Column({ type: 'uuid', name: 'escrow_account_id' })
  escrowAccountId: string;

  @ManyToOne(() => EscrowAccount)
  @JoinColumn({ name: 'escrow_account_id' })
  escrowAccount: Relation<EscrowAccount>;

  /** The milestone (owned by the milestones service). */
  @Column({ type: 'uuid', name: 'milestone_id' })
  milestoneId: string;

  /** The funding guarantor: its holding pays the tranche, and it alone may release it. */
  @Column({ type: 'uuid', name: 'guarantor_id' })
  guarantorId: string;

  @ManyToOne(() => Guarantor)
  @JoinColumn({ name: 'guarantor_id' })
  guarantor: Relation<Guarantor>;

  /** The escrow account's currency (composite foreign key). */
  @Column({ type: 'text', name: 'currency' })
  currency: string;

  @Column({ type: 'bigint', name: 'amount_minor', transformer: minorUnits })
  amountMinor: bigint;

  @Column({ type: 'text', name: 'description', nullable: true })
  description: string | null;

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @Column({ type: 'text', name: 'created_by', nullable: true })
  createdBy: string | null;
}
