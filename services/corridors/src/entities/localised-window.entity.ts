import { Column, Entity, Index, JoinColumn, ManyToOne, OneToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Corridor } from './corridor.entity.js';
import type { WindowAreaKind, WindowPurpose } from './enums.js';
import type { LocalisedWindowClosure } from './localised-window-closure.entity.js';

/**
 * A localised window: a time and an area in which movement is expected (a repair crew, an evacuation).
 * Never updated: an early end is a separate, append-only LocalisedWindowClosure. The area is a polygon
 * (vertex latitudes and longitudes, in order, without the closing vertex) or a circle (centre and radius);
 * CHECK constraints keep the two apart. The bounding box is derived from the area when it is created
 * (src/domain/windows.ts) and only narrows what the database returns; the rules decide what is inside.
 */
@Entity({ name: 'localised_window' })
@Index('localised_window_agreement_idx', ['agreementId', 'from'])
export class LocalisedWindow {
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

  @Column({ type: 'text', name: 'purpose' })
  purpose: WindowPurpose;

  @Column({ type: 'text', name: 'description' })
  description: string;

  @Column({ type: 'timestamptz', name: 'from_at' })
  from: Date;

  @Column({ type: 'timestamptz', name: 'until_at' })
  until: Date;

  @Column({ type: 'text', name: 'area_kind' })
  areaKind: WindowAreaKind;

  @Column({ type: 'double precision', array: true, name: 'vertex_latitudes', nullable: true })
  vertexLatitudes: number[] | null;

  @Column({ type: 'double precision', array: true, name: 'vertex_longitudes', nullable: true })
  vertexLongitudes: number[] | null;

  @Column({ type: 'double precision', name: 'centre_latitude', nullable: true })
  centreLatitude: number | null;

  @Column({ type: 'double precision', name: 'centre_longitude', nullable: true })
  centreLongitude: number | null;

  @Column({ type: 'double precision', name: 'radius_metres', nullable: true })
  radiusMetres: number | null;

  @Column({ type: 'double precision', name: 'min_latitude' })
  minLatitude: number;

  @Column({ type: 'double precision', name: 'max_latitude' })
  maxLatitude: number;

  @Column({ type: 'double precision', name: 'min_longitude' })
  minLongitude: number;

  @Column({ type: 'double precision', name: 'max_longitude' })
  maxLongitude: number;

  @Column({ type: 'text', name: 'created_by' })
  createdBy: string;

  @Column({ type: 'text', name: 'created_by_subject', nullable: true })
  createdBySubject: string | null;

  @Column({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @OneToOne('LocalisedWindowClosure', (c: LocalisedWindowClosure) => c.window)
  closure: Relation<LocalisedWindowClosure> | null;
}
