import type { MilestoneStatus } from './status.js';

export type Metric = 'DETAINEES_RELEASED' | 'PRIORITY_DETAINEES_RELEASED' | 'TRUCKS_DELIVERED' | 'ESCROW_FUNDED_RATIO' | 'QUIET_HOURS';
export type Verdict = 'MET' | 'ON_TRACK' | 'AT_RISK' | 'BREACHED';

/** Which service owns each measured value. */
export const METRIC_SOURCE: Record<Metric, string> = {
  DETAINEES_RELEASED: 'prisoners',
  PRIORITY_DETAINEES_RELEASED: 'prisoners',
  TRUCKS_DELIVERED: 'corridors',
  ESCROW_FUNDED_RATIO: 'guarantors',
  QUIET_HOURS: 'corridors',
};

/** A benchmark is at risk when it is unmet with this share of its window or less remaining. */
export const AT_RISK_REMAINING_SHARE = 0.25;

export interface BenchmarkInputs {
  metric: Metric;
  comparator: 'AT_LEAST' | 'AT_MOST';
  threshold: number;
  description?: string | null;
}

export interface BenchmarkResult extends BenchmarkInputs {
  measured: number;
  satisfied: boolean;
  source: string;
}

/**
 * One benchmark against its measured value. The result names its fields rather than spreading `b` (a
 * stored row): an agreement of 300 milestones evaluates 1,200 of these per headline request, and copying
 * every column of each row twice was about 5 % of milestones' CPU on it.
 */
export function evaluateBenchmark(b: BenchmarkInputs, measured: number): BenchmarkResult {
  const satisfied = b.comparator === 'AT_LEAST' ? measured >= b.threshold : measured <= b.threshold;
  return { metric: b.metric, comparator: b.comparator, threshold: b.threshold, description: b.description ?? null, measured, satisfied, source: METRIC_SOURCE[b.metric] };
}

/**
 * The verdict on a milestone:
 * - MET: certified (MET or MET_LATE) or waived; nothing more is owed.
 * - BREACHED: its deadline passed without certification (MISSED).
 * - AT_RISK: due today and not yet certified, whatever the benchmarks say (only a certification settles
 *   it, and the day is running out); or not yet due, unmet, and at most a quarter of the milestone's
 *   window (from `windowStartsAt` to `dueAt`) remains.
 * - ON_TRACK: otherwise (met so far, or enough of the window left).
 * "Unmet" is a benchmark not satisfied, or no benchmarks at all: then nothing measured shows progress
 * and only a certification can, so a milestone without benchmarks is judged as one with a benchmark
 * still unmet (else it could never be at risk).
 */
export function verdict(status: MilestoneStatus, results: BenchmarkResult[], windowStart: Date, dueAt: Date, now: Date): Verdict {
  if (status === 'MET' || status === 'MET_LATE' || status === 'WAIVED') return 'MET';
  if (status === 'MISSED') return 'BREACHED';
  if (status === 'DUE') return 'AT_RISK';
  const unmet = results.length === 0 || results.some((r) => !r.satisfied);
  if (!unmet) return 'ON_TRACK';
  const span = dueAt.getTime() - windowStart.getTime();
  const remaining = dueAt.getTime() - now.getTime();
  return span <= 0 || remaining / span <= AT_RISK_REMAINING_SHARE ? 'AT_RISK' : 'ON_TRACK';
}

export interface PartyTally {
  met: number;
  metLate: number;
  missed: number;
  pending: number;
  waived: number;
}

/**
 * Implementation score, after the Peace Accords Matrix idea of scoring what has fallen due: on-time
 * milestones count 1, late ones 0.5, missed 0, over every milestone whose outcome is known (met, met
 * late or missed). Null while nothing has fallen due. Waived and pending milestones do not count.
 */
export function score(t: PartyTally): number | null {
  const decided = t.met + t.metLate + t.missed;
  return decided === 0 ? null : Math.round(((t.met + 0.5 * t.metLate) / decided) * 1000) / 1000;
}

export function tally(statuses: MilestoneStatus[]): PartyTally {
  const t: PartyTally = { met: 0, metLate: 0, missed: 0, pending: 0, waived: 0 };
  for (const s of statuses) {
    if (s === 'MET') t.met++;
    else if (s === 'MET_LATE') t.metLate++;
    else if (s === 'MISSED') t.missed++;
    else if (s === 'WAIVED') t.waived++;
    else t.pending++;
  }
  return t;
}
