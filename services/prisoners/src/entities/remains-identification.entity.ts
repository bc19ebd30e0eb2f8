import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Detainee } from './detainee.entity.js';

/**
 * How remains may be identified. DNA, DENTAL and FINGERPRINTS are what forensic practice (Interpol's
 * disaster victim identification standard) calls primary identifiers; PERSONAL_EFFECTS and VISUAL are
 * secondary. The method is recorded as the intermediary states it.
 */
export const IDENTIFICATION_METHODS = ['DNA', 'DENTAL', 'FINGERPRINTS', 'PERSONAL_EFFECTS', 'VISUAL'] as const;
export type IdentificationMethod = (typeof IDENTIFICATION_METHODS)[number];

/**
 * The identification of remains (category REMAINS): how, by whom, when, and the evidence it rests on.
 * For remains it takes the place of proof of life: remains are handed over only once identified.
 * Append-only. The evidence reference and the findings are personal data, stored encrypted
 * (`enc:v1:...`, see src/crypto/) and erased with the record's other personal data under retention.
 */
@Entity({ name: 'remains_identification' })
@Index('remains_identification_detainee_idx', ['detaineeId', 'identifiedAt'])
export class RemainsIdentification {
  @PrimaryColumn({ type: 'uuid', name: 'id' })
  id: string;

  @Column({ type: 'uuid', name: 'detainee_id' })
  detaineeId: string;

  @ManyToOne(() => Detainee)
  @JoinColumn({ name: 'detainee_id' })
  detainee: Relation<Detainee>;

  @Column({ type: 'text', name: 'method' })
  method: IdentificationMethod;

  /** Who identified the remains (a forensic institute or team), as stated by the intermediary. */
  @Column({ type: 'text', name: 'identified_by' })
  identifiedBy: string;

  @Column({ type: 'timestamptz', name: 'identified_at' })
  identifiedAt: Date;

  /** Personal data, sealed: the forensic report or case the identification rests on. Null once erased. */
  @Column({ type: 'text', name: 'evidence_reference', nullable: true })
  evidenceReference: string | null;

  /** Personal data, sealed: what the examination found. */
  @Column({ type: 'text', name: 'findings', nullable: true })
  findings: string | null;

  @Column({ type: 'timestamptz', name: 'recorded_at' })
  recordedAt: Date;

  @Column({ type: 'text', name: 'recorded_by' })
  recordedBy: string;
}
