import { isBlank, snapBackReaches, type Problems } from '@treaty/service-kit';
import { isCertified, type MilestoneStatus } from './tranche.js';

/**
 * Graduated incentives: non-monetary benefits (trade quotas, permits, access) that a guarantor places in
 * escrow for a beneficiary party, in units of their own ("fishing permits", "tonnes of quota"), released
 * step by step as a listed set of milestones is met: each step is a share of the units, earned when a
 * further `milestonesPerStep` of the listed milestones are certified MET or MET_LATE. A snap-back in force
 * withholds the steps not yet released and reverts the units already with the beneficiary.
 *
 * Units are whole numbers. Steps are rounded by cumulative floor: after step k the beneficiary has
 * floor(total × min(k × share, 100 %)), so each step is within one unit of its nominal share and the
 * steps add up to the total exactly.
 */

export const INCENTIVE_KINDS = ['TRADE_QUOTA', 'PERMIT', 'ACCESS', 'OTHER'] as const;
export type IncentiveKind = (typeof INCENTIVE_KINDS)[number];
export type IncentiveStepStatus = 'PENDING' | 'RELEASABLE' | 'WITHHELD' | 'RELEASED' | 'REVERTED';

/** Far above any real quota or permit count; low enough that a typing slip of a few digits is refused. */
export const MAX_UNITS = 1_000_000_000;
export const MAX_LISTED_MILESTONES = 100;
const FULL = 10_000n;

export interface IncentiveStepPlan {
  /** 1 for the first step. */
  step: number;
  units: number;
  /** How many of the listed milestones must be met (cumulatively) to earn it. */
  milestonesNeeded: number;
}

/** The steps of a schedule: ceil(10000 / share) of them, rounded by cumulative floor (see above). */
export function stepSchedule(totalUnits: number, stepBasisPoints: number, milestonesPerStep: number): IncentiveStepPlan[] {
  if (!Number.isInteger(totalUnits) || totalUnits < 1) throw new Error(`total units must be a whole number of at least 1: ${totalUnits}`);
  if (!Number.isInteger(stepBasisPoints) || stepBasisPoints < 1 || stepBasisPoints > 10_000) throw new Error(`step share out of range: ${stepBasisPoints}`);
  if (!Number.isInteger(milestonesPerStep) || milestonesPerStep < 1) throw new Error(`milestones per step must be at least 1: ${milestonesPerStep}`);
  const total = BigInt(totalUnits);
  const share = BigInt(stepBasisPoints);
  const count = Number((FULL + share - 1n) / share);
  const cumulative = (k: number) => (total * (BigInt(k) * share < FULL ? BigInt(k) * share : FULL)) / FULL;
  return Array.from({ length: count }, (_, i) => ({
    step: i + 1,
    units: Number(cumulative(i + 1) - cumulative(i)),
    milestonesNeeded: (i + 1) * milestonesPerStep,
  }));
}

export interface IncentiveDraft {
  kind: string;
  unit: string;
  totalUnits: number;
  stepBasisPoints: number;
  milestonesPerStep: number;
  milestoneIds: readonly string[];
}

/**
 * The schedule as sent, before any lookup: a known kind, a unit name, whole units within the ceiling, a
 * share per step and milestones per step in range, the listed milestones each once, enough of them for
 * every step to be reachable, and no step so small that it rounds to nothing.
 */
export function checkIncentive(p: Problems, d: IncentiveDraft): void {
  if (!(INCENTIVE_KINDS as readonly string[]).includes(d.kind)) p.add('input.kind', `Unknown kind ${d.kind}; use ${INCENTIVE_KINDS.join(', ')}.`);
  const unit = d.unit.trim();
  // isBlank: a unit of zero-width or other invisible characters names nothing, like an empty one.
  if (isBlank(unit) || unit.length > 100) p.add('input.unit', 'Name the unit the benefit is counted in, in at most 100 characters, e.g. "fishing permits" or "tonnes of quota".');
  const unitsOk = Number.isInteger(d.totalUnits) && d.totalUnits >= 1 && d.totalUnits <= MAX_UNITS;
  if (!unitsOk) {
    p.add('input.totalUnits', `${d.totalUnits} is not a number of units to hold; give a whole number from 1 to ${MAX_UNITS.toLocaleString('en-US')} (count a quota in a smaller unit, e.g. kilograms, if it is fractional).`);
  }
  const shareOk = Number.isInteger(d.stepBasisPoints) && d.stepBasisPoints >= 1 && d.stepBasisPoints <= 10_000;
  if (!shareOk) p.add('input.stepBasisPoints', `${d.stepBasisPoints} is not a share per step; give a whole number of basis points from 1 to 10000 (2500 releases a quarter of the units per step).`);
  const perStepOk = Number.isInteger(d.milestonesPerStep) && d.milestonesPerStep >= 1 && d.milestonesPerStep <= MAX_LISTED_MILESTONES;
  if (!perStepOk) p.add('input.milestonesPerStep', `${d.milestonesPerStep} is not a number of milestones per step; give a whole number from 1 to ${MAX_LISTED_MILESTONES}.`);
  if (d.milestoneIds.length === 0 || d.milestoneIds.length > MAX_LISTED_MILESTONES) {
    p.add('input.milestoneIds', `List from 1 to ${MAX_LISTED_MILESTONES} milestones of the agreement whose progress earns the steps; ${d.milestoneIds.length} were given.`);
  }
  if (new Set(d.milestoneIds).size !== d.milestoneIds.length) p.add('input.milestoneIds', 'A milestone is listed twice; list each milestone once.');
  if (!(unitsOk && shareOk && perStepOk)) return;
  const steps = stepSchedule(d.totalUnits, d.stepBasisPoints, d.milestonesPerStep);
  const needed = steps[steps.length - 1]!.milestonesNeeded;
  if (d.milestoneIds.length > 0 && needed > d.milestoneIds.length) {
    p.add(
      'input.milestoneIds',
      `${steps.length} steps of ${d.milestonesPerStep} milestone(s) each need ${needed} listed milestones, but ${d.milestoneIds.length} are listed, so the last steps could never be earned; ` +
        'list more milestones, release a larger share per step, or ask fewer milestones per step.',
    );
  }
  const empty = steps.find((s) => s.units === 0);
  if (empty) {
    p.add('input.totalUnits', `${d.totalUnits} units in steps of ${d.stepBasisPoints} basis points leave step ${empty.step} with no unit at all; hold at least ${steps.length} units, or release a larger share per step.`);
  }
}

/** How many of the listed milestones are certified MET or MET_LATE (a waiver earns nothing, as for tranches). */
export function milestonesMet(statuses: readonly MilestoneStatus[]): number {
  return statuses.filter(isCertified).length;
}

/**
 * The deadline a snap-back must be triggered before to reach the escrow: the last deadline among the
 * listed milestones. As for a tranche (withheld by a snap-back triggered before its milestone fell due),
 * a snap-back triggered once every listed milestone has fallen due comes after the programme it rewards.
 */
export function programmeDeadline(dueAts: readonly Date[]): Date {
  if (dueAts.length === 0) throw new Error('an incentive escrow lists at least one milestone');
  return new Date(Math.max(...dueAts.map((d) => d.getTime())));
}

/** Whether a snap-back state reaches the escrow (the kit's rule, the one tranches follow). */
export function incentiveUnderSnapBack(state: { active: boolean; triggeredAt: Date | string | null }, dueAts: readonly Date[]): boolean {
  return snapBackReaches(state, programmeDeadline(dueAts));
}

export interface StepFacts {
  released: boolean;
  /** A reversion was recorded after the step's release. */
  reverted: boolean;
  met: number;
  milestonesNeeded: number;
  underSnapBack: boolean;
}

/**
 * A step's status, in this order: REVERTED once a reversion took its units back; RELEASED once released;
 * WITHHELD while a snap-back reaches the escrow; RELEASABLE when enough listed milestones are met;
 * otherwise PENDING.
 */
export function stepStatus(f: StepFacts): IncentiveStepStatus {
  if (f.released) return f.reverted ? 'REVERTED' : 'RELEASED';
  if (f.underSnapBack) return 'WITHHELD';
  return f.met >= f.milestonesNeeded ? 'RELEASABLE' : 'PENDING';
}

/**
 * The units ledger of one escrow: GRANT moves the units from the guarantor into escrow, RELEASE from
 * escrow to the beneficiary, REVERSION from the beneficiary back to the guarantor. Balances are sums.
 */
export interface UnitJournal {
  kind: 'GRANT' | 'RELEASE' | 'REVERSION';
  units: number;
}

export interface UnitBalances {
  granted: number;
  released: number;
  reverted: number;
  /** In escrow: granted − released. */
  held: number;
  /** With the beneficiary now: released − reverted. */
  withBeneficiary: number;
}

export function unitBalances(journals: readonly UnitJournal[]): UnitBalances {
  const sum = (kind: UnitJournal['kind']) => journals.filter((j) => j.kind === kind).reduce((s, j) => s + j.units, 0);
  const granted = sum('GRANT');
  const released = sum('RELEASE');
  const reverted = sum('REVERSION');
  return { granted, released, reverted, held: granted - released, withBeneficiary: released - reverted };
}
