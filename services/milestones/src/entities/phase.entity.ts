import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Agreement } from './agreement.entity.js';

export const CARGO_CLASSES = ['HUMANITARIAN_AID', 'MEDICAL_EVACUATION', 'COMMERCIAL', 'FUEL', 'CIVILIAN_MOVEMENT'] as const;
export type CargoClass = (typeof CARGO_CLASSES)[number];

@Entity({ name: 'phase' })
@Index('phase_agreement_ordinal_key', ['agreementId', 'ordinal'], { unique: true })
export class Phase {
  @PrimaryColumn({ type: 'uuid', name: 'id' })
  id: string;

  @Column({ type: 'uuid', name: 'agreement_id' })
  agreementId: string;

  @ManyToOne(() => Agreement, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'agreement_id' })
  agreement: Relation<Agreement>;

  @Column({ type: 'integer', name: 'ordinal' })
  ordinal: number;

  @Column({ type: 'text', name: 'name' })
  name: string;

  @Column({ type: 'integer', name: 'start_day' })
  startDay: number;

  @Column({ type: 'integer', name: 'end_day' })
  endDay: number;

  @Column({ type: 'text', array: true, name: 'permitted_cargo' })
  permittedCargo: CargoClass[];
}
