import type { ConvoyStatus } from '../entities/enums.js';
import { MOVING_STATUSES } from './convoy-status.js';

export interface TelemetryGap {
  from: Date;
  to: Date | null;
  minutes: number;
  ongoing: boolean;
}

const MINUTE_MS = 60_000;

export function gap(from: Date, to: Date): TelemetryGap {
  return { from, to, minutes: round2((to.getTime() - from.getTime()) / MINUTE_MS), ongoing: false };
}

/**
 * A silence that lasts until now, for a convoy on the move: measured from its last position, or from the
 * moment it reached the crossing when no position came after that. Null when the convoy is not moving
 * or the silence is not longer than the threshold.
 */
export function ongoingGap(f: { status: ConvoyStatus; lastPositionAt: Date | null; movingSince: Date | null; now: Date; thresholdMinutes: number }): TelemetryGap | null {
  if (!MOVING_STATUSES.includes(f.status)) return null;
  const candidates = [f.lastPositionAt, f.movingSince].filter((d): d is Date => d !== null);
  if (candidates.length === 0) return null;
  const since = new Date(Math.max(...candidates.map((d) => d.getTime())));
  const minutes = (f.now.getTime() - since.getTime()) / MINUTE_MS;
  if (minutes <= f.thresholdMinutes) return null;
  return { from: since, to: null, minutes: round2(minutes), ongoing: true };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
