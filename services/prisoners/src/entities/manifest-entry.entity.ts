import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Detainee } from './detainee.entity.js';
import { ExchangeWave } from './exchange-wave.entity.js';

export const INTERVIEW_OUTCOMES = ['CONSENTS', 'REFUSES'] as const;
export type InterviewOutcome = (typeof INTERVIEW_OUTCOMES)[number];
/** A manifest entry's recorded outcome: an interview's, or REPATRIATED for remains handed over (no interview). */
export type HandoverOutcome = InterviewOutcome | 'REPATRIATED';

/**
 * A detainee (or remains) on a wave's manifest, and the intermediary's handover record once made. The
 * handover lives on the same row so that unique partial indexes can back the rules up: at most one open
 * (undecided) manifest entry per detainee, at most one release (CONSENTS) per detainee, ever, and at most
 * one repatriation (REPATRIATED) of the same remains.
 */
@Entity({ name: 'manifest_entry' })
@Index('manifest_entry_wave_detainee_key', ['waveId', 'detaineeId'], { unique: true })
@Index('manifest_entry_detainee_idx', ['detaineeId'])
@Index('manifest_entry_open_key', ['detaineeId'], { unique: true, where: 'outcome IS NULL' })
@Index('manifest_entry_released_key', ['detaineeId'], { unique: true, where: "outcome = 'CONSENTS'" })
@Index('manifest_entry_repatriated_key', ['detaineeId'], { unique: true, where: "outcome = 'REPATRIATED'" })
export class ManifestEntry {
  @PrimaryColumn({ type: 'uuid', name: 'id' })
  id: string;

  @Column({ type: 'uuid', name: 'wave_id' })
  waveId: string;

  @ManyToOne(() => ExchangeWave)
  @JoinColumn({ name: 'wave_id' })
  wave: Relation<ExchangeWave>;

  @Column({ type: 'uuid', name: 'detainee_id' })
  detaineeId: string;

  @ManyToOne(() => Detainee)
  @JoinColumn({ name: 'detainee_id' })
  detainee: Relation<Detainee>;

  @Column({ type: 'timestamptz', name: 'added_at' })
  addedAt: Date;

  @Column({ type: 'text', name: 'added_by' })
  addedBy: string;

  /** The private interview's outcome, or REPATRIATED for remains; null until the intermediary records the handover. */
  @Column({ type: 'text', name: 'outcome', nullable: true })
  outcome: HandoverOutcome | null;

  /** The medical check's verdict; null for remains, which have none. */
  @Column({ type: 'boolean', name: 'fit_to_travel', nullable: true })
  fitToTravel: boolean | null;

  /** Personal data, stored encrypted (`enc:v1:...`, see src/crypto/); opened only by Handover.medicalNotes. */
  @Column({ type: 'text', name: 'medical_check_notes', nullable: true })
  medicalCheckNotes: string | null;

  /** When the handover (or the refusal) happened. */
  @Column({ type: 'timestamptz', name: 'confirmed_at', nullable: true })
  confirmedAt: Date | null;

  @Column({ type: 'text', name: 'confirmed_by', nullable: true })
  confirmedBy: string | null;

  @Column({ type: 'timestamptz', name: 'recorded_at', nullable: true })
  recordedAt: Date | null;

  /** For remains handed over (REPATRIATED): the identification the handover relied on. */
  @Column({ type: 'uuid', name: 'remains_identification_id', nullable: true })
  remainsIdentificationId: string | null;
}
