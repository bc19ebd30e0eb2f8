import { describe, expect, it } from 'vitest';
import { GraphQLError } from 'graphql';
import { decodeCursor, encodeCursor, pageOf, type KeyShape } from '../src/pagination.js';

const UUID = '00000000-0000-0000-0000-000000000000';
const REFUSAL = 'after: is not a cursor of this list; pass the pageInfo.endCursor of the page before, or omit it for the first page.';
/** A cursor holding `key`, as JSON text (so that -0, 1e400 and the like can be written as sent). */
const forge = (json: string) => Buffer.from(json, 'utf8').toString('base64url');

function refusal(after: string, shape: number | KeyShape): GraphQLError {
  try {
    if (typeof shape === 'number') decodeCursor(after, shape);
    else decodeCursor(after, shape);
  } catch (e) {
    expect(e).toBeInstanceOf(GraphQLError);
    return e as GraphQLError;
  }
  throw new Error(`decodeCursor accepted ${Buffer.from(after, 'base64url').toString('utf8')}`);
}

describe('decodeCursor with the kinds of its parts', () => {
  it('gives back what encodeCursor wrote, typed per part', () => {
    const at = Date.parse('2026-03-20T09:59:00.123Z');
    const positions: [number, string, number] = decodeCursor(encodeCursor([at, 'TRK-1', 7]), ['epochMs', 'text', 'int4']);
    expect(positions).toEqual([at, 'TRK-1', 7]);
    expect(decodeCursor(encodeCursor([2, at * 1000 + 456, UUID]), ['int4', 'epochUs', 'uuid'])).toEqual([2, at * 1000 + 456, UUID]);
    expect(decodeCursor(encodeCursor(['2026-03-20T09:59:00.123Z', UUID]), ['isoTime', 'uuid'])).toEqual(['2026-03-20T09:59:00.123Z', UUID]);
    // The bounds themselves are parts a list may give out.
    const edges = [-2147483648, 2147483647, Date.parse('0001-01-01T00:00:00.000Z'), 8.64e15];
    expect(decodeCursor(encodeCursor(edges), ['int4', 'int4', 'epochMs', 'epochMs'])).toEqual(edges);
    expect(decodeCursor(encodeCursor(['+275760-09-13T00:00:00.000Z', 'ünï 😀']), ['isoTime', 'text'])).toEqual(['+275760-09-13T00:00:00.000Z', 'ünï 😀']);
  });

  it.each<[string, string, KeyShape]>([
    ['an access-log time beyond timestamptz', `[-1e20,"${UUID}"]`, ['epochUs', 'uuid']],
    ['an access-log time in fractions of a microsecond', `[1.5,"${UUID}"]`, ['epochUs', 'uuid']],
    ['a detainee rank beyond int4', `[99999999999,0,"${UUID}"]`, ['int4', 'epochUs', 'uuid']],
    ['a fractional detainee rank', `[1.5,0,"${UUID}"]`, ['int4', 'epochUs', 'uuid']],
    ['a registration time beyond timestamptz', `[0,-1e20,"${UUID}"]`, ['int4', 'epochUs', 'uuid']],
    ['a fractional sequence', '[0,"x",1.5]', ['epochMs', 'text', 'int4']],
    ['a device with NUL', '[0,"\\u0000",1]', ['epochMs', 'text', 'int4']],
    ['a device with a lone surrogate', '[0,"\\ud800",1]', ['epochMs', 'text', 'int4']],
    ['a device time beyond a Date', '[9e15,"x",1]', ['epochMs', 'text', 'int4']],
    ['a device time before year 1', '[-62135596800001,"x",1]', ['epochMs', 'text', 'int4']],
    ['a sequence beyond int4', '[0,"x",1e20]', ['epochMs', 'text', 'int4']],
    ['a sequence just beyond int4', '[0,"x",2147483648]', ['epochMs', 'text', 'int4']],
    ['a number where text goes', '[0,5,1]', ['epochMs', 'text', 'int4']],
    ['text where a number goes', '["0","x",1]', ['epochMs', 'text', 'int4']],
    ['an infinite time', '[1e400,"x",1]', ['epochMs', 'text', 'int4']],
    ['null for a part', '[null,"x",1]', ['epochMs', 'text', 'int4']],
    ['a part too few', '[0,"x"]', ['epochMs', 'text', 'int4']],
    ['a part too many', '[0,"x",1,2]', ['epochMs', 'text', 'int4']],
    ['an object', '{"0":0,"1":"x","2":1}', ['epochMs', 'text', 'int4']],
    ['an id that is not a uuid', '["2026-03-20T09:59:00.000Z","x"]', ['isoTime', 'uuid']],
    ['a time before year 1', `["-000001-12-31T00:00:00.000Z","${UUID}"]`, ['isoTime', 'uuid']],
    ['a time beyond a Date', `["+275760-09-13T00:00:00.001Z","${UUID}"]`, ['isoTime', 'uuid']],
    ['a day no month has', `["2026-02-30T00:00:00.000Z","${UUID}"]`, ['isoTime', 'uuid']],
    ['a time in another form', `["2026-03-20 09:59","${UUID}"]`, ['isoTime', 'uuid']],
    ['a time with NUL', `["2026-03-20T09:59:00.000Z\\u0000","${UUID}"]`, ['isoTime', 'uuid']],
  ])('refuses %s with BAD_USER_INPUT', (_, json, shape) => {
    const e = refusal(forge(json), shape);
    expect(e.extensions.code).toBe('BAD_USER_INPUT');
    expect(e.message).toBe(REFUSAL);
  });

  it('refuses what is not base64url JSON, with the same message', () => {
    for (const after of ['not a cursor', forge('[0,"x",1'), 'A'.repeat(513), '']) {
      const e = refusal(after, ['epochMs', 'text', 'int4']);
      expect([e.extensions.code, e.message]).toEqual(['BAD_USER_INPUT', REFUSAL]);
    }
  });
});

describe('pageOf', () => {
  it('pages a list in memory and refuses a cursor of another length the same way', () => {
    const items = [1, 2, 3].map((n) => ({ n, id: `id-${n}` }));
    const key = (i: (typeof items)[number]) => [i.n, i.id];
    const first = pageOf(items, { first: 2 }, key, ['asc', 'asc']);
    expect(first.nodes.map((i) => i.n)).toEqual([1, 2]);
    expect(pageOf(items, { first: 2, after: first.pageInfo.endCursor }, key, ['asc', 'asc']).nodes.map((i) => i.n)).toEqual([3]);
    const e = refusal(forge('[1]'), 2);
    expect([e.extensions.code, e.message]).toEqual(['BAD_USER_INPUT', REFUSAL]);
  });
});
