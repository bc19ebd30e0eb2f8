import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Corridor } from './corridor.entity.js';

/** A convoy. Its status is never stored here: it is the `to` of its latest ConvoyEvent. */
@Entity({ name: 'convoy' })
@Index('convoy_corridor_idx', ['corridorId', 'requestedAt'])
@Index('convoy_agency_idx', ['agency'])
export class Convoy {
  @PrimaryColumn({ type: 'uuid', name: 'id' })
  id: string;

  @Column({ type: 'uuid', name: 'corridor_id' })
  corridorId: string;

  @ManyToOne(() => Corridor)
  @JoinColumn({ name: 'corridor_id' })
  corridor: Relation<Corridor>;

  /** The agency running the convoy. */
  @Column({ type: 'text', name: 'agency' })
  agency: string;

  @Column({ type: 'text', name: 'requested_by' })
  requestedBy: string;

  @Column({ type: 'text', name: 'requested_by_subject', nullable: true })
  requestedBySubject: string | null;

  @Column({ type: 'timestamptz', name: 'requested_at' })
  requestedAt: Date;

  @Column({ type: 'timestamptz', name: 'recorded_at' })
  recordedAt: Date;

  @Column({ type: 'text', name: 'note', nullable: true })
  note: string | null;
}
