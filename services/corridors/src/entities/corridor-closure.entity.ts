import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Corridor } from './corridor.entity.js';
import type { ClosureCause } from './enums.js';

/** A period during which a corridor is closed. A day's status (OPEN, RESTRICTED, CLOSED) is derived from these. */
@Entity({ name: 'corridor_closure' })
@Index('corridor_closure_corridor_idx', ['corridorId', 'startsAt'])
export class CorridorClosure {
  @PrimaryColumn({ type: 'uuid', name: 'id' })
  id: string;

  @Column({ type: 'uuid', name: 'corridor_id' })
  corridorId: string;

  @ManyToOne(() => Corridor)
  @JoinColumn({ name: 'corridor_id' })
  corridor: Relation<Corridor>;

  @Column({ type: 'timestamptz', name: 'starts_at' })
  startsAt: Date;

  @Column({ type: 'timestamptz', name: 'ends_at' })
  endsAt: Date;

  @Column({ type: 'text', name: 'cause' })
  cause: ClosureCause;

  @Column({ type: 'text', name: 'note', nullable: true })
  note: string | null;

  @Column({ type: 'text', name: 'recorded_by' })
  recordedBy: string;

  @Column({ type: 'text', name: 'recorded_by_subject', nullable: true })
  recordedBySubject: string | null;

  @Column({ type: 'timestamptz', name: 'recorded_at' })
  recordedAt: Date;
}
