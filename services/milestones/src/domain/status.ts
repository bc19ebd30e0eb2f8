import { dayNumber, endOfDay } from './calendar.js';

export type MilestoneStatus = 'PENDING' | 'DUE' | 'MET' | 'MET_LATE' | 'MISSED' | 'WAIVED';

export interface MilestoneFacts {
  entryIntoForceAt: Date;
  dueDay: number;
  /** When a verifier found the milestone met, if certified. */
  metAt: Date | null;
  waived: boolean;
  now: Date;
}

/**
 * A milestone's status follows from the facts and the clock alone, so it can never drift out of sync:
 * a waiver wins; a certification is MET when the milestone was met by the end of its due day and
 * MET_LATE after; otherwise the clock decides between PENDING, DUE (the due day is today) and MISSED.
 */
export function milestoneStatus(f: MilestoneFacts): MilestoneStatus {
  if (f.waived) return 'WAIVED';
  const deadline = endOfDay(f.entryIntoForceAt, f.dueDay);
  if (f.metAt) return f.metAt.getTime() < deadline.getTime() ? 'MET' : 'MET_LATE';
  if (f.now.getTime() >= deadline.getTime()) return 'MISSED';
  return dayNumber(f.entryIntoForceAt, f.now) === f.dueDay ? 'DUE' : 'PENDING';
}
