import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Incident } from './incident.entity.js';
import type { Confidence, IncidentSeverity, VerificationState } from './enums.js';

/**
 * One verification step of an incident, append-only; the incident's state is that of its latest step.
 * Sequence numbers run 1, 2, … per incident and each state occurs at most once (unique indexes), so
 * concurrent steps cannot both apply. CHECK constraints keep confidence, severity and attribution to the
 * states they belong to.
 */
@Entity({ name: 'incident_verification' })
@Index('incident_verification_sequence_key', ['incidentId', 'sequence'], { unique: true })
@Index('incident_verification_state_key', ['incidentId', 'state'], { unique: true })
@Index('incident_verification_party_idx', ['attributedPartyId'], { where: 'attributed_party_id IS NOT NULL' })
export class IncidentVerification {
  @PrimaryColumn({ type: 'uuid', name: 'id' })
  id: string;

  @Column({ type: 'uuid', name: 'incident_id' })
  incidentId: string;

  @ManyToOne(() => Incident, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'incident_id' })
  incident: Relation<Incident>;

  @Column({ type: 'integer', name: 'sequence' })
  sequence: number;

  @Column({ type: 'text', name: 'state' })
  state: VerificationState;

  @Column({ type: 'text', name: 'confidence', nullable: true })
  confidence: Confidence | null;

  /** The severity found; set on VERIFIED only. */
  @Column({ type: 'text', name: 'severity', nullable: true })
  severity: IncidentSeverity | null;

  /** A party of the milestones service (a federation key); set on VERIFIED only. */
  @Column({ type: 'uuid', name: 'attributed_party_id', nullable: true })
  attributedPartyId: string | null;

  @Column({ type: 'text', name: 'findings', nullable: true })
  findings: string | null;

  @Column({ type: 'text', name: 'verified_by' })
  verifiedBy: string;

  @Column({ type: 'text', name: 'verified_by_subject', nullable: true })
  verifiedBySubject: string | null;

  @Column({ type: 'timestamptz', name: 'at' })
  at: Date;

  /**
   * The localised windows the incident was inside (by its time and place) when the step was recorded;
   * empty when it was inside none. What was on record then, kept with the step: a window recorded later
   * shows on Incident.windows, not here.
   */
  @Column({ type: 'uuid', array: true, name: 'window_ids', default: () => "'{}'" })
  windowIds: string[];
}
