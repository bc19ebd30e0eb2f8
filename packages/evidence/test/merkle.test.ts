import { describe, expect, it } from 'vitest';
import {
  EMPTY_ROOT,
  TreeBuilder,
  completedBy,
  consistencyProof,
  consistencyRanges,
  hashChildren,
  hashLeaf,
  hashRange,
  inclusionProof,
  inclusionRanges,
  isSubtreeRange,
  proofNodes,
  rangeNodes,
  rootFromLeaves,
  type Node,
} from '../src/merkle.js';
import { b2h, h2b, leavesOf, mth, nodeStore, refPath, refProof } from './helpers.js';
import { CONSISTENCY_PROOFS, INCLUSION_PROOFS, LEAF_INPUTS, NODE_HASHES, ROOT_HASHES } from './vectors.js';

const vectorLeaves = LEAF_INPUTS.map((x) => hashLeaf(h2b(x)));

describe('hashing (RFC 6962/9162 vectors)', () => {
  it('the empty root is SHA-256("")', () => {
    expect(b2h(EMPTY_ROOT)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(b2h(EMPTY_ROOT)).toBe(ROOT_HASHES[0]);
  });

  it('leaf hashes and every perfect node of the 8-leaf tree', () => {
    expect(vectorLeaves.map(b2h)).toEqual(NODE_HASHES[0]);
    const { lookup } = nodeStore(vectorLeaves);
    NODE_HASHES.forEach((level, l) => level.forEach((hash, i) => expect(b2h(lookup({ level: l, index: i }))).toBe(hash)));
    expect(b2h(hashChildren(h2b(NODE_HASHES[0]![0]!), h2b(NODE_HASHES[0]![1]!)))).toBe(NODE_HASHES[1]![0]);
  });

  it('hashLeaf of a string hashes its UTF-8 bytes', () => {
    expect(hashLeaf('é')).toEqual(hashLeaf(new Uint8Array([0xc3, 0xa9])));
  });

  it('roots for sizes 0..8: TreeBuilder, rootFromLeaves, hashRange over stored nodes', () => {
    const b = new TreeBuilder();
    const { lookup } = nodeStore(vectorLeaves);
    for (let n = 0; n <= 8; n++) {
      if (n > 0) b.push(vectorLeaves[n - 1]!);
      expect(b.size).toBe(n);
      expect(b2h(b.root())).toBe(ROOT_HASHES[n]);
      expect(b2h(rootFromLeaves(vectorLeaves.slice(0, n)))).toBe(ROOT_HASHES[n]);
      expect(b2h(hashRange(0, n, lookup))).toBe(ROOT_HASHES[n]);
    }
  });

  it('generated inclusion proofs equal the vectors', () => {
    for (const v of INCLUSION_PROOFS) {
      const { lookup } = nodeStore(vectorLeaves.slice(0, v.treeSize));
      expect(inclusionProof(v.leafIndex, v.treeSize, lookup).map(b2h), `${v.leafIndex}/${v.treeSize}`).toEqual(v.proof);
    }
  });

  it('generated consistency proofs equal the vectors', () => {
    for (const v of CONSISTENCY_PROOFS) {
      const { lookup } = nodeStore(vectorLeaves.slice(0, v.size2));
      expect(consistencyProof(v.size1, v.size2, lookup).map(b2h), `${v.size1}->${v.size2}`).toEqual(v.proof);
    }
  });
});

describe('node coordinates', () => {
  const span = (n: Node) => [n.index * 2 ** n.level, (n.index + 1) * 2 ** n.level];

  it('rangeNodes decomposes a range into aligned perfect subtrees, left to right, covering it exactly', () => {
    expect(rangeNodes(0, 0)).toEqual([]);
    expect(rangeNodes(0, 1)).toEqual([{ level: 0, index: 0 }]);
    expect(rangeNodes(0, 7)).toEqual([
      { level: 2, index: 0 },
      { level: 1, index: 2 },
      { level: 0, index: 6 },
    ]);
    expect(rangeNodes(0, 8)).toEqual([{ level: 3, index: 0 }]);
    expect(rangeNodes(4, 7)).toEqual([
      { level: 1, index: 2 },
      { level: 0, index: 6 },
    ]);
    expect(rangeNodes(1, 7)).toEqual([
      { level: 0, index: 1 },
      { level: 1, index: 1 },
      { level: 1, index: 2 },
      { level: 0, index: 6 },
    ]);
    for (let a = 0; a <= 70; a++) {
      for (let b = a; b <= 70; b++) {
        const nodes = rangeNodes(a, b);
        let p = a;
        for (const n of nodes) {
          const [s, e] = span(n);
          expect(s).toBe(p);
          expect(e).toBeLessThanOrEqual(b);
          p = e!;
        }
        expect(p).toBe(b);
        // Maximal: no two neighbours could merge into their parent.
        for (let i = 0; i + 1 < nodes.length; i++) {
          const [x, y] = [nodes[i]!, nodes[i + 1]!];
          expect(x.level === y.level && x.index % 2 === 0).toBe(false);
        }
        // Largest first for the ranges RFC 9162 uses.
        if (isSubtreeRange(a, b)) for (let i = 0; i + 1 < nodes.length; i++) expect(nodes[i]!.level).toBeGreaterThan(nodes[i + 1]!.level);
      }
    }
  });

  it('rangeNodes of a prefix has one node per set bit of its size', () => {
    for (const n of [1, 2, 3, 1000, 1023, 1024, 1_000_001, 2 ** 40 + 5, Number.MAX_SAFE_INTEGER]) {
      const nodes = rangeNodes(0, n);
      expect(nodes.length).toBe(n.toString(2).replace(/0/g, '').length);
      expect(nodes.reduce((s, x) => s + 2 ** x.level, 0)).toBe(n);
    }
  });

  it('hashRange equals the RFC MTH of every subtree-shaped range, and refuses the others', () => {
    const leaves = leavesOf(70);
    const { lookup } = nodeStore(leaves);
    let checked = 0;
    for (let a = 0; a <= 70; a++) {
      for (let b = a; b <= 70; b++) {
        if (isSubtreeRange(a, b)) {
          expect(b2h(hashRange(a, b, lookup)), `[${a},${b})`).toBe(b2h(mth(leaves.slice(a, b))));
          checked++;
        } else {
          expect(() => hashRange(a, b, lookup)).toThrow(RangeError);
        }
      }
    }
    expect(checked).toBeGreaterThan(300);
  });

  it('inclusionRanges and consistencyRanges are subtree-shaped, and their hashes are the RFC PATH and PROOF', () => {
    const leaves = leavesOf(130, 'ranges');
    const { lookup } = nodeStore(leaves);
    for (let n = 1; n <= 130; n++) {
      const d = leaves.slice(0, n);
      for (let m = 0; m < n; m += n > 40 ? 7 : 1) {
        const ranges = inclusionRanges(m, n);
        for (const [a, b] of ranges) {
          expect(isSubtreeRange(a, b)).toBe(true);
          expect(a <= m && m < b).toBe(false); // a sibling never contains the leaf
        }
        expect(ranges.map(([a, b]) => b2h(hashRange(a, b, lookup)))).toEqual(refPath(m, d).map(b2h));
      }
      for (let m = 0; m <= n; m += n > 40 ? 5 : 1) {
        const ranges = consistencyRanges(m, n);
        for (const [a, b] of ranges) expect(isSubtreeRange(a, b)).toBe(true);
        expect(ranges.map(([a, b]) => b2h(hashRange(a, b, lookup)))).toEqual(refProof(m, d).map(b2h));
      }
    }
  });

  it('the classic small cases', () => {
    expect(inclusionRanges(0, 1)).toEqual([]);
    expect(inclusionRanges(0, 2)).toEqual([[1, 2]]);
    expect(inclusionRanges(6, 7)).toEqual([
      [4, 6],
      [0, 4],
    ]);
    expect(inclusionRanges(2, 5)).toEqual([
      [3, 4],
      [0, 2],
      [4, 5],
    ]);
    expect(consistencyRanges(0, 5)).toEqual([]);
    expect(consistencyRanges(5, 5)).toEqual([]);
    expect(consistencyRanges(4, 8)).toEqual([[4, 8]]);
    expect(consistencyRanges(3, 7)).toEqual([
      [2, 3],
      [3, 4],
      [0, 2],
      [4, 7],
    ]);
    expect(consistencyRanges(6, 8)).toEqual([
      [4, 6],
      [6, 8],
      [0, 4],
    ]);
  });

  it('out-of-domain arguments are RangeErrors', () => {
    expect(() => inclusionRanges(3, 3)).toThrow(RangeError);
    expect(() => inclusionRanges(-1, 3)).toThrow(RangeError);
    expect(() => inclusionRanges(0.5, 3)).toThrow(RangeError);
    expect(() => consistencyRanges(4, 3)).toThrow(RangeError);
    expect(() => rangeNodes(3, 2)).toThrow(RangeError);
    expect(() => completedBy(-1)).toThrow(RangeError);
    expect(() => hashRange(2, 1, () => EMPTY_ROOT)).toThrow(RangeError);
  });

  it('completedBy names the perfect nodes each append completes, bottom-up, and the TreeBuilder hashes them', () => {
    expect(completedBy(0)).toEqual([]);
    expect(completedBy(1)).toEqual([{ level: 1, index: 0 }]);
    expect(completedBy(2)).toEqual([]);
    expect(completedBy(3)).toEqual([
      { level: 1, index: 1 },
      { level: 2, index: 0 },
    ]);
    expect(completedBy(7)).toEqual([
      { level: 1, index: 3 },
      { level: 2, index: 1 },
      { level: 3, index: 0 },
    ]);
    const leaves = leavesOf(300, 'completed');
    const { lookup } = nodeStore(leaves);
    const b = new TreeBuilder();
    const seen = new Set<string>();
    for (let i = 0; i < leaves.length; i++) {
      const done = b.push(leaves[i]!);
      expect(done.map(({ level, index }) => ({ level, index }))).toEqual(completedBy(i));
      for (const n of done) {
        expect(b2h(n.hash)).toBe(b2h(lookup(n)));
        seen.add(`${n.level}:${n.index}`);
      }
    }
    // Every perfect node of level >= 1 is completed exactly once.
    let total = 0;
    for (let l = 1; 2 ** l <= 300; l++) total += Math.floor(300 / 2 ** l);
    expect(seen.size).toBe(total);
  });

  it('proofNodes lists each node once, exactly the ones hashRange reads', () => {
    const leaves = leavesOf(100, 'pn');
    const store = nodeStore(leaves);
    const ranges: Array<[number, number]> = [[37, 38], [0, 100], ...inclusionRanges(37, 100), ...consistencyRanges(37, 100)];
    const nodes = proofNodes(ranges);
    const keys = nodes.map((n) => `${n.level}:${n.index}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const [a, b] of ranges) hashRange(a, b, store.lookup);
    expect(new Set(store.reads.map((n) => `${n.level}:${n.index}`))).toEqual(new Set(keys));
    // O(log n): a proof and its root need a few dozen nodes at most, even at a billion.
    const big = 1_000_000_007;
    expect(proofNodes([[0, big], ...inclusionRanges(123_456_789, big)]).length).toBeLessThan(64);
    expect(proofNodes([[0, 999_999_999], [0, big], ...consistencyRanges(999_999_999, big)]).length).toBeLessThan(128);
  });
});

describe('TreeBuilder', () => {
  it('matches the RFC MTH at every size up to 300', () => {
    const leaves = leavesOf(300, 'tb');
    const b = new TreeBuilder();
    expect(b.root()).toEqual(EMPTY_ROOT);
    for (let i = 0; i < leaves.length; i++) {
      b.push(leaves[i]!);
      expect(b2h(b.root()), `size ${i + 1}`).toBe(b2h(mth(leaves.slice(0, i + 1))));
    }
  });

  it('resumes from its frontier', () => {
    const leaves = leavesOf(77, 'fr');
    const a = new TreeBuilder();
    for (const l of leaves.slice(0, 45)) a.push(l);
    const f = a.frontier();
    expect(f.map(({ level, index }) => ({ level, index }))).toEqual(rangeNodes(0, 45));
    const b = TreeBuilder.fromFrontier(45, f.map((n) => n.hash));
    for (const l of leaves.slice(45)) {
      a.push(l);
      b.push(l);
    }
    expect(b.size).toBe(77);
    expect(b.root()).toEqual(a.root());
    expect(b.root()).toEqual(mth(leaves));
    expect(() => TreeBuilder.fromFrontier(45, [])).toThrow(RangeError);
  });

  it('refuses a leaf hash that is not 32 bytes', () => {
    const b = new TreeBuilder();
    expect(() => b.push(new Uint8Array(31))).toThrow(TypeError);
    expect(() => b.push('x' as unknown as Uint8Array)).toThrow(TypeError);
    expect(b.size).toBe(0);
  });

  it('streams a million leaves in O(log n) memory', () => {
    const b = new TreeBuilder();
    const leaf = hashLeaf('x');
    for (let i = 0; i < 1_000_000; i++) b.push(leaf);
    expect(b.size).toBe(1_000_000);
    expect(b.frontier().length).toBe((1_000_000).toString(2).replace(/0/g, '').length);
  });
});
