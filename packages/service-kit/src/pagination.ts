import { BadUserInputError } from './errors.js';

/**
 * Cursor pagination for every list that can grow (`…Page` fields, each beside the list it pages): a
 * page of at most `first` items (PAGE_DEFAULT when omitted, at most PAGE_MAX) after the opaque cursor
 * `after` (a page's pageInfo.endCursor). The cursor holds the sort key of the last item, not an offset,
 * so an item added or removed between two requests neither repeats nor skips another.
 */
export const PAGE_DEFAULT = 50;
export const PAGE_MAX = 500;

export type KeyPart = string | number;
export type SortKey = readonly KeyPart[];

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

export interface Page<T> {
  nodes: T[];
  pageInfo: { endCursor: string | null; hasNextPage: boolean };
}

/** The page size asked for, or a refusal saying the bounds. */
export function pageSize(first: number | null | undefined): number {
  const n = first ?? PAGE_DEFAULT;
  if (!Number.isInteger(n) || n < 1 || n > PAGE_MAX) throw BadUserInputError.one('first', `must be a whole number from 1 to ${PAGE_MAX} (${PAGE_DEFAULT} when omitted); ask for the next page with after: pageInfo.endCursor.`);
  return n;
}

export function encodeCursor(key: SortKey): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/**
 * What a part of a list's sort key is, as the column it stands for holds it, so that a cursor from
 * another list, damaged or made up, is refused here and never reaches SQL:
 * - `int4`: a whole number PostgreSQL's integer holds (-2147483648 to 2147483647);
 * - `text`: a string PostgreSQL's text holds (no NUL, no lone surrogate);
 * - `uuid`: a uuid in its 8-4-4-4-12 hex form;
 * - `epochMs`, `epochUs`: an instant in whole milliseconds (a Date's getTime) or microseconds (the
 *   database's own precision) since 1970;
 * - `isoTime`: an instant as Date.toISOString writes it.
 * An instant is one of years 1 to 275760: what a Date holds and what PostgreSQL's timestamptz reads
 * from it in any time zone the process runs in.
 */
export type KeyPartKind = 'int4' | 'text' | 'uuid' | 'epochMs' | 'epochUs' | 'isoTime';
export type KeyShape = readonly KeyPartKind[];
/** The sort key a cursor of shape S holds: a number or a string per part. */
export type KeyOf<S extends KeyShape> = { -readonly [I in keyof S]: S[I] extends 'int4' | 'epochMs' | 'epochUs' ? number : string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_TIME = /^(?:\d{4}|[+-]\d{6})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const NOT_IN_TEXT = /[\u0000\p{Cs}]/u;
const TIME_MIN_MS = Date.parse('0001-01-01T00:00:00.000Z');
const TIME_MAX_MS = 8.64e15;
const whole = (k: unknown, min: number, max: number): k is number => typeof k === 'number' && Number.isInteger(k) && k >= min && k <= max;

const PART_FITS: Record<KeyPartKind, (k: unknown) => boolean> = {
  int4: (k) => whole(k, -2147483648, 2147483647),
  text: (k) => typeof k === 'string' && !NOT_IN_TEXT.test(k),
  uuid: (k) => typeof k === 'string' && UUID.test(k),
  epochMs: (k) => whole(k, TIME_MIN_MS, TIME_MAX_MS),
  epochUs: (k) => whole(k, TIME_MIN_MS * 1000, TIME_MAX_MS * 1000),
  isoTime: (k) => {
    if (typeof k !== 'string' || !ISO_TIME.test(k)) return false;
    const ms = Date.parse(k);
    return whole(ms, TIME_MIN_MS, TIME_MAX_MS) && new Date(ms).toISOString() === k;
  },
};

/**
 * The sort key a cursor holds, or a refusal: a cursor is only ever one this list gave out. A list read
 * in SQL gives the kind of each part (`shape`), so that every part is checked against its column before
 * any statement runs; a list paged in memory (pageOf) gives only the length.
 */
export function decodeCursor<const S extends KeyShape>(after: string, shape: S): KeyOf<S>;
export function decodeCursor(after: string, length: number): SortKey;
export function decodeCursor(after: string, shape: number | KeyShape): SortKey {
  const length = typeof shape === 'number' ? shape : shape.length;
  const refuse = () => BadUserInputError.one('after', 'is not a cursor of this list; pass the pageInfo.endCursor of the page before, or omit it for the first page.');
  if (typeof after !== 'string' || after.length > 512 || !/^[A-Za-z0-9_-]+$/.test(after)) throw refuse();
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(after, 'base64url').toString('utf8'));
  } catch {
    throw refuse();
  }
  if (!Array.isArray(key) || key.length !== length || !key.every((k) => typeof k === 'string' || (typeof k === 'number' && Number.isFinite(k)))) throw refuse();
  if (typeof shape !== 'number' && !key.every((k, i) => PART_FITS[shape[i]!](k))) throw refuse();
  return key as SortKey;
}

/** Ascending or descending per part, as the list is ordered. */
export type Direction = 'asc' | 'desc';

function compareKeys(a: SortKey, b: SortKey, directions: readonly Direction[]): number {
  for (let i = 0; i < directions.length; i += 1) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    const less = typeof x === 'number' && typeof y === 'number' ? x < y : String(x) < String(y);
    return (less ? -1 : 1) * (directions[i] === 'desc' ? -1 : 1);
  }
  return 0;
}

/**
 * A page of a list already in its order, `key` giving each item's sort key in that order (ending in a
 * unique part, the id) and `directions` the order of each part. Used where the whole list is read in
 * one batched statement anyway (the list field beside it reads the same rows), so paging costs no
 * statement of its own.
 */
export function pageOf<T>(items: readonly T[], args: PageArgs, key: (item: T) => SortKey, directions: readonly Direction[]): Page<T> {
  const size = pageSize(args.first);
  let start = 0;
  if (args.after != null) {
    const after = decodeCursor(args.after, directions.length);
    // Right after the item the cursor names; if it has gone since, after where it would sort.
    const same = items.findIndex((item) => compareKeys(key(item), after, directions) === 0 && key(item).every((k, i) => k === after[i]));
    start = same >= 0 ? same + 1 : items.findIndex((item) => compareKeys(key(item), after, directions) > 0);
    if (start === -1) start = items.length;
  }
  const nodes = items.slice(start, start + size);
  const hasNextPage = start + size < items.length;
  return { nodes, pageInfo: { endCursor: nodes.length ? encodeCursor(key(nodes[nodes.length - 1]!)) : (args.after ?? null), hasNextPage } };
}

/** A time as a sortable key part: its milliseconds. */
export const timeKey = (d: Date | string) => (d instanceof Date ? d : new Date(d)).getTime();
