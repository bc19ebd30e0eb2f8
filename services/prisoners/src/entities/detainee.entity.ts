import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** The categories of living detainees, in priority order: a wave may not carry a later category while an earlier one waits (see domain/priority.ts). */
export const LIVING_CATEGORIES = ['CHILD', 'WOMAN', 'MEDICAL', 'ELDERLY', 'OTHER'] as const;
export type LivingCategory = (typeof LIVING_CATEGORIES)[number];

/**
 * Every category a record may have: the living ones, then REMAINS, the remains of a deceased person to be
 * repatriated. REMAINS is outside the priority order and outside every count of living detainees.
 */
export const DETAINEE_CATEGORIES = [...LIVING_CATEGORIES, 'REMAINS'] as const;
export type DetaineeCategory = (typeof DETAINEE_CATEGORIES)[number];

/**
 * A person held by one party who belongs to another or, in category REMAINS, the remains of a deceased
 * person held by one party, to be returned to the other. Name, date of birth and medical notes are personal
 * data: only the roles in access.ts read them, every read is logged, and they are stored encrypted
 * (`enc:v1:...`, see src/crypto/): these properties hold ciphertext, opened only by the field resolvers.
 * Release (or repatriation) is never stored here: it follows from a confirmed handover on a manifest entry.
 */
@Entity({ name: 'detainee' })
@Index('detainee_agreement_holder_idx', ['agreementId', 'holdingPartyId', 'category'])
@Index('detainee_holding_party_idx', ['holdingPartyId', 'category'])
@Index('detainee_affiliated_party_idx', ['affiliatedPartyId'])
export class Detainee {
  @PrimaryColumn({ type: 'uuid', name: 'id' })
  id: string;

  /** The agreement (owned by the milestones service) under which the detainee is to be exchanged. */
  @Column({ type: 'uuid', name: 'agreement_id' })
  agreementId: string;

  @Column({ type: 'text', name: 'name' })
  name: string;

  /** A calendar date, YYYY-MM-DD, when opened; text so that it can hold its ciphertext. Remains may have none. */
  @Column({ type: 'text', name: 'date_of_birth', nullable: true })
  dateOfBirth: string | null;

  @Column({ type: 'uuid', name: 'holding_party_id' })
  holdingPartyId: string;

  @Column({ type: 'uuid', name: 'affiliated_party_id' })
  affiliatedPartyId: string;

  @Column({ type: 'text', name: 'category' })
  category: DetaineeCategory;

  @Column({ type: 'text', name: 'medical_notes', nullable: true })
  medicalNotes: string | null;

  @Column({ type: 'timestamptz', name: 'registered_at' })
  registeredAt: Date;

  @Column({ type: 'text', name: 'registered_by' })
  registeredBy: string;

  /**
   * Keyed blind index (HMAC) of the agreement, normalised name and date of birth: finds a second
   * registration of the same person without decrypting anyone. Null only until the service fills it in.
   */
  @Column({ type: 'text', name: 'person_index', nullable: true })
  personIndex: string | null;

  /** When the personal fields were erased under retention (src/retention.ts); null while they are kept. */
  @Column({ type: 'timestamptz', name: 'personal_data_purged_at', nullable: true })
  personalDataPurgedAt: Date | null;
}
