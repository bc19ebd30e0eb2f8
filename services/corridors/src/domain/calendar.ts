import { DAY_MS } from '@treaty/service-kit';

/** Per-day figures and statuses use UTC days. */
export function utcDayStart(at: Date): Date {
  return new Date(Math.floor(at.getTime() / DAY_MS) * DAY_MS);
}

/** YYYY-MM-DD of the UTC day containing `at`. */
export function isoDate(at: Date): string {
  return utcDayStart(at).toISOString().slice(0, 10);
}

/** The starts of the UTC days from the day containing `from` to the day containing `until`, inclusive. */
export function daysBetween(from: Date, until: Date): Date[] {
  const days: Date[] = [];
  for (let t = utcDayStart(from).getTime(); t <= until.getTime(); t += DAY_MS) days.push(new Date(t));
  return days;
}
