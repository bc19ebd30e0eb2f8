import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Convoy } from './convoy.entity.js';
import type { InspectionKind, InspectionResult } from './enums.js';

/** A joint inspection of a convoy. At most one PRIMARY per convoy (partial unique index). */
@Entity({ name: 'inspection' })
@Index('inspection_primary_key', ['convoyId'], { unique: true, where: "kind = 'PRIMARY'" })
@Index('inspection_convoy_idx', ['convoyId', 'startedAt'])
@Index('inspection_started_idx', ['startedAt'])
export class Inspection {
  @PrimaryColumn({ type: 'uuid', name: 'id' })
  id: string;

  @Column({ type: 'uuid', name: 'convoy_id' })
  convoyId: string;

  @ManyToOne(() => Convoy, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'convoy_id' })
  convoy: Relation<Convoy>;

  @Column({ type: 'text', name: 'kind' })
  kind: InspectionKind;

  /** The agencies present in the joint team. */
  @Column({ type: 'text', array: true, name: 'team' })
  team: string[];

  @Column({ type: 'timestamptz', name: 'started_at' })
  startedAt: Date;

  @Column({ type: 'timestamptz', name: 'ended_at' })
  endedAt: Date;

  @Column({ type: 'text', name: 'result' })
  result: InspectionResult;

  @Column({ type: 'text', name: 'recorded_by' })
  recordedBy: string;

  @Column({ type: 'text', name: 'recorded_by_subject', nullable: true })
  recordedBySubject: string | null;

  @Column({ type: 'timestamptz', name: 'recorded_at' })
  recordedAt: Date;

  @Column({ type: 'text', name: 'notes', nullable: true })
  notes: string | null;
}
