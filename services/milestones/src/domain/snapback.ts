import { HOUR_MS, snapBackReaches } from '@treaty/service-kit';
import { endOfDay } from './calendar.js';

export type TriggerKind = 'MILESTONE_MISSED' | 'VIOLATIONS_THRESHOLD' | 'RULING_CONFIRMS_BREACH';

/**
 * When a clause fired and why. `endsAt` is when the fact that fired it stopped holding (a missed
 * milestone certified late, or waived): from then on this trigger no longer keeps snap-back in force.
 * Null (or absent) while it holds; only a lift ends it then.
 *
 * The rules every trigger follows (a partner agency reads them in the SDL):
 * - A clause applies from its adoption and never reaches back. A situation still holding when it is
 *   adopted (a milestone missed and still unmet, a rolling window already over the threshold) fires
 *   at the adoption; one that had ended before (a miss cured, a burst of violations that has left the
 *   window) does not fire at all. A ruling is a one-off act: only rulings made from the adoption on
 *   count. After the Vienna Convention on the Law of Treaties, art. 28: a provision binds no act or
 *   fact before it, nor any situation that ceased to exist before it, but does bind one that continues.
 * - A MILESTONE_MISSED trigger ends when its milestone is certified late (from when the certification
 *   is recorded) or waived: the reversion exists to restore compliance, and the seeds' own terms are
 *   "automatic reversion of eased measures if benchmarks slip" with benefits "disbursed upon certified
 *   compliance". Relief comes back with the verified fact, never earlier, never needing a vote.
 *   VIOLATIONS_THRESHOLD and RULING_CONFIRMS_BREACH triggers end only by a lift: nothing cures violence
 *   that happened or a ruling made, so after the JCPOA's snap-back only a decision (the mediator's
 *   liftSnapBack) restores relief.
 */
export interface Trigger {
  at: Date;
  endsAt?: Date | null;
  reason: string;
}

/** The facts of one milestone a MILESTONE_MISSED clause judges. */
export interface MissFacts {
  entryIntoForceAt: Date;
  dueDay: number;
  title: string;
  /** The certification, if any: when the verifier found it met, and when that finding was recorded. */
  certification: { metAt: Date; recordedAt: Date } | null;
  waivedAt: Date | null;
}

/**
 * The trigger a missed milestone gives a clause adopted at `adoptedAt`, or null when it gives none: the
 * milestone was met or waived by its deadline, or the miss was cured before the clause existed. The
 * trigger fires at the deadline, or at the adoption when that came later, and ends at the cure.
 */
export function missTrigger(f: MissFacts, adoptedAt: Date): Trigger | null {
  const deadline = endOfDay(f.entryIntoForceAt, f.dueDay).getTime();
  if (f.certification && f.certification.metAt.getTime() < deadline) return null;
  if (f.waivedAt && f.waivedAt.getTime() < deadline) return null;
  const cures = [f.certification?.recordedAt, f.waivedAt].filter((d): d is Date => d instanceof Date).map((d) => d.getTime());
  const cure = cures.length ? Math.min(...cures) : null;
  const at = Math.max(deadline, adoptedAt.getTime());
  if (cure !== null && cure <= at) return null;
  const reason = `Milestone '${f.title}' missed (due Day ${f.dueDay})${at > deadline ? '; still unmet when the clause was adopted.' : '.'}`;
  return { at: new Date(at), endsAt: cure === null ? null : new Date(cure), reason };
}

/**
 * The first moment at or after `from` (default: any time) at which more than `threshold` violations
 * fall within the rolling window of `windowHours` ending then (counting by when they occurred), or
 * null. A window already over the threshold at `from` gives `from`. `times` need not be sorted.
 */
export function violationThresholdCrossed(times: Date[], threshold: number, windowHours: number, from?: Date): Date | null {
  const sorted = times.map((t) => t.getTime()).sort((a, b) => a - b);
  const span = windowHours * HOUR_MS;
  const since = from?.getTime() ?? -Infinity;
  // The window ending at t holds violations i-threshold..i from t = sorted[i] until the earliest of them
  // leaves it, at sorted[i-threshold] + span. The first such stretch still open at `since` decides.
  for (let i = threshold; i < sorted.length; i++) {
    const opens = sorted[i]!;
    const closes = sorted[i - threshold]! + span;
    if (opens < closes && closes > since) return new Date(Math.max(opens, since));
  }
  return null;
}

/** The VIOLATIONS_THRESHOLD trigger of a clause adopted at `adoptedAt`, if any. */
export function violationsTrigger(times: Date[], threshold: number, windowHours: number, adoptedAt: Date): Trigger | null {
  const at = violationThresholdCrossed(times, threshold, windowHours, adoptedAt);
  if (!at) return null;
  const already = at.getTime() === adoptedAt.getTime() && violationThresholdCrossed(times, threshold, windowHours)!.getTime() < at.getTime();
  return { at, endsAt: null, reason: `More than ${threshold} verified material violations within ${windowHours} hours${already ? '; already so when the clause was adopted.' : '.'}` };
}

/** The RULING_CONFIRMS_BREACH triggers of a clause adopted at `adoptedAt`: rulings from then on that confirmed a breach. */
export function rulingTriggers(rulings: { disputeId: string; outcome: string; ruledAt: Date }[], adoptedAt: Date): Trigger[] {
  return rulings
    .filter((r) => r.outcome === 'BREACH_CONFIRMED' && r.ruledAt.getTime() >= adoptedAt.getTime())
    .map((r) => ({ at: r.ruledAt, endsAt: null, reason: `A ruling confirmed a breach (dispute ${r.disputeId}).` }));
}

export interface SnapBackState {
  active: boolean;
  triggeredAt: Date | null;
  reason: string | null;
}

/**
 * Snap-back is in force while a trigger fired after the last lift and has not ended; a lift covers every
 * trigger before it. `triggeredAt` and `reason` are those of the earliest trigger still in force.
 * Derived entirely from triggers (facts with times) and lifts, at read time.
 */
export function snapBackState(triggers: Trigger[], lifts: Date[], now: Date): SnapBackState {
  const t = now.getTime();
  const lastLift = lifts.filter((l) => l.getTime() <= t).reduce<number>((m, l) => Math.max(m, l.getTime()), -Infinity);
  const live = triggers
    .filter((x) => x.at.getTime() > lastLift && x.at.getTime() <= t && (!x.endsAt || x.endsAt.getTime() > t))
    .sort((a, b) => a.at.getTime() - b.at.getTime());
  const first = live[0];
  return first ? { active: true, triggeredAt: first.at, reason: first.reason } : { active: false, triggeredAt: null, reason: null };
}

/**
 * Whether a snap-back in force reaches a milestone due on `dueDay`: it does when it was triggered
 * before the end of that day (the milestone's deadline); one triggered at or after it does not.
 */
export function underSnapBackAt(state: SnapBackState, entryIntoForceAt: Date, dueDay: number): boolean {
  return snapBackReaches(state, endOfDay(entryIntoForceAt, dueDay));
}
