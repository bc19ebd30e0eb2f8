import type { Problems } from '@treaty/service-kit';

/**
 * Variable tranches (after the EU's variable tranches): a tranche may pay by performance band against
 * one benchmark of its milestone. At release, the benchmark's measured value (from the service that owns
 * the fact) is divided by its threshold; the highest band whose lower bound that ratio reaches says what
 * share of the tranche is paid. What is not paid is returned to the guarantor's holding or carried to a
 * later tranche, as the tranche's terms say. All arithmetic here is exact: integers and bigint, never a
 * floating-point product (0.57 × 10000 is 5699.999… in floating point; here it is 5700).
 */

/**
 * The metrics a band may be measured on, and the service that owns each measured value. The escrow's
 * own funded ratio is not among them: a tranche cannot pay by how well it is funded itself.
 */
export const PERFORMANCE_METRICS = {
  DETAINEES_RELEASED: 'prisoners',
  PRIORITY_DETAINEES_RELEASED: 'prisoners',
  TRUCKS_DELIVERED: 'corridors',
  QUIET_HOURS: 'corridors',
} as const;
export type PerformanceMetric = keyof typeof PERFORMANCE_METRICS;

export function isPerformanceMetric(m: string): m is PerformanceMetric {
  return Object.prototype.hasOwnProperty.call(PERFORMANCE_METRICS, m);
}

/** A band: from `fromBasisPoints` of the threshold (9000 = 90 %) upwards, the tranche pays `paysBasisPoints` of what remains of it. */
export interface Band {
  fromBasisPoints: number;
  paysBasisPoints: number;
}

export const MAX_BANDS = 10;
const FULL = 10_000;

/** What a tranche does with the part a band does not pay. */
export type UnpaidRemainder = 'RETURN_TO_HOLDING' | 'CARRY_TO_TRANCHE';

const isShare = (n: number) => Number.isInteger(n) && n >= 0 && n <= FULL;

/**
 * Bands as sent: at least one and at most ten, each bound and share a whole number of basis points from 0
 * to 10000, listed from the highest band down, with bounds and shares both strictly falling (a lower band
 * that paid as much as a higher one would make the higher one meaningless), and every band paying
 * something (below the lowest band nothing is paid anyway).
 */
export function checkBands(p: Problems, path: string, bands: readonly Band[]): void {
  if (bands.length === 0) {
    p.add(path, 'A variable tranche needs at least one band, e.g. [{ fromBasisPoints: 9000, paysBasisPoints: 10000 }, { fromBasisPoints: 6000, paysBasisPoints: 5000 }].');
    return;
  }
  if (bands.length > MAX_BANDS) p.add(path, `${bands.length} bands is more than a schedule needs; give at most ${MAX_BANDS}.`);
  bands.forEach((b, i) => {
    if (!isShare(b.fromBasisPoints)) p.add(`${path}.${i}.fromBasisPoints`, `${b.fromBasisPoints} is not a share of the threshold in basis points; give a whole number from 0 to 10000 (9000 is 90 % of the threshold).`);
    if (!isShare(b.paysBasisPoints) || b.paysBasisPoints === 0) {
      p.add(`${path}.${i}.paysBasisPoints`, `${b.paysBasisPoints} is not a share paid; give a whole number of basis points from 1 to 10000 (5000 pays half). Below the lowest band nothing is paid, so a band paying nothing is not needed.`);
    }
    const above = bands[i - 1];
    if (above && !(b.fromBasisPoints < above.fromBasisPoints && b.paysBasisPoints < above.paysBasisPoints)) {
      p.add(
        `${path}.${i}`,
        `Band ${i + 1} (from ${b.fromBasisPoints}, pays ${b.paysBasisPoints}) does not come below band ${i} (from ${above.fromBasisPoints}, pays ${above.paysBasisPoints}); ` +
          'list the bands from the highest down, each starting lower and paying less than the one before it.',
      );
    }
  });
}

export interface BenchmarkTerms {
  metric: string;
  comparator: string;
  threshold: number;
}

/** Why this benchmark cannot carry performance bands, or null when it can. */
export function benchmarkProblem(b: BenchmarkTerms): string | null {
  if (!isPerformanceMetric(b.metric)) {
    return `its metric is ${b.metric}; bands are measured on ${Object.keys(PERFORMANCE_METRICS).join(', ')} (a tranche cannot pay by how well it is funded itself)`;
  }
  if (b.comparator !== 'AT_LEAST') return `it is an ${b.comparator} benchmark; bands measure how much of an AT_LEAST threshold was reached`;
  if (!(Number.isFinite(b.threshold) && b.threshold > 0)) return `its threshold is ${b.threshold}; a share of a threshold needs one above 0`;
  return null;
}

/**
 * The exact value of a finite number as a fraction, read from its shortest decimal form (what was sent
 * in JSON): 0.57 is 57/100, 1e-7 is 1/10000000.
 */
export function decimalFraction(x: number): { num: bigint; den: bigint } {
  if (!Number.isFinite(x)) throw new Error(`not a finite number: ${x}`);
  const [mantissa, exp = '0'] = x.toString().toLowerCase().split('e') as [string, string?];
  const negative = mantissa.startsWith('-');
  const [whole, frac = ''] = (negative ? mantissa.slice(1) : mantissa).split('.') as [string, string?];
  let num = BigInt(whole + frac) * (negative ? -1n : 1n);
  let den = 10n ** BigInt(frac.length);
  const e = Number(exp);
  if (e > 0) num *= 10n ** BigInt(e);
  else if (e < 0) den *= 10n ** BigInt(-e);
  return { num, den };
}

/**
 * The measured value as a share of the threshold in basis points, rounded down (250 of 300 is 8333):
 * floor(measured × 10000 ÷ threshold), exactly. A band applies when this reaches its lower bound, which
 * for a whole-number bound is the same as the exact ratio reaching it.
 */
export function ratioBasisPoints(measured: number, threshold: number): bigint {
  if (!(Number.isFinite(measured) && measured >= 0)) throw new Error(`a measured value is a finite number of at least 0, not ${measured}`);
  if (!(Number.isFinite(threshold) && threshold > 0)) throw new Error(`a threshold is above 0, not ${threshold}`);
  const m = decimalFraction(measured);
  const t = decimalFraction(threshold);
  return (m.num * t.den * BigInt(FULL)) / (m.den * t.num);
}

/** The highest band the ratio reaches (bands listed from the highest down), or null below every band. */
export function bandFor(bands: readonly Band[], ratioBp: bigint): Band | null {
  return bands.find((b) => ratioBp >= BigInt(b.fromBasisPoints)) ?? null;
}

export interface Payout {
  /** The share paid: the band's, or 0 below every band. */
  paysBasisPoints: number;
  /** floor(remaining × share ÷ 10000): rounded down to a whole minor unit. */
  paidMinor: bigint;
  /** remaining − paid: what goes back to the holding or on to a later tranche, the fraction of a cent included. */
  unpaidMinor: bigint;
}

/** What a band pays of what remains of a tranche, rounded down to a whole minor unit; the rest is unpaid. */
export function payout(remainingMinor: bigint, band: Band | null): Payout {
  if (remainingMinor < 0n) throw new Error(`what remains of a tranche is never negative: ${remainingMinor}`);
  const paysBasisPoints = band?.paysBasisPoints ?? 0;
  const paidMinor = (remainingMinor * BigInt(paysBasisPoints)) / BigInt(FULL);
  return { paysBasisPoints, paidMinor, unpaidMinor: remainingMinor - paidMinor };
}

/**
 * Where the unpaid part goes: nowhere when nothing is unpaid; to the named later tranche when the terms
 * say so and it still stands for something (not released, not wholly forfeited); otherwise back to the
 * holding, where it is no longer reserved and funds the guarantor's other tranches.
 */
export function remainderGoesTo(unpaidMinor: bigint, terms: UnpaidRemainder, carryTargetOpen: boolean): UnpaidRemainder | null {
  if (unpaidMinor === 0n) return null;
  return terms === 'CARRY_TO_TRANCHE' && carryTargetOpen ? 'CARRY_TO_TRANCHE' : 'RETURN_TO_HOLDING';
}

export interface Settlement extends Payout {
  ratioBasisPoints: bigint;
  band: Band | null;
  /** Where the unpaid part goes; null when nothing is unpaid. */
  remainder: UnpaidRemainder | null;
}

/**
 * The whole decision a variable release makes, from what the milestones service reports of the benchmark
 * (its threshold) and what its owner measured: the ratio, the band, what is paid, and where the rest goes.
 */
export function settle(f: {
  bands: readonly Band[];
  threshold: number;
  measured: number;
  remainingMinor: bigint;
  terms: UnpaidRemainder;
  carryTargetOpen: boolean;
}): Settlement {
  const ratio = ratioBasisPoints(f.measured, f.threshold);
  const band = bandFor(f.bands, ratio);
  const paid = payout(f.remainingMinor, band);
  return { ...paid, ratioBasisPoints: ratio, band, remainder: remainderGoesTo(paid.unpaidMinor, f.terms, f.carryTargetOpen) };
}
