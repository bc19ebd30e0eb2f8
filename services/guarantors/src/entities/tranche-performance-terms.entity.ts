import { Column, Entity, Index, JoinColumn, OneToOne, PrimaryColumn, type Relation } from 'typeorm';
import type { UnpaidRemainder } from '../domain/performance.js';
import { Tranche } from './tranche.entity.js';

/**
 * The terms of a variable tranche, set when it is created and never changed: the benchmark of its
 * milestone it is measured against (metric and threshold as milestones reported them then), its bands
 * (highest first, as two parallel arrays of basis points) and where the unpaid part goes. A carry stays
 * within the tranche's holding (composite foreign key on account, guarantor and currency).
 */
@Entity({ name: 'tranche_performance_terms' })
@Index('tranche_performance_terms_carry_idx', ['carryToTrancheId'])
export class TranchePerformanceTerms {
  @PrimaryColumn({ type: 'uuid', name: 'tranche_id' })
  trancheId: string;

  @OneToOne(() => Tranche)
  @JoinColumn({ name: 'tranche_id' })
  tranche: Relation<Tranche>;

  @Column({ type: 'uuid', name: 'escrow_account_id' })
  escrowAccountId: string;

  @Column({ type: 'uuid', name: 'guarantor_id' })
  guarantorId: string;

  @Column({ type: 'text', name: 'currency' })
  currency: string;

  /** The benchmark (owned by the milestones service). */
  @Column({ type: 'uuid', name: 'benchmark_id' })
  benchmarkId: string;

  @Column({ type: 'text', name: 'metric' })
  metric: string;

  @Column({ type: 'double precision', name: 'threshold' })
  threshold: number;

  /** Each band's lower bound, in basis points of the threshold, highest first. */
  @Column({ type: 'integer', array: true, name: 'band_from_basis_points' })
  bandFromBasisPoints: number[];

  /** Each band's share paid, in basis points, in the same order. */
  @Column({ type: 'integer', array: true, name: 'band_pays_basis_points' })
  bandPaysBasisPoints: number[];

  @Column({ type: 'text', name: 'remainder' })
  remainder: UnpaidRemainder;

  /** For CARRY_TO_TRANCHE: the later tranche of the same holding that receives the unpaid part. */
  @Column({ type: 'uuid', name: 'carry_to_tranche_id', nullable: true })
  carryToTrancheId: string | null;
}
