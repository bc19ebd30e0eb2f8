import { EXPORT_FORMAT, type EvidenceExport, type ExportCosignature, type ExportEntry, type ExportTreeHead, type KeptHead, type UnloggedFact } from './export.js';
import { fromHex } from './canonical.js';
import { EMPTY_ROOT } from './merkle.js';
import { parseTreeHeadNote } from './note.js';
import { verifyConsistency } from './verify.js';

/**
 * Reading a log through the GraphQL gateway (POST JSON {query, variables}, bearer token), in the shape
 * of the spec: `evidenceLogs { <log> { id publicKey size treeHead treeHeads entries unloggedFacts
 * inclusionProof consistencyProof } }` and `countersign<Log>Log`.
 */

export const LOG_NAMES = ['milestones', 'prisoners', 'corridors', 'guarantors'] as const;
export type LogName = (typeof LOG_NAMES)[number];

/** The largest page the graph serves. */
export const PAGE_MAX = 1000;

/** An error reaching or reading the graph; `code` is the GraphQL error code or "HTTP_<status>" / "NETWORK" / "RESPONSE". */
export class EvidenceClientError extends Error {
  readonly code: string;
  constructor(message: string, code: string) {
    super(message);
    this.name = 'EvidenceClientError';
    this.code = code;
  }
}

export interface ClientOptions {
  /** Bearer token for the gateway. */
  token?: string;
  /** Aborts the requests. */
  signal?: AbortSignal;
}

export interface DownloadProgress {
  phase: 'heads' | 'entries' | 'facts';
  done: number;
  /** The log's size when the download started (for entries). */
  total: number;
}

export interface DownloadOptions extends ClientOptions {
  /** Entries and heads per request, 1..1000 (default 1000). */
  pageSize?: number;
  onProgress?: (p: DownloadProgress) => void;
}

/** "milestones" or "treaty/milestones" -> "milestones"; null when it is not one of the logs. */
export function logName(log: string): LogName | null {
  const bare = log.startsWith('treaty/') ? log.slice('treaty/'.length) : log;
  return (LOG_NAMES as readonly string[]).includes(bare) ? (bare as LogName) : null;
}

function checkLog(log: string): LogName {
  const name = typeof log === 'string' ? logName(log) : null;
  if (!name) throw new EvidenceClientError(`unknown log ${JSON.stringify(log)}: use one of ${LOG_NAMES.join(', ')}`, 'USAGE');
  return name;
}

const HEAD = 'log size rootHash timestamp signature note cosignatures { witness keyId publicKey signature signedAt }';
const ENTRY = 'leafIndex kind subject recordedAt entry leafHash currentFact';

interface GraphHead {
  log?: string;
  size: number;
  rootHash: string;
  timestamp: string;
  signature: string;
  note?: string | null;
  cosignatures?: ExportCosignature[] | null;
}

/** Sends one GraphQL request; returns `data`, or throws an EvidenceClientError saying what went wrong. */
export async function graphql<T>(url: string, query: string, variables: Record<string, unknown>, opts: ClientOptions = {}): Promise<T> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }), signal: opts.signal });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new EvidenceClientError(
      `cannot reach ${url}: ${cause?.message ?? (e as Error).message}${cause?.code ? ` (${cause.code})` : ''}. Check the URL and that the gateway is running.`,
      'NETWORK',
    );
  }
  const text = await res.text();
  let body: { data?: unknown; errors?: Array<{ message?: string; extensions?: { code?: string } }> } | null = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  const errors = Array.isArray(body?.errors) ? body!.errors : [];
  const described = errors.map((e) => `${e?.message ?? 'unknown error'}${e?.extensions?.code ? ` (${e.extensions.code})` : ''}`).join('; ');
  if (!res.ok) {
    const hint =
      res.status === 401 || res.status === 403
        ? ' Pass a valid token with --token or TREATY_TOKEN.'
        : res.status === 404
          ? ' Check the URL: it should be the gateway\'s GraphQL endpoint (e.g. http://localhost:4000/graphql).'
          : '';
    throw new EvidenceClientError(
      `HTTP ${res.status} ${res.statusText} from ${url}: ${described || text.slice(0, 300) || '(no body)'}.${hint}`,
      errors[0]?.extensions?.code ?? `HTTP_${res.status}`,
    );
  }
  if (errors.length) {
    const code = errors[0]?.extensions?.code ?? 'GRAPHQL';
    const hint = code === 'UNAUTHENTICATED' || code === 'FORBIDDEN' ? ' Pass a token that may read the evidence log with --token or TREATY_TOKEN.' : '';
    throw new EvidenceClientError(`GraphQL error from ${url}: ${described}.${hint}`, code);
  }
  if (!body || typeof body !== 'object' || !('data' in body)) {
    throw new EvidenceClientError(`${url} did not answer with GraphQL JSON (got ${JSON.stringify(text.slice(0, 200))}): check the URL`, 'RESPONSE');
  }
  return body.data as T;
}

async function logQuery<T>(url: string, log: LogName, selection: string, variables: Record<string, unknown>, varDecl: string, opts: ClientOptions): Promise<T> {
  const query = `query Evidence${varDecl ? `(${varDecl})` : ''} { evidenceLogs { ${log} { ${selection} } } }`;
  const data = await graphql<{ evidenceLogs?: Record<string, T | null> | null }>(url, query, variables, opts);
  const out = data?.evidenceLogs?.[log];
  if (!out) throw new EvidenceClientError(`${url} returned no evidence for log ${log} (evidenceLogs { ${log} } is null): the service may be down or the log not deployed`, 'RESPONSE');
  return out;
}

/**
 * The signed timestamp text, byte for byte: when the graph also gives the note, its `time` line is
 * what the log signed (a DateTime scalar may print the same instant differently).
 */
function exportHead(h: GraphHead): ExportTreeHead {
  let timestamp = h.timestamp;
  const parsed = parseTreeHeadNote(h.note ?? null);
  if (parsed && parsed.size === h.size && Date.parse(parsed.timestamp) === Date.parse(h.timestamp)) timestamp = parsed.timestamp;
  return {
    size: h.size,
    rootHash: h.rootHash,
    timestamp,
    signature: h.signature,
    cosignatures: (h.cosignatures ?? []).map((c) => ({ witness: c.witness, keyId: c.keyId, publicKey: c.publicKey, signature: c.signature, signedAt: String(c.signedAt) })),
  };
}

function pageOf(n: number | undefined): number {
  const p = n ?? PAGE_MAX;
  if (!Number.isInteger(p) || p < 1) throw new EvidenceClientError(`pageSize must be a whole number from 1 to ${PAGE_MAX}`, 'USAGE');
  return Math.min(p, PAGE_MAX);
}

/** Downloads a whole log as an export file (entries and heads paged until exhausted). */
export async function downloadExport(graphqlUrl: string, log: LogName | string, opts: DownloadOptions = {}): Promise<EvidenceExport> {
  const name = checkLog(log);
  const first = pageOf(opts.pageSize);
  const progress = opts.onProgress ?? (() => {});
  // The newest head first (the service signs one for the current size if needed), so every head
  // listed afterwards is covered by entries downloaded afterwards.
  const top = await logQuery<{ id: string; publicKey: string; size: number; treeHead: GraphHead | null }>(graphqlUrl, name, `id publicKey size treeHead { ${HEAD} }`, {}, '', opts);
  const total = top.size;

  const heads = new Map<string, ExportTreeHead>();
  const keyOf = (h: ExportTreeHead) => `${h.size}\u0000${h.timestamp}\u0000${h.signature}`;
  for (let fromSize = 0; ; ) {
    const page = await logQuery<{ treeHeads: GraphHead[] }>(
      graphqlUrl,
      name,
      `treeHeads(fromSize: $fromSize, first: $first) { ${HEAD} }`,
      { fromSize, first },
      '$fromSize: Int!, $first: Int!',
      opts,
    );
    const list = page.treeHeads ?? [];
    for (const h of list) heads.set(keyOf(exportHead(h)), exportHead(h));
    progress({ phase: 'heads', done: heads.size, total: heads.size });
    if (list.length < first) break;
    const next = Math.max(...list.map((h) => h.size)) + 1;
    if (next <= fromSize) throw new EvidenceClientError(`${graphqlUrl}: treeHeads(fromSize: ${fromSize}) did not advance; the service pages heads wrongly`, 'RESPONSE');
    fromSize = next;
  }
  if (top.treeHead) heads.set(keyOf(exportHead(top.treeHead)), exportHead(top.treeHead));

  const entries: ExportEntry[] = [];
  for (let from = 0; ; ) {
    const page = await logQuery<{ entries: ExportEntry[] }>(graphqlUrl, name, `entries(from: $from, first: $first) { ${ENTRY} }`, { from, first }, '$from: Int!, $first: Int!', opts);
    const list = page.entries ?? [];
    for (const e of list) entries.push({ ...e, recordedAt: String(e.recordedAt) });
    progress({ phase: 'entries', done: entries.length, total: Math.max(total, entries.length) });
    if (list.length < first) break;
    const next = Math.max(...list.map((e) => e.leafIndex)) + 1;
    if (next <= from) throw new EvidenceClientError(`${graphqlUrl}: entries(from: ${from}) did not advance; the service pages entries wrongly`, 'RESPONSE');
    from = next;
  }

  const facts = await logQuery<{ unloggedFacts: UnloggedFact[] }>(graphqlUrl, name, 'unloggedFacts { kind subject }', {}, '', opts);
  progress({ phase: 'facts', done: facts.unloggedFacts?.length ?? 0, total: facts.unloggedFacts?.length ?? 0 });

  return {
    format: EXPORT_FORMAT,
    log: top.id,
    publicKey: top.publicKey,
    exportedAt: new Date().toISOString(),
    entries,
    treeHeads: [...heads.values()].sort((a, b) => a.size - b.size || a.timestamp.localeCompare(b.timestamp)),
    unloggedFacts: (facts.unloggedFacts ?? []).map((u) => ({ kind: u.kind, subject: u.subject })),
  };
}

/** The log's newest signed head (or the one of `size`), as a kept head: with the log's name and key. */
export async function fetchTreeHead(graphqlUrl: string, log: LogName | string, opts: ClientOptions & { size?: number } = {}): Promise<KeptHead> {
  const name = checkLog(log);
  const sized = opts.size !== undefined;
  const r = await logQuery<{ id: string; publicKey: string; treeHead: GraphHead | null }>(
    graphqlUrl,
    name,
    `id publicKey treeHead${sized ? '(size: $size)' : ''} { ${HEAD} }`,
    sized ? { size: opts.size } : {},
    sized ? '$size: Int' : '',
    opts,
  );
  if (!r.treeHead) throw new EvidenceClientError(`${graphqlUrl}: log ${r.id} has no signed head${sized ? ` of size ${opts.size}` : ''}`, 'NOT_FOUND');
  return { log: r.id, publicKey: r.publicKey, ...exportHead(r.treeHead) };
}

export interface ConsistencyProofResponse {
  fromSize: number;
  toSize: number;
  fromRoot: string;
  toRoot: string;
  /** hex */
  path: string[];
}

export interface InclusionProofResponse {
  leafIndex: number;
  treeSize: number;
  leafHash: string;
  rootHash: string;
  /** hex */
  path: string[];
}

/** The log's consistency proof from `fromSize` to `toSize` (default: its size now). */
export async function fetchConsistencyProof(graphqlUrl: string, log: LogName | string, fromSize: number, toSize?: number, opts: ClientOptions = {}): Promise<ConsistencyProofResponse> {
  const name = checkLog(log);
  const r = await logQuery<{ consistencyProof: ConsistencyProofResponse | null }>(
    graphqlUrl,
    name,
    'consistencyProof(fromSize: $fromSize, toSize: $toSize) { fromSize toSize fromRoot toRoot path }',
    { fromSize, toSize: toSize ?? null },
    '$fromSize: Int!, $toSize: Int',
    opts,
  );
  if (!r.consistencyProof) throw new EvidenceClientError(`${graphqlUrl}: no consistency proof from size ${fromSize}`, 'NOT_FOUND');
  return r.consistencyProof;
}

/** The log's inclusion proof of one leaf in the tree of `treeSize` (default: its size now). */
export async function fetchInclusionProof(graphqlUrl: string, log: LogName | string, leafIndex: number, treeSize?: number, opts: ClientOptions = {}): Promise<InclusionProofResponse> {
  const name = checkLog(log);
  const r = await logQuery<{ inclusionProof: InclusionProofResponse | null }>(
    graphqlUrl,
    name,
    'inclusionProof(leafIndex: $leafIndex, treeSize: $treeSize) { leafIndex treeSize leafHash rootHash path }',
    { leafIndex, treeSize: treeSize ?? null },
    '$leafIndex: Int!, $treeSize: Int',
    opts,
  );
  if (!r.inclusionProof) throw new EvidenceClientError(`${graphqlUrl}: no inclusion proof for leaf ${leafIndex}`, 'NOT_FOUND');
  return r.inclusionProof;
}

export interface CosignatureInput {
  treeSize: number;
  /** hex */
  rootHash: string;
  /** base64 raw Ed25519 public key of the witness. */
  publicKey: string;
  /** base64 signature over cosignatureMessage(note). */
  signature: string;
}

/** Submits a witness cosignature (countersign<Log>Log); returns the head as the log now serves it. */
export async function submitCosignature(graphqlUrl: string, log: LogName | string, input: CosignatureInput, opts: ClientOptions = {}): Promise<ExportTreeHead> {
  const name = checkLog(log);
  const field = `countersign${name[0]!.toUpperCase()}${name.slice(1)}Log`;
  const query =
    'mutation Countersign($treeSize: Int!, $rootHash: String!, $publicKey: String!, $signature: String!) { ' +
    `${field}(input: { treeSize: $treeSize, rootHash: $rootHash, publicKey: $publicKey, signature: $signature }) { ${HEAD} } }`;
  const data = await graphql<Record<string, GraphHead | null>>(graphqlUrl, query, { ...input }, opts);
  const head = data?.[field];
  if (!head) throw new EvidenceClientError(`${graphqlUrl}: ${field} returned nothing`, 'RESPONSE');
  return exportHead(head);
}

/**
 * Null when the head `next` provably extends the kept head `prev` given the log's consistency proof
 * (null proof when prev.size is 0 or equals next.size); otherwise what is wrong and what it means.
 * Signatures are not checked here. Never throws.
 */
export function checkHeadConsistency(
  prev: Pick<KeptHead, 'size' | 'rootHash' | 'timestamp'>,
  next: Pick<KeptHead, 'size' | 'rootHash' | 'timestamp'>,
  proof: ConsistencyProofResponse | null,
): string | null {
  const fork = (why: string) =>
    `FORKED HISTORY: the kept head of size ${prev.size} (root ${prev.rootHash}, signed at ${prev.timestamp}) and the log's head of size ${next.size} (root ${next.rootHash}, signed at ${next.timestamp}) ${why}: the log has shown two different histories; keep both heads as evidence`;
  const prevRoot = fromHex(prev.rootHash, 32);
  const nextRoot = fromHex(next.rootHash, 32);
  if (!prevRoot || !nextRoot) return 'a head has a malformed rootHash (expected 64 hex characters)';
  if (prev.size > next.size) return `the log's head has size ${next.size}, smaller than the kept head's ${prev.size}: the log was truncated, or it shows you a different history`;
  if (prev.size === 0) return equal(prevRoot, EMPTY_ROOT) ? null : `the kept head of size 0 has root ${prev.rootHash}, not the empty tree's root: it is not a real head`;
  if (prev.size === next.size) return equal(prevRoot, nextRoot) ? null : fork('have the same size but different roots');
  if (!proof) return `no consistency proof from size ${prev.size} to ${next.size} was given`;
  if (proof.fromSize !== prev.size || proof.toSize !== next.size) {
    return `the log answered a consistency proof from ${proof.fromSize} to ${proof.toSize}, not from ${prev.size} to ${next.size}`;
  }
  if (proof.fromRoot !== prev.rootHash) return fork(`disagree: the log now says the tree of size ${prev.size} has root ${proof.fromRoot}`);
  if (proof.toRoot !== next.rootHash) return `the log's consistency proof ends at root ${proof.toRoot}, not its head's root ${next.rootHash}: the log answers inconsistently`;
  const path = Array.isArray(proof.path) ? proof.path.map((h) => fromHex(h, 32)) : null;
  if (!path || path.some((h) => h === null)) return 'the log\'s consistency proof is malformed (expected a list of 64-hex-character hashes)';
  return verifyConsistency(prev.size, next.size, path as Uint8Array[], prevRoot, nextRoot) ? null : fork('are not consistent (the consistency proof fails)');
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
