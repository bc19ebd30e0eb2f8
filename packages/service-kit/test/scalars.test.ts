import { describe, expect, it } from 'vitest';
import { GraphQLError } from 'graphql';
import { MAX_POSITION_ROWS, PositionRowsScalar, parseDateTime, parsePositionRows } from '../src/scalars.js';
import { parseValue } from 'graphql';

/** The refusal `parse` (parseDateTime unless given) throws for `value`, checked to be BAD_USER_INPUT. */
function refusal(value: unknown, parse: (v: unknown) => unknown = parseDateTime): string {
  try {
    parse(value);
  } catch (e) {
    expect(e).toBeInstanceOf(GraphQLError);
    expect((e as GraphQLError).extensions.code).toBe('BAD_USER_INPUT');
    return (e as GraphQLError).message;
  }
  throw new Error(`${parse.name} accepted ${JSON.stringify(value)}`);
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
    // The instant is what is kept, in UTC: these are in 3000 and in 1899 there.
    expect(refusal('2999-12-31T23:59:59-14:00')).toBe('DateTime "2999-12-31T23:59:59-14:00" is out of range; use a year between 1900 and 2999, counted in UTC.');
    expect(refusal('1900-01-01T00:00:00+01:00')).toContain('counted in UTC');
    expect(parseDateTime('2999-12-31T23:59:59+14:00').toISOString()).toBe('2999-12-31T09:59:59.000Z');
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

/** The parser as it was (a regular expression, then Date), which the one-pass reader must agree with. */
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))$/;
function reference(value: string): number | 'malformed' | 'not real' | 'out of range' {
  const m = ISO_8601.exec(value);
  if (!m) return 'malformed';
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number) as number[];
  const daysInMonth = month! >= 1 && month! <= 12 ? new Date(Date.UTC(year!, month!, 0)).getUTCDate() : 0;
  const offsetOk = m[7] === 'Z' || (Number(m[8]) <= 23 && Number(m[9]) <= 59);
  if (month! < 1 || month! > 12 || day! < 1 || day! > daysInMonth || hour! > 23 || minute! > 59 || second! > 59 || !offsetOk) return 'not real';
  if (year! < 1900 || year! > 2999) return 'out of range';
  return new Date(value).getTime();
}
function outcome(value: string): number | 'malformed' | 'not real' | 'out of range' {
  try {
    return parseDateTime(value).getTime();
  } catch (e) {
    const m = (e as Error).message;
    return m.includes('is not a real date') ? 'not real' : m.includes('out of range') ? 'out of range' : 'malformed';
  }
}

describe('parseDateTime agrees with a regular expression and Date on every string', () => {
  it('on 20,000 generated instants, well formed and broken by one character', () => {
    // A small deterministic generator, so a failure is the same on every run.
    let seed = 20261203;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const two = (n: number) => String(n).padStart(2, '0');
    const pick = <T>(xs: readonly T[]) => xs[rnd(xs.length)]!;
    const CHARS = '0123456789-:T.Z+z x\u0660\uff11';
    const disagreements: string[] = [];
    const seen = { accepted: 0, malformed: 0, 'not real': 0, 'out of range': 0 };
    for (let i = 0; i < 20_000; i++) {
      const year = pick([1899, 1900, 1999, 2000, 2024, 2026, 2100, 2999, 3000, 1000 + rnd(2500)]);
      let text = `${String(year).padStart(4, '0')}-${two(rnd(14))}-${two(rnd(33))}T${two(rnd(26))}:${two(rnd(62))}`;
      const seconds = rnd(3);
      if (seconds > 0) text += `:${two(rnd(62))}`;
      if (seconds === 2) text += `.${String(rnd(10 ** 9)).padStart(1 + rnd(10), '0')}`;
      text += pick(['Z', 'Z', `+${two(rnd(26))}:${two(rnd(62))}`, `-${two(rnd(25))}:${two(rnd(61))}`, '', 'z', '+0530']);
      if (rnd(3) === 0) {
        const at = rnd(text.length + 1);
        const op = rnd(3);
        text = op === 0 ? text.slice(0, at) + pick([...CHARS]) + text.slice(at) : op === 1 ? text.slice(0, at) + text.slice(at + 1) : text.slice(0, at) + pick([...CHARS]) + text.slice(at + 1);
      }
      const [want, got] = [reference(text), outcome(text)];
      seen[typeof want === 'number' ? 'accepted' : want] += 1;
      if (want !== got) disagreements.push(`${JSON.stringify(text)}: expected ${want}, got ${got}`);
    }
    expect(disagreements.slice(0, 10)).toEqual([]);
    // Every outcome is exercised often, so agreement means something.
    for (const n of Object.values(seen)) expect(n).toBeGreaterThan(500);
  });
});

describe('parsePositionRows', () => {
  const rowsRefusal = (value: unknown) => refusal(value, parsePositionRows);

  it('reads rows [sequence, deviceTime, latitude, longitude] into points, device times as instants', () => {
    expect(parsePositionRows([[0, '2026-03-20T09:00:00Z', 31.52, 34.45], [7, '2026-03-20T11:01:00+02:00', -90, 180]])).toEqual([
      { sequence: 0, deviceTime: new Date('2026-03-20T09:00:00Z'), latitude: 31.52, longitude: 34.45 },
      { sequence: 7, deviceTime: new Date('2026-03-20T09:01:00Z'), latitude: -90, longitude: 180 },
    ]);
    expect(parsePositionRows([])).toEqual([]);
  });

  it('leaves the rules of the domain to the service: a negative sequence or a latitude of 91 is read as sent', () => {
    expect(parsePositionRows([[-1, '2026-03-20T09:00:00Z', 91, -200]])).toEqual([{ sequence: -1, deviceTime: new Date('2026-03-20T09:00:00Z'), latitude: 91, longitude: -200 }]);
  });

  it.each([
    ['not a list', { rows: [] }, 'PositionRows must be a list of rows [sequence, deviceTime, latitude, longitude], like [[0, "2026-03-20T09:00:00Z", 31.52, 34.45]'],
    ['a row that is not a list', [[0, '2026-03-20T09:00:00Z', 1, 1], 'x'], 'PositionRows row 1 must be [sequence, deviceTime, latitude, longitude]'],
    ['a row of three', [[0, '2026-03-20T09:00:00Z', 1]], 'PositionRows row 0 must be [sequence, deviceTime, latitude, longitude], like [[0, "2026-03-20T09:00:00Z", 31.52, 34.45], [1, "2026-03-20T09:01:00Z", 31.53, 34.46]]; got a list of 3.'],
    ['a row of five', [[0, '2026-03-20T09:00:00Z', 1, 1, 1]], 'got a list of 5'],
    ['a sequence as text', [[0, '2026-03-20T09:00:00Z', 1, 1], ['1', '2026-03-20T09:00:00Z', 1, 1]], 'PositionRows row 1: the sequence (first) must be a whole number that fits a 32-bit Int; got a string.'],
    ['a fractional sequence', [[1.5, '2026-03-20T09:00:00Z', 1, 1]], 'must be a whole number that fits a 32-bit Int; got 1.5.'],
    ['a sequence beyond 32 bits', [[2 ** 31, '2026-03-20T09:00:00Z', 1, 1]], 'got 2147483648.'],
    ['a day that does not exist', [[0, '2026-02-30T09:00:00Z', 1, 1]], 'PositionRows row 0: the device time (second): DateTime "2026-02-30T09:00:00Z" is not a real date and time'],
    ['a time without a zone', [[0, '2026-03-20T09:00:00', 1, 1]], 'PositionRows row 0: the device time (second): DateTime must be an ISO 8601 date and time with a time zone'],
    ['a time as a number', [[0, 1773997200000, 1, 1]], 'the device time (second): DateTime must be an ISO 8601 string with a time zone, like "2026-03-01T12:00:00Z"; got a number.'],
    ['a latitude as text', [[0, '2026-03-20T09:00:00Z', '31.5', 1]], 'PositionRows row 0: the latitude (third) must be a number; got a string.'],
    ['a missing longitude', [[0, '2026-03-20T09:00:00Z', 1, null]], 'PositionRows row 0: the longitude (fourth) must be a number; got null.'],
    ['a longitude that is not finite', [[0, '2026-03-20T09:00:00Z', 1, Infinity]], 'the longitude (fourth) must be a number'],
  ])('refuses %s, naming the row and what it should be', (_, value, message) => {
    expect(rowsRefusal(value)).toContain(message);
  });

  it(`refuses more than ${MAX_POSITION_ROWS} rows before reading any`, () => {
    const rows = Array.from({ length: MAX_POSITION_ROWS + 1 }, () => 'not even a row');
    expect(rowsRefusal(rows)).toBe(`PositionRows holds at most ${MAX_POSITION_ROWS} rows; got ${MAX_POSITION_ROWS + 1}. Split the track over several batches.`);
    expect(parsePositionRows(Array.from({ length: MAX_POSITION_ROWS }, (_, i) => [i, '2026-03-20T09:00:00Z', 1, 1]))).toHaveLength(MAX_POSITION_ROWS);
  });

  it('reads an inline literal, variables inside it included, and is never sent back', () => {
    const ast = parseValue('[[0, "2026-03-20T09:00:00Z", 31, 34.5], [$seq, $time, -1.25, 2]]');
    expect(PositionRowsScalar.parseLiteral(ast, { seq: 4, time: '2026-03-20T09:04:00Z' })).toEqual([
      { sequence: 0, deviceTime: new Date('2026-03-20T09:00:00Z'), latitude: 31, longitude: 34.5 },
      { sequence: 4, deviceTime: new Date('2026-03-20T09:04:00Z'), latitude: -1.25, longitude: 2 },
    ]);
    expect(() => PositionRowsScalar.parseLiteral(parseValue('[[0, "yesterday", 1, 1]]'), {})).toThrow(/PositionRows row 0: the device time/);
    expect(() => PositionRowsScalar.parseLiteral(parseValue('[[0, "2026-03-20T09:00:00Z", $lat, 1]]'), {})).toThrow(
      'PositionRows row 0: the latitude (third) must be a number; got nothing (a variable not given?).',
    );
    expect(() => PositionRowsScalar.serialize([])).toThrow('PositionRows is accepted as input only.');
  });
});
