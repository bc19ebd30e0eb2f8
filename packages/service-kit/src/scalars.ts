import { GraphQLError, GraphQLScalarType, Kind, valueFromASTUntyped } from 'graphql';

/** YYYY-MM-DDTHH:MM[:SS[.fraction]] with Z or ±HH:MM; the parts are range-checked below. */
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))$/;
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
  // Work per call is kept to the match and a few comparisons: a batch of GPS points parses 5,000 of these
  // at the gateway and again in corridors, so the quoted value is built only for a refusal.
  const m = ISO_8601.exec(value);
  if (!m) {
    throw bad(`DateTime must be an ISO 8601 date and time with a time zone, like ${EXAMPLE}; got ${shown(value)}.`);
  }
  const year = +m[1]!, month = +m[2]!, day = +m[3]!, hour = +m[4]!, minute = +m[5]!, second = m[6] === undefined ? 0 : +m[6];
  const offsetOk = m[7] === 'Z' || (+m[8]! <= 23 && +m[9]! <= 59);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59 || !offsetOk) {
    throw bad(`DateTime ${shown(value)} is not a real date and time (month 01-12, a day that exists in that month, hours 00-23, minutes and seconds 00-59).`);
  }
  if (year < 1900 || year > 2999) throw bad(`DateTime ${shown(value)} is out of range; use a year between 1900 and 2999.`);
  return new Date(value);
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
