import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Convoy } from './convoy.entity.js';
import type { ConvoyStatus } from './enums.js';

/**
 * One transition of a convoy, append-only. Sequence numbers run 1, 2, … per convoy (unique), so two
 * concurrent transitions cannot both follow the same state; a CHECK constraint admits only the pairs of
 * the status machine.
 */
@Entity({ name: 'convoy_event' })
@Index('convoy_event_convoy_sequence_key', ['convoyId', 'sequence'], { unique: true })
@Index('convoy_event_to_at_idx', ['toStatus', 'at'])
export class ConvoyEvent {
  @PrimaryColumn({ type: 'uuid', name: 'id' })
  id: string;

  @Column({ type: 'uuid', name: 'convoy_id' })
  convoyId: string;

  @ManyToOne(() => Convoy, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'convoy_id' })
  convoy: Relation<Convoy>;

  @Column({ type: 'integer', name: 'sequence' })
  sequence: number;

  @Column({ type: 'text', name: 'from_status', nullable: true })
  fromStatus: ConvoyStatus | null;

  @Column({ type: 'text', name: 'to_status' })
  toStatus: ConvoyStatus;

  /** When it happened, as reported. */
  @Column({ type: 'timestamptz', name: 'at' })
  at: Date;

  @Column({ type: 'timestamptz', name: 'recorded_at' })
  recordedAt: Date;

  @Column({ type: 'text', name: 'by_agency' })
  byAgency: string;

  @Column({ type: 'text', name: 'by_subject', nullable: true })
  bySubject: string | null;

  @Column({ type: 'text', name: 'note', nullable: true })
  note: string | null;
}
