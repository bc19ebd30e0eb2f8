import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Milestone } from './milestone.entity.js';

export const BENCHMARK_METRICS = ['DETAINEES_RELEASED', 'PRIORITY_DETAINEES_RELEASED', 'TRUCKS_DELIVERED', 'ESCROW_FUNDED_RATIO', 'QUIET_HOURS'] as const;
export type BenchmarkMetric = (typeof BENCHMARK_METRICS)[number];
export const COMPARATORS = ['AT_LEAST', 'AT_MOST'] as const;
export type Comparator = (typeof COMPARATORS)[number];

@Entity({ name: 'benchmark' })
@Index('benchmark_milestone_idx', ['milestoneId'])
export class Benchmark {
  @PrimaryColumn({ type: 'uuid', name: 'id' })
  id: string;

  @Column({ type: 'uuid', name: 'milestone_id' })
  milestoneId: string;

  @ManyToOne(() => Milestone, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'milestone_id' })
  milestone: Relation<Milestone>;

  @Column({ type: 'integer', name: 'position' })
  position: number;

  @Column({ type: 'text', name: 'metric' })
  metric: BenchmarkMetric;

  @Column({ type: 'text', name: 'comparator' })
  comparator: Comparator;

  @Column({ type: 'double precision', name: 'threshold' })
  threshold: number;

  @Column({ type: 'text', name: 'description', nullable: true })
  description: string | null;
}
