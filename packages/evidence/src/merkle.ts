import { createHash } from 'node:crypto';

/**
 * RFC 9162 (Certificate Transparency v2, same hashing as RFC 6962) Merkle trees over SHA-256.
 *
 *   leaf hash  = SHA-256(0x00 || entry bytes)
 *   node hash  = SHA-256(0x01 || left || right)
 *   empty root = SHA-256("")
 *
 * Node coordinates: `{ level, index }` is the perfect subtree over the leaves
 * [index * 2^level, (index + 1) * 2^level); level 0 nodes are the leaf hashes themselves.
 * A log that stores every perfect node can answer any root or proof of any size with O(log n) node
 * reads: `proofNodes(ranges)` says which nodes, `hashRange` folds them.
 *
 * Sizes and indices here are JavaScript numbers (safe integers, up to 2^53 - 1). The functions that
 * compute proofs throw a RangeError on arguments outside their domain; the verifiers (verify.ts) never throw.
 */

/** The length of every hash in the tree, in bytes. */
export const HASH_SIZE = 32;

/** A perfect subtree: the leaves [index * 2^level, (index + 1) * 2^level). */
export interface Node {
  level: number;
  index: number;
}

/** A perfect subtree with its hash. */
export interface HashedNode extends Node {
  hash: Uint8Array;
}

/** A range of leaves [start, end). */
export type Range = [start: number, end: number];

const LEAF_PREFIX = Uint8Array.of(0);
const NODE_PREFIX = Uint8Array.of(1);

function digest(...parts: Uint8Array[]): Uint8Array {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

/** The root of the empty tree: SHA-256 of the empty string. */
export const EMPTY_ROOT: Uint8Array = digest();

/** SHA-256(0x00 || entry): the hash of one leaf. A string is hashed as its UTF-8 bytes. */
export function hashLeaf(entry: Uint8Array | string): Uint8Array {
  return digest(LEAF_PREFIX, typeof entry === 'string' ? new TextEncoder().encode(entry) : entry);
}

/** SHA-256(0x01 || left || right): the hash of an interior node. */
export function hashChildren(left: Uint8Array, right: Uint8Array): Uint8Array {
  return digest(NODE_PREFIX, left, right);
}

function checkIndex(name: string, n: unknown): asserts n is number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`${name} must be a whole number >= 0 (a safe integer), got ${String(n)}`);
  }
}

/** The largest power of two strictly below n (n >= 2). */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The smallest power of two >= n (n >= 1). */
function ceilPow2(n: number): number {
  let k = 1;
  while (k < n) k *= 2;
  return k;
}

/** True when [start, end) is a subtree of the RFC 9162 tree shape: start is a multiple of the smallest power of two >= end - start. */
export function isSubtreeRange(start: number, end: number): boolean {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) return false;
  if (end === start) return true;
  return start % ceilPow2(end - start) === 0;
}

/**
 * The decomposition of [start, end) into perfect, aligned subtrees, left to right (the compact range).
 * For the ranges RFC 9162 uses (prefixes [0, n) and the ranges of proofs), this is largest first.
 */
export function rangeNodes(start: number, end: number): Node[] {
  checkIndex('start', start);
  checkIndex('end', end);
  if (end < start) throw new RangeError(`rangeNodes: end (${end}) is before start (${start})`);
  const out: Node[] = [];
  let p = start;
  while (p < end) {
    let size = 1;
    let level = 0;
    while (p % (size * 2) === 0 && p + size * 2 <= end) {
      size *= 2;
      level += 1;
    }
    out.push({ level, index: p / size });
    p += size;
  }
  return out;
}

/**
 * The RFC 9162 Merkle Tree Hash of leaves [start, end), from the hashes of the perfect nodes of
 * `rangeNodes(start, end)`, folded from the right: H(p0, H(p1, … H(pk-1, pk))).
 * [start, end) must be a subtree of the RFC tree shape (see `isSubtreeRange`): a prefix [0, n) or a
 * range `inclusionRanges` / `consistencyRanges` returns. An empty range hashes to EMPTY_ROOT.
 * `lookup` may throw (e.g. a node missing from storage); the error propagates.
 */
export function hashRange(start: number, end: number, lookup: (n: Node) => Uint8Array): Uint8Array {
  checkIndex('start', start);
  checkIndex('end', end);
  if (end < start) throw new RangeError(`hashRange: end (${end}) is before start (${start})`);
  if (!isSubtreeRange(start, end)) {
    throw new RangeError(`hashRange: [${start}, ${end}) is not a subtree of the RFC 9162 tree (start must be a multiple of the smallest power of two >= its length)`);
  }
  if (start === end) return EMPTY_ROOT;
  const nodes = rangeNodes(start, end);
  let h = lookup(nodes[nodes.length - 1]!);
  for (let i = nodes.length - 2; i >= 0; i--) h = hashChildren(lookup(nodes[i]!), h);
  return h;
}

/**
 * The ranges whose hashes form the inclusion proof of leaf `index` in the tree of `size` leaves
 * (RFC 9162 §2.1.3.1 PATH), in proof order: bottom-up, the leaf's sibling first.
 * Requires 0 <= index < size.
 */
export function inclusionRanges(index: number, size: number): Range[] {
  checkIndex('index', index);
  checkIndex('size', size);
  if (index >= size) throw new RangeError(`inclusionRanges: leaf ${index} is not in a tree of size ${size}`);
  const out: Range[] = [];
  let lo = 0;
  let hi = size;
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo);
    if (index < lo + k) {
      out.push([lo + k, hi]);
      hi = lo + k;
    } else {
      out.push([lo, lo + k]);
      lo += k;
    }
  }
  return out.reverse();
}

/**
 * The ranges whose hashes form the consistency proof from the tree of `size1` leaves to the tree of
 * `size2` leaves (RFC 9162 §2.1.4.1 SUBPROOF), in proof order. Empty when size1 is 0 or equals size2
 * (nothing to prove). Requires 0 <= size1 <= size2.
 */
export function consistencyRanges(size1: number, size2: number): Range[] {
  checkIndex('size1', size1);
  checkIndex('size2', size2);
  if (size1 > size2) throw new RangeError(`consistencyRanges: size1 (${size1}) is larger than size2 (${size2})`);
  if (size1 === 0 || size1 === size2) return [];
  const out: Range[] = [];
  let lo = 0;
  let hi = size2;
  let m = size1;
  let complete = true; // b in the RFC: the subtree [lo, lo + m) is the old tree's root, known to the verifier
  for (;;) {
    const n = hi - lo;
    if (m === n) {
      if (!complete) out.push([lo, hi]);
      break;
    }
    const k = splitPoint(n);
    if (m <= k) {
      out.push([lo + k, hi]);
      hi = lo + k;
    } else {
      out.push([lo, lo + k]);
      lo += k;
      m -= k;
      complete = false;
    }
  }
  return out.reverse();
}

/**
 * The perfect nodes of level >= 1 that appending leaf `leafIndex` completes, bottom-up: each is
 * hashChildren(node {level - 1, index * 2}, node {level - 1, index * 2 + 1}), the right child being
 * the previous entry of this list (or the leaf itself for the first).
 */
export function completedBy(leafIndex: number): Node[] {
  checkIndex('leafIndex', leafIndex);
  const out: Node[] = [];
  const next = leafIndex + 1;
  let size = 2;
  let level = 1;
  while (next % size === 0) {
    out.push({ level, index: next / size - 1 });
    size *= 2;
    level += 1;
  }
  return out;
}

/** The distinct perfect nodes needed to hash all these ranges with `hashRange`, in first-use order. */
export function proofNodes(ranges: ReadonlyArray<readonly [number, number]>): Node[] {
  const seen = new Set<string>();
  const out: Node[] = [];
  for (const [start, end] of ranges) {
    for (const n of rangeNodes(start, end)) {
      const key = `${n.level}:${n.index}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(n);
    }
  }
  return out;
}

/** The inclusion proof of leaf `index` in the tree of `size` leaves (RFC 9162 §2.1.3.1), from stored perfect nodes. */
export function inclusionProof(index: number, size: number, lookup: (n: Node) => Uint8Array): Uint8Array[] {
  return inclusionRanges(index, size).map(([a, b]) => hashRange(a, b, lookup));
}

/** The consistency proof from size1 to size2 (RFC 9162 §2.1.4.1), from stored perfect nodes. */
export function consistencyProof(size1: number, size2: number, lookup: (n: Node) => Uint8Array): Uint8Array[] {
  return consistencyRanges(size1, size2).map(([a, b]) => hashRange(a, b, lookup));
}

/**
 * A streaming Merkle tree: holds only the perfect subtrees of the current size's compact range
 * (at most log2(size) + 1 hashes), so a million-entry log is verified in O(log n) memory, and the
 * root at the current size costs O(log n) hashes.
 */
export class TreeBuilder {
  /** Hashes of rangeNodes(0, size), left to right (largest first). */
  private readonly stack: Uint8Array[] = [];
  private count = 0;

  /** A builder resumed at `size` leaves from the hashes of rangeNodes(0, size), left to right. */
  static fromFrontier(size: number, hashes: readonly Uint8Array[]): TreeBuilder {
    checkIndex('size', size);
    const nodes = rangeNodes(0, size);
    if (hashes.length !== nodes.length) {
      throw new RangeError(`TreeBuilder.fromFrontier: a tree of size ${size} has ${nodes.length} frontier nodes, got ${hashes.length} hashes`);
    }
    const b = new TreeBuilder();
    for (const h of hashes) b.stack.push(checkHash(h));
    b.count = size;
    return b;
  }

  /** The number of leaves pushed. */
  get size(): number {
    return this.count;
  }

  /**
   * Appends a leaf hash (32 bytes, e.g. from hashLeaf). Returns the perfect nodes of level >= 1 this
   * leaf completes with their hashes, bottom-up (the nodes `completedBy(size - 1)` names).
   */
  push(leafHash: Uint8Array): HashedNode[] {
    let h = checkHash(leafHash);
    const index = this.count;
    const completed: HashedNode[] = [];
    let c = index;
    let level = 0;
    let size = 1;
    while (c % 2 === 1) {
      h = hashChildren(this.stack.pop()!, h);
      level += 1;
      size *= 2;
      completed.push({ level, index: Math.floor(index / size), hash: h });
      c = (c - 1) / 2;
    }
    this.stack.push(h);
    this.count = index + 1;
    return completed;
  }

  /** The RFC 9162 root of the leaves pushed so far (EMPTY_ROOT when none). */
  root(): Uint8Array {
    const s = this.stack;
    if (s.length === 0) return EMPTY_ROOT;
    let h = s[s.length - 1]!;
    for (let i = s.length - 2; i >= 0; i--) h = hashChildren(s[i]!, h);
    return h;
  }

  /** The perfect nodes of rangeNodes(0, size) with their hashes: enough to resume with fromFrontier. */
  frontier(): HashedNode[] {
    return rangeNodes(0, this.count).map((n, i) => ({ ...n, hash: this.stack[i]! }));
  }
}

function checkHash(h: Uint8Array): Uint8Array {
  if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE) {
    throw new TypeError(`a tree hash must be ${HASH_SIZE} bytes (a Uint8Array), got ${h instanceof Uint8Array ? `${h.length} bytes` : typeof h}`);
  }
  return h;
}

/** The RFC 9162 root of these leaf hashes. */
export function rootFromLeaves(leafHashes: Iterable<Uint8Array>): Uint8Array {
  const b = new TreeBuilder();
  for (const h of leafHashes) b.push(h);
  return b.root();
}
