import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import type { CargoClass, CorridorKind } from './enums.js';

/**
 * A crossing or corridor under an agreement (the agreement lives in the milestones service; its id is
 * kept here as a federation key, not a foreign key). Names are unique per agreement, case-insensitively
 * (unique index corridor_agreement_name_key on agreement_id, lower(name), created by the migration).
 */
@Entity({ name: 'corridor' })
@Index('corridor_agreement_idx', ['agreementId'])
export class Corridor {
  @PrimaryColumn({ type: 'uuid', name: 'id' })
  id: string;

  @Column({ type: 'uuid', name: 'agreement_id' })
  agreementId: string;

  @Column({ type: 'text', name: 'name' })
  name: string;

  @Column({ type: 'text', name: 'kind' })
  kind: CorridorKind;

  @Column({ type: 'double precision', name: 'latitude' })
  latitude: number;

  @Column({ type: 'double precision', name: 'longitude' })
  longitude: number;

  @Column({ type: 'text', array: true, name: 'handles' })
  handles: CargoClass[];

  @Column({ type: 'integer', name: 'telemetry_gap_minutes' })
  telemetryGapMinutes: number;

  @CreateDateColumn({ type: 'timestamptz', name: 'created_at' })
  createdAt: Date;

  @Column({ type: 'text', name: 'created_by' })
  createdBy: string;
}
