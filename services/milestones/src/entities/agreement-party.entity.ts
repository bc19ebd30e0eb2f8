import { Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Agreement } from './agreement.entity.js';
import { Party } from './party.entity.js';

/** Signature of an agreement by a party. */
@Entity({ name: 'agreement_party' })
@Index('agreement_party_party_idx', ['partyId'])
export class AgreementParty {
  @PrimaryColumn({ type: 'uuid', name: 'agreement_id' })
  agreementId: string;

  @PrimaryColumn({ type: 'uuid', name: 'party_id' })
  partyId: string;

  @ManyToOne(() => Agreement, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'agreement_id' })
  agreement: Relation<Agreement>;

  @ManyToOne(() => Party)
  @JoinColumn({ name: 'party_id' })
  party: Relation<Party>;
}
