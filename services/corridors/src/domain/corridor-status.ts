import { DAY_MS } from '@treaty/service-kit';
import type { CorridorStatus } from '../entities/enums.js';
import { utcDayStart } from './calendar.js';

export interface ClosurePeriod {
  startsAt: Date;
  endsAt: Date;
}

/** The closures that overlap [from, to). */
export function closuresTouching<C extends ClosurePeriod>(closures: readonly C[], from: Date, to: Date): C[] {
  return closures.filter((c) => c.startsAt.getTime() < to.getTime() && c.endsAt.getTime() > from.getTime());
}

/**
 * A corridor's status on the UTC day containing `day`: CLOSED when closures (together) cover the whole
 * day, RESTRICTED when they cover part of it, OPEN otherwise.
 */
export function dayStatus(closures: readonly ClosurePeriod[], day: Date): CorridorStatus {
  const start = utcDayStart(day).getTime();
  const end = start + DAY_MS;
  const spans = closuresTouching(closures, new Date(start), new Date(end))
    .map((c) => [Math.max(start, c.startsAt.getTime()), Math.min(end, c.endsAt.getTime())] as const)
    .sort((a, b) => a[0] - b[0]);
  if (spans.length === 0) return 'OPEN';
  let coveredUntil = start;
  for (const [from, to] of spans) {
    if (from > coveredUntil) return 'RESTRICTED';
    coveredUntil = Math.max(coveredUntil, to);
  }
  return coveredUntil >= end ? 'CLOSED' : 'RESTRICTED';
}
