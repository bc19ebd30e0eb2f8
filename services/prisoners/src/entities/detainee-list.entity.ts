import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One submission of names by a party (or recorded for it by the mediator). Its entries are judged one by one. */
@Entity({ name: 'detainee_list' })
@Index('detainee_list_agreement_idx', ['agreementId', 'submittingPartyId', 'submittedAt'])
export class DetaineeList {
  @PrimaryColumn({ type: 'uuid', name: 'id' })
  id: string;

  @Column({ type: 'uuid', name: 'agreement_id' })
  agreementId: string;

  @Column({ type: 'uuid', name: 'submitting_party_id' })
  submittingPartyId: string;

  /** When the list was handed over; the list's comment period runs from here. */
  @Column({ type: 'timestamptz', name: 'submitted_at' })
  submittedAt: Date;

  @Column({ type: 'timestamptz', name: 'recorded_at' })
  recordedAt: Date;

  @Column({ type: 'text', name: 'recorded_by' })
  recordedBy: string;

  @Column({ type: 'text', name: 'note', nullable: true })
  note: string | null;
}
