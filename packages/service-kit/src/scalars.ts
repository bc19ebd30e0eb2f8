import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

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
