import { HOUR_MS } from '@treaty/service-kit';
import { endOfDay } from './calendar.js';

export type TriggerKind = 'MILESTONE_MISSED' | 'VIOLATIONS_THRESHOLD' | 'RULING_CONFIRMS_BREACH';

export interface Trigger {
  at: Date;
  reason: string;
}

/**
 * The first moment more than `threshold` violations fall within any rolling window of `windowHours`
 * (counting by when they occurred), or null. `times` need not be sorted.
 */
export function violationThresholdCrossed(times: Date[], threshold: number, windowHours: number): Date | null {
  const sorted = times.map((t) => t.getTime()).sort((a, b) => a - b);
  const span = windowHours * HOUR_MS;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! >= span) start++;
    if (end - start + 1 > threshold) return new Date(sorted[end]!);
  }
  return null;
}

export interface SnapBackState {
  active: boolean;
  triggeredAt: Date | null;
  reason: string | null;
}

/**
 * Snap-back is active from the first trigger after the last lift; a lift covers every trigger before it.
 * Derived entirely from triggers (facts with times) and lifts, at read time.
 */
export function snapBackState(triggers: Trigger[], lifts: Date[], now: Date): SnapBackState {
  const lastLift = lifts.filter((l) => l.getTime() <= now.getTime()).reduce<number>((m, l) => Math.max(m, l.getTime()), -Infinity);
  const live = triggers.filter((t) => t.at.getTime() > lastLift && t.at.getTime() <= now.getTime()).sort((a, b) => a.at.getTime() - b.at.getTime());
  const first = live[0];
  return first ? { active: true, triggeredAt: first.at, reason: first.reason } : { active: false, triggeredAt: null, reason: null };
}

/**
 * Whether a snap-back in force reaches a milestone due on `dueDay`: it does when it was triggered
 * before the end of that day (the milestone's deadline); one triggered at or after it does not.
 */
export function underSnapBackAt(state: SnapBackState, entryIntoForceAt: Date, dueDay: number): boolean {
  return state.active && state.triggeredAt !== null && state.triggeredAt.getTime() < endOfDay(entryIntoForceAt, dueDay).getTime();
}
