/**
 * ISO 8601 weeks (Monday to Sunday, UTC; week 1 is the week holding 4 January), for the weekly bulletin
 * at /public/agreements/{id}/bulletin/{yyyy}-W{ww}.
 */
export interface IsoWeek {
  year: number;
  week: number;
}

const DAY = 86_400_000;

/** Monday 00:00 UTC of week 1 of an ISO year. */
function weekOneMonday(year: number): number {
  const jan4 = Date.UTC(year, 0, 4);
  const weekday = (new Date(jan4).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  return jan4 - weekday * DAY;
}

/** 52 or 53: a year has 53 ISO weeks when it starts on a Thursday, or is a leap year starting on a Wednesday. */
export function weeksInYear(year: number): number {
  return (weekOneMonday(year + 1) - weekOneMonday(year)) / (7 * DAY);
}

/** The ISO week a moment falls in (UTC). */
export function isoWeekOf(at: Date): IsoWeek {
  const t = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  for (const year of [at.getUTCFullYear() + 1, at.getUTCFullYear(), at.getUTCFullYear() - 1]) {
    const start = weekOneMonday(year);
    if (t >= start) return { year, week: Math.floor((t - start) / (7 * DAY)) + 1 };
  }
  throw new Error('unreachable');
}

/** Monday 00:00 UTC (inclusive) to the next Monday 00:00 UTC (exclusive). */
export function weekRange(w: IsoWeek): { from: Date; until: Date } {
  const from = weekOneMonday(w.year) + (w.week - 1) * 7 * DAY;
  return { from: new Date(from), until: new Date(from + 7 * DAY) };
}

export const formatIsoWeek = (w: IsoWeek) => `${String(w.year).padStart(4, '0')}-W${String(w.week).padStart(2, '0')}`;

/** "2026-W24" to a week, or a sentence saying what is wrong with it. */
export function parseIsoWeek(text: string): IsoWeek | { problem: string } {
  const m = /^(\d{4})-W(\d{2})$/.exec(text);
  if (!m) return { problem: `"${text.slice(0, 40)}" is not an ISO week; write it as YYYY-Www, e.g. 2026-W24.` };
  const year = Number(m[1]);
  const week = Number(m[2]);
  if (year < 1970 || year > 9998) return { problem: `${year} is outside the years a bulletin can cover (1970 to 9998).` };
  const max = weeksInYear(year);
  if (week < 1 || week > max) return { problem: `${year} has ISO weeks W01 to W${max}; W${m[2]} does not exist.` };
  return { year, week };
}

export function addWeeks(w: IsoWeek, n: number): IsoWeek {
  return isoWeekOf(new Date(weekRange(w).from.getTime() + n * 7 * DAY));
}
