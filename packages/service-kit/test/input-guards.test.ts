import { describe, expect, it } from 'vitest';
import { checkVariables, isBlank, unsafeTextReason } from '../src/input-guards.js';

/** `leaf` inside `levels` nested lists. */
const nested = (levels: number, leaf: unknown): unknown => (levels === 0 ? leaf : [nested(levels - 1, leaf)]);

const refusal = (variables: unknown) => {
  const e = checkVariables(variables);
  return e && { message: e.message, extensions: e.extensions };
};

describe('checkVariables', () => {
  it('passes ordinary input, surrogate pairs included, and a batch of thousands of points', () => {
    const points = Array.from({ length: 5000 }, (_, n) => ({ convoyId: 'c', deviceId: `TRK-${n}`, sequence: n, deviceTime: '2026-03-20T09:00:00Z', latitude: 31.5, longitude: 34.4 }));
    expect(checkVariables({ input: { points }, note: 'Ankunft 🚚 in Zone A', flag: true, none: null })).toBeNull();
  });

  it('names the first unsafe value by its path: NUL, a lone surrogate, a number that is not finite, a key', () => {
    const points = [{ deviceId: 'ok' }, { deviceId: 'TRK\u00001' }];
    expect(refusal({ input: { points } })).toEqual({
      message: 'Variable $input.points[1].deviceId contains a NUL character (U+0000) at character 4; remove it.',
      extensions: { code: 'BAD_USER_INPUT', argumentPath: '$input.points[1].deviceId' },
    });
    expect(refusal({ title: ['fine', 'x\ud800y'] })?.message).toBe(
      'Variable $title[1] contains an unpaired UTF-16 surrogate (U+D800) at character 2, which is not valid Unicode; send the text as UTF-8.',
    );
    expect(refusal({ title: '\udc00' })?.message).toMatch(/unpaired UTF-16 surrogate \(U\+DC00\) at character 1/);
    expect(refusal({ input: { latitude: Infinity } })?.message).toBe('Variable $input.latitude is not a finite number.');
    expect(refusal({ input: { 'lat\u0000': 1 } })).toEqual({
      message: 'A key inside variable $input contains a NUL character (U+0000) at character 4; remove it.',
      extensions: { code: 'BAD_USER_INPUT', argumentPath: '$input' },
    });
  });

  it('refuses values nested deeper than 64 levels, and not at 64', () => {
    expect(checkVariables({ v: nested(63, 'x') })).toBeNull();
    const e = refusal({ v: nested(64, 'x') });
    expect(e?.message).toBe(`Variable $v${'[0]'.repeat(64)} is nested more than 64 levels deep; no input of this API needs that.`);
    expect(refusal({ v: nested(80, []) })?.message).toMatch(/nested more than 64 levels deep/);
  });
});

describe('unsafeTextReason', () => {
  it('passes paired surrogates and finds the first NUL or lone one', () => {
    expect(unsafeTextReason('😀 \ud83d\ude00')).toBeNull();
    expect(unsafeTextReason('ab\ud83d')).toMatch(/\(U\+D83D\) at character 3/);
    expect(unsafeTextReason('\u0000')).toMatch(/NUL character \(U\+0000\) at character 1/);
  });

  it('refuses control characters but tab, line feed and carriage return', () => {
    expect(unsafeTextReason('Line one\r\nLine two\tend')).toBeNull();
    expect(unsafeTextReason('ab\u0001')).toBe('contains a control character (U+0001) at character 3; remove it (text may hold tabs and line breaks, but no other control characters)');
    for (const c of ['\u0008', '\u000b', '\u001f', '\u007f', '\u0085', '\u009f']) expect(unsafeTextReason(`x${c}`), JSON.stringify(c)).toMatch(/control character/);
    // Letters past U+009F are text, whatever the script.
    expect(unsafeTextReason('\u00a0Comité Служба 観察')).toBeNull();
  });
});

describe('isBlank', () => {
  it('takes text that shows nothing as blank: spaces, zero-width spaces, a byte-order mark, control characters', () => {
    for (const v of [null, undefined, '', '   ', '\u200b\ufeff', '\u200c\u200d\t', '\u0001\u0002', '\n\u00a0']) expect(isBlank(v), JSON.stringify(v)).toBe(true);
    for (const v of ['a', ' Veltria ', '\u200bx', '—', '観']) expect(isBlank(v), JSON.stringify(v)).toBe(false);
  });
});
