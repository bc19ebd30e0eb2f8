import { HASH_SIZE, hashChildren } from './merkle.js';

/**
 * Proof verification, RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency), with the edge-case
 * semantics of transparency-dev/merkle (proof.VerifyInclusion / proof.VerifyConsistency):
 *   - inclusion requires 0 <= leafIndex < treeSize;
 *   - consistency from size 0 is refused (an empty tree proves nothing), size1 > size2 is refused,
 *     size1 == size2 needs an empty proof and root1 == root2.
 * Stricter than the reference in one way: every hash (leaf, roots, proof elements) must be exactly
 * 32 bytes, so a root of another length never "matches".
 *
 * Both functions return false, and never throw, on any malformed input: wrong types, wrong lengths,
 * negative or non-integer sizes, extra or missing proof elements, null, undefined, strings.
 * Sizes may be numbers (safe integers) or bigints; the arithmetic is done in bigint.
 */

type Size = number | bigint;

function toSize(x: unknown): bigint | null {
  if (typeof x === 'bigint') return x >= 0n ? x : null;
  if (typeof x === 'number') return Number.isSafeInteger(x) && x >= 0 ? BigInt(x) : null;
  return null;
}

function isHash(x: unknown): x is Uint8Array {
  return x instanceof Uint8Array && x.length === HASH_SIZE;
}

function hashList(p: unknown): Uint8Array[] | null {
  if (!Array.isArray(p)) return null;
  const out: Uint8Array[] = [];
  for (let i = 0; i < p.length; i++) {
    if (!(i in p)) return null;
    const h: unknown = p[i];
    if (!isHash(h)) return null;
    out.push(h);
  }
  return out;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

/**
 * True when `proof` proves that the leaf with hash `leafHash` is at `leafIndex` in the tree of
 * `treeSize` leaves whose root is `root` (RFC 9162 §2.1.3.2).
 */
export function verifyInclusion(leafHash: Uint8Array, leafIndex: Size, treeSize: Size, proof: readonly Uint8Array[], root: Uint8Array): boolean {
  try {
    const index = toSize(leafIndex);
    const size = toSize(treeSize);
    const path = hashList(proof);
    if (index === null || size === null || path === null || !isHash(leafHash) || !isHash(root)) return false;
    if (index >= size) return false;
    let fn = index;
    let sn = size - 1n;
    let r = leafHash;
    for (const p of path) {
      if (sn === 0n) return false;
      if ((fn & 1n) === 1n || fn === sn) {
        r = hashChildren(p, r);
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      } else {
        r = hashChildren(r, p);
      }
      fn >>= 1n;
      sn >>= 1n;
    }
    return sn === 0n && equal(r, root);
  } catch {
    return false;
  }
}

/**
 * True when `proof` proves that the tree of `size2` leaves with root `root2` extends the tree of
 * `size1` leaves with root `root1` (RFC 9162 §2.1.4.2): the first size1 leaves are unchanged.
 */
export function verifyConsistency(size1: Size, size2: Size, proof: readonly Uint8Array[], root1: Uint8Array, root2: Uint8Array): boolean {
  try {
    const m = toSize(size1);
    const n = toSize(size2);
    const given = hashList(proof);
    if (m === null || n === null || given === null || !isHash(root1) || !isHash(root2)) return false;
    if (n < m) return false;
    if (m === 0n) return false;
    if (m === n) return given.length === 0 && equal(root1, root2);
    if (given.length === 0) return false;
    // If size1 is an exact power of two, its root is the first node of the path.
    const path = (m & (m - 1n)) === 0n ? [root1, ...given] : given;
    let fn = m - 1n;
    let sn = n - 1n;
    while ((fn & 1n) === 1n) {
      fn >>= 1n;
      sn >>= 1n;
    }
    let fr = path[0]!;
    let sr = path[0]!;
    for (let i = 1; i < path.length; i++) {
      const c = path[i]!;
      if (sn === 0n) return false;
      if ((fn & 1n) === 1n || fn === sn) {
        fr = hashChildren(c, fr);
        sr = hashChildren(c, sr);
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      } else {
        sr = hashChildren(sr, c);
      }
      fn >>= 1n;
      sn >>= 1n;
    }
    return sn === 0n && equal(fr, root1) && equal(sr, root2);
  } catch {
    return false;
  }
}
