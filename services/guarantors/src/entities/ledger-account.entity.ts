import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { EscrowAccount } from './escrow-account.entity.js';
import { Guarantor } from './guarantor.entity.js';

/**
 * The ledger's accounts, all within one escrow account and its currency:
 * FUNDING_SOURCE (per guarantor: its treasury outside escrow; goes negative as it deposits),
 * ESCROW (per guarantor: its funds held in escrow; never negative),
 * BENEFICIARY (one: what was released to the beneficiary party),
 * GUARANTOR_REFUND (per guarantor: what came back to it under the penalty schedule).
 */
export const LEDGER_ACCOUNT_KINDS = ['FUNDING_SOURCE', 'ESCROW', 'BENEFICIARY', 'GUARANTOR_REFUND'] as const;
export type LedgerAccountKind = (typeof LEDGER_ACCOUNT_KINDS)[number];

@Entity({ name: 'ledger_account' })
@Index('ledger_account_guarantor_key', ['escrowAccountId', 'kind', 'guarantorId'], { unique: true, where: 'guarantor_id IS NOT NULL' })
@Index('ledger_account_beneficiary_key', ['escrowAccountId'], { unique: true, where: `kind = 'BENEFICIARY'` })
export class LedgerAccount {
  @PrimaryColumn({ type: 'uuid', name: 'id' })
  id: string;

  @Column({ type: 'uuid', name: 'escrow_account_id' })
  escrowAccountId: string;

  @ManyToOne(() => EscrowAccount)
  @JoinColumn({ name: 'escrow_account_id' })
  escrowAccount: Relation<EscrowAccount>;

  @Column({ type: 'text', name: 'kind' })
  kind: LedgerAccountKind;

  @Column({ type: 'uuid', name: 'guarantor_id', nullable: true })
  guarantorId: string | null;

  @ManyToOne(() => Guarantor)
  @JoinColumn({ name: 'guarantor_id' })
  guarantor: Relation<Guarantor> | null;

  @Column({ type: 'text', name: 'currency' })
  currency: string;
}
