import { DAY_MS } from '@treaty/service-kit';

/**
 * The agreement's calendar. Day 0 is the 24 hours starting at entry into force; Day N starts N days
 * later. A deadline "by Day N" is the instant Day N ends.
 */
export function dayNumber(entryIntoForceAt: Date, at: Date): number {
  return Math.floor((at.getTime() - entryIntoForceAt.getTime()) / DAY_MS);
}

export function startOfDay(entryIntoForceAt: Date, day: number): Date {
  return new Date(entryIntoForceAt.getTime() + day * DAY_MS);
}

export function endOfDay(entryIntoForceAt: Date, day: number): Date {
  return startOfDay(entryIntoForceAt, day + 1);
}
