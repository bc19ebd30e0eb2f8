import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { ConvoyPosition } from './convoy-position.entity.js';

/**
 * A resent position that disagrees with the one on record for its (convoy, device, sequence): what was
 * sent, when and by which agency. Append-only, one row per distinct disagreeing version; the position of
 * record is the referenced ConvoyPosition and stays as it was.
 */
@Entity({ name: 'convoy_position_conflict' })
@Index('convoy_position_conflict_version_key', ['convoyId', 'deviceId', 'sequence', 'deviceTime', 'latitude', 'longitude'], { unique: true })
@Index('convoy_position_conflict_convoy_idx', ['convoyId', 'receivedAt'])
export class ConvoyPositionConflict {
  /** Bigint, so a string: assigned by the database in the order conflicts are logged. */
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column({ type: 'uuid', name: 'convoy_id' })
  convoyId: string;

  @Column({ type: 'text', name: 'device_id', collation: 'C' })
  deviceId: string;

  @Column({ type: 'integer', name: 'sequence' })
  sequence: number;

  @ManyToOne(() => ConvoyPosition, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'convoy_id', referencedColumnName: 'convoyId' },
    { name: 'device_id', referencedColumnName: 'deviceId' },
    { name: 'sequence', referencedColumnName: 'sequence' },
  ])
  position: Relation<ConvoyPosition>;

  /** As sent. */
  @Column({ type: 'timestamptz', name: 'device_time' })
  deviceTime: Date;

  /** As sent. */
  @Column({ type: 'double precision', name: 'latitude' })
  latitude: number;

  /** As sent. */
  @Column({ type: 'double precision', name: 'longitude' })
  longitude: number;

  /** When this version was first received. */
  @Column({ type: 'timestamptz', name: 'received_at' })
  receivedAt: Date;

  /** The agency that sent it. */
  @Column({ type: 'text', name: 'sent_by' })
  sentBy: string;

  @Column({ type: 'text', name: 'sent_by_subject', nullable: true })
  sentBySubject: string | null;
}
