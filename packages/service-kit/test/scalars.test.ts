import { describe, expect, it } from 'vitest';
import { GraphQLError } from 'graphql';
import { parseDateTime } from '../src/scalars.js';

/** The refusal parseDateTime throws for `value`, checked to be BAD_USER_INPUT. */
function refusal(value: unknown): string {
  try {
    parseDateTime(value);
  } catch (e) {
    expect(e).toBeInstanceOf(GraphQLError);
    expect((e as GraphQLError).extensions.code).toBe('BAD_USER_INPUT');
    return (e as GraphQLError).message;
  }
  throw new Error(`parseDateTime accepted ${JSON.stringify(value)}`);
}

describe('parseDateTime', () => {
  it.each([
    ['2026-03-01T12:00:00Z', '2026-03-01T12:00:00.000Z'],
    ['2026-03-01T12:00Z', '2026-03-01T12:00:00.000Z'],
    ['2026-03-01T12:00:00.5Z', '2026-03-01T12:00:00.500Z'],
    ['2026-03-01T12:00:00.123456789Z', '2026-03-01T12:00:00.123Z'],
    ['2026-03-01T14:30:00+02:30', '2026-03-01T12:00:00.000Z'],
    ['2026-03-01T00:00:00-05:00', '2026-03-01T05:00:00.000Z'],
    ['2028-02-29T23:59:59Z', '2028-02-29T23:59:59.000Z'],
    ['2000-02-29T00:00:00Z', '2000-02-29T00:00:00.000Z'],
    ['2026-12-31T23:59:59Z', '2026-12-31T23:59:59.000Z'],
    ['1900-01-01T00:00:00Z', '1900-01-01T00:00:00.000Z'],
  ])('reads %s as %s', (input, iso) => {
    expect(parseDateTime(input).toISOString()).toBe(iso);
  });

  it.each([
    ['2026-02-29T00:00:00Z', 'a day that exists'],
    ['2100-02-29T00:00:00Z', 'a day that exists'],
    ['1900-02-29T00:00:00Z', 'a day that exists'],
    ['2026-02-30T00:00:00Z', 'a day that exists'],
    ['2026-04-31T00:00:00Z', 'a day that exists'],
    ['2026-13-01T00:00:00Z', 'month 01-12'],
    ['2026-00-10T00:00:00Z', 'month 01-12'],
    ['2026-01-00T00:00:00Z', 'a day that exists'],
    ['2026-01-01T24:00:00Z', 'hours 00-23'],
    ['2026-01-01T12:60:00Z', 'minutes and seconds'],
    ['2026-01-01T12:00:60Z', 'minutes and seconds'],
    ['2026-01-01T12:00:00+24:00', 'not a real date'],
    ['2026-01-01T12:00:00+02:60', 'not a real date'],
  ])('refuses %s as not a real date and time', (input, hint) => {
    const message = refusal(input);
    expect(message).toContain(`DateTime "${input}" is not a real date and time`);
    expect(message).toContain(hint);
  });

  it('refuses years outside 1900-2999 and says which years it takes', () => {
    expect(refusal('1899-12-31T23:59:59Z')).toBe('DateTime "1899-12-31T23:59:59Z" is out of range; use a year between 1900 and 2999.');
    expect(refusal('3000-01-01T00:00:00Z')).toContain('use a year between 1900 and 2999');
  });

  it('refuses a date without a time or a time zone, quoting at most 40 characters of it', () => {
    expect(refusal('2026-11-01')).toBe('DateTime must be an ISO 8601 date and time with a time zone, like "2026-03-01T12:00:00Z"; got "2026-11-01".');
    expect(refusal('2026-11-01T12:00:00')).toContain('with a time zone');
    expect(refusal('yesterday')).toContain('got "yesterday"');
    const long = `2026-11-01T12:00:00Z${'x'.repeat(100)}`;
    expect(refusal(long)).toContain(`got ${JSON.stringify(`${long.slice(0, 40)}…`)}`);
    expect(refusal('"quoted"\n')).toContain('got "\\"quoted\\"\\n"');
  });

  it('refuses what is not a string, naming its type', () => {
    expect(refusal(1767225600000)).toContain('got a number');
    expect(refusal(null)).toContain('got null');
    expect(refusal({})).toContain('got an object');
  });
});
