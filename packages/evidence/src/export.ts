import type { KeyObject } from 'node:crypto';
import { canonicalJson, entryBytes, fromAnyBase64, fromBase64, fromHex, hex, parseEntry, type Entry } from './canonical.js';
import { EMPTY_ROOT, HASH_SIZE, TreeBuilder, consistencyProof, hashChildren, hashLeaf, type Node } from './merkle.js';
import { keyId, publicKeyFromRaw, verifyCosignature, verifyTreeHeadSignature, type TreeHeadBody } from './note.js';
import { verifyConsistency } from './verify.js';

/** The export file's format tag. */
export const EXPORT_FORMAT = 'treaty-evidence-export/v1';

/** A witness's countersignature of a tree head. */
export interface ExportCosignature {
  witness: string;
  /** hex16 of the witness key (see keyId). */
  keyId: string;
  /** base64 raw Ed25519 public key. */
  publicKey: string;
  /** base64 Ed25519 signature over cosignatureMessage(note). */
  signature: string;
  signedAt: string;
}

/** A signed tree head as the export lists it. */
export interface ExportTreeHead {
  size: number;
  /** hex */
  rootHash: string;
  /** The exact ISO text in the signed note. */
  timestamp: string;
  /** base64 Ed25519 signature over the note. */
  signature: string;
  cosignatures: ExportCosignature[];
}

/** A tree head kept by a reader (what `treaty-evidence head` saves): one treeHeads element plus the log and its key. */
export interface KeptHead extends ExportTreeHead {
  log: string;
  /** base64 raw Ed25519 public key of the log. */
  publicKey: string;
  /** Optional: where the head came from (a file name), used in messages. */
  source?: string;
}

export interface ExportEntry {
  leafIndex: number;
  kind: string;
  /** The fact's id. */
  subject: string;
  recordedAt: string;
  /** The entry's canonical JSON text (the leaf data). */
  entry: string;
  /** hex SHA-256(0x00 || entry bytes) as the log stored it. */
  leafHash: string;
  /** Canonical JSON of the fact as the service holds it now, or null when it no longer holds it. */
  currentFact: string | null;
}

export interface UnloggedFact {
  kind: string;
  subject: string;
}

export interface EvidenceExport {
  format: typeof EXPORT_FORMAT;
  log: string;
  /** base64 raw Ed25519 public key of the log. */
  publicKey: string;
  exportedAt: string;
  entries: ExportEntry[];
  treeHeads: ExportTreeHead[];
  unloggedFacts: UnloggedFact[];
}

export interface VerifyProgress {
  phase: 'entries' | 'heads';
  done: number;
  total: number;
}

export interface VerifyOptions {
  /** Tree heads kept earlier (e.g. by `treaty-evidence head`), checked for signature and consistency with the export. */
  keptHeads?: readonly unknown[];
  /** Trusted witnesses: name -> base64 raw Ed25519 public key. */
  witnessKeys?: Record<string, string>;
  onProgress?: (p: VerifyProgress) => void;
}

export interface Report {
  /** True when no problem was found. */
  ok: boolean;
  log: string;
  /** The number of entries checked from #0 without a gap. */
  size: number;
  /** hex root of those entries (as their recorded leaf hashes give it). */
  root: string;
  /** What is wrong, each naming the entry, head or fact and what it means. */
  problems: string[];
  /** What was checked and found, for the reader. */
  notes: string[];
}

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

function show(x: unknown, max = 160): string {
  let s: string;
  try {
    s = typeof x === 'string' ? JSON.stringify(x) : x === undefined ? 'nothing' : (JSON.stringify(x) ?? String(x));
  } catch {
    s = String(x);
  }
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

function enc(x: unknown, max = 200): string {
  let s: string;
  try {
    s = canonicalJson(x);
  } catch {
    s = show(x, Infinity);
  }
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const isIndex = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
const oneLine = (x: unknown): x is string => typeof x === 'string' && x !== '' && !/[\n\r]/.test(x);

interface Rec {
  pos: number;
  leafIndex: number;
  kind: string;
  subject: string;
  label: string;
  raw: Obj;
  parsed: Entry | null;
  /** The leaf as the tree uses it: the recorded leaf hash, or the content's hash when none is recorded. */
  leaf: Uint8Array;
}

interface Head {
  where: string;
  label: string;
  size: number;
  root: Uint8Array;
  timestamp: string;
  body: TreeHeadBody;
  signature: Uint8Array | null;
  cosignatures: unknown;
  sigValid: boolean;
}

/** Nodes at or above this level are kept while building, so any proof over the export is cheap. */
const CACHE_LEVEL = 8;

/**
 * Checks an evidence export (see README): completeness and order of the entries, their hashes and
 * chain, the log's signatures, that every signed head covers the entries it claims, forks against
 * kept heads, witness cosignatures, and that the facts the service holds now match what it logged.
 * Never throws: anything malformed is a problem in the report.
 */
export function verifyExport(exp: unknown, opts: VerifyOptions = {}): Report {
  const problems: string[] = [];
  const notes: string[] = [];
  const state = { log: '', size: 0, root: hex(EMPTY_ROOT) };
  try {
    run(exp, opts, problems, notes, state);
  } catch (e) {
    problems.push(`the verifier stopped on a malformed part of the file (${(e as Error)?.message ?? String(e)}): the export is damaged or not one this verifier knows`);
  }
  return { ok: problems.length === 0, log: state.log, size: state.size, root: state.root, problems, notes };
}

function run(exp: unknown, opts: VerifyOptions, problems: string[], notes: string[], state: { log: string; size: number; root: string }): void {
  const progress = opts.onProgress ?? (() => {});
  if (!isObj(exp)) {
    problems.push(`the file is not an evidence export: expected a JSON object with "format": "${EXPORT_FORMAT}"`);
    return;
  }
  if (exp.format !== EXPORT_FORMAT) {
    problems.push(`format is ${show(exp.format)}, not "${EXPORT_FORMAT}": this is not an evidence export, or one this verifier does not know`);
  }
  let log = '';
  if (oneLine(exp.log)) log = exp.log;
  else problems.push(`the export names no log (its "log" is ${show(exp.log)}): entries and heads cannot be tied to a log`);
  state.log = log;

  const logKeyRaw = fromBase64(exp.publicKey, 32);
  let logKey: KeyObject | null = null;
  if (logKeyRaw) {
    try {
      logKey = publicKeyFromRaw(logKeyRaw);
    } catch {
      logKey = null;
    }
  }
  if (!logKey || !logKeyRaw) {
    problems.push(`the export's publicKey (${show(exp.publicKey, 60)}) is not a base64 Ed25519 public key of 32 bytes: no tree head signature can be checked`);
  }
  const logKeyId = logKeyRaw ? keyId(logKeyRaw) : '?';

  // ---- entries: shape, order, duplicates ------------------------------------------------------
  const rawEntries: unknown[] = Array.isArray(exp.entries) ? exp.entries : [];
  if (!Array.isArray(exp.entries)) problems.push(`the export has no "entries" list (found ${show(exp.entries, 40)}): no entry can be checked`);
  const byIndex = new Map<number, Rec>();
  let maxSeen = -1;
  const total = rawEntries.length;
  for (let pos = 0; pos < rawEntries.length; pos++) {
    if (pos % 10000 === 0) progress({ phase: 'entries', done: pos, total });
    const e = rawEntries[pos];
    if (!isObj(e)) {
      problems.push(`entries[${pos}] is not an entry (found ${show(e, 60)}; expected an object with leafIndex, entry and leafHash)`);
      continue;
    }
    if (!isIndex(e.leafIndex)) {
      problems.push(`entries[${pos}] has no valid leafIndex (found ${show(e.leafIndex, 40)}): it cannot be placed in the log`);
      continue;
    }
    const n = e.leafIndex;
    const kind = typeof e.kind === 'string' ? e.kind : '?';
    const subject = typeof e.subject === 'string' ? e.subject : '?';
    const label = `entry #${n} (${kind} ${subject})`;
    const earlier = byIndex.get(n);
    if (earlier) {
      problems.push(`entry #${n} appears twice in the export (entries[${earlier.pos}] and entries[${pos}]): only the first is checked; a log has one entry per index`);
      continue;
    }
    if (n < maxSeen) {
      problems.push(`entry #${n} is out of order in the export (it comes after #${maxSeen}): the entries were reordered`);
    }
    maxSeen = Math.max(maxSeen, n);

    const recorded = fromHex(e.leafHash, HASH_SIZE);
    const text = typeof e.entry === 'string' ? e.entry : null;
    const computed = text === null ? null : hashLeaf(entryBytes(text));
    if (text === null) {
      problems.push(`${label} has no entry text (found ${show(e.entry, 40)}): its content is missing`);
      if (!recorded) {
        problems.push(`${label} has neither content nor a leaf hash: it counts as missing`);
        continue;
      }
    }
    if (!recorded) {
      problems.push(`${label} has no valid leafHash (found ${show(e.leafHash, 80)}; expected 64 hex characters)`);
    } else if (computed && !equal(computed, recorded)) {
      problems.push(
        `${label} does not hash to its recorded leaf hash: its content was edited after it was logged (recorded ${hex(recorded)}, the content hashes to ${hex(computed)})`,
      );
    }
    let parsed: Entry | null = null;
    if (text !== null) {
      const p = parseEntry(text);
      if ('error' in p) problems.push(`${label} is not a log entry (${p.error}): its content was damaged or edited`);
      else {
        parsed = p.entry;
        if (!p.canonical) notes.push(`${label} is not in canonical JSON form; its hash still binds its exact text`);
      }
    }
    byIndex.set(n, { pos, leafIndex: n, kind, subject, label, raw: e, parsed, leaf: (recorded ?? computed)! });
  }
  progress({ phase: 'entries', done: total, total });

  const sorted = [...byIndex.values()].sort((a, b) => a.leafIndex - b.leafIndex);
  // Gaps.
  let firstGap: number | null = null;
  {
    let expected = 0;
    for (const r of sorted) {
      if (r.leafIndex > expected) {
        const from = expected;
        const to = r.leafIndex - 1;
        firstGap ??= from;
        const what = from === to ? `entry #${from} is missing` : `entries #${from} to #${to} are missing`;
        const where = from === 0 ? `the export starts at #${r.leafIndex}` : `the export jumps from #${from - 1} to #${r.leafIndex}`;
        problems.push(`${what} (${where}): entries were deleted`);
      }
      expected = r.leafIndex + 1;
    }
  }
  const claimed = sorted.length ? sorted[sorted.length - 1]!.leafIndex + 1 : 0; // what the export claims to hold
  const contiguous = firstGap ?? claimed; // what can be checked from #0

  // Per entry: fields and chain.
  for (const r of sorted) {
    const p = r.parsed;
    if (!p) continue;
    const n = r.leafIndex;
    if (p.v !== 1) problems.push(`${r.label} has version ${show(p.v)}, not 1: this verifier cannot read it`);
    if (log && p.log !== log) problems.push(`${r.label} belongs to log ${show(p.log)}, not "${log}": it was copied in from another log`);
    if (p.index !== n) problems.push(`${r.label} records index ${p.index}: it was moved from position #${p.index} (entries were reordered or renumbered)`);
    if (r.kind !== '?' && p.kind !== r.kind) problems.push(`${r.label} is listed as kind "${r.kind}" but its logged kind is ${show(p.kind)}: the listing was altered`);
    const listedAt = r.raw.recordedAt;
    if (typeof listedAt === 'string' && Number.isFinite(Date.parse(listedAt)) && Number.isFinite(Date.parse(p.at)) && Date.parse(listedAt) !== Date.parse(p.at)) {
      problems.push(`${r.label} is listed as recorded at ${listedAt} but its entry says ${p.at}: the listing was altered`);
    }
    if (n === 0) {
      if (p.prev !== '') problems.push(`entry #0 names a previous entry (prev ${show(p.prev, 80)}), but a log's first entry has none: entries before it were removed`);
    } else {
      const before = byIndex.get(n - 1);
      if (before) {
        const prev = fromHex(p.prev, HASH_SIZE);
        if (!prev || !equal(prev, before.leaf)) {
          problems.push(
            `entry #${n} does not follow #${n - 1}: entries were removed, inserted or reordered here (#${n} names ${p.prev ? p.prev : 'no entry'} as the entry before it; #${n - 1} has leaf hash ${hex(before.leaf)})`,
          );
        }
      }
    }
  }

  // ---- heads: shape ---------------------------------------------------------------------------
  const parseHead = (h: unknown, where: string, kept: boolean): Head | null => {
    if (!isObj(h)) {
      problems.push(`${where} is not a tree head (found ${show(h, 60)})`);
      return null;
    }
    const bad: string[] = [];
    if (!isIndex(h.size)) bad.push(`size ${show(h.size, 40)}`);
    const root = fromHex(h.rootHash, HASH_SIZE);
    if (!root) bad.push(`rootHash ${show(h.rootHash, 80)}`);
    if (!oneLine(h.timestamp)) bad.push(`timestamp ${show(h.timestamp, 40)}`);
    if (bad.length) {
      problems.push(`${where} is malformed (${bad.join(', ')}): it cannot be checked`);
      return null;
    }
    const size = h.size as number;
    const timestamp = h.timestamp as string;
    const label = `${kept ? 'the kept tree head' : 'tree head'} of size ${size} signed at ${timestamp}${kept && typeof h.source === 'string' ? ` (${h.source})` : ''}`;
    const signature = fromBase64(h.signature, 64);
    return { where, label, size, root: root!, timestamp, body: { log, size, rootHash: root!, timestamp }, signature, cosignatures: h.cosignatures, sigValid: false };
  };

  const rawHeads: unknown[] = Array.isArray(exp.treeHeads) ? exp.treeHeads : [];
  if (!Array.isArray(exp.treeHeads)) problems.push(`the export has no "treeHeads" list (found ${show(exp.treeHeads, 40)}): nothing shows the entries came from the log`);
  const heads: Head[] = [];
  rawHeads.forEach((h, i) => {
    const head = parseHead(h, `treeHeads[${i}]`, false);
    if (head) heads.push(head);
  });
  for (const h of heads) {
    if (!h.signature) {
      problems.push(`${h.label} has no valid signature (expected 64 bytes in base64): nothing shows the log signed it`);
    } else if (logKey) {
      h.sigValid = verifyTreeHeadSignature(h.body, h.signature, logKey);
      if (!h.sigValid) problems.push(`${h.label} has an invalid log signature: it was not signed with this log's key (${logKeyId}), or it was altered after signing`);
    }
  }

  // Kept heads: shape, log, key, signature.
  interface Kept extends Head {
    number: number;
  }
  const kept: Kept[] = [];
  (opts.keptHeads ?? []).forEach((k, i) => {
    const where = `kept head #${i + 1}${isObj(k) && typeof k.source === 'string' ? ` (${k.source})` : ''}`;
    const head = parseHead(k, where, true);
    if (!head) return;
    const kh = k as Obj;
    if (kh.log !== log) {
      problems.push(`${head.label} is for log ${show(kh.log)}, not "${log}": it cannot vouch for this export`);
      return;
    }
    const keptKey = fromBase64(kh.publicKey, 32);
    if (!keptKey) {
      problems.push(`${head.label} has no valid publicKey (found ${show(kh.publicKey, 60)}): it cannot be checked`);
      return;
    }
    if (logKeyRaw && !equal(keptKey, logKeyRaw)) {
      problems.push(
        `${head.label} was signed with key ${keyId(keptKey)}, but this export's log key is ${logKeyId}: the log changed its key, or this export is not from the same log`,
      );
      return;
    }
    head.sigValid = !!head.signature && verifyTreeHeadSignature(head.body, head.signature, keptKey);
    if (!head.sigValid) {
      problems.push(`${head.label} has an invalid signature: the kept file was altered, or it is not from this log's key (${keyId(keptKey)})`);
      return;
    }
    kept.push({ ...head, number: i + 1 });
  });

  // ---- the tree over the entries --------------------------------------------------------------
  const wanted = new Set<number>();
  for (const h of [...heads, ...kept]) if (h.size <= contiguous) wanted.add(h.size);
  wanted.add(contiguous);
  const rootsAt = new Map<number, Uint8Array>([[0, EMPTY_ROOT]]);
  const leaves = new Uint8Array(contiguous * HASH_SIZE);
  const cache = new Map<string, Uint8Array>();
  {
    const b = new TreeBuilder();
    for (let i = 0; i < contiguous; i++) {
      if (i % 10000 === 0) progress({ phase: 'heads', done: i, total: contiguous });
      const leaf = sorted[i]!.leaf;
      leaves.set(leaf, i * HASH_SIZE);
      for (const n of b.push(leaf)) if (n.level >= CACHE_LEVEL) cache.set(`${n.level}:${n.index}`, n.hash);
      if (wanted.has(i + 1)) rootsAt.set(i + 1, b.root());
    }
    progress({ phase: 'heads', done: contiguous, total: contiguous });
  }
  const lookup = (n: Node): Uint8Array => {
    if (n.level === 0) return leaves.subarray(n.index * HASH_SIZE, (n.index + 1) * HASH_SIZE);
    if (n.level >= CACHE_LEVEL) {
      const c = cache.get(`${n.level}:${n.index}`);
      if (c) return c;
    }
    return hashChildren(lookup({ level: n.level - 1, index: n.index * 2 }), lookup({ level: n.level - 1, index: n.index * 2 + 1 }));
  };
  const entriesRoot = rootsAt.get(contiguous)!;
  state.size = contiguous;
  state.root = hex(entriesRoot);

  // Root checks of the export's heads: each covers exactly the first `size` entries.
  const coverage = (h: Head): 'ok' | 'mismatch' | 'truncated' | 'gap' => {
    if (h.size > claimed) return 'truncated';
    if (h.size > contiguous) return 'gap';
    return equal(rootsAt.get(h.size)!, h.root) ? 'ok' : 'mismatch';
  };
  const good: Head[] = [];
  for (const h of heads) {
    const c = coverage(h);
    if (c === 'truncated') {
      problems.push(
        `${h.label}: the log was truncated: this head covers ${h.size} entries, but the export holds only ${claimed} (entr${h.size - claimed === 1 ? `y #${claimed} is` : `ies #${claimed} to #${h.size - 1} are`} gone)`,
      );
    } else if (c === 'gap') {
      problems.push(`${h.label} cannot be checked: entry #${firstGap} is missing`);
    } else if (c === 'mismatch') {
      problems.push(
        `${h.label} covers a different history: entries before #${h.size} were changed, reordered or replaced (it signs root ${hex(h.root)}; the export's first ${h.size} entries give ${hex(rootsAt.get(h.size)!)})`,
      );
    } else if (h.sigValid) {
      good.push(h);
    }
  }
  good.sort((a, b) => a.size - b.size);
  if (heads.length === 0 && Array.isArray(exp.treeHeads)) problems.push('the export holds no signed tree head: nothing shows these entries came from the log');

  // Forks: two validly signed heads of one size with different roots.
  const signedBySize = new Map<number, Array<{ h: Head; from: string }>>();
  for (const h of heads) if (h.sigValid) signedBySize.set(h.size, [...(signedBySize.get(h.size) ?? []), { h, from: 'in the export' }]);
  for (const k of kept) signedBySize.set(k.size, [...(signedBySize.get(k.size) ?? []), { h: k, from: `in ${k.where}` }]);
  const forkedSizes = new Set<number>();
  for (const [size, list] of signedBySize) {
    const first = list[0]!;
    const other = list.find((x) => !equal(x.h.root, first.h.root));
    if (!other) continue;
    forkedSizes.add(size);
    problems.push(
      `FORKED HISTORY: the log signed two different trees of size ${size}: root ${hex(first.h.root)} at ${first.h.timestamp} (${first.from}) and root ${hex(other.h.root)} at ${other.h.timestamp} (${other.from}). ` +
        'Both signatures are valid, so the log has shown two different histories; keep both heads as evidence',
    );
  }

  // Kept heads: consistency with the export, proved with a consistency proof from the export's tree.
  for (const k of kept) {
    if (k.size === 0) {
      if (equal(k.root, EMPTY_ROOT)) notes.push(`${k.label} is the empty tree, consistent with any log`);
      else problems.push(`${k.label} has root ${hex(k.root)}, but the empty tree's root is ${hex(EMPTY_ROOT)}: the log signed a false head`);
      continue;
    }
    if (k.size > claimed) {
      problems.push(
        `${k.label}: the log was truncated: this head covers ${k.size} entries, but the export holds only ${claimed} (entries the log signed before are gone, or this export is older than the kept head)`,
      );
      continue;
    }
    if (k.size > contiguous) {
      problems.push(`${k.label} cannot be checked: entry #${firstGap} is missing`);
      continue;
    }
    const target = [...good].reverse().find((h) => h.size >= k.size);
    const toSize = target ? target.size : contiguous;
    const toRoot = target ? target.root : entriesRoot;
    const proof = consistencyProof(k.size, toSize, lookup);
    if (verifyConsistency(k.size, toSize, proof, k.root, toRoot)) {
      notes.push(`${k.label} is consistent with ${target ? `the log's tree head of size ${target.size} signed at ${target.timestamp}` : `the export's ${contiguous} entries`} (consistency proof from size ${k.size} to ${toSize} checked)`);
    } else if (forkedSizes.has(k.size)) {
      // Reported above, naming both roots.
    } else if (target) {
      problems.push(
        `FORKED HISTORY: ${k.label} (root ${hex(k.root)}) is not consistent with the log's tree head of size ${target.size} signed at ${target.timestamp} (root ${hex(target.root)}): ` +
          `the log signed both, so it has rewritten a history it signed before (entries before #${k.size} differ; the consistency proof fails)`,
      );
    } else {
      problems.push(
        `${k.label} covers a different history: entries before #${k.size} were changed, reordered or replaced (it signs root ${hex(k.root)}; the export's first ${k.size} entries give ${hex(rootsAt.get(k.size)!)})`,
      );
    }
  }

  // ---- cosignatures ---------------------------------------------------------------------------
  const trusted: Array<{ name: string; key: Uint8Array }> = [];
  for (const [name, key] of Object.entries(opts.witnessKeys ?? {})) {
    const raw = fromAnyBase64(key, 32);
    if (raw) trusted.push({ name, key: raw });
    else problems.push(`the trusted key given for witness ${name} (${show(key, 60)}) is not a base64 Ed25519 public key of 32 bytes`);
  }
  const countersigned = new Map<string, number>(); // trusted name -> largest head size it countersigned
  let cosigCount = 0;
  for (const h of [...heads, ...kept]) {
    if (h.cosignatures === undefined || h.cosignatures === null) continue;
    if (!Array.isArray(h.cosignatures)) {
      problems.push(`${h.label} has a malformed cosignatures list (found ${show(h.cosignatures, 40)})`);
      continue;
    }
    h.cosignatures.forEach((c: unknown, i: number) => {
      if (!isObj(c)) {
        problems.push(`cosignature #${i + 1} on ${h.label} is malformed (found ${show(c, 60)})`);
        return;
      }
      const witness = typeof c.witness === 'string' && c.witness ? c.witness : '(unnamed witness)';
      const pub = fromBase64(c.publicKey, 32);
      const sig = fromBase64(c.signature, 64);
      if (!pub || !sig) {
        problems.push(`cosignature by ${witness} on ${h.label} is malformed (${!pub ? `publicKey ${show(c.publicKey, 60)}` : `signature ${show(c.signature, 60)}`}): it cannot be checked`);
        return;
      }
      const kid = keyId(pub);
      if (c.keyId !== kid) problems.push(`cosignature by ${witness} on ${h.label} gives keyId ${show(c.keyId, 40)}, but its public key's id is ${kid}: the cosignature was altered`);
      if (!verifyCosignature(h.body, sig, pub)) {
        problems.push(`cosignature by ${witness} (key ${kid}) on ${h.label} is invalid: that witness did not countersign this head, or the head or the cosignature was altered`);
        return;
      }
      cosigCount += 1;
      const t = trusted.find((w) => equal(w.key, pub));
      if (t) {
        notes.push(`${h.label} is countersigned by trusted witness ${t.name}${witness !== t.name ? ` (listed as ${witness})` : ''}, key ${kid}`);
        countersigned.set(t.name, Math.max(countersigned.get(t.name) ?? 0, h.size));
      } else {
        notes.push(`${h.label} is countersigned by ${witness} (key ${kid}), which is not among the trusted witness keys: the signature is valid, but nothing here says whose key it is`);
      }
    });
  }

  // ---- facts ----------------------------------------------------------------------------------
  // Only the newest entry of a subject is compared: an older one may describe a state the record has
  // since left by a later logged step.
  const newest = new Map<string, Rec>();
  for (const r of sorted) newest.set(`${r.kind}\u0000${r.subject}`, r);
  for (const r of newest.values()) {
    const n = r.leafIndex;
    if (!('currentFact' in r.raw)) {
      problems.push(`${r.label} has no currentFact: the export does not say whether the service still holds ${r.kind} ${r.subject}`);
      continue;
    }
    const cf = r.raw.currentFact;
    if (cf === null) {
      problems.push(`entry #${n} records ${r.kind} ${r.subject}, which the service no longer holds: it was deleted`);
      continue;
    }
    if (typeof cf !== 'string') {
      problems.push(`the current ${r.kind} ${r.subject} (for entry #${n}) is not canonical JSON text (found ${show(cf, 60)})`);
      continue;
    }
    let now: unknown;
    try {
      now = JSON.parse(cf);
    } catch {
      problems.push(`the current ${r.kind} ${r.subject} (for entry #${n}) is not valid JSON: ${show(cf, 80)}`);
      continue;
    }
    if (!r.parsed) continue;
    const logged = r.parsed.fact;
    if (isObj(logged) && isObj(now)) {
      const fields = [...new Set([...Object.keys(logged), ...Object.keys(now)])].sort();
      for (const f of fields) {
        const a = f in logged ? enc(logged[f]) : '(absent)';
        const b = f in now ? enc(now[f]) : '(absent)';
        if (a !== b) problems.push(`${r.kind} ${r.subject} as stored now differs from log entry #${n}: ${f} logged ${a}, now ${b}`);
      }
    } else if (enc(logged, Infinity) !== enc(now, Infinity)) {
      problems.push(`${r.kind} ${r.subject} as stored now differs from log entry #${n}: fact logged ${enc(logged)}, now ${enc(now)}`);
    }
  }
  let unlogged = 0;
  if (!Array.isArray(exp.unloggedFacts)) {
    problems.push(`the export has no "unloggedFacts" list (found ${show(exp.unloggedFacts, 40)}): it cannot show facts written without an entry`);
  } else {
    exp.unloggedFacts.forEach((u: unknown, i: number) => {
      if (!isObj(u) || typeof u.kind !== 'string' || typeof u.subject !== 'string') {
        problems.push(`unloggedFacts[${i}] is malformed (found ${show(u, 60)})`);
        return;
      }
      unlogged += 1;
      problems.push(`${u.kind} ${u.subject} exists but is not in the log: it was written without an evidence entry`);
    });
  }

  // ---- summary --------------------------------------------------------------------------------
  const summary: string[] = [];
  summary.push(`log ${log || '(unnamed)'}, signed with key ${logKeyId}`);
  summary.push(
    claimed === 0
      ? 'the export holds no entries'
      : `${byIndex.size} entries checked (#0 to #${claimed - 1})${contiguous < claimed ? `; the tree is checked up to #${contiguous - 1}, where the first gap is` : ''}`,
  );
  const signedHeads = heads.filter((h) => h.sigValid);
  const newestGood = good[good.length - 1];
  summary.push(
    `${signedHeads.length} of ${heads.length} tree heads carry a valid log signature${newestGood ? `; the newest that matches the entries covers ${newestGood.size} entries (signed at ${newestGood.timestamp})` : ''}`,
  );
  if (newestGood && contiguous > newestGood.size) {
    summary.push(`entries #${newestGood.size} to #${contiguous - 1} are newer than the newest signed head: no signature covers them yet`);
  }
  if (opts.keptHeads?.length) summary.push(`${opts.keptHeads.length} kept tree head${opts.keptHeads.length === 1 ? '' : 's'} checked against the export`);
  if (trusted.length || cosigCount) {
    summary.push(`${cosigCount} valid cosignature${cosigCount === 1 ? '' : 's'}; trusted witnesses that countersigned: ${countersigned.size ? [...countersigned].map(([w, s]) => `${w} (up to size ${s})`).join(', ') : 'none'}`);
    for (const t of trusted) if (!countersigned.has(t.name)) summary.push(`trusted witness ${t.name} countersigned none of these heads`);
  }
  if (Array.isArray(exp.unloggedFacts)) summary.push(unlogged ? `${unlogged} fact${unlogged === 1 ? ' is' : 's are'} held without a log entry` : 'every fact the service listed is in the log');
  notes.unshift(...summary);
}
