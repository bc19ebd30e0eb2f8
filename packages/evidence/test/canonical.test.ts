import { describe, expect, it } from 'vitest';
import { base64, base64url, canonicalJson, entryBytes, entryText, fromAnyBase64, fromBase64, fromBase64Url, fromHex, hex, parseEntry, type Entry } from '../src/canonical.js';

describe('canonicalJson', () => {
  it('sorts keys by UTF-16 code units at every depth, without whitespace', () => {
    expect(canonicalJson({ b: 1, a: [3, { d: null, c: 'x' }], A: true })).toBe('{"A":true,"a":[3,{"c":"x","d":null}],"b":1}');
    // UTF-16 code unit order, not code point order: U+1F600 is 0xD83D 0xDE00, before U+FF5E.
    expect(canonicalJson({ '～': 1, '😀': 2, z: 3, é: 4 })).toBe('{"z":3,"é":4,"😀":2,"～":1}');
    expect(canonicalJson({ '10': 1, '9': 2, a: 3 })).toBe('{"10":1,"9":2,"a":3}');
  });

  it('writes strings and numbers as JSON.stringify does', () => {
    expect(canonicalJson('a"b\\c\n\u0001\u2028')).toBe(JSON.stringify('a"b\\c\n\u0001\u2028'));
    expect(canonicalJson('\ud800')).toBe('"\\ud800"');
    expect(canonicalJson([0, -0, 1.5, -2, 1e21, 1e-7, 123456789012345680000])).toBe('[0,0,1.5,-2,1e+21,1e-7,123456789012345680000]');
    expect(canonicalJson(null)).toBe('null');
    expect(canonicalJson([true, false])).toBe('[true,false]');
    expect(canonicalJson({})).toBe('{}');
    expect(canonicalJson([])).toBe('[]');
  });

  it('is the same for the same value however its keys were inserted', () => {
    const a = { x: { p: 1, q: [1, 2] }, y: 'z' };
    const b = { y: 'z', x: { q: [1, 2], p: 1 } };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(JSON.parse(canonicalJson(a))).toEqual(a);
  });

  it('encodes a Date as its ISO text and honours toJSON once', () => {
    expect(canonicalJson({ at: new Date('2026-01-02T03:04:05.006Z') })).toBe('{"at":"2026-01-02T03:04:05.006Z"}');
    expect(canonicalJson({ v: { toJSON: () => ({ b: 1, a: 2 }) } })).toBe('{"v":{"a":2,"b":1}}');
    // toJSON returning the object itself is not called again (no endless loop); its function is refused.
    const selfish = { toJSON(): unknown { return this; }, k: 1 };
    expect(() => canonicalJson(selfish)).toThrow(/function at \$\.toJSON/);
  });

  it('refuses what JSON cannot say exactly, naming where it is', () => {
    expect(() => canonicalJson({ a: { b: undefined } })).toThrow(/undefined at \$\.a\.b/);
    expect(() => canonicalJson([1, () => 2])).toThrow(/function at \$\[1\]/);
    expect(() => canonicalJson({ n: 10n })).toThrow(/bigint at \$\.n/);
    expect(() => canonicalJson({ n: NaN })).toThrow(/NaN at \$\.n is not a finite number/);
    expect(() => canonicalJson([Infinity])).toThrow(/Infinity/);
    expect(() => canonicalJson(Symbol('s'))).toThrow(/symbol/);
    expect(() => canonicalJson(undefined)).toThrow(/undefined at \$/);
    // eslint-disable-next-line no-sparse-arrays
    expect(() => canonicalJson([1, , 3])).toThrow(/hole at \$\[1\]/);
    expect(() => canonicalJson({ m: new Map() })).toThrow(/Map at \$\.m/);
    expect(() => canonicalJson({ s: new Set([1]) })).toThrow(/Set/);
    expect(() => canonicalJson({ b: new Uint8Array(2) })).toThrow(/Uint8Array/);
    expect(() => canonicalJson({ d: new Date(NaN) })).toThrow(/invalid Date at \$\.d/);
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/cycle at \$\.self/);
  });

  it('allows the same object twice when it is not a cycle', () => {
    const shared = { k: 1 };
    expect(canonicalJson({ a: shared, b: [shared] })).toBe('{"a":{"k":1},"b":[{"k":1}]}');
  });
});

describe('entries', () => {
  const entry: Entry = {
    v: 1,
    log: 'treaty/milestones',
    index: 0,
    prev: '',
    at: '2026-06-15T09:30:00.000Z',
    kind: 'certification',
    by: { agency: 'Joint Monitoring Cell', roles: ['MONITOR', 'AUDITOR'] },
    fact: { id: 'c1', verifier: 'V', evidence: [] },
  };

  it('entryText sorts the roles; parseEntry reads it back and sees it is canonical', () => {
    const text = entryText(entry);
    expect(text).toContain('"roles":["AUDITOR","MONITOR"]');
    const p = parseEntry(text);
    expect('entry' in p && p.canonical).toBe(true);
    expect('entry' in p && p.entry.fact).toEqual(entry.fact);
    const spaced = parseEntry(JSON.stringify(JSON.parse(text), null, 1));
    expect('entry' in spaced && spaced.canonical).toBe(false);
  });

  it('parseEntry says what is wrong and never throws', () => {
    expect(parseEntry('{')).toEqual({ error: 'the entry is not valid JSON' });
    expect(parseEntry(null)).toEqual({ error: 'the entry is not a string' });
    expect(parseEntry('[]')).toEqual({ error: 'the entry is not a JSON object' });
    expect(parseEntry('{"v":1}')).toEqual({ error: 'the entry has no log, index, prev, at, kind, by, fact' });
    expect(parseEntry(entryText(entry).replace('"index":0', '"index":-1'))).toEqual({ error: 'its "index" is not a whole number' });
    expect(parseEntry(entryText(entry).replace('"agency":"Joint Monitoring Cell"', '"agency":5'))).toEqual({ error: 'its "by" is not { agency, roles }' });
    expect(parseEntry('{"v":1,"log":"l","index":0,"prev":"","at":"t","kind":"k","by":{"agency":null,"roles":[]},"fact":1e999}')).toMatchObject({ canonical: false });
  });

  it('entryBytes is UTF-8', () => {
    expect([...entryBytes('é€')]).toEqual([0xc3, 0xa9, 0xe2, 0x82, 0xac]);
  });
});

describe('hex and base64', () => {
  const bytes = new Uint8Array([0, 1, 0xfe, 0xff, 0x7f]);
  it('round-trip', () => {
    expect(hex(bytes)).toBe('0001feff7f');
    expect(fromHex('0001feff7f')).toEqual(bytes);
    expect(fromHex('0001FEFF7F')).toEqual(bytes);
    expect(base64(bytes)).toBe('AAH+/38=');
    expect(fromBase64('AAH+/38=')).toEqual(bytes);
    expect(base64url(bytes)).toBe('AAH-_38');
    expect(fromBase64Url('AAH-_38')).toEqual(bytes);
    expect(fromBase64Url('AAH-_38=')).toEqual(bytes);
    expect(fromAnyBase64('AAH+/38')).toEqual(bytes);
    expect(fromAnyBase64(' AAH-_38 ')).toEqual(bytes);
    expect(hex(new Uint8Array(0))).toBe('');
    expect(fromHex('')).toEqual(new Uint8Array(0));
    // A view into a larger buffer encodes only its own bytes.
    expect(hex(new Uint8Array([9, 9, 1, 2, 9]).subarray(2, 4))).toBe('0102');
  });

  it('malformed input is null, never a throw', () => {
    for (const bad of [null, undefined, 1, {}, [], 'abc', 'zz', '0g', ' 00', '00 ']) expect(fromHex(bad)).toBeNull();
    expect(fromHex('00', 2)).toBeNull();
    expect(fromHex('0000', 2)).toEqual(new Uint8Array(2));
    for (const bad of [null, undefined, 1, {}, 'AAH+/38', 'AAH-_38=', 'A===', 'AB=C', '!!!!', 'AAH+/38=\n', 'AQ==AQ==', 'AR==']) expect(fromBase64(bad), String(bad)).toBeNull();
    expect(fromBase64('AAAA', 2)).toBeNull();
    for (const bad of [null, 'AAH+/38', 'A', 'AR', '***']) expect(fromBase64Url(bad), String(bad)).toBeNull();
    expect(fromAnyBase64(42)).toBeNull();
  });
});
