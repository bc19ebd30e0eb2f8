import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Convoy } from './convoy.entity.js';
import { Corridor } from './corridor.entity.js';
import type { IncidentCategory, IncidentSeverity } from './enums.js';

/**
 * An incident as reported. Never updated: verification is a separate, append-only record
 * (IncidentVerification), so what was observed stays apart from what was found.
 */
@Entity({ name: 'incident' })
@Index('incident_agreement_occurred_idx', ['agreementId', 'occurredAt'])
export class Incident {
  @PrimaryColumn({ type: 'uuid', name: 'id' })
  id: string;

  /** An agreement of the milestones service (a federation key, not a foreign key). */
  @Column({ type: 'uuid', name: 'agreement_id' })
  agreementId: string;

  @Column({ type: 'uuid', name: 'corridor_id', nullable: true })
  corridorId: string | null;

  @ManyToOne(() => Corridor)
  @JoinColumn({ name: 'corridor_id' })
  corridor: Relation<Corridor> | null;

  @Column({ type: 'uuid', name: 'convoy_id', nullable: true })
  convoyId: string | null;

  @ManyToOne(() => Convoy)
  @JoinColumn({ name: 'convoy_id' })
  convoy: Relation<Convoy> | null;

  @Column({ type: 'text', name: 'category' })
  category: IncidentCategory;

  @Column({ type: 'timestamptz', name: 'occurred_at' })
  occurredAt: Date;

  @Column({ type: 'double precision', name: 'latitude' })
  latitude: number;

  @Column({ type: 'double precision', name: 'longitude' })
  longitude: number;

  @Column({ type: 'text', name: 'place_description' })
  placeDescription: string;

  /** The severity the reporter gave. */
  @Column({ type: 'text', name: 'severity' })
  severity: IncidentSeverity;

  @Column({ type: 'text', name: 'description' })
  description: string;

  @Column({ type: 'text', name: 'reported_by' })
  reportedBy: string;

  @Column({ type: 'text', name: 'reported_by_subject', nullable: true })
  reportedBySubject: string | null;

  @Column({ type: 'timestamptz', name: 'reported_at' })
  reportedAt: Date;
}
