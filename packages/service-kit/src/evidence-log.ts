import { createHash, type KeyObject } from 'node:crypto';
import DataLoader from 'dataloader';
import { type DataSource, type EntityManager, type MigrationInterface, type QueryRunner } from 'typeorm';
import {
  EMPTY_ROOT,
  canonicalJson,
  completedBy,
  consistencyRanges,
  fromHex,
  hashChildren,
  hashLeaf,
  hashRange,
  hex,
  inclusionRanges,
  keyId,
  proofNodes,
  publicKeyRaw,
  rangeNodes,
  signTreeHead,
  treeHeadNote,
  verifyCosignature,
  type Node,
} from '@treaty/evidence';
import type { Caller } from './caller.js';
import type { Clock } from './clock.js';
import { preparedQuery } from './database.js';
import { BadUserInputError } from './errors.js';

/**
 * The evidence log of one service (DESIGN §11): every fact that can change money or freedom is appended,
 * in the transaction that records the fact, as a canonical entry; entries are the leaves of an RFC 9162
 * Merkle tree whose heads the service signs with its own Ed25519 key, and which witnesses countersign.
 *
 * Each service keeps its own log in its own database, because a fact and its entry must commit together
 * and no service writes another's database. A reader checks completeness log by log: indices run 0, 1, 2…
 * with no gap (one counter row, locked by each append until its transaction ends, hands them out), every
 * entry names the hash of the one before it, and every signed head covers a prefix; the export lists the
 * facts the service holds that have no entry (see packages/evidence/README.md).
 *
 * Storage: `evidence_entry` holds the entries; `evidence_node` every perfect subtree hash (level 0 = the
 * leaf hashes), written as each append completes them, so any root or proof of any size is O(log n) node
 * reads in one statement, for a log of millions of entries as for ten.
 */

/** The tables of every service's evidence log. */
export const EVIDENCE_LOG_TABLES = ['evidence_log_size', 'evidence_entry', 'evidence_node', 'evidence_tree_head', 'evidence_cosignature'] as const;

/** The tables of the evidence log, shared by the four services (each lists this migration). */
export class EvidenceLog1795270000000 implements MigrationInterface {
  name = 'EvidenceLog1795270000000';
  async up(q: QueryRunner): Promise<void> {
    // The one row every append locks and increments: indices are contiguous and never reused, since a
    // rolled-back append rolls its increment back too.
    await q.query(`CREATE TABLE evidence_log_size (singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), size bigint NOT NULL CHECK (size >= 0))`);
    await q.query(`INSERT INTO evidence_log_size (singleton, size) VALUES (true, 0)`);
    await q.query(`
      CREATE TABLE evidence_entry (
        leaf_index bigint PRIMARY KEY CHECK (leaf_index >= 0),
        kind text NOT NULL,
        subject text NOT NULL,
        entry text NOT NULL,
        recorded_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX evidence_entry_subject_idx ON evidence_entry (kind, subject, leaf_index)`);
    await q.query(`
      CREATE TABLE evidence_node (
        level smallint NOT NULL CHECK (level >= 0 AND level < 64),
        idx bigint NOT NULL CHECK (idx >= 0),
        hash bytea NOT NULL CHECK (length(hash) = 32),
        PRIMARY KEY (level, idx)
      )`);
    await q.query(`
      CREATE TABLE evidence_tree_head (
        tree_size bigint PRIMARY KEY CHECK (tree_size >= 0),
        root_hash bytea NOT NULL CHECK (length(root_hash) = 32),
        signed_at timestamptz NOT NULL,
        key_id text NOT NULL,
        signature bytea NOT NULL
      )`);
    await q.query(`
      CREATE TABLE evidence_cosignature (
        tree_size bigint NOT NULL REFERENCES evidence_tree_head (tree_size),
        key_id text NOT NULL,
        witness text NOT NULL,
        roles text[] NOT NULL,
        public_key bytea NOT NULL CHECK (length(public_key) = 32),
        signature bytea NOT NULL,
        signed_at timestamptz NOT NULL,
        PRIMARY KEY (tree_size, witness)
      )`);
    // Append-only for the application: an UPDATE, DELETE or TRUNCATE by the service is refused outright.
    // A database administrator can disable this; the Merkle tree, the signed heads and the witnesses are
    // what catch that (the verifier names what changed).
    await q.query(`
      CREATE FUNCTION evidence_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the evidence log is append-only: % on % refused', TG_OP, TG_TABLE_NAME;
      END $$`);
    for (const table of ['evidence_entry', 'evidence_node', 'evidence_tree_head', 'evidence_cosignature']) {
      await q.query(`CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION evidence_append_only()`);
      await q.query(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION evidence_append_only()`);
    }
  }
  async down(q: QueryRunner): Promise<void> {
    for (const table of ['evidence_cosignature', 'evidence_tree_head', 'evidence_node', 'evidence_entry', 'evidence_log_size']) await q.query(`DROP TABLE IF EXISTS ${table}`);
    await q.query(`DROP FUNCTION IF EXISTS evidence_append_only()`);
  }
}

/** One kind of fact a service logs: how to find what it holds now, and how to encode it. */
export interface FactKind {
  /** The entry's `kind`, e.g. "certification". */
  kind: string;
  /** The facts of this kind as stored now, by subject (for the export's `currentFact`). */
  load(m: EntityManager, subjects: string[]): Promise<Map<string, Record<string, unknown>>>;
  /** SQL for every subject of this kind the service holds (one column, `subject`, as text). */
  subjectsSql: string;
}

/** A fact to append: what it is, which record it is, who did it. `fact` must hold no personal data. */
export interface AppendedFact {
  kind: string;
  subject: string;
  fact: Record<string, unknown>;
  by: Caller | null;
}

/** Where an appended fact sits: what `logEntry` answers. */
export interface LogEntryRef {
  log: string;
  leafIndex: number;
  leafHash: string;
  kind: string;
  subject: string;
  recordedAt: Date;
  entry: string;
}

export interface TreeHeadRow {
  log: string;
  size: number;
  rootHash: string;
  timestamp: Date;
  keyId: string;
  signature: string;
  note: string;
}

/** SHA-256 of free text, hex: the log proves what a reason or a note said without publishing it. */
export function textDigest(text: string | null | undefined): string | null {
  return text == null ? null : createHash('sha256').update(text, 'utf8').digest('hex');
}

/** A pseudonymous reference to a record of personal data: whoever holds the id can confirm it; nobody can read it back. */
export function recordRef(type: string, id: string): string {
  return createHash('sha256').update(`${type}:${id}`, 'utf8').digest('hex');
}

const iso = (d: Date | string) => (d instanceof Date ? d : new Date(d)).toISOString();

/** The largest page of entries or heads one request may ask for. */
export const EVIDENCE_PAGE_MAX = 1000;

interface NodeRow {
  level: number;
  idx: string;
  hash: Buffer;
}

export interface EvidenceLogOptions {
  /** The log's name: "treaty/<service>". */
  log: string;
  /** The signing key; without it the log appends and proves but signs no head (the purge command). */
  key?: KeyObject;
  clock: Clock;
  facts: readonly FactKind[];
}

/**
 * One service's log. `append` runs inside the caller's transaction; everything else reads (and, for the
 * newest head, signs one when the log has grown since the last).
 */
export class EvidenceLog {
  readonly log: string;
  readonly publicKey: Uint8Array;
  readonly keyId: string;
  private readonly key: KeyObject | undefined;
  private readonly clock: Clock;
  readonly facts: ReadonlyMap<string, FactKind>;

  constructor(opts: EvidenceLogOptions) {
    this.log = opts.log;
    this.key = opts.key;
    this.clock = opts.clock;
    this.publicKey = opts.key ? publicKeyRaw(opts.key) : new Uint8Array(0);
    this.keyId = opts.key ? keyId(this.publicKey) : '';
    this.facts = new Map(opts.facts.map((f) => [f.kind, f]));
  }

  /**
   * Appends a fact in the transaction `m` belongs to; call it after the fact's own rows are written,
   * as late as possible: the counter row stays locked until the transaction ends, so appends to one
   * log commit one at a time.
   */
  async append(m: EntityManager, f: AppendedFact): Promise<LogEntryRef> {
    if (!m.queryRunner?.isTransactionActive) throw new Error('EvidenceLog.append must run inside the transaction that writes the fact');
    if (!this.facts.has(f.kind)) throw new Error(`${this.log} does not log facts of kind "${f.kind}"; add a FactKind for it`);
    const [counter] = await preparedQuery<{ index: string }>(m, 'UPDATE evidence_log_size SET size = size + 1 RETURNING size - 1 AS index', []);
    if (!counter) throw new Error(`${this.log}: the evidence_log_size row is missing; the log is damaged (run npm run verify-evidence)`);
    const index = Number(counter.index);
    // The stored nodes this append needs: the previous leaf (for `prev`) and the left halves of the
    // perfect subtrees the new leaf completes.
    const completed = completedBy(index);
    const wanted: Node[] = completed.map((n) => ({ level: n.level - 1, index: n.index * 2 }));
    if (index > 0) wanted.push({ level: 0, index: index - 1 });
    // Always one statement, even for the first entry (nothing to read): the cost of an append never varies.
    const stored = await this.nodes(m, wanted, true);
    const at = this.clock.now();
    const entry = canonicalJson({
      v: 1,
      log: this.log,
      index,
      prev: index > 0 ? hex(stored.get(`0:${index - 1}`)!) : '',
      at: at.toISOString(),
      kind: f.kind,
      by: { agency: f.by?.agency ?? null, roles: [...(f.by?.roles ?? [])].sort() },
      fact: f.fact,
    });
    const leaf = hashLeaf(new TextEncoder().encode(entry));
    const fresh: Array<{ level: number; index: number; hash: Uint8Array }> = [{ level: 0, index, hash: leaf }];
    let right = leaf;
    for (const n of completed) {
      const left = stored.get(`${n.level - 1}:${n.index * 2}`);
      if (!left) throw new Error(`${this.log}: node ${n.level - 1}/${n.index * 2} is missing; the log is damaged (run npm run verify-evidence)`);
      right = hashChildren(left, right);
      fresh.push({ level: n.level, index: n.index, hash: right });
    }
    await preparedQuery(m, 'INSERT INTO evidence_entry (leaf_index, kind, subject, entry, recorded_at) VALUES ($1, $2, $3, $4, $5)', [index, f.kind, f.subject, entry, at]);
    await preparedQuery(m, 'INSERT INTO evidence_node (level, idx, hash) SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::bytea[])', [
      fresh.map((n) => n.level),
      fresh.map((n) => n.index),
      fresh.map((n) => Buffer.from(n.hash)),
    ]);
    return { log: this.log, leafIndex: index, leafHash: hex(leaf), kind: f.kind, subject: f.subject, recordedAt: at, entry };
  }

  /** Stored nodes by "level:index", fetched in one statement. */
  private async nodes(db: DataSource | EntityManager, wanted: readonly Node[], always = false): Promise<Map<string, Uint8Array>> {
    const out = new Map<string, Uint8Array>();
    if (wanted.length === 0 && !always) return out;
    const rows = await preparedQuery<NodeRow>(
      db,
      'SELECT n.level, n.idx, n.hash FROM evidence_node n JOIN unnest($1::smallint[], $2::bigint[]) AS w(level, idx) ON n.level = w.level AND n.idx = w.idx',
      [wanted.map((n) => n.level), wanted.map((n) => n.index)],
    );
    for (const r of rows) out.set(`${r.level}:${r.idx}`, new Uint8Array(r.hash));
    return out;
  }

  /** The hashes of the ranges [start, end) of leaves, in order, from one read of their perfect nodes. */
  private async rangeHashes(db: DataSource | EntityManager, ranges: ReadonlyArray<readonly [number, number]>): Promise<Uint8Array[]> {
    const stored = await this.nodes(db, proofNodes(ranges as Array<[number, number]>));
    const lookup = (n: Node) => {
      const h = stored.get(`${n.level}:${n.index}`);
      if (!h) throw new Error(`${this.log}: node ${n.level}/${n.index} is missing; the log is damaged (run npm run verify-evidence)`);
      return h;
    };
    return ranges.map(([a, b]) => hashRange(a, b, lookup));
  }

  async size(db: DataSource | EntityManager): Promise<number> {
    const [row] = await preparedQuery<{ size: string }>(db, 'SELECT size FROM evidence_log_size', []);
    return Number(row?.size ?? 0);
  }

  /** The root of the first `size` leaves, computed from the stored nodes. */
  async root(db: DataSource | EntityManager, size: number): Promise<Uint8Array> {
    if (size === 0) return EMPTY_ROOT;
    const [root] = await this.rangeHashes(db, [[0, size]]);
    return root!;
  }

  private headOf(row: { tree_size: string; root_hash: Buffer; signed_at: Date; key_id: string; signature: Buffer }): TreeHeadRow {
    const body = { log: this.log, size: Number(row.tree_size), rootHash: new Uint8Array(row.root_hash), timestamp: iso(row.signed_at) };
    return {
      log: this.log,
      size: body.size,
      rootHash: hex(body.rootHash),
      timestamp: new Date(body.timestamp),
      keyId: row.key_id,
      signature: Buffer.from(row.signature).toString('base64'),
      note: treeHeadNote(body),
    };
  }

  /** The stored signed head of exactly this size, if the log signed one. */
  async head(db: DataSource | EntityManager, size: number): Promise<TreeHeadRow | null> {
    const rows = await preparedQuery(db, 'SELECT tree_size, root_hash, signed_at, key_id, signature FROM evidence_tree_head WHERE tree_size = $1', [size]);
    return rows[0] ? this.headOf(rows[0]) : null;
  }

  /**
   * The newest signed head, covering every committed entry: signed now when the log has grown since the
   * last one (any replica may sign it; the first to store it wins, so one size has one head). A head's
   * time never runs backwards, even across replicas whose clocks differ.
   */
  async newestHead(db: DataSource): Promise<TreeHeadRow> {
    const size = await this.size(db);
    const [last] = await preparedQuery(db, 'SELECT tree_size, root_hash, signed_at, key_id, signature FROM evidence_tree_head ORDER BY tree_size DESC LIMIT 1', []);
    if (last && Number(last.tree_size) >= size) return this.headOf(last);
    if (!this.key) throw new Error(`${this.log} has no signing key here; heads are signed by the running service (TREATY_EVIDENCE_KEY)`);
    const root = await this.root(db, size);
    const now = this.clock.now().getTime();
    const timestamp = new Date(Math.max(now, last ? new Date(last.signed_at).getTime() : 0)).toISOString();
    const signature = signTreeHead({ log: this.log, size, rootHash: root, timestamp }, this.key);
    await preparedQuery(
      db,
      'INSERT INTO evidence_tree_head (tree_size, root_hash, signed_at, key_id, signature) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tree_size) DO NOTHING',
      [size, Buffer.from(root), timestamp, this.keyId, Buffer.from(signature)],
    );
    return (await this.head(db, size))!;
  }

  async heads(db: DataSource | EntityManager, fromSize: number, first: number): Promise<TreeHeadRow[]> {
    const rows = await preparedQuery(
      db,
      'SELECT tree_size, root_hash, signed_at, key_id, signature FROM evidence_tree_head WHERE tree_size >= $1 ORDER BY tree_size LIMIT $2',
      [fromSize, first],
    );
    return rows.map((r) => this.headOf(r));
  }

  async cosignatures(db: DataSource | EntityManager, sizes: readonly number[]) {
    const rows = await preparedQuery<{ tree_size: string; key_id: string; witness: string; roles: string[]; public_key: Buffer; signature: Buffer; signed_at: Date }>(
      db,
      'SELECT tree_size, key_id, witness, roles, public_key, signature, signed_at FROM evidence_cosignature WHERE tree_size = ANY($1::bigint[]) ORDER BY signed_at, key_id',
      [[...sizes]],
    );
    return rows.map((r) => ({
      size: Number(r.tree_size),
      witness: r.witness,
      roles: r.roles,
      keyId: r.key_id,
      publicKey: Buffer.from(r.public_key).toString('base64'),
      signature: Buffer.from(r.signature).toString('base64'),
      signedAt: r.signed_at,
    }));
  }

  async entries(db: DataSource | EntityManager, from: number, first: number) {
    const rows = await preparedQuery<{ leaf_index: string; kind: string; subject: string; entry: string; recorded_at: Date; hash: Buffer | null }>(
      db,
      `SELECT e.leaf_index, e.kind, e.subject, e.entry, e.recorded_at, n.hash
         FROM evidence_entry e LEFT JOIN evidence_node n ON n.level = 0 AND n.idx = e.leaf_index
        WHERE e.leaf_index >= $1 ORDER BY e.leaf_index LIMIT $2`,
      [from, first],
    );
    return rows.map((r) => this.entryOf(r));
  }

  private entryOf(r: { leaf_index: string; kind: string; subject: string; entry: string; recorded_at: Date; hash: Buffer | null }): LogEntryRef {
    return {
      log: this.log,
      leafIndex: Number(r.leaf_index),
      leafHash: r.hash ? Buffer.from(r.hash).toString('hex') : '',
      kind: r.kind,
      subject: r.subject,
      recordedAt: r.recorded_at,
      entry: r.entry,
    };
  }

  /** The newest entry of each (kind, subject), in one statement: what a fact's `logEntry` shows. */
  entryLoader(db: DataSource): DataLoader<string, LogEntryRef | null> {
    return new DataLoader(async (keys: readonly string[]) => {
      const pairs = keys.map((k) => k.split('\u0000') as [string, string]);
      const rows = await preparedQuery<{ leaf_index: string; kind: string; subject: string; entry: string; recorded_at: Date; hash: Buffer | null }>(
        db,
        `SELECT DISTINCT ON (e.kind, e.subject) e.leaf_index, e.kind, e.subject, e.entry, e.recorded_at, n.hash
           FROM evidence_entry e
           JOIN unnest($1::text[], $2::text[]) AS w(kind, subject) ON e.kind = w.kind AND e.subject = w.subject
           LEFT JOIN evidence_node n ON n.level = 0 AND n.idx = e.leaf_index
          ORDER BY e.kind, e.subject, e.leaf_index DESC`,
        [pairs.map((p) => p[0]), pairs.map((p) => p[1])],
      );
      const found = new Map(rows.map((r) => [`${r.kind}\u0000${r.subject}`, this.entryOf(r)]));
      return keys.map((k) => found.get(k) ?? null);
    });
  }

  /**
   * The facts as the service holds them now, for entries of the export: by leaf index, the fact's
   * canonical JSON, or null when the record is gone. Only the newest entry of a subject is compared (an
   * older one may describe a state the record has since left by a logged step).
   */
  async currentFacts(db: DataSource, entries: readonly LogEntryRef[]): Promise<Map<number, string | null>> {
    const out = new Map<number, string | null>();
    const byKind = new Map<string, LogEntryRef[]>();
    for (const e of entries) byKind.set(e.kind, [...(byKind.get(e.kind) ?? []), e]);
    for (const [kind, list] of byKind) {
      const facts = this.facts.get(kind);
      const loaded = facts ? await facts.load(db.manager, [...new Set(list.map((e) => e.subject))]) : new Map();
      for (const e of list) {
        const now = loaded.get(e.subject);
        out.set(e.leafIndex, now ? canonicalJson(now) : null);
      }
    }
    return out;
  }

  /** Every fact the service holds that has no entry: a write that bypassed the log. */
  async unloggedFacts(db: DataSource): Promise<Array<{ kind: string; subject: string }>> {
    const out: Array<{ kind: string; subject: string }> = [];
    for (const f of this.facts.values()) {
      const rows = await db.query(
        `SELECT s.subject FROM (${f.subjectsSql}) AS s(subject)
          WHERE NOT EXISTS (SELECT 1 FROM evidence_entry e WHERE e.kind = $1 AND e.subject = s.subject::text)
          ORDER BY 1 LIMIT ${EVIDENCE_PAGE_MAX}`,
        [f.kind],
      );
      for (const r of rows as Array<{ subject: string }>) out.push({ kind: f.kind, subject: String(r.subject) });
    }
    return out;
  }

  async inclusionProof(db: DataSource, leafIndex: number, treeSize: number) {
    const [proof] = await this.inclusionProofs(db, [{ leafIndex, treeSize }]);
    return proof!;
  }

  /** Many inclusion proofs from one read of every node they need (a page of entries, each with its proof). */
  async inclusionProofs(db: DataSource, asked: ReadonlyArray<{ leafIndex: number; treeSize: number }>) {
    const plans = asked.map(({ leafIndex, treeSize }) => [[leafIndex, leafIndex + 1], [0, treeSize], ...inclusionRanges(leafIndex, treeSize)] as Array<[number, number]>);
    const hashes = await this.rangeHashes(db, plans.flat());
    let at = 0;
    return asked.map(({ leafIndex, treeSize }, i) => {
      const own = hashes.slice(at, (at += plans[i]!.length));
      const [leafHash, root, ...path] = own;
      return { log: this.log, leafIndex, treeSize, leafHash: hex(leafHash!), rootHash: hex(root!), path: path.map(hex) };
    });
  }

  async consistencyProof(db: DataSource, fromSize: number, toSize: number) {
    const ranges = consistencyRanges(fromSize, toSize);
    const sized = (n: number): Array<[number, number]> => (n > 0 ? [[0, n]] : []);
    const hashes = await this.rangeHashes(db, [...sized(fromSize), ...sized(toSize), ...ranges]);
    const fromRoot = fromSize > 0 ? hashes.shift()! : EMPTY_ROOT;
    const toRoot = toSize > 0 ? hashes.shift()! : EMPTY_ROOT;
    return { log: this.log, fromSize, toSize, fromRoot: hex(fromRoot), toRoot: hex(toRoot), path: hashes.map(hex) };
  }

  /**
   * A witness's countersignature of a head this log signed: stored once per (head, key). Refused, with
   * nothing written, when the head does not exist, when its root is not the one the witness signed (the
   * message says what that means), or when the signature does not verify.
   */
  async countersign(db: DataSource, caller: Caller, input: { treeSize: number; rootHash: string; publicKey: string; signature: string }) {
    const problems: { path: string; message: string }[] = [];
    const root = /^[0-9a-f]{64}$/.test(input.rootHash) ? fromHex(input.rootHash) : null;
    if (!root) problems.push({ path: 'input.rootHash', message: 'must be the head\'s root hash as 64 lowercase hexadecimal characters, as treeHead { rootHash } gives it.' });
    const publicKey = base64Bytes(input.publicKey, 32);
    if (!publicKey) problems.push({ path: 'input.publicKey', message: 'must be your Ed25519 public key, 32 bytes in base64 (treaty-evidence keygen prints it).' });
    const signature = base64Bytes(input.signature, 64);
    if (!signature) problems.push({ path: 'input.signature', message: 'must be an Ed25519 signature, 64 bytes in base64, over the cosignature message of the head (treaty-evidence cosign makes it).' });
    if (!Number.isSafeInteger(input.treeSize) || input.treeSize < 1) problems.push({ path: 'input.treeSize', message: 'must be the size of a head this log signed, a whole number of at least 1.' });
    if (problems.length) throw new BadUserInputError(problems);
    const head = await this.head(db, input.treeSize);
    if (!head) {
      throw BadUserInputError.one('input.treeSize', `${this.log} signed no head of size ${input.treeSize}. Countersign a head it served: ask treeHead { size rootHash } first.`);
    }
    if (head.rootHash !== input.rootHash) {
      throw BadUserInputError.one(
        'input.rootHash',
        `${this.log}'s head of size ${input.treeSize} has root ${head.rootHash}, not ${input.rootHash}. If you hold a head of that size signed by this log with your root, ` +
          'the log has shown two different histories: keep both heads and run treaty-evidence verify with them, then report it.',
      );
    }
    const body = { log: this.log, size: head.size, rootHash: fromHex(head.rootHash)!, timestamp: head.timestamp.toISOString() };
    if (!verifyCosignature(body, signature!, publicKey!)) {
      throw BadUserInputError.one('input.signature', `The signature does not verify with that public key over the cosignature message of ${this.log}'s head of size ${head.size} (signed ${body.timestamp}). Sign exactly that head (treaty-evidence cosign does).`);
    }
    // One countersignature per witness agency and head: a repeat with the same key is answered as the
    // first was; another key for a head the agency already signed is refused, so no caller can pile
    // rows onto a head.
    const id = keyId(publicKey!);
    const witness = caller.agency ?? caller.subject ?? 'unknown';
    const stored = await preparedQuery<{ key_id: string }>(
      db,
      `WITH added AS (
         INSERT INTO evidence_cosignature (tree_size, key_id, witness, roles, public_key, signature, signed_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (tree_size, witness) DO NOTHING RETURNING key_id)
       SELECT key_id FROM added UNION ALL SELECT key_id FROM evidence_cosignature WHERE tree_size = $1 AND witness = $3`,
      [head.size, id, witness, [...caller.roles].sort(), Buffer.from(publicKey!), Buffer.from(signature!), this.clock.now()],
    );
    const first = stored[0]?.key_id;
    if (first !== undefined && first !== id) {
      throw BadUserInputError.one('input.publicKey', `${witness} already countersigned ${this.log}'s head of size ${head.size} with key ${first}; a witness signs a head once. Countersign the next head with the new key.`);
    }
    return head;
  }
}

function base64Bytes(text: string, length: number): Uint8Array | null {
  if (typeof text !== 'string' || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return null;
  const bytes = Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
  return bytes.length === length ? new Uint8Array(bytes) : null;
}

/** Clamps a page size to 1..EVIDENCE_PAGE_MAX, refusing nonsense with a message. */
export function evidencePageSize(first: number | null | undefined, path: string, fallback = 100): number {
  const n = first ?? fallback;
  if (!Number.isInteger(n) || n < 1 || n > EVIDENCE_PAGE_MAX) throw BadUserInputError.one(path, `must be between 1 and ${EVIDENCE_PAGE_MAX}; page through with from/fromSize.`);
  return n;
}

/** A FactKind read through TypeORM by one column. */
export function factsByColumn<E extends object>(
  kind: string,
  entity: new () => E,
  column: keyof E & string,
  encode: (row: E) => Record<string, unknown>,
  subjectsSql: string,
): FactKind {
  return {
    kind,
    subjectsSql,
    async load(m, subjects) {
      if (subjects.length === 0) return new Map();
      const rows = await m.getRepository(entity).createQueryBuilder('f').where(`f.${column} IN (:...subjects)`, { subjects }).getMany();
      return new Map(rows.map((r) => [String(r[column]), encode(r)]));
    },
  };
}

/** A service's log, named after it: "treaty/<service>". */
export function openEvidenceLog(service: { name: string; evidenceFacts: readonly FactKind[] }, opts: { key?: KeyObject; clock: Clock }): EvidenceLog {
  return new EvidenceLog({ log: `treaty/${service.name}`, key: opts.key, clock: opts.clock, facts: service.evidenceFacts });
}

/**
 * The migration that appends, once, the facts a service recorded before it kept a log (a database from
 * before this version): each as an entry with `by` null, recorded at the migration. From then on every
 * fact is appended with its write, and `unloggedFacts` is empty. A fresh database has nothing to add.
 */
export function logFactsRecordedBefore(service: { name: string; evidenceFacts: readonly FactKind[] }): new () => MigrationInterface {
  return class LogFactsRecordedBefore1795270000002 implements MigrationInterface {
    name = 'LogFactsRecordedBefore1795270000002';
    async up(q: QueryRunner): Promise<void> {
      const log = openEvidenceLog(service, { clock: { now: () => new Date() } });
      for (const f of service.evidenceFacts) {
        const rows: Array<{ subject: string }> = await q.query(`SELECT s.subject::text AS subject FROM (${f.subjectsSql}) AS s(subject) ORDER BY 1`);
        for (let i = 0; i < rows.length; i += 500) {
          const subjects = rows.slice(i, i + 500).map((r) => r.subject);
          const facts = await f.load(q.manager, subjects);
          for (const subject of subjects) {
            const fact = facts.get(subject);
            if (fact) await log.append(q.manager, { kind: f.kind, subject, fact, by: null });
          }
        }
      }
    }
    async down(): Promise<void> {
      // Entries are never removed: the log is append-only (EvidenceLog1795270000000's down drops it whole).
    }
  };
}

export { generateSigningKey, parseSigningKey, serializeSigningKey } from '@treaty/evidence';
