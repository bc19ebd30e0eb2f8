import { HOUR_MS } from '@treaty/service-kit';

/**
 * Hours of quiet: since the last verified material violation, or since entry into force when there has
 * been none or the last one came before it; 0 before entry into force. Rounded to the hundredth.
 */
export function quietHours(entryIntoForceAt: Date, lastViolationAt: Date | null, now: Date): number {
  const since = Math.max(entryIntoForceAt.getTime(), lastViolationAt?.getTime() ?? -Infinity);
  const hours = (now.getTime() - since) / HOUR_MS;
  return hours <= 0 ? 0 : Math.round(hours * 100) / 100;
}

/** A half-open window [from, until); a missing bound is open. */
export interface Window {
  from: Date | null;
  until: Date | null;
}

/** DataLoader keys are strings: the scope's id, the window's bounds and an optional filter. */
export function windowKey(id: string, w: Window, extra = ''): string {
  return [id, w.from?.toISOString() ?? '', w.until?.toISOString() ?? '', extra].join('|');
}

export function parseWindowKey(key: string): { id: string; from: string; until: string; extra: string } {
  const [id = '', from = '', until = '', extra = ''] = key.split('|');
  // PostgreSQL's timestamptz accepts ±infinity, which makes an open bound an ordinary comparison.
  return { id, from: from || '-infinity', until: until || 'infinity', extra };
}

/** Sums of tonnes come back from PostgreSQL as exact decimals; three places (kilograms) is exact enough. */
export function tonnes(value: string | number | null): number {
  return value === null ? 0 : Math.round(Number(value) * 1000) / 1000;
}
