import DataLoader from 'dataloader';
import type { OperationScope } from './operation-scope.js';

/**
 * Where a loader keeps what it answered for the rest of a gateway query operation (operation-scope.ts),
 * under its `name`: a later fetch of the operation reads those keys from there, and fetches only the
 * rest. A null scope (a mutation, a sibling's call) keeps nothing.
 */
export interface KeptFor {
  scope: OperationScope | null;
  name: string;
}

/** Runs `answer` for the keys `kept` does not hold yet, and keeps what it answered for them. */
async function throughScope<K extends string | number, V>(keys: readonly K[], kept: KeptFor | undefined, answer: (keys: readonly K[]) => Promise<V[]>): Promise<V[]> {
  const scope = kept?.scope;
  if (!scope) return answer(keys);
  const out = new Array<V>(keys.length);
  const missing: K[] = [];
  const at: number[] = [];
  keys.forEach((k, i) => {
    const v = scope.get<V>(`${kept.name}:${k}`);
    if (v === undefined) {
      missing.push(k);
      at.push(i);
    } else out[i] = v;
  });
  if (missing.length) {
    const values = await answer(missing);
    values.forEach((v, j) => {
      out[at[j]!] = v;
      scope.set(`${kept.name}:${missing[j]}`, v);
    });
  }
  return out;
}

/**
 * A loader for at most one row per key: one SQL statement per batch, whatever the number of keys.
 * `fetch` receives the distinct keys and may return rows in any order.
 */
export function oneByKey<K extends string | number, V>(
  fetch: (keys: readonly K[]) => Promise<V[]>,
  keyOf: (row: V) => K,
  kept?: KeptFor,
): DataLoader<K, V | null> {
  return new DataLoader<K, V | null>((keys) =>
    throughScope(keys, kept, async (keys) => {
      const rows = await fetch(keys);
      const byKey = new Map<K, V>();
      for (const row of rows) byKey.set(keyOf(row), row);
      return keys.map((k) => byKey.get(k) ?? null);
    }),
  );
}

/** A loader for every row under each key (a one-to-many relation), in the order `fetch` returns them. */
export function manyByKey<K extends string | number, V>(
  fetch: (keys: readonly K[]) => Promise<V[]>,
  keyOf: (row: V) => K,
  kept?: KeptFor,
): DataLoader<K, V[]> {
  return new DataLoader<K, V[]>((keys) =>
    throughScope(keys, kept, async (keys) => {
      const rows = await fetch(keys);
      const byKey = new Map<K, V[]>();
      for (const row of rows) {
        const k = keyOf(row);
        const list = byKey.get(k);
        if (list) list.push(row);
        else byKey.set(k, [row]);
      }
      return keys.map((k) => byKey.get(k) ?? []);
    }),
  );
}

/** A loader for a value computed per key in one statement (counts, sums); missing keys get `fallback`. */
export function valueByKey<K extends string | number, V>(
  fetch: (keys: readonly K[]) => Promise<Map<K, V>>,
  fallback: V,
  kept?: KeptFor,
): DataLoader<K, V> {
  return new DataLoader<K, V>((keys) =>
    throughScope(keys, kept, async (keys) => {
      const values = await fetch(keys);
      return keys.map((k) => values.get(k) ?? fallback);
    }),
  );
}
