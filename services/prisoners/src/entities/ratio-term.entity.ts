import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { ExchangeWave } from './exchange-wave.entity.js';
import type { DetaineeCategory } from './detainee.entity.js';

/** "For each <category> detainee the base party releases, the other side releases <n>." One per category. */
@Entity({ name: 'exchange_wave_ratio' })
export class RatioTerm {
  @PrimaryColumn({ type: 'uuid', name: 'wave_id' })
  waveId: string;

  @ManyToOne(() => ExchangeWave, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'wave_id' })
  wave: Relation<ExchangeWave>;

  @PrimaryColumn({ type: 'text', name: 'category' })
  category: DetaineeCategory;

  @Column({ type: 'integer', name: 'counterpart_per_detainee' })
  counterpartPerDetainee: number;
}
