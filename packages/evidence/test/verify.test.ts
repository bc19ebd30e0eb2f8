import { describe, expect, it } from 'vitest';
import { EMPTY_ROOT, consistencyProof, hashLeaf, inclusionProof, rootFromLeaves } from '../src/merkle.js';
import { verifyConsistency, verifyInclusion } from '../src/verify.js';
import { h2b, leavesOf, nodeStore, rng } from './helpers.js';
import { CONSISTENCY_PROBES, CONSISTENCY_PROOFS, INCLUSION_PROBES, INCLUSION_PROOFS, LEAF_INPUTS, ROOT_HASHES } from './vectors.js';

/**
 * Probes whose expected result deliberately differs from transparency-dev/merkle: the reference accepts
 * any bytes as roots when size1 == size2 and the roots are equal; this package requires every hash to be
 * 32 bytes, so 12-byte "roots" never verify.
 */
const STRICTER = new Set(['consistency/additional/sizes-are-equal-one-and-proof-is-empty.json']);

const vectorLeaves = LEAF_INPUTS.map((x) => hashLeaf(h2b(x)));

describe('transparency-dev/merkle probes (testdata/inclusion, testdata/consistency)', () => {
  it('every inclusion probe: accepted exactly when the reference accepts it', () => {
    expect(INCLUSION_PROBES.length).toBeGreaterThan(90);
    for (const p of INCLUSION_PROBES) {
      const got = verifyInclusion(h2b(p.leafHash), p.leafIndex, p.treeSize, p.proof.map(h2b), h2b(p.root));
      expect(got, p.file).toBe(!p.wantErr);
    }
  });

  it('every consistency probe: accepted exactly when the reference accepts it (but for 32-byte strictness)', () => {
    expect(CONSISTENCY_PROBES.length).toBeGreaterThan(90);
    for (const p of CONSISTENCY_PROBES) {
      const got = verifyConsistency(p.size1, p.size2, p.proof.map(h2b), h2b(p.root1), h2b(p.root2));
      expect(got, p.file).toBe(STRICTER.has(p.file) ? false : !p.wantErr);
    }
  });

  it('the same probes with bigint sizes', () => {
    for (const p of INCLUSION_PROBES) {
      expect(verifyInclusion(h2b(p.leafHash), BigInt(p.leafIndex), BigInt(p.treeSize), p.proof.map(h2b), h2b(p.root)), p.file).toBe(!p.wantErr);
    }
    for (const p of CONSISTENCY_PROBES) {
      expect(verifyConsistency(BigInt(p.size1), BigInt(p.size2), p.proof.map(h2b), h2b(p.root1), h2b(p.root2)), p.file).toBe(STRICTER.has(p.file) ? false : !p.wantErr);
    }
  });

  it('the proofgen tables verify against the RFC 6962 roots', () => {
    for (const v of INCLUSION_PROOFS) {
      expect(verifyInclusion(vectorLeaves[v.leafIndex]!, v.leafIndex, v.treeSize, v.proof.map(h2b), h2b(ROOT_HASHES[v.treeSize]!))).toBe(true);
    }
    for (const v of CONSISTENCY_PROOFS) {
      expect(verifyConsistency(v.size1, v.size2, v.proof.map(h2b), h2b(ROOT_HASHES[v.size1]!), h2b(ROOT_HASHES[v.size2]!))).toBe(true);
    }
  });

  it('every inclusion and consistency proof of the 8-leaf tree', () => {
    const { lookup } = nodeStore(vectorLeaves);
    for (let n = 1; n <= 8; n++) {
      for (let m = 0; m < n; m++) expect(verifyInclusion(vectorLeaves[m]!, m, n, inclusionProof(m, n, lookup), h2b(ROOT_HASHES[n]!))).toBe(true);
      for (let m = 1; m <= n; m++) expect(verifyConsistency(m, n, consistencyProof(m, n, lookup), h2b(ROOT_HASHES[m]!), h2b(ROOT_HASHES[n]!))).toBe(true);
    }
  });
});

describe('edge cases as transparency-dev/merkle has them', () => {
  const root1 = h2b(ROOT_HASHES[1]!);
  const root3 = h2b(ROOT_HASHES[3]!);
  it('consistency', () => {
    expect(verifyConsistency(3, 3, [], root3, root3)).toBe(true);
    expect(verifyConsistency(3, 3, [], root3, root1)).toBe(false);
    expect(verifyConsistency(3, 3, [root3], root3, root3)).toBe(false); // size1 == size2 needs an empty proof
    expect(verifyConsistency(0, 0, [], EMPTY_ROOT, EMPTY_ROOT)).toBe(false); // from an empty tree proves nothing
    expect(verifyConsistency(0, 3, [], EMPTY_ROOT, root3)).toBe(false);
    expect(verifyConsistency(3, 1, [], root3, root1)).toBe(false);
    expect(verifyConsistency(1, 3, [], root1, root3)).toBe(false); // empty proof between different sizes
  });
  it('inclusion', () => {
    expect(verifyInclusion(vectorLeaves[0]!, 0, 1, [], root1)).toBe(true);
    expect(verifyInclusion(vectorLeaves[0]!, 0, 0, [], EMPTY_ROOT)).toBe(false);
    expect(verifyInclusion(vectorLeaves[0]!, 1, 1, [], root1)).toBe(false);
  });
});

describe('random trees up to 300 leaves, cross-checked', () => {
  const flip = (proof: Uint8Array[], i: number, bit: number) => proof.map((p, j) => (j === i ? p.map((x, k) => (k === bit >> 3 ? x ^ (1 << (bit & 7)) : x)) : p));

  it('generated inclusion proofs verify; a flipped bit, another index, another size or another root fails', () => {
    const r = rng(9162);
    const leaves = leavesOf(300, 'rand');
    const { lookup } = nodeStore(leaves);
    const roots = [EMPTY_ROOT];
    for (let n = 1; n <= 300; n++) roots.push(rootFromLeaves(leaves.slice(0, n)));
    let checked = 0;
    for (let n = 1; n <= 300; n++) {
      const indices = n <= 40 ? Array.from({ length: n }, (_, i) => i) : Array.from({ length: 6 }, () => Math.floor(r() * n));
      for (const m of indices) {
        const proof = inclusionProof(m, n, lookup);
        const root = roots[n]!;
        expect(verifyInclusion(leaves[m]!, m, n, proof, root), `${m}/${n}`).toBe(true);
        expect(verifyInclusion(leaves[m]!, BigInt(m), BigInt(n), proof, root)).toBe(true);
        for (let i = 0; i < proof.length; i++) expect(verifyInclusion(leaves[m]!, m, n, flip(proof, i, Math.floor(r() * 256)), root)).toBe(false);
        if (proof.length === 0) expect(n).toBe(1);
        expect(verifyInclusion(leaves[m]!.map((x, k) => (k === 0 ? x ^ 1 : x)), m, n, proof, root)).toBe(false);
        expect(verifyInclusion(leaves[m]!, m, n, proof, root.map((x, k) => (k === 31 ? x ^ 0x80 : x)))).toBe(false);
        for (const other of [m - 1, m + 1, m ^ 1, m ^ 2]) if (other >= 0 && other !== m) expect(verifyInclusion(leaves[m]!, other, n, proof, root)).toBe(false);
        // Against the real root of the other size (with this size's root, a proof can describe a different
        // tree of the other size: inclusion proves membership under a root, nothing more).
        for (const size of [n - 1, n + 1, n * 2]) if (size > m && size !== n && roots[size]) expect(verifyInclusion(leaves[m]!, m, size, proof, roots[size]!)).toBe(false);
        expect(verifyInclusion(leaves[m]!, m, n, [...proof, root], root)).toBe(false);
        if (proof.length) expect(verifyInclusion(leaves[m]!, m, n, proof.slice(1), root)).toBe(false);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(2000);
  });

  it('generated consistency proofs verify; a flipped bit, other sizes or swapped roots fail', () => {
    const r = rng(6962);
    const leaves = leavesOf(300, 'cons');
    const { lookup } = nodeStore(leaves);
    const roots = [EMPTY_ROOT];
    for (let n = 1; n <= 300; n++) roots.push(rootFromLeaves(leaves.slice(0, n)));
    const pairs: Array<[number, number]> = [];
    for (let n = 1; n <= 33; n++) for (let m = 1; m <= n; m++) pairs.push([m, n]);
    for (let i = 0; i < 600; i++) {
      const n = 1 + Math.floor(r() * 300);
      pairs.push([1 + Math.floor(r() * n), n]);
    }
    for (const [m, n] of pairs) {
      const proof = consistencyProof(m, n, lookup);
      const [r1, r2] = [roots[m]!, roots[n]!];
      expect(verifyConsistency(m, n, proof, r1, r2), `${m}->${n}`).toBe(true);
      expect(verifyConsistency(BigInt(m), BigInt(n), proof, r1, r2)).toBe(true);
      for (let i = 0; i < proof.length; i++) expect(verifyConsistency(m, n, flip(proof, i, Math.floor(r() * 256)), r1, r2)).toBe(false);
      if (m === n) continue;
      expect(verifyConsistency(m, n, proof, r2, r1)).toBe(false);
      expect(verifyConsistency(m, n, proof, r1.map((x, k) => (k === 5 ? x ^ 4 : x)), r2)).toBe(false);
      expect(verifyConsistency(m, n, proof, r1, r2.map((x, k) => (k === 9 ? x ^ 2 : x)))).toBe(false);
      for (const [a, b] of [
        [m - 1, n],
        [m + 1, n],
        [m, n - 1],
        [m, n + 1],
      ] as const) {
        if (a >= 1 && b >= a && b <= 300 && (a !== m || b !== n)) expect(verifyConsistency(a, b, proof, roots[a]!, roots[b]!), `${a}->${b} with proof ${m}->${n}`).toBe(false);
      }
      expect(verifyConsistency(m, n, [...proof, r1], r1, r2)).toBe(false);
      expect(verifyConsistency(m, n, proof.slice(0, -1), r1, r2)).toBe(false);
      expect(verifyConsistency(m, n, [r1, ...proof], r1, r2)).toBe(false);
    }
  });
});

describe('malformed input: false, never a throw', () => {
  const leaf = hashLeaf('a');
  const root = leaf;
  const common: unknown[] = [
    null,
    undefined,
    '',
    'abc',
    {},
    Symbol('x'),
    () => leaf,
    new Proxy({}, { get: () => { throw new Error('trap'); } }),
    true,
  ];
  /** Never a size or index. */
  const badSizes: unknown[] = [...common, '1', '00'.repeat(32), -1, 1.5, NaN, Infinity, -Infinity, -0.5, 2 ** 53, -1n, [], [1], new Uint8Array(32), new Number(1)];
  /** Never a hash. */
  const badHashes: unknown[] = [...common, 0, 1, 1n, '00'.repeat(32), [], new Array(32).fill(0), new Uint8Array(31), new Uint8Array(33), new Uint8Array(0), new Uint16Array(16), new ArrayBuffer(32), new DataView(new ArrayBuffer(32))];
  /** Never a proof. */
  const badProofs: unknown[] = [...common, 0, '00'.repeat(32), leaf, new Uint8Array(32), [leaf, null], [leaf, '00'.repeat(32)], [new Uint8Array(31)]];

  const expectFalse = (f: (...x: unknown[]) => boolean, args: unknown[]) => {
    let got: boolean | undefined;
    expect(() => {
      got = f(...args);
    }).not.toThrow();
    expect(got, String(args.map((a) => typeof a))).toBe(false);
  };

  it('in every argument of verifyInclusion', () => {
    const f = verifyInclusion as (...x: unknown[]) => boolean;
    expect(f(leaf, 0, 1, [], root)).toBe(true);
    for (const j of badHashes) {
      expectFalse(f, [j, 0, 1, [], root]);
      expectFalse(f, [leaf, 0, 1, [], j]);
      expectFalse(f, [leaf, 0, 2, [j], root]);
    }
    for (const j of badSizes) {
      expectFalse(f, [leaf, j, 1, [], root]);
      expectFalse(f, [leaf, 0, j, [], root]);
    }
    for (const j of badProofs) expectFalse(f, [leaf, 0, 1, j, root]);
    // A proof with a throwing getter, and a sparse proof.
    const evil = new Proxy([leaf], { get: (t, k) => (k === '0' ? (() => { throw new Error('x'); })() : Reflect.get(t, k)) });
    expectFalse(f, [leaf, 0, 2, evil, root]);
    // eslint-disable-next-line no-sparse-arrays
    expectFalse(f, [leaf, 0, 3, [, leaf], root]);
  });

  it('in every argument of verifyConsistency', () => {
    const f = verifyConsistency as (...x: unknown[]) => boolean;
    const leaves = leavesOf(2);
    const [r1, r2] = [leaves[0]!, rootFromLeaves(leaves)];
    expect(f(1, 2, [leaves[1]], r1, r2)).toBe(true);
    expect(f(1, 1, [], r1, r1)).toBe(true);
    for (const j of badHashes) {
      expectFalse(f, [1, 2, [j], r1, r2]);
      expectFalse(f, [1, 2, [leaves[1]], j, r2]);
      expectFalse(f, [1, 2, [leaves[1]], r1, j]);
      expectFalse(f, [1, 1, [], j, j]);
    }
    for (const j of badSizes) {
      expectFalse(f, [j, 2, [leaves[1]], r1, r2]);
      expectFalse(f, [1, j, [leaves[1]], r1, r2]);
      expectFalse(f, [j, j, [], r1, r1]);
    }
    for (const j of badProofs) {
      expectFalse(f, [1, 2, j, r1, r2]);
      expectFalse(f, [1, 1, j, r1, r1]);
    }
  });

  it('Buffers are Uint8Arrays and are accepted', () => {
    const leaves = leavesOf(5);
    const { lookup } = nodeStore(leaves);
    const proof = inclusionProof(3, 5, lookup).map((p) => Buffer.from(p));
    expect(verifyInclusion(Buffer.from(leaves[3]!), 3, 5, proof, Buffer.from(rootFromLeaves(leaves)))).toBe(true);
  });

  it('huge bigint sizes are computed, not rejected or thrown on', () => {
    expect(verifyInclusion(leaf, 2n ** 64n - 1n, 2n ** 64n, new Array(64).fill(leaf), root)).toBe(false);
    expect(verifyConsistency(2n ** 63n, 2n ** 64n, [leaf], root, root)).toBe(false);
  });
});
