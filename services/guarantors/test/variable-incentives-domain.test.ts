import { describe, expect, it } from 'vitest';
import { Problems } from '@treaty/service-kit';
import { bandFor, benchmarkProblem, checkBands, decimalFraction, payout, ratioBasisPoints, remainderGoesTo, settle, type Band } from '../src/domain/performance.js';
import { checkIncentive, incentiveUnderSnapBack, milestonesMet, programmeDeadline, stepSchedule, stepStatus, unitBalances } from '../src/domain/incentive.js';
import { allotHolding, drawProblem, fundingLine } from '../src/domain/funding.js';

/** The problems a check adds, as { path, message } pairs (BadUserInputError carries them in extensions). */
function problemsOf(check: (p: Problems) => void): { path: string; message: string }[] {
  const p = new Problems();
  check(p);
  try {
    p.throwIfAny();
    return [];
  } catch (e) {
    return (e as { problems: { path: string; message: string }[] }).problems;
  }
}

const EU: Band[] = [
  { fromBasisPoints: 9000, paysBasisPoints: 10000 },
  { fromBasisPoints: 6000, paysBasisPoints: 5000 },
];

describe('performance bands', () => {
  it('accept one to ten bands, strictly falling in bound and share, each within 0–10000', () => {
    expect(problemsOf((p) => checkBands(p, 'bands', EU))).toEqual([]);
    expect(problemsOf((p) => checkBands(p, 'bands', [{ fromBasisPoints: 0, paysBasisPoints: 1 }]))).toEqual([]);
  });

  it('refuse no band, too many, shares out of range or paying nothing, and bands out of order, naming each', () => {
    expect(problemsOf((p) => checkBands(p, 'bands', []))).toEqual([{ path: 'bands', message: expect.stringContaining('at least one band') }]);
    const eleven = Array.from({ length: 11 }, (_, i) => ({ fromBasisPoints: 10000 - i * 500, paysBasisPoints: 10000 - i * 500 }));
    expect(problemsOf((p) => checkBands(p, 'bands', eleven))).toEqual([{ path: 'bands', message: expect.stringContaining('at most 10') }]);
    expect(problemsOf((p) => checkBands(p, 'bands', [{ fromBasisPoints: 10001, paysBasisPoints: 0 }]))).toEqual([
      { path: 'bands.0.fromBasisPoints', message: expect.stringContaining('from 0 to 10000') },
      { path: 'bands.0.paysBasisPoints', message: expect.stringContaining('from 1 to 10000') },
    ]);
    expect(problemsOf((p) => checkBands(p, 'bands', [{ fromBasisPoints: 8000.5, paysBasisPoints: 100 }]))).toEqual([{ path: 'bands.0.fromBasisPoints', message: expect.any(String) }]);
    // Ascending, equal bounds, and a lower band paying as much: each refused on the band that breaks the order.
    expect(problemsOf((p) => checkBands(p, 'bands', [...EU].reverse()))).toEqual([{ path: 'bands.1', message: expect.stringContaining('list the bands from the highest down') }]);
    expect(problemsOf((p) => checkBands(p, 'bands', [{ fromBasisPoints: 9000, paysBasisPoints: 10000 }, { fromBasisPoints: 9000, paysBasisPoints: 5000 }]))).toHaveLength(1);
    expect(problemsOf((p) => checkBands(p, 'bands', [{ fromBasisPoints: 9000, paysBasisPoints: 5000 }, { fromBasisPoints: 6000, paysBasisPoints: 5000 }]))).toHaveLength(1);
  });

  it('take the highest band the ratio reaches, and none below the lowest', () => {
    expect(bandFor(EU, 10_000n)).toEqual(EU[0]);
    expect(bandFor(EU, 9_000n)).toEqual(EU[0]);
    expect(bandFor(EU, 8_999n)).toEqual(EU[1]);
    expect(bandFor(EU, 6_000n)).toEqual(EU[1]);
    expect(bandFor(EU, 5_999n)).toBeNull();
    expect(bandFor(EU, 0n)).toBeNull();
  });

  it('only on AT_LEAST benchmarks with a threshold above 0, on a metric another service measures', () => {
    expect(benchmarkProblem({ metric: 'TRUCKS_DELIVERED', comparator: 'AT_LEAST', threshold: 120 })).toBeNull();
    expect(benchmarkProblem({ metric: 'QUIET_HOURS', comparator: 'AT_LEAST', threshold: 72 })).toBeNull();
    expect(benchmarkProblem({ metric: 'ESCROW_FUNDED_RATIO', comparator: 'AT_LEAST', threshold: 1 })).toMatch(/how well it is funded itself/);
    expect(benchmarkProblem({ metric: 'TRUCKS_DELIVERED', comparator: 'AT_MOST', threshold: 120 })).toMatch(/AT_MOST/);
    expect(benchmarkProblem({ metric: 'DETAINEES_RELEASED', comparator: 'AT_LEAST', threshold: 0 })).toMatch(/above 0/);
  });
});

describe('the measured ratio, exactly', () => {
  it('reads numbers as the decimals they were sent as', () => {
    expect(decimalFraction(0.57)).toEqual({ num: 57n, den: 100n });
    expect(decimalFraction(120)).toEqual({ num: 120n, den: 1n });
    expect(decimalFraction(1e-7)).toEqual({ num: 1n, den: 10_000_000n });
    const big = decimalFraction(2.5e21);
    expect(big.num).toBe(2_500_000_000_000_000_000_000n * big.den);
  });

  it('is floor(measured × 10000 ÷ threshold), with no floating-point error at a band edge', () => {
    expect(ratioBasisPoints(250, 300)).toBe(8333n);
    expect(ratioBasisPoints(108, 120)).toBe(9000n);
    expect(ratioBasisPoints(0, 72)).toBe(0n);
    expect(ratioBasisPoints(500, 120)).toBe(41666n);
    // In floating point 0.57 × 10000 is 5699.999…, which would miss a band starting at 5700.
    expect(Math.floor(0.57 * 10000)).toBe(5699);
    expect(ratioBasisPoints(0.57, 1)).toBe(5700n);
    expect(bandFor([{ fromBasisPoints: 5700, paysBasisPoints: 2500 }], ratioBasisPoints(0.57, 1))).not.toBeNull();
    expect(ratioBasisPoints(64.8, 72)).toBe(9000n);
    expect(() => ratioBasisPoints(-1, 10)).toThrow();
    expect(() => ratioBasisPoints(1, 0)).toThrow();
  });
});

describe('payout and rounding', () => {
  it('pays the band share of what remains rounded down to a whole minor unit; the rest, fraction included, is unpaid', () => {
    // 333.33 at 50 %: 166.665 → 166.66 paid, 166.67 unpaid; together exactly 333.33.
    expect(payout(33_333n, EU[1]!)).toEqual({ paysBasisPoints: 5000, paidMinor: 16_666n, unpaidMinor: 16_667n });
    expect(payout(33_333n, EU[0]!)).toEqual({ paysBasisPoints: 10000, paidMinor: 33_333n, unpaidMinor: 0n });
    expect(payout(33_333n, null)).toEqual({ paysBasisPoints: 0, paidMinor: 0n, unpaidMinor: 33_333n });
    // 1 minor unit at 99.99 %: rounds to nothing paid.
    expect(payout(1n, { fromBasisPoints: 0, paysBasisPoints: 9999 })).toEqual({ paysBasisPoints: 9999, paidMinor: 0n, unpaidMinor: 1n });
    for (const remaining of [1n, 7n, 99_999n, 1_000_000_000_000n]) {
      for (const pays of [1, 3333, 5000, 6667, 9999, 10000]) {
        const r = payout(remaining, { fromBasisPoints: 0, paysBasisPoints: pays });
        expect(r.paidMinor + r.unpaidMinor).toBe(remaining);
        expect(r.paidMinor * 10_000n <= remaining * BigInt(pays)).toBe(true);
        expect((r.paidMinor + 1n) * 10_000n > remaining * BigInt(pays)).toBe(true);
      }
    }
  });

  it('sends the unpaid part to the named tranche only while it is open, else back to the holding; nowhere when all is paid', () => {
    expect(remainderGoesTo(0n, 'CARRY_TO_TRANCHE', true)).toBeNull();
    expect(remainderGoesTo(5n, 'CARRY_TO_TRANCHE', true)).toBe('CARRY_TO_TRANCHE');
    expect(remainderGoesTo(5n, 'CARRY_TO_TRANCHE', false)).toBe('RETURN_TO_HOLDING');
    expect(remainderGoesTo(5n, 'RETURN_TO_HOLDING', true)).toBe('RETURN_TO_HOLDING');
  });

  it('settles a release in one decision: 100 of 120 trucks is 83.33 %, the 50 % band', () => {
    expect(settle({ bands: EU, threshold: 120, measured: 100, remainingMinor: 30_000_001n, terms: 'CARRY_TO_TRANCHE', carryTargetOpen: true })).toEqual({
      ratioBasisPoints: 8333n,
      band: EU[1],
      paysBasisPoints: 5000,
      paidMinor: 15_000_000n,
      unpaidMinor: 15_000_001n,
      remainder: 'CARRY_TO_TRANCHE',
    });
  });
});

describe('variable tranches in a holding', () => {
  const t = (id: string, amount: bigint, more: Record<string, unknown> = {}) => ({ id, milestoneId: `m-${id}`, currency: 'USD', amountMinor: amount, forfeitedMinor: 0n, releasedMinor: null as bigint | null, unpaidMinor: 0n, carriedInMinor: 0n, ...more });

  it('reserves a carried-in part for its target, frees a returned one, and counts a released tranche as fully funded', () => {
    // Day-60 tranche (created first) 500; Day-30 variable tranche 300, released at 50 %: 150 paid, 150 carried to Day 60.
    const before = allotHolding(800n, [t('day60', 500n), t('day30', 300n)]);
    expect(before.unreservedMinor).toBe(0n);
    const carried = allotHolding(650n, [t('day60', 500n, { carriedInMinor: 150n }), t('day30', 300n, { releasedMinor: 150n, unpaidMinor: 150n })]);
    expect(carried.tranches.get('day60')).toMatchObject({ carriedIn: 150n, held: 650n, unfunded: 0n });
    expect(carried.tranches.get('day30')).toMatchObject({ released: 150n, unpaid: 150n, held: 0n, releasedAlready: true });
    expect(fundingLine('USD', carried.tranches.get('day30')!)).toEqual({ currency: 'USD', dueMinor: 300n, fundedMinor: 300n });
    // Returned instead: the 150 is unreserved in the holding, where the next tranche draws on it.
    const returned = allotHolding(650n, [t('day60', 500n), t('day30', 300n, { releasedMinor: 150n, unpaidMinor: 150n })]);
    expect(returned.unreservedMinor).toBe(150n);
    expect(drawProblem(returned, 'day60', 500n)).toBeNull();
    // A release that paid nothing still settles the tranche.
    const nothing = allotHolding(800n, [t('day30', 300n, { releasedMinor: 0n, unpaidMinor: 300n })]);
    expect(nothing.tranches.get('day30')).toMatchObject({ releasedAlready: true, held: 0n, unfunded: 0n });
    expect(fundingLine('USD', nothing.tranches.get('day30')!)).toEqual({ currency: 'USD', dueMinor: 300n, fundedMinor: 300n });
  });
});

describe('incentive steps', () => {
  it('are ceil(10000 ÷ share) steps, each earned by milestonesPerStep more milestones, rounded by cumulative floor to add up to the total', () => {
    expect(stepSchedule(400, 2500, 2)).toEqual([
      { step: 1, units: 100, milestonesNeeded: 2 },
      { step: 2, units: 100, milestonesNeeded: 4 },
      { step: 3, units: 100, milestonesNeeded: 6 },
      { step: 4, units: 100, milestonesNeeded: 8 },
    ]);
    // 10 permits in quarters: 2.5 each → 2, 3, 2, 3 (after step k: floor(10 × k / 4)).
    expect(stepSchedule(10, 2500, 1).map((s) => s.units)).toEqual([2, 3, 2, 3]);
    // 30 % a step: three full steps and a last one of 10 %.
    expect(stepSchedule(1000, 3000, 1).map((s) => s.units)).toEqual([300, 300, 300, 100]);
    for (const [total, share] of [[7, 1500], [1_000_000_000, 333], [13, 10000], [99, 4000]] as const) {
      const steps = stepSchedule(total, share, 1);
      expect(steps.reduce((s, x) => s + x.units, 0)).toBe(total);
      for (const s of steps) expect(Math.abs(s.units - (total * Math.min(share, 10000 - (s.step - 1) * share)) / 10000)).toBeLessThan(1);
    }
  });

  it('refuse unknown kinds, empty units, out-of-range numbers, repeated or too few milestones, and steps that round to nothing', () => {
    const ok = { kind: 'PERMIT', unit: 'fishing permits', totalUnits: 400, stepBasisPoints: 2500, milestonesPerStep: 2, milestoneIds: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'] };
    expect(problemsOf((p) => checkIncentive(p, ok))).toEqual([]);
    const paths = (d: Partial<typeof ok>) => problemsOf((p) => checkIncentive(p, { ...ok, ...d })).map((x) => x.path);
    expect(paths({ kind: 'CASH' })).toEqual(['input.kind']);
    expect(paths({ unit: '  ' })).toEqual(['input.unit']);
    expect(paths({ totalUnits: 0 })).toEqual(['input.totalUnits']);
    expect(paths({ totalUnits: 1_000_000_001 })).toEqual(['input.totalUnits']);
    expect(paths({ stepBasisPoints: 0 })).toEqual(['input.stepBasisPoints']);
    expect(paths({ milestonesPerStep: 0 })).toEqual(['input.milestonesPerStep']);
    expect(paths({ milestoneIds: [] })).toContain('input.milestoneIds');
    expect(paths({ milestoneIds: ['a', 'a', 'b', 'c', 'd', 'e', 'f', 'g'] })).toEqual(['input.milestoneIds']);
    expect(problemsOf((p) => checkIncentive(p, { ...ok, milestoneIds: ['a', 'b', 'c'] }))).toEqual([
      { path: 'input.milestoneIds', message: expect.stringContaining('4 steps of 2 milestone(s) each need 8 listed milestones, but 3 are listed') },
    ]);
    expect(problemsOf((p) => checkIncentive(p, { ...ok, totalUnits: 3 }))).toEqual([{ path: 'input.totalUnits', message: expect.stringContaining('leave step 1 with no unit at all') }]);
  });

  it('count MET and MET_LATE only, and read REVERTED, RELEASED, WITHHELD, RELEASABLE, PENDING in that order', () => {
    expect(milestonesMet(['MET', 'MET_LATE', 'WAIVED', 'MISSED', 'PENDING', 'DUE'])).toBe(2);
    const f = { released: false, reverted: false, met: 2, milestonesNeeded: 2, underSnapBack: false };
    expect(stepStatus(f)).toBe('RELEASABLE');
    expect(stepStatus({ ...f, met: 1 })).toBe('PENDING');
    expect(stepStatus({ ...f, underSnapBack: true })).toBe('WITHHELD');
    expect(stepStatus({ ...f, released: true, underSnapBack: true })).toBe('RELEASED');
    expect(stepStatus({ ...f, released: true, reverted: true })).toBe('REVERTED');
  });

  it('are reached by a snap-back triggered before the last listed milestone fell due, and not after', () => {
    const dues = [new Date('2026-03-31T00:00:00Z'), new Date('2026-05-01T00:00:00Z')];
    expect(programmeDeadline(dues)).toEqual(new Date('2026-05-01T00:00:00Z'));
    expect(incentiveUnderSnapBack({ active: true, triggeredAt: new Date('2026-04-15T00:00:00Z') }, dues)).toBe(true);
    expect(incentiveUnderSnapBack({ active: true, triggeredAt: new Date('2026-05-01T00:00:00Z') }, dues)).toBe(false);
    expect(incentiveUnderSnapBack({ active: false, triggeredAt: null }, dues)).toBe(false);
  });

  it('keep a units ledger whose balances are sums: held + with the beneficiary + reverted = granted', () => {
    const b = unitBalances([
      { kind: 'GRANT', units: 400 },
      { kind: 'RELEASE', units: 100 },
      { kind: 'RELEASE', units: 100 },
      { kind: 'REVERSION', units: 200 },
      { kind: 'RELEASE', units: 100 },
    ]);
    expect(b).toEqual({ granted: 400, released: 300, reverted: 200, held: 100, withBeneficiary: 100 });
    expect(b.held + b.withBeneficiary + b.reverted).toBe(b.granted);
  });
});
