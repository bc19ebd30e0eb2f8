import { GraphQLError, GraphQLScalarType, Kind, valueFromASTUntyped } from 'graphql';

const EXAMPLE = '"2026-03-01T12:00:00Z"';

function bad(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

/**
 * Parses a DateTime strictly: JavaScript's Date would quietly turn 30 February into 2 March, and
 * "2026-11-01" into midnight UTC; an instant a party disputes must be the instant that was meant.
 */
export function parseDateTime(value: unknown): Date {
  if (typeof value !== 'string') {
    throw bad(`DateTime must be an ISO 8601 string with a time zone, like ${EXAMPLE}; got ${value === null ? 'null' : typeof value === 'object' ? 'an object' : `a ${typeof value}`}.`);
  }
  // Work per call is kept to one pass over the characters: a batch of GPS points parses 5,000 of these
  // at the gateway and again in corridors, so there is no regular expression, no string re-parsed by
  // Date, and the quoted value is built only for a refusal.
  const t = readInstant(value);
  if (t === null) {
    throw bad(`DateTime must be an ISO 8601 date and time with a time zone, like ${EXAMPLE}; got ${shown(value)}.`);
  }
  const { year, month, day, hour, minute, second } = t;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59 || t.offsetHours > 23 || t.offsetMinutes > 59) {
    throw bad(`DateTime ${shown(value)} is not a real date and time (month 01-12, a day that exists in that month, hours 00-23, minutes and seconds 00-59).`);
  }
  if (year < 1900 || year > 2999) throw bad(`DateTime ${shown(value)} is out of range; use a year between 1900 and 2999.`);
  // Fractions beyond milliseconds are cut, not rounded, as Date itself reads them.
  const offset = t.offsetSign * (t.offsetHours * 60 + t.offsetMinutes) * 60_000;
  const instant = new Date(Date.UTC(year, month - 1, day, hour, minute, second, t.millis) - offset);
  // The range holds for the instant, which is stored in UTC: 2999-12-31T23:59:59-14:00 is in the year 3000.
  if (instant.getTime() < MIN_INSTANT || instant.getTime() > MAX_INSTANT) throw bad(`DateTime ${shown(value)} is out of range; use a year between 1900 and 2999, counted in UTC.`);
  return instant;
}

const MIN_INSTANT = Date.UTC(1900, 0, 1);
const MAX_INSTANT = Date.UTC(3000, 0, 1) - 1;

interface Instant {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millis: number;
  offsetSign: number;
  offsetHours: number;
  offsetMinutes: number;
}

/** The number of `n` ASCII digits at `at`, or -1 if any of them is not one. */
function digitsAt(s: string, at: number, n: number): number {
  let v = 0;
  for (let k = 0; k < n; k++) {
    const d = s.charCodeAt(at + k) - 48;
    if (!(d >= 0 && d <= 9)) return -1;
    v = v * 10 + d;
  }
  return v;
}

/**
 * Reads YYYY-MM-DDTHH:MM[:SS[.fraction of 1 to 9 digits]] followed by Z or ±HH:MM, and nothing else;
 * the parts are range-checked by the caller. Null when the text has another shape.
 */
function readInstant(s: string): Instant | null {
  const n = s.length;
  if (n < 17 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58) return null;
  const year = digitsAt(s, 0, 4), month = digitsAt(s, 5, 2), day = digitsAt(s, 8, 2), hour = digitsAt(s, 11, 2), minute = digitsAt(s, 14, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0) return null;
  let at = 16;
  let second = 0;
  let millis = 0;
  if (s.charCodeAt(at) === 58) {
    second = digitsAt(s, at + 1, 2);
    if (second < 0) return null;
    at += 3;
    if (s.charCodeAt(at) === 46) {
      let k = 0;
      for (; k < 9; k++) {
        const d = s.charCodeAt(at + 1 + k) - 48;
        if (!(d >= 0 && d <= 9)) break;
        if (k < 3) millis = millis * 10 + d;
      }
      if (k === 0) return null;
      for (let pad = k; pad < 3; pad++) millis *= 10;
      at += 1 + k;
    }
  }
  const zone = s.charCodeAt(at);
  if (zone === 90) return at + 1 === n ? { year, month, day, hour, minute, second, millis, offsetSign: 0, offsetHours: 0, offsetMinutes: 0 } : null;
  if ((zone !== 43 && zone !== 45) || at + 6 !== n || s.charCodeAt(at + 3) !== 58) return null;
  const offsetHours = digitsAt(s, at + 1, 2), offsetMinutes = digitsAt(s, at + 4, 2);
  if (offsetHours < 0 || offsetMinutes < 0) return null;
  return { year, month, day, hour, minute, second, millis, offsetSign: zone === 43 ? 1 : -1, offsetHours, offsetMinutes };
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/** Days in a month (1-12) of the proleptic Gregorian calendar, as Date.UTC counts them. */
function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!;
}

/** The value as a refusal quotes it: JSON-escaped, cut at 40 characters. */
const shown = (value: string) => JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);

/** ISO 8601 instants, always serialised in UTC. */
export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'An instant in time as an ISO 8601 string in UTC, e.g. "2026-03-01T12:00:00.000Z".',
  serialize(value) {
    const date = value instanceof Date ? value : new Date(value as string);
    if (Number.isNaN(date.getTime())) throw new GraphQLError(`Cannot serialise ${String(value)} as DateTime.`);
    return date.toISOString();
  },
  parseValue: parseDateTime,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw bad(`DateTime must be given as a string, like ${EXAMPLE}.`);
    return parseDateTime(ast.value);
  },
});

/** One position of a track as PositionRows carries it: [sequence, deviceTime, latitude, longitude]. */
export interface PositionRow {
  sequence: number;
  deviceTime: Date;
  latitude: number;
  longitude: number;
}

/** The most rows one PositionRows value may hold: the largest batch recordConvoyPositions takes. */
export const MAX_POSITION_ROWS = 5000;
const ROW_EXAMPLE = '[[0, "2026-03-20T09:00:00Z", 31.52, 34.45], [1, "2026-03-20T09:01:00Z", 31.53, 34.46]]';
const INT32_MAX = 2 ** 31 - 1;

/** What a refused value is, in a few words (never the value itself, which may be large). */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing (a variable not given?)';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * Parses the compact form of a device's track: a list of rows [sequence, deviceTime, latitude, longitude].
 * GraphQL would coerce an input object per point, field by field, at the gateway and again in the
 * subgraph (about half of the CPU either spent on a batch of 5,000); one scalar is checked here in a
 * single pass. The checks are those GraphQL's own types make on the object form (Int, DateTime, Float);
 * the rules of the domain (ranges, the clock) are the resolver's, per point, as for the object form.
 */
export function parsePositionRows(value: unknown): PositionRow[] {
  if (!Array.isArray(value)) {
    throw bad(`PositionRows must be a list of rows [sequence, deviceTime, latitude, longitude], like ${ROW_EXAMPLE}; got ${kindOf(value)}.`);
  }
  if (value.length > MAX_POSITION_ROWS) {
    throw bad(`PositionRows holds at most ${MAX_POSITION_ROWS} rows; got ${value.length}. Split the track over several batches.`);
  }
  const rows: PositionRow[] = new Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const row: unknown = value[i];
    if (!Array.isArray(row) || row.length !== 4) {
      throw bad(`PositionRows row ${i} must be [sequence, deviceTime, latitude, longitude], like ${ROW_EXAMPLE}; got ${kindOf(row)}.`);
    }
    const sequence: unknown = row[0], time: unknown = row[1], latitude: unknown = row[2], longitude: unknown = row[3];
    if (typeof sequence !== 'number' || !Number.isInteger(sequence) || sequence > INT32_MAX || sequence < -INT32_MAX - 1) {
      throw bad(`PositionRows row ${i}: the sequence (first) must be a whole number that fits a 32-bit Int; got ${typeof sequence === 'number' ? sequence : kindOf(sequence)}.`);
    }
    let deviceTime: Date;
    try {
      deviceTime = parseDateTime(time);
    } catch (e) {
      throw bad(`PositionRows row ${i}: the device time (second): ${(e as Error).message}`);
    }
    if (typeof latitude !== 'number' || !Number.isFinite(latitude)) throw bad(`PositionRows row ${i}: the latitude (third) must be a number; got ${kindOf(latitude)}.`);
    if (typeof longitude !== 'number' || !Number.isFinite(longitude)) throw bad(`PositionRows row ${i}: the longitude (fourth) must be a number; got ${kindOf(longitude)}.`);
    rows[i] = { sequence, deviceTime, latitude, longitude };
  }
  return rows;
}

/** The compact form of a track (see parsePositionRows); input only. */
export const PositionRowsScalar = new GraphQLScalarType<PositionRow[], never>({
  name: 'PositionRows',
  description: `Rows [sequence, deviceTime, latitude, longitude], e.g. ${ROW_EXAMPLE}.`,
  serialize() {
    throw new GraphQLError('PositionRows is accepted as input only.');
  },
  parseValue: parsePositionRows,
  parseLiteral(ast, variables) {
    return parsePositionRows(valueFromASTUntyped(ast, variables));
  },
});
