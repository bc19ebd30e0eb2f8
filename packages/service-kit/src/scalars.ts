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
    throw bad(`DateTime must be an ISO 8601 string with a time zone, like ${EXAMPLE}; got ${value === null ? 'null' : `a ${typeof value}`}.`);
  }
  const shown = JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  const m = ISO_8601.exec(value);
  if (!m) {
    throw bad(`DateTime must be an ISO 8601 date and time with a time zone, like ${EXAMPLE}; got ${shown}.`);
  }
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number) as [number, number, number, number, number, number];
  const daysInMonth = month >= 1 && month <= 12 ? new Date(Date.UTC(year, month, 0)).getUTCDate() : 0;
  const offsetOk = m[7] === 'Z' || (Number(m[8]) <= 23 && Number(m[9]) <= 59);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59 || !offsetOk) {
    throw bad(`DateTime ${shown} is not a real date and time (month 01-12, a day that exists in that month, hours 00-23, minutes and seconds 00-59).`);
  }
  if (year < 1900 || year > 2999) throw bad(`DateTime ${shown} is out of range; use a year between 1900 and 2999.`);
  return new Date(value);
}

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
