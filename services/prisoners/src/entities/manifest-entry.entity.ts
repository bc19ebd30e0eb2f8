import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Detainee } from './detainee.entity.js';
import { ExchangeWave } from './exchange-wave.entity.js';

export const INTERVIEW_OUTCOMES = ['CONSENTS', 'REFUSES'] as const;
export type InterviewOutcome = (typeof INTERVIEW_OUTCOMES)[number];

/**
 * A detainee on a wave's manifest, and the intermediary's handover record once made. The handover lives
 * on the same row so that two unique partial indexes can back the rules up: at most one open (undecided)
 * manifest entry per detainee, and at most one release (CONSENTS) per detainee, ever.
 */
@Entity({ name: 'manifest_entry' })
@Index('manifest_entry_wave_detainee_key', ['waveId', 'detaineeId'], { unique: true })
@Index('manifest_entry_detainee_idx', ['detaineeId'])
@Index('manifest_entry_open_key', ['detaineeId'], { unique: true, where: 'outcome IS NULL' })
@Index('manifest_entry_released_key', ['detaineeId'], { unique: true, where: "outcome = 'CONSENTS'" })
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

  /** The private interview's outcome; null until the intermediary records the handover. */
  @Column({ type: 'text', name: 'outcome', nullable: true })
  outcome: InterviewOutcome | null;

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
}
