import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadSubgraphConfig } from '../src/config.js';
import {
  FieldCryptoError,
  FieldKeyring,
  dataKeyOf,
  decryptField,
  encryptField,
  generateDataKeys,
  newDataKey,
  parseDataKeys,
  serializeDataKeys,
  unwrapDataKey,
  wrapDataKey,
  type DataKeys,
  type StoredDataKey,
} from '../src/field-crypto.js';

const ref = { table: 'detainee', column: 'name', id: '0b5e3a8e-8d0f-4b7e-9a57-3f1c2d4e5f60' };
const dek = { id: '7c9e6679-7425-40de-944b-e07fc1f90ae7', key: randomBytes(32) };
const keyOf = (id: string) => (id === dek.id ? dek.key : undefined);
const b64 = (n: number) => randomBytes(n).toString('base64url');

describe('field values', () => {
  it('round-trips a value, self-describing and different every time', () => {
    const a = encryptField(dek, 'Ysolde Marrant', ref);
    const b = encryptField(dek, 'Ysolde Marrant', ref);
    expect(a).toMatch(new RegExp(`^enc:v1:${dek.id}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$`));
    expect(a).not.toBe(b);
    expect(a).not.toContain('Ysolde');
    expect(dataKeyOf(a)).toBe(dek.id);
    expect(decryptField(keyOf, a, ref)).toBe('Ysolde Marrant');
    expect(decryptField(keyOf, encryptField(dek, 'Ünïcødé — 名前', ref), ref)).toBe('Ünïcødé — 名前');
  });

  it('refuses a value moved to another record or column, or with one byte changed', () => {
    const sealed = encryptField(dek, '1961-04-09', ref);
    expect(() => decryptField(keyOf, sealed, { ...ref, id: '1c1c1c1c-8d0f-4b7e-9a57-3f1c2d4e5f60' })).toThrow(/does not decrypt: the stored value was altered, or moved/);
    expect(() => decryptField(keyOf, sealed, { ...ref, column: 'medical_notes' })).toThrow(FieldCryptoError);
    expect(() => decryptField(keyOf, sealed, { ...ref, table: 'manifest_entry' })).toThrow(FieldCryptoError);
    const body = sealed.split(':')[4]!;
    const raw = Buffer.from(body, 'base64url');
    raw[3] = raw[3]! ^ 0x01;
    expect(() => decryptField(keyOf, sealed.replace(body, raw.toString('base64url')), ref)).toThrow(/does not decrypt/);
  });

  it('refuses plain text and a value under a data key it does not have, saying which', () => {
    expect(() => decryptField(keyOf, 'Ysolde Marrant', ref)).toThrow(/detainee.name of .* is not an encrypted value/);
    expect(dataKeyOf('Ysolde Marrant')).toBeNull();
    const other = encryptField({ id: '11111111-1111-4111-8111-111111111111', key: randomBytes(32) }, 'x', ref);
    expect(() => decryptField(keyOf, other, ref)).toThrow(/sealed with data key 11111111-1111-4111-8111-111111111111/);
  });
});

describe('data keys, wrapped by a KEK', () => {
  it('wraps and unwraps, binding the wrapped key to its id and purpose', () => {
    const keks = generateDataKeys('kek-a');
    const { stored, key } = newDataKey(keks, 'field');
    expect(stored.kekId).toBe('kek-a');
    expect(Buffer.from(stored.wrapped, 'base64url').includes(key)).toBe(false);
    expect(unwrapDataKey(keks, stored).equals(key)).toBe(true);
    expect(() => unwrapDataKey(keks, { ...stored, purpose: 'blind-index' })).toThrow(/does not unwrap with KEK "kek-a"/);
    expect(() => unwrapDataKey(keks, { ...stored, id: '11111111-1111-4111-8111-111111111111' })).toThrow(FieldCryptoError);
  });

  it('re-wraps under a new KEK, after which the old one is not needed; without the KEK it names it', () => {
    const old = generateDataKeys('kek-old');
    const { stored, key } = newDataKey(old, 'field');
    const both: DataKeys = { active: 'kek-new', keys: new Map([...old.keys, ['kek-new', randomBytes(32)]]) };
    const rewrapped = wrapDataKey(both, stored.id, stored.purpose, unwrapDataKey(both, stored));
    expect(rewrapped.kekId).toBe('kek-new');
    const onlyNew: DataKeys = { active: 'kek-new', keys: new Map([['kek-new', both.keys.get('kek-new')!]]) };
    expect(unwrapDataKey(onlyNew, rewrapped).equals(key)).toBe(true);
    expect(() => unwrapDataKey(onlyNew, stored)).toThrow(/wrapped by KEK "kek-old", which TREATY_DATA_KEYS does not hold \(it holds kek-new\)/);
  });
});

describe('FieldKeyring', () => {
  it('loads keys once, reads the table again for a data key it has not seen, and keeps the others when one does not unwrap', async () => {
    const keks = generateDataKeys('kek-a');
    const first = newDataKey(keks, 'field');
    const index = newDataKey(keks, 'blind-index');
    const table: StoredDataKey[] = [first.stored, index.stored];
    let loads = 0;
    const ring = new FieldKeyring(keks, async () => (loads++, [...table]));
    await ring.reload();
    const a = ring.encrypt(first.stored.id, 'Ilse Varro', ref);
    expect(await ring.decrypt(a, ref)).toBe('Ilse Varro');
    expect(await ring.decrypt(null, ref)).toBeNull();
    expect(loads).toBe(1);

    // A rotation elsewhere adds a key; so does a KEK this service lacks.
    const second = newDataKey(keks, 'field');
    const foreign = newDataKey(generateDataKeys('kek-b'), 'field');
    table.push(second.stored, foreign.stored);
    const b = encryptField({ id: second.stored.id, key: second.key }, 'Ilse Varro', ref);
    const [x, y] = await Promise.all([ring.decrypt(b, ref), ring.decrypt(b, ref)]);
    expect([x, y]).toEqual(['Ilse Varro', 'Ilse Varro']);
    expect(loads).toBe(2);
    expect(ring.problems()).toEqual([expect.stringMatching(/wrapped by KEK "kek-b"/)]);
    const c = encryptField({ id: foreign.stored.id, key: foreign.key }, 'Ilse Varro', ref);
    await expect(ring.decrypt(c, ref)).rejects.toThrow(/cannot be opened: Data key .* is wrapped by KEK "kek-b"/);
    expect(await ring.decrypt(a, ref)).toBe('Ilse Varro');
  });

  it('makes a blind index that is stable, keyed and unambiguous', async () => {
    const keks = generateDataKeys();
    const one = newDataKey(keks, 'blind-index').stored;
    const ring = async (s: StoredDataKey) => {
      const r = new FieldKeyring(keks, async () => [s]);
      await r.reload();
      return r;
    };
    const r1 = await ring(one);
    expect(r1.blindIndex('a', 'b')).toBe((await ring(one)).blindIndex('a', 'b'));
    expect(r1.blindIndex('a', 'b')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(r1.blindIndex('ab', '')).not.toBe(r1.blindIndex('a', 'b'));
    expect((await ring(newDataKey(keks, 'blind-index').stored)).blindIndex('a', 'b')).not.toBe(r1.blindIndex('a', 'b'));
    expect(() => new FieldKeyring(keks, async () => []).blindIndex('a')).toThrow(/blind-index key is not loaded/);
  });
});

describe('TREATY_DATA_KEYS', () => {
  const base = { DATABASE_URL: 'postgres://u@h/db', TREATY_INTERNAL_KEYS: JSON.stringify({ 'gateway>prisoners': b64(32) }), TREATY_EVIDENCE_KEY: b64(32) };

  it('parses and serializes the KEK set', () => {
    const k = generateDataKeys('kek-2026-12');
    expect(parseDataKeys(serializeDataKeys(k))).toEqual(k);
  });

  it('is required, by name, for a service that encrypts personal data, and optional otherwise', () => {
    expect(() => loadSubgraphConfig('prisoners', 4002, base, { dataKeysRequired: true })).toThrow(ConfigError);
    expect(() => loadSubgraphConfig('prisoners', 4002, base, { dataKeysRequired: true })).toThrow(/TREATY_DATA_KEYS: is required: the prisoners service encrypts personal data/);
    expect(loadSubgraphConfig('milestones', 4001, base).dataKeys).toBeUndefined();
    const keys = serializeDataKeys(generateDataKeys('kek-1'));
    expect(loadSubgraphConfig('prisoners', 4002, { ...base, TREATY_DATA_KEYS: keys }, { dataKeysRequired: true }).dataKeys?.active).toBe('kek-1');
  });

  it('says what is wrong with a bad value', () => {
    const problem = (v: string) => {
      try {
        loadSubgraphConfig('prisoners', 4002, { ...base, TREATY_DATA_KEYS: v }, { dataKeysRequired: true });
      } catch (e) {
        return (e as ConfigError).problems.join('\n');
      }
      return 'accepted';
    };
    expect(problem('kek')).toMatch(/TREATY_DATA_KEYS: must be JSON like/);
    expect(problem('{"active":"k1"}')).toMatch(/must have "keys"/);
    expect(problem(JSON.stringify({ active: 'k1', keys: { k1: b64(16) } }))).toMatch(/the key "k1" must be exactly 32 bytes/);
    expect(problem(JSON.stringify({ active: 'k2', keys: { k1: b64(32) } }))).toMatch(/"active" must name one of the keys \(k1\)/);
    expect(problem(JSON.stringify({ active: 'k 1', keys: { 'k 1': b64(32) } }))).toMatch(/KEK id "k 1" must be/);
  });
});
