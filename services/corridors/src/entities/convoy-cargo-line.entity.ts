import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Convoy } from './convoy.entity.js';
import { decimal, type CargoClass } from './enums.js';

/** One cargo class on a convoy; at most one line per class (primary key). */
@Entity({ name: 'convoy_cargo_line' })
export class ConvoyCargoLine {
  @PrimaryColumn({ type: 'uuid', name: 'convoy_id' })
  convoyId: string;

  @PrimaryColumn({ type: 'text', name: 'cargo_class' })
  cargoClass: CargoClass;

  @ManyToOne(() => Convoy, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'convoy_id' })
  convoy: Relation<Convoy>;

  @Column({ type: 'integer', name: 'position' })
  position: number;

  @Column({ type: 'numeric', precision: 12, scale: 3, name: 'tonnes', transformer: decimal })
  tonnes: number;

  @Column({ type: 'integer', name: 'trucks' })
  trucks: number;
}
