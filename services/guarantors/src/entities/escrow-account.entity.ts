import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * Escrow for one beneficiary party under one agreement, in one currency. It stores no balance: every
 * amount is derived from the ledger entries of its ledger accounts.
 */
@Entity({ name: 'escrow_account' })
@Index('escrow_account_agreement_beneficiary_currency_key', ['agreementId', 'beneficiaryPartyId', 'currency'], { unique: true })
@Index('escrow_account_beneficiary_idx', ['beneficiaryPartyId'])
export class EscrowAccount {
  @PrimaryColumn({ type: 'uuid', name: 'id' })
  id: string;

  /** The agreement (owned by the milestones service). */
  @Column({ type: 'uuid', name: 'agreement_id' })
  agreementId: string;

  /** The party the escrowed funds are for (owned by the milestones service). */
  @Column({ type: 'uuid', name: 'beneficiary_party_id' })
  beneficiaryPartyId: string;

  /** ISO 4217 code. */
  @Column({ type: 'text', name: 'currency' })
  currency: string;

  @Column({ type: 'timestamptz', name: 'opened_at' })
  openedAt: Date;

  @Column({ type: 'text', name: 'opened_by', nullable: true })
  openedBy: string | null;
}
