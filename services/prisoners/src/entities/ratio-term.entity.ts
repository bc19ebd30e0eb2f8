import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { ExchangeWave } from './exchange-wave.entity.js';
import type { DetaineeCategory } from './detainee.entity.js';

export const RATIO_COUNTERPARTS = ['LIVING', 'REMAINS'] as const;
/** What the other side hands over in return under a term: living detainees, or remains. */
export type RatioCounterpart = (typeof RATIO_COUNTERPARTS)[number];

/**
 * "For each <category> detainee (or remains) the base party hands over, the other side hands over <n>
 * living detainees (or remains)." One per category.
 */
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

  @Column({ type: 'text', name: 'counterpart' })
  counterpart: RatioCounterpart;
}
