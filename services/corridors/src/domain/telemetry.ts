import type { ConvoyStatus } from '../entities/enums.js';
import { END_OF_MOVEMENT, MOVING_STATUSES } from './convoy-status.js';

/** Which stretch of a convoy's movement went without a position. */
export type TelemetryGapKind = 'NO_POSITION' | 'BEFORE_FIRST_POSITION' | 'BETWEEN_POSITIONS' | 'AFTER_LAST_POSITION';

export interface TelemetryGap {
  from: Date;
  to: Date | null;
  minutes: number;
  ongoing: boolean;
  kind: TelemetryGapKind;
}

/**
 * The span in which a convoy is on the move and its trackers must report: from the moment it reached the
 * crossing (or, failing that, first moved on) to the moment it reached its end state; `until` is null
 * while it is still on the move.
 */
export interface Movement {
  from: Date;
  until: Date | null;
}

const MINUTE_MS = 60_000;

/**
 * A convoy's movement from its transitions (oldest first), or null when it never moved (REQUESTED,
 * CLEARED, DENIED): nothing is expected of its trackers then.
 */
export function movementOf(events: readonly { toStatus: ConvoyStatus; at: Date }[]): Movement | null {
  const start = events.find((e) => MOVING_STATUSES.includes(e.toStatus));
  if (!start) return null;
  const end = events.find((e) => END_OF_MOVEMENT.includes(e.toStatus));
  return { from: start.at, until: end?.at ?? null };
}

/**
 * The telemetry gaps of a convoy: every stretch of its movement longer than `thresholdMinutes` without a
 * position, after UNVIM's rule that missing tracking is itself the finding. That is the stretch from the
 * start of the movement to the first position, each silence between consecutive positions, and the
 * stretch from the last position to the end of the movement, or to now while the convoy still moves
 * (then `ongoing`, with no `to`). A movement without any position is one gap over all of it.
 *
 * `first`, `last` and `between` describe the positions whose device time falls within the movement
 * (positions before or after it neither shorten its silences nor make gaps of their own); `between` may
 * hold only the silences between consecutive positions that could be gaps (the database leaves out the
 * short ones), and is filtered here again by the same threshold.
 */
export function telemetryGaps(f: {
  movement: Movement;
  first: Date | null;
  last: Date | null;
  between: readonly (readonly [Date, Date])[];
  now: Date;
  thresholdMinutes: number;
}): TelemetryGap[] {
  const ongoing = f.movement.until === null;
  const end = f.movement.until ?? f.now;
  const gaps: TelemetryGap[] = [];
  const add = (from: Date, to: Date, kind: TelemetryGapKind, open = false) => {
    const minutes = (to.getTime() - from.getTime()) / MINUTE_MS;
    if (minutes > f.thresholdMinutes) gaps.push({ from, to: open ? null : to, minutes: round2(minutes), ongoing: open, kind });
  };
  if (f.first === null || f.last === null) {
    add(f.movement.from, end, 'NO_POSITION', ongoing);
    return gaps;
  }
  add(f.movement.from, f.first, 'BEFORE_FIRST_POSITION');
  for (const [from, to] of f.between) add(from, to, 'BETWEEN_POSITIONS');
  add(f.last, end, 'AFTER_LAST_POSITION', ongoing);
  return gaps;
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/**
 * Where the convoy was on either side of a gap: the last position before the silence and the first after
 * it, from the positions `telemetryGaps` was given (`places` in the same order as `between`). Null where
 * the silence has no such side: before the first position, after the last, or when there is none at all.
 */
export function placesAround<P>(
  gap: TelemetryGap,
  t: { between: readonly (readonly [Date, Date])[]; places: { first: P | null; last: P | null; between: readonly (readonly [P, P])[] } },
): { before: P | null; after: P | null } {
  switch (gap.kind) {
    case 'NO_POSITION':
      return { before: null, after: null };
    case 'BEFORE_FIRST_POSITION':
      return { before: null, after: t.places.first };
    case 'AFTER_LAST_POSITION':
      return { before: t.places.last, after: null };
    case 'BETWEEN_POSITIONS': {
      const k = t.between.findIndex(([from, to]) => from.getTime() === gap.from.getTime() && to.getTime() === gap.to?.getTime());
      const around = t.places.between[k];
      return { before: around?.[0] ?? null, after: around?.[1] ?? null };
    }
  }
}
