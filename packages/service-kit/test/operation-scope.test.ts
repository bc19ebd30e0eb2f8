import { describe, expect, it } from 'vitest';
import { OperationScopes } from '../src/operation-scope.js';
import { manyByKey, valueByKey } from '../src/loaders.js';

describe('OperationScopes', () => {
  it('gives the fetches of one operation one store, and another operation or none a store of its own', () => {
    const scopes = new OperationScopes();
    scopes.of('op-aaaaaaaaaaaaaaaa')!.set('facts:a:1', 'kept');
    expect(scopes.of('op-aaaaaaaaaaaaaaaa')!.get('facts:a:1')).toBe('kept');
    expect(scopes.of('op-bbbbbbbbbbbbbbbb')!.get('facts:a:1')).toBeUndefined();
    expect(scopes.of(null)).toBeNull();
  });

  it('forgets an operation after its time, and the least recently used one first when full', () => {
    let now = 1_000;
    const scopes = new OperationScopes(2, 100, () => now);
    scopes.of('a')!.set('k', 1);
    scopes.of('b')!.set('k', 2);
    scopes.of('a'); // a used last: b is the one to drop
    scopes.of('c')!.set('k', 3);
    expect(scopes.size).toBe(2);
    expect(scopes.of('a')!.get('k')).toBe(1);
    expect(scopes.of('b')!.get('k')).toBeUndefined();
    now += 101;
    expect(scopes.of('a')!.get('k')).toBeUndefined();
  });
});

describe('loaders kept for an operation', () => {
  it('fetch only the keys the operation has not read yet, and answer the rest from what it read', async () => {
    const scopes = new OperationScopes();
    const asked: string[][] = [];
    const rows = [
      { m: 'm1', t: 't1' },
      { m: 'm1', t: 't2' },
      { m: 'm2', t: 't3' },
    ];
    const loader = () =>
      manyByKey(
        async (keys: readonly string[]) => {
          asked.push([...keys]);
          return rows.filter((r) => keys.includes(r.m));
        },
        (r) => r.m,
        { scope: scopes.of('op-1111111111111111'), name: 'tranches' },
      );
    expect(await loader().loadMany(['m1', 'm3'])).toEqual([[rows[0], rows[1]], []]);
    // A second fetch of the operation: a fresh request's loader, the same operation.
    expect(await loader().loadMany(['m1', 'm2', 'm3'])).toEqual([[rows[0], rows[1]], [rows[2]], []]);
    expect(asked).toEqual([['m1', 'm3'], ['m2']]);
  });

  it('keep nothing without a scope, and keep a fallback value as an answer', async () => {
    let calls = 0;
    const plain = () => valueByKey(async () => (calls++, new Map<string, number>()), 0, { scope: null, name: 'n' });
    await plain().load('x');
    await plain().load('x');
    expect(calls).toBe(2);
    const scopes = new OperationScopes();
    const kept = () => valueByKey(async () => (calls++, new Map<string, number | null>()), null, { scope: scopes.of('op-2222222222222222'), name: 'n' });
    expect(await kept().load('x')).toBeNull();
    expect(await kept().load('x')).toBeNull();
    expect(calls).toBe(3);
  });
});
