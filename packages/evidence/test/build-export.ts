import type { KeyObject } from 'node:crypto';
import { base64, canonicalJson, entryBytes, fromHex, hex } from '../src/canonical.js';
import type { EvidenceExport, ExportCosignature, ExportEntry, ExportTreeHead, KeptHead } from '../src/export.js';
import { hashLeaf, rootFromLeaves } from '../src/merkle.js';
import { generateSigningKey, keyId, publicKeyRaw, signCosignature, signTreeHead } from '../src/note.js';

export const LOG = 'treaty/milestones';
export const T0 = Date.parse('2026-06-15T09:30:00.000Z');
export const LOG_KEY = generateSigningKey();

export const kindOf = (i: number) => (i % 3 === 2 ? 'ruling' : 'certification');
export const subjectOf = (i: number) => `${i % 3 === 2 ? 'r' : 'c'}${i}`;
export const headTime = (size: number) => new Date(T0 + size * 60_000 + 30_000).toISOString();

export function factOf(i: number, salt = ''): Record<string, unknown> {
  return { id: subjectOf(i), verifier: `V${i}${salt}`, amount: i * 100, evidence: [`sha256:${i}`] };
}

export function entryTextOf(i: number, prev: string, opts: { log?: string; salt?: string; fact?: unknown } = {}): string {
  return canonicalJson({
    v: 1,
    log: opts.log ?? LOG,
    index: i,
    prev,
    at: new Date(T0 + i * 60_000).toISOString(),
    kind: kindOf(i),
    by: { agency: 'Joint Monitoring Cell', roles: ['MONITOR'] },
    fact: opts.fact ?? factOf(i, opts.salt),
  });
}

export function buildEntries(n: number, opts: { log?: string; salt?: string } = {}): ExportEntry[] {
  const out: ExportEntry[] = [];
  let prev = '';
  for (let i = 0; i < n; i++) {
    const text = entryTextOf(i, prev, opts);
    const leaf = hex(hashLeaf(entryBytes(text)));
    out.push({
      leafIndex: i,
      kind: kindOf(i),
      subject: subjectOf(i),
      recordedAt: new Date(T0 + i * 60_000).toISOString(),
      entry: text,
      leafHash: leaf,
      currentFact: canonicalJson(factOf(i, opts.salt)),
    });
    prev = leaf;
  }
  return out;
}

export function rootOf(entries: readonly ExportEntry[], size: number): string {
  return hex(rootFromLeaves(entries.slice(0, size).map((e) => fromHex(e.leafHash)!)));
}

export function signedHead(entries: readonly ExportEntry[], size: number, opts: { key?: KeyObject; log?: string; timestamp?: string } = {}): ExportTreeHead {
  const rootHash = rootOf(entries, size);
  const timestamp = opts.timestamp ?? headTime(size);
  const signature = base64(signTreeHead({ log: opts.log ?? LOG, size, rootHash, timestamp }, opts.key ?? LOG_KEY));
  return { size, rootHash, timestamp, signature, cosignatures: [] };
}

export function cosign(head: ExportTreeHead, witness: string, key: KeyObject, log = LOG): ExportCosignature {
  const pub = publicKeyRaw(key);
  return {
    witness,
    keyId: keyId(pub),
    publicKey: base64(pub),
    signature: base64(signCosignature({ log, size: head.size, rootHash: head.rootHash, timestamp: head.timestamp }, key)),
    signedAt: new Date(Date.parse(head.timestamp) + 1000).toISOString(),
  };
}

/** A genuine export of a log of `n` entries with signed heads at `headSizes` (default 3, 6 and n). */
export function buildExport(n: number, opts: { headSizes?: number[]; key?: KeyObject; log?: string; salt?: string } = {}): EvidenceExport {
  const entries = buildEntries(n, opts);
  const sizes = opts.headSizes ?? [...new Set([3, 6, n].filter((s) => s <= n))];
  return {
    format: 'treaty-evidence-export/v1',
    log: opts.log ?? LOG,
    publicKey: base64(publicKeyRaw(opts.key ?? LOG_KEY)),
    exportedAt: new Date(T0 + 86_400_000).toISOString(),
    entries,
    treeHeads: sizes.map((s) => signedHead(entries, s, opts)),
    unloggedFacts: [],
  };
}

export function keptOf(exp: EvidenceExport, head: ExportTreeHead): KeptHead {
  return { ...structuredClone(head), log: exp.log, publicKey: exp.publicKey };
}

/** Recomputes the leaf hash of an entry after its text was changed (what a thorough forger does). */
export function rehash(e: ExportEntry): void {
  e.leafHash = hex(hashLeaf(entryBytes(e.entry)));
}
