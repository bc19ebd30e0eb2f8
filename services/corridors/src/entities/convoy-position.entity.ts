import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Convoy } from './convoy.entity.js';

/**
 * A position report from a tracking device, append-only. The primary key (convoy, device, sequence)
 * makes a resent report a no-op (INSERT … ON CONFLICT DO NOTHING) while the same tracker, reused on
 * another convoy or run by another agency, starts a track of its own. A resend that disagrees with the
 * row is logged in ConvoyPositionConflict; the row itself never changes. Device time and receipt time
 * are kept apart.
 */
@Entity({ name: 'convoy_position' })
@Index('convoy_position_convoy_time_idx', ['convoyId', 'deviceTime'])
export class ConvoyPosition {
  @PrimaryColumn({ type: 'uuid', name: 'convoy_id' })
  convoyId: string;

  @PrimaryColumn({ type: 'text', name: 'device_id', collation: 'C' })
  deviceId: string;

  @PrimaryColumn({ type: 'integer', name: 'sequence' })
  sequence: number;

  // Held by statement-level triggers, not a FOREIGN KEY (PositionsConvoyCheckedPerStatement1795300000000).
  @ManyToOne(() => Convoy, { onDelete: 'CASCADE', createForeignKeyConstraints: false })
  @JoinColumn({ name: 'convoy_id' })
  convoy: Relation<Convoy>;

  @Column({ type: 'timestamptz', name: 'device_time' })
  deviceTime: Date;

  @Column({ type: 'timestamptz', name: 'received_at' })
  receivedAt: Date;

  @Column({ type: 'double precision', name: 'latitude' })
  latitude: number;

  @Column({ type: 'double precision', name: 'longitude' })
  longitude: number;
}
