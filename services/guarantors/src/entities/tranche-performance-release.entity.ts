import { Column, Entity, Index, JoinColumn, OneToOne, PrimaryColumn, type Relation } from 'typeorm';
import type { UnpaidRemainder } from '../domain/performance.js';
import { minorUnits } from './columns.js';
import { Tranche } from './tranche.entity.js';

/**
 * The release of a variable tranche: what was measured, the band that applied, what was paid (by the
 * release journal, when anything was) and where the unpaid part went. One per tranche (primary key), so
 * a variable tranche is released at most once even when its band pays nothing and no journal is written.
 * Append-only, like the ledger.
 */
@Entity({ name: 'tranche_performance_release' })
@Index('tranche_performance_release_carried_idx', ['carriedToTrancheId'])
export class TranchePerformanceRelease {
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

  @Column({ type: 'uuid', name: 'benchmark_id' })
  benchmarkId: string;

  @Column({ type: 'text', name: 'metric' })
  metric: string;

  /** The threshold as milestones reported it at the release. */
  @Column({ type: 'double precision', name: 'threshold' })
  threshold: number;

  /** The measured value as its owning service reported it at the release. */
  @Column({ type: 'double precision', name: 'measured' })
  measured: number;

  /** floor(measured × 10000 ÷ threshold). */
  @Column({ type: 'bigint', name: 'ratio_basis_points', transformer: minorUnits })
  ratioBasisPoints: bigint;

  /** The lower bound of the band that applied; null below every band. */
  @Column({ type: 'integer', name: 'band_from_basis_points', nullable: true })
  bandFromBasisPoints: number | null;

  @Column({ type: 'integer', name: 'pays_basis_points' })
  paysBasisPoints: number;

  /** What remained of the tranche (its amount and anything carried to it, less any forfeited share). */
  @Column({ type: 'bigint', name: 'remaining_minor', transformer: minorUnits })
  remainingMinor: bigint;

  @Column({ type: 'bigint', name: 'paid_minor', transformer: minorUnits })
  paidMinor: bigint;

  @Column({ type: 'bigint', name: 'unpaid_minor', transformer: minorUnits })
  unpaidMinor: bigint;

  /** Where the unpaid part went; null when everything was paid. */
  @Column({ type: 'text', name: 'remainder', nullable: true })
  remainder: UnpaidRemainder | null;

  @Column({ type: 'uuid', name: 'carried_to_tranche_id', nullable: true })
  carriedToTrancheId: string | null;

  /** The RELEASE journal that paid it; null when the band paid nothing. */
  @Column({ type: 'uuid', name: 'journal_id', nullable: true })
  journalId: string | null;

  @Column({ type: 'timestamptz', name: 'released_at' })
  releasedAt: Date;

  @Column({ type: 'text', name: 'released_by', nullable: true })
  releasedBy: string | null;

  @Column({ type: 'text', name: 'released_by_subject', nullable: true })
  releasedBySubject: string | null;
}
