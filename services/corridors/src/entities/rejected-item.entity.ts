import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Inspection } from './inspection.entity.js';
import { decimal, type CargoClass } from './enums.js';

/** Cargo turned back at an inspection. Delivered figures are net of these. */
@Entity({ name: 'inspection_rejected_item' })
export class RejectedItem {
  @PrimaryColumn({ type: 'uuid', name: 'inspection_id' })
  inspectionId: string;

  @PrimaryColumn({ type: 'integer', name: 'position' })
  position: number;

  @ManyToOne(() => Inspection, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'inspection_id' })
  inspection: Relation<Inspection>;

  @Column({ type: 'text', name: 'cargo_class' })
  cargoClass: CargoClass;

  @Column({ type: 'text', name: 'description' })
  description: string;

  @Column({ type: 'text', name: 'reason' })
  reason: string;

  @Column({ type: 'integer', name: 'trucks' })
  trucks: number;

  @Column({ type: 'numeric', precision: 12, scale: 3, name: 'tonnes', transformer: decimal })
  tonnes: number;
}
