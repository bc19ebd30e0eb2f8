import DataLoader from 'dataloader';

/**
 * A loader for at most one row per key: one SQL statement per batch, whatever the number of keys.
 * `fetch` receives the distinct keys and may return rows in any order.
 */
export function oneByKey<K extends string | number, V>(
  fetch: (keys: readonly K[]) => Promise<V[]>,
  keyOf: (row: V) => K,
): DataLoader<K, V | null> {
  return new DataLoader<K, V | null>(async (keys) => {
    const rows = await fetch(keys);
    const byKey = new Map<K, V>();
    for (const row of rows) byKey.set(keyOf(row), row);
    return keys.map((k) => byKey.get(k) ?? null);
  });
}

/** A loader for every row under each key (a one-to-many relation), in the order `fetch` returns them. */
export function manyByKey<K extends string | number, V>(
  fetch: (keys: readonly K[]) => Promise<V[]>,
  keyOf: (row: V) => K,
): DataLoader<K, V[]> {
  return new DataLoader<K, V[]>(async (keys) => {
    const rows = await fetch(keys);
    const byKey = new Map<K, V[]>();
    for (const row of rows) {
      const k = keyOf(row);
      const list = byKey.get(k);
      if (list) list.push(row);
      else byKey.set(k, [row]);
    }
    return keys.map((k) => byKey.get(k) ?? []);
  });
}

/** A loader for a value computed per key in one statement (counts, sums); missing keys get `fallback`. */
export function valueByKey<K extends string | number, V>(
  fetch: (keys: readonly K[]) => Promise<Map<K, V>>,
  fallback: V,
): DataLoader<K, V> {
  return new DataLoader<K, V>(async (keys) => {
    const values = await fetch(keys);
    return keys.map((k) => values.get(k) ?? fallback);
  });
}
