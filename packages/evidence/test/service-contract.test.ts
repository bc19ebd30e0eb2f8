import { describe, expect, it } from 'vitest';
import { canonicalJson, fromHex, hex } from '../src/canonical.js';
import { verifyExport, type EvidenceExport, type ExportEntry } from '../src/export.js';
import {
  EMPTY_ROOT,
  TreeBuilder,
  completedBy,
  consistencyRanges,
  hashChildren,
  hashLeaf,
  hashRange,
  inclusionRanges,
  proofNodes,
  type Node,
} from '../src/merkle.js';
import { generateSigningKey, keyId, publicKeyRaw, signTreeHead, treeHeadNote, verifyTreeHeadSignature } from '../src/note.js';
import { verifyConsistency, verifyInclusion } from '../src/verify.js';

/**
 * The way a service stores its log (packages/service-kit/src/evidence-log.ts): every perfect node in a
 * table keyed (level, index), written as each append completes it from the stored left halves; roots
 * and proofs read with one lookup of proofNodes(ranges) and folded with hashRange. Here the table is a
 * Map and every read is counted.
 */
class NodeTable {
  readonly rows = new Map<string, Uint8Array>();
  reads = 0;
  statements = 0;
  fetch(wanted: readonly Node[]): Map<string, Uint8Array> {
    this.statements += 1;
    const out = new Map<string, Uint8Array>();
    for (const n of wanted) {
      const h = this.rows.get(`${n.level}:${n.index}`);
      if (h) out.set(`${n.level}:${n.index}`, h);
      this.reads += 1;
    }
    return out;
  }
}

const LOG = 'treaty/milestones';

function append(table: NodeTable, index: number, fact: Record<string, unknown>): { entry: string; leaf: Uint8Array } {
  const completed = completedBy(index);
  const wanted: Node[] = completed.map((n) => ({ level: n.level - 1, index: n.index * 2 }));
  if (index > 0) wanted.push({ level: 0, index: index - 1 });
  const stored = table.fetch(wanted);
  const entry = canonicalJson({
    v: 1,
    log: LOG,
    index,
    prev: index > 0 ? hex(stored.get(`0:${index - 1}`)!) : '',
    at: new Date(Date.UTC(2026, 5, 15) + index * 1000).toISOString(),
    kind: 'certification',
    by: { agency: 'Joint Monitoring Cell', roles: ['MONITOR'] },
    fact,
  });
  const leaf = hashLeaf(new TextEncoder().encode(entry));
  table.rows.set(`0:${index}`, leaf);
  let right = leaf;
  for (const n of completed) {
    const left = stored.get(`${n.level - 1}:${n.index * 2}`);
    if (!left) throw new Error(`node ${n.level - 1}/${n.index * 2} missing`);
    right = hashChildren(left, right);
    table.rows.set(`${n.level}:${n.index}`, right);
  }
  return { entry, leaf };
}

function rangeHashes(table: NodeTable, ranges: ReadonlyArray<readonly [number, number]>): Uint8Array[] {
  const stored = table.fetch(proofNodes(ranges));
  const lookup = (n: Node) => {
    const h = stored.get(`${n.level}:${n.index}`);
    if (!h) throw new Error(`node ${n.level}/${n.index} missing`);
    return h;
  };
  return ranges.map(([a, b]) => hashRange(a, b, lookup));
}

describe('the service storage contract', () => {
  const N = 1000;
  const table = new NodeTable();
  const entries: string[] = [];
  const builder = new TreeBuilder();
  for (let i = 0; i < N; i++) {
    const { entry, leaf } = append(table, i, { id: `c${i}`, verifier: `V${i}` });
    entries.push(entry);
    builder.push(leaf);
  }

  it('stores exactly the perfect nodes: n leaves and n - popcount(n) interior nodes', () => {
    expect(table.rows.size).toBe(2 * N - N.toString(2).replace(/0/g, '').length);
    expect(hex(rangeHashes(table, [[0, N]])[0]!)).toBe(hex(builder.root()));
  });

  it('every root and proof is one statement of O(log n) node reads, and verifies', () => {
    const key = generateSigningKey();
    const pub = publicKeyRaw(key);
    for (const size of [1, 2, 3, 7, 8, 100, 511, 512, 513, 999, 1000]) {
      for (const index of [0, Math.floor(size / 3), size - 1]) {
        table.reads = 0;
        table.statements = 0;
        const ranges = inclusionRanges(index, size);
        const [leafHash, root, ...path] = rangeHashes(table, [[index, index + 1], [0, size], ...ranges]);
        expect(table.statements).toBe(1);
        expect(table.reads).toBeLessThanOrEqual(2 * Math.ceil(Math.log2(size + 1)) + 2);
        expect(verifyInclusion(leafHash!, index, size, path, root!)).toBe(true);
        expect(hex(leafHash!)).toBe(hex(hashLeaf(entries[index]!)));
        // The signed head of that size verifies.
        const body = { log: LOG, size, rootHash: root!, timestamp: '2026-06-15T10:00:00.000Z' };
        expect(verifyTreeHeadSignature(treeHeadNote(body), signTreeHead(body, key), pub)).toBe(true);
      }
    }
    expect(keyId(pub)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('consistency proofs between any two sizes, as the service serves them', () => {
    for (const [from, to] of [
      [0, 10],
      [1, 1],
      [1, 1000],
      [3, 7],
      [512, 1000],
      [513, 999],
      [999, 1000],
      [1000, 1000],
    ] as const) {
      const sized = (n: number): Array<[number, number]> => (n > 0 ? [[0, n]] : []);
      table.statements = 0;
      const hashes = rangeHashes(table, [...sized(from), ...sized(to), ...consistencyRanges(from, to)]);
      expect(table.statements).toBe(1);
      const fromRoot = from > 0 ? hashes.shift()! : EMPTY_ROOT;
      const toRoot = to > 0 ? hashes.shift()! : EMPTY_ROOT;
      if (from === 0) {
        expect(hashes).toEqual([]); // nothing to prove from the empty tree
        expect(verifyConsistency(from, to, hashes, fromRoot, toRoot)).toBe(false); // as transparency-dev
      } else {
        expect(verifyConsistency(from, to, hashes, fromRoot, toRoot), `${from}->${to}`).toBe(true);
      }
    }
  });

  it('the export a service assembles from this table verifies, and a flipped stored leaf is named', () => {
    const key = generateSigningKey();
    const toEntry = (i: number): ExportEntry => ({
      leafIndex: i,
      kind: 'certification',
      subject: `c${i}`,
      recordedAt: JSON.parse(entries[i]!).at,
      entry: entries[i]!,
      leafHash: hex(table.rows.get(`0:${i}`)!),
      currentFact: canonicalJson({ id: `c${i}`, verifier: `V${i}` }),
    });
    const head = (size: number) => {
      const rootHash = rangeHashes(table, [[0, size]])[0]!;
      const timestamp = new Date(Date.UTC(2026, 5, 16) + size).toISOString();
      return { size, rootHash: hex(rootHash), timestamp, signature: Buffer.from(signTreeHead({ log: LOG, size, rootHash, timestamp }, key)).toString('base64'), cosignatures: [] };
    };
    const exp: EvidenceExport = {
      format: 'treaty-evidence-export/v1',
      log: LOG,
      publicKey: Buffer.from(publicKeyRaw(key)).toString('base64'),
      exportedAt: new Date().toISOString(),
      entries: Array.from({ length: N }, (_, i) => toEntry(i)),
      treeHeads: [head(10), head(500), head(N)],
      unloggedFacts: [],
    };
    expect(verifyExport(exp).problems).toEqual([]);
    exp.entries[321]!.leafHash = hex(fromHex(exp.entries[321]!.leafHash)!.map((b, i) => (i === 0 ? b ^ 1 : b)));
    const p = verifyExport(exp).problems;
    expect(p).toContainEqual(expect.stringMatching(/^entry #321 \(certification c321\) does not hash to its recorded leaf hash/));
    expect(p).toContainEqual(expect.stringMatching(/^entry #322 does not follow #321/));
    expect(p).toContainEqual(expect.stringMatching(/^tree head of size 500 signed at .* covers a different history: entries before #500/));
  });
});
