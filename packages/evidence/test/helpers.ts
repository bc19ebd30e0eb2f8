import { createHash } from 'node:crypto';
import { EMPTY_ROOT, hashChildren, hashLeaf, type Node } from '../src/merkle.js';

export const h2b = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
export const b2h = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/** A deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function leavesOf(n: number, salt = 'leaf'): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => hashLeaf(new Uint8Array(createHash('sha256').update(`${salt}:${i}`).digest())));
}

const split = (n: number) => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};

/** RFC 9162 §2.1.1 MTH, straight from the definition. */
export function mth(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return EMPTY_ROOT;
  if (leaves.length === 1) return leaves[0]!;
  const k = split(leaves.length);
  return hashChildren(mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}

/** RFC 9162 §2.1.3.1 PATH(m, D[n]), straight from the definition (on leaf hashes). */
export function refPath(m: number, leaves: readonly Uint8Array[]): Uint8Array[] {
  const n = leaves.length;
  if (n <= 1) return [];
  const k = split(n);
  if (m < k) return [...refPath(m, leaves.slice(0, k)), mth(leaves.slice(k))];
  return [...refPath(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
}

/** RFC 9162 §2.1.4.1 PROOF(m, D[n]) = SUBPROOF(m, D[n], true). */
export function refProof(m: number, leaves: readonly Uint8Array[]): Uint8Array[] {
  const sub = (m: number, d: readonly Uint8Array[], b: boolean): Uint8Array[] => {
    const n = d.length;
    if (m === n) return b ? [] : [mth(d)];
    const k = split(n);
    if (m <= k) return [...sub(m, d.slice(0, k), b), mth(d.slice(k))];
    return [...sub(m - k, d.slice(k), false), mth(d.slice(0, k))];
  };
  return m === 0 || m === leaves.length ? [] : sub(m, leaves, true);
}

/** Every perfect node of a tree over these leaves, as a lookup (throws on a node that does not exist). */
export function nodeStore(leaves: readonly Uint8Array[]): { lookup: (n: Node) => Uint8Array; reads: Node[] } {
  const levels: Uint8Array[][] = [[...leaves]];
  while (levels[levels.length - 1]!.length > 1) {
    const below = levels[levels.length - 1]!;
    const up: Uint8Array[] = [];
    for (let i = 0; i + 1 < below.length; i += 2) up.push(hashChildren(below[i]!, below[i + 1]!));
    levels.push(up);
  }
  const reads: Node[] = [];
  return {
    reads,
    lookup: (n: Node) => {
      const h = levels[n.level]?.[n.index];
      if (!h) throw new Error(`no node ${n.level}/${n.index}`);
      reads.push(n);
      return h;
    },
  };
}
