import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, openSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/**
 * Position-ingest benchmark: GPS points through the gateway, in batches of `batchSize`, `concurrency`
 * batches in flight, each batch with its own Idempotency-Key as a device over a poor link sends it.
 * Prints points per second, the ratio to the 100,000 points/s target, and, for the processes it can see,
 * the CPU each spends per point. Not a test: run it by hand.
 *
 *   npm run bench:positions                       # starts its own federation (the launcher), then stops it
 *   npm run bench:positions -- --token <token> [--url http://localhost:4000/graphql]   # a running one
 *
 * Against a running gateway the token must carry the AGENCY role (positions are accepted for the
 * caller's own convoys) and, without --convoy, MEDIATOR too, to register a corridor and request convoys
 * on the first agreement (or --agreement): `npm run token -- --agency "Bench Relief" --role AGENCY,MEDIATOR`.
 * Every option can also be given as an environment variable: BENCH_URL, BENCH_TOKEN, BENCH_AGREEMENT,
 * BENCH_CONVOY, BENCH_POINTS, BENCH_BATCH, BENCH_CONCURRENCY, BENCH_FORM, BENCH_PIDS.
 *
 * The other benchmarks call `ingestRate` against a gateway they started.
 */

/** The ingest target of issue 16, in points per second through the gateway. */
export const TARGET_POINTS_PER_SECOND = 100_000;

/** The largest batch recordConvoyPositions takes (MAX_POINTS_PER_BATCH); about 0.85 MiB as this bench sends it. */
export const DEFAULT_BATCH = 5000;

export interface SendResult {
  data?: any;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** Sends one request body (already JSON) with an Idempotency-Key; returns the parsed answer. */
export type Send = (body: string, idempotencyKey?: string) => Promise<SendResult>;

export interface BenchOptions {
  send: Send;
  convoyIds: string[];
  /** Points to send, in batches of `batchSize` (the last one may be smaller)... */
  points: number;
  /** ...or, when given, full batches for this many seconds instead. */
  seconds?: number;
  batchSize: number;
  concurrency: number;
  /**
   * Distinguishes this run's devices, so a rerun on the same convoys stores new points rather than
   * conflicts (its device times differ from the earlier run's under the same device and sequence).
   */
  devicePrefix?: string;
  /** Send each batch with an Idempotency-Key (default true), as devices should. */
  idempotencyKeys?: boolean;
  /** How a batch carries its points: as compact `tracks` (the default) or one by one as `points`. */
  form?: PositionForm;
  /** Server processes whose CPU time (and peak memory) to report, by name; Linux only. */
  processes?: Record<string, number[]>;
  progress?: (msg: string) => void;
}

/** The two shapes of RecordConvoyPositionsInput: one object per point, or per device a track of rows. */
export type PositionForm = 'tracks' | 'points';

export interface BenchResult {
  /** The shape the batches were sent in. */
  form: PositionForm;
  points: number;
  seconds: number;
  pointsPerSecond: number;
  /** pointsPerSecond / TARGET_POINTS_PER_SECOND. */
  ratioToTarget: number;
  accepted: number;
  new: number;
  duplicates: number;
  /** Points that disagreed with the position on record (none unless a rerun reuses devices and convoys). */
  conflicts: number;
  rejected: number;
  batches: number;
  batchSize: number;
  concurrency: number;
  /** Size of one full batch's request body, in bytes (the gateway accepts at most 1 MiB). */
  batchBytes: number;
  /** Median and slowest batch round trip, in milliseconds. */
  medianBatchMs: number;
  slowestBatchMs: number;
  /** CPU microseconds per point of each process named in `processes`, and of this client ("bench"). */
  cpuMicrosPerPoint: Record<string, number | null>;
  /** This process's peak resident memory, in MB. */
  benchPeakRssMb: number;
  /** Peak resident memory of each process named in `processes` (the first pid of each), in MB. */
  serverPeakRssMb: Record<string, number | null>;
}

const RECORD = /* GraphQL */ `mutation RecordPositions($input: RecordConvoyPositionsInput!) {
  recordConvoyPositions(input: $input) { accepted new duplicates conflicts rejected { index reasons } }
}`;

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ): 100 on every Linux this runs on. */
const TICKS_PER_SECOND = 100;

/** utime + stime of a process, in seconds, or null when it cannot be read (not Linux, or gone). */
function cpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** The processes of `pids` and all their descendants (a PostgreSQL server and its backends). */
function withDescendants(pids: number[]): number[] {
  const children = new Map<number, number[]>();
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
      } catch {
        // gone meanwhile
      }
    }
  } catch {
    return pids;
  }
  const all: number[] = [];
  const visit = (pid: number) => {
    all.push(pid);
    for (const c of children.get(pid) ?? []) visit(c);
  };
  pids.forEach(visit);
  return all;
}

/** CPU seconds of each named group of processes, descendants included, keyed by pid for the delta. */
function cpuSnapshot(processes: Record<string, number[]>): Record<string, Map<number, number>> {
  const out: Record<string, Map<number, number>> = {};
  for (const [name, pids] of Object.entries(processes)) {
    const m = new Map<number, number>();
    for (const pid of withDescendants(pids)) {
      const s = cpuSeconds(pid);
      if (s !== null) m.set(pid, s);
    }
    out[name] = m;
  }
  return out;
}

/** CPU seconds spent between two snapshots per group; a process started meanwhile counts from zero. */
function cpuSpent(before: Record<string, Map<number, number>>, after: Record<string, Map<number, number>>): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const [name, now] of Object.entries(after)) {
    if (now.size === 0) {
      out[name] = null;
      continue;
    }
    let spent = 0;
    for (const [pid, s] of now) spent += s - (before[name]?.get(pid) ?? 0);
    out[name] = spent;
  }
  return out;
}

/** Peak resident set of a process, from /proc (Linux only). */
async function peakRssMb(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+)\s+kB/.exec(status)?.[1]);
    return Number.isFinite(kb) ? Math.round(kb / 102.4) / 10 : null;
  } catch {
    return null;
  }
}

/** How far apart the points of a run are in device time: a point a second, as trackers report. */
const SPACING_MS = 1000;

/**
 * The request body of batch `b`: points `b * size` to `b * size + size - 1` of the run, spread over the
 * convoys, one tracker per convoy numbering its points from 0, a point a second (of the fleet) in device
 * time from `start`. Each batch thus continues every tracker's track where the one before left it, as
 * live trackers do, and no point repeats another.
 */
function batchBody(convoyIds: readonly string[], devicePrefix: string, b: number, size: number, start: number, form: PositionForm): string {
  if (form === 'tracks') {
    // The same points, grouped per tracker (one per convoy) as rows, in sequence order.
    const tracks = convoyIds.map((convoyId, c) => ({ convoyId, deviceId: `${devicePrefix}-${c}`, rows: [] as unknown[][] }));
    for (let k = 0; k < size; k++) {
      const n = b * size + k;
      const m = (n % 100_000) / 1_000_000;
      tracks[n % convoyIds.length]!.rows.push([Math.floor(n / convoyIds.length), new Date(start + n * SPACING_MS).toISOString(), 31 + m, 34 + m]);
    }
    return JSON.stringify({ query: RECORD, operationName: 'RecordPositions', variables: { input: { tracks: tracks.filter((t) => t.rows.length > 0) } } });
  }
  const points = new Array(size);
  for (let k = 0; k < size; k++) {
    const n = b * size + k;
    const c = n % convoyIds.length;
    points[k] = {
      convoyId: convoyIds[c],
      deviceId: `${devicePrefix}-${c}`,
      sequence: Math.floor(n / convoyIds.length),
      deviceTime: new Date(start + n * SPACING_MS).toISOString(),
      latitude: 31 + (n % 100_000) / 1_000_000,
      longitude: 34 + (n % 100_000) / 1_000_000,
    };
  }
  return JSON.stringify({ query: RECORD, operationName: 'RecordPositions', variables: { input: { points } } });
}

/**
 * Sends `opts.points` positions (or full batches for `opts.seconds`) and measures the rate; each batch's
 * body is built as it is sent (the client's CPU is reported apart, as "bench"). Throws on the first
 * batch that fails.
 */
export async function runPositionsBenchmark(opts: BenchOptions): Promise<BenchResult> {
  const timed = opts.seconds !== undefined;
  const batches = timed ? Infinity : Math.ceil(opts.points / opts.batchSize);
  const prefix = opts.devicePrefix ?? `BENCH-${Date.now().toString(36)}`;
  // The last point a minute ago (device clocks run behind); a timed run is given room for 200,000 points/s.
  const room = timed ? Math.ceil(opts.seconds! * 200_000) : opts.points;
  const start = Date.now() - 60_000 - room * SPACING_MS;
  let batchBytes = 0;
  const totals = { points: 0, batches: 0, accepted: 0, new: 0, duplicates: 0, conflicts: 0, rejected: 0 };
  const times: number[] = [];
  const keyed = opts.idempotencyKeys ?? true;
  const form = opts.form ?? 'tracks';
  let next = 0;
  const processes = opts.processes ?? {};
  const cpuBefore = cpuSnapshot(processes);
  const benchBefore = process.cpuUsage();
  const started = performance.now();
  const until = started + (opts.seconds ?? 0) * 1000;
  const more = () => (timed ? performance.now() < until : next < batches);
  const worker = async () => {
    while (more()) {
      const i = next++;
      const size = i === batches - 1 ? opts.points - i * opts.batchSize : opts.batchSize;
      const body = batchBody(opts.convoyIds, prefix, i, size, start, form);
      if (i === 0) batchBytes = Buffer.byteLength(body);
      const t0 = performance.now();
      const r = await opts.send(body, keyed ? randomUUID() : undefined);
      times.push(performance.now() - t0);
      if (r.errors?.length) throw new Error(`batch ${i} failed: ${r.errors[0]!.extensions?.code ?? ''} ${r.errors[0]!.message}`);
      const res = r.data.recordConvoyPositions;
      totals.batches += 1;
      totals.points += size;
      totals.accepted += res.accepted;
      totals.new += res.new;
      totals.duplicates += res.duplicates;
      totals.conflicts += res.conflicts;
      totals.rejected += res.rejected.length;
      if (res.rejected.length && totals.rejected === res.rejected.length) opts.progress?.(`first rejection: ${JSON.stringify(res.rejected[0])}`);
      if (!timed && (i + 1) % Math.max(1, Math.floor(batches / 5)) === 0) opts.progress?.(`${i + 1}/${batches} batches`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency, batches) }, worker));
  const seconds = (performance.now() - started) / 1000;
  const bench = process.cpuUsage(benchBefore);
  const spent = cpuSpent(cpuBefore, cpuSnapshot(processes));
  const points = totals.points;
  const perPoint = (s: number | null) => (s === null ? null : Math.round((s * 1e6 * 10) / points) / 10);
  const cpuMicrosPerPoint: Record<string, number | null> = {};
  for (const [name, s] of Object.entries(spent)) cpuMicrosPerPoint[name] = perPoint(s);
  cpuMicrosPerPoint.bench = perPoint((bench.user + bench.system) / 1e6);
  const serverPeakRssMb: Record<string, number | null> = {};
  for (const [name, pids] of Object.entries(processes)) serverPeakRssMb[name] = pids[0] === undefined ? null : await peakRssMb(pids[0]);
  times.sort((a, b) => a - b);
  const pointsPerSecond = Math.round(points / seconds);
  const { points: _p, batches: sent, ...counts } = totals;
  return {
    form,
    points,
    seconds: Math.round(seconds * 100) / 100,
    pointsPerSecond,
    ratioToTarget: Math.round((pointsPerSecond / TARGET_POINTS_PER_SECOND) * 100) / 100,
    ...counts,
    batches: sent,
    batchSize: opts.batchSize,
    concurrency: opts.concurrency,
    batchBytes,
    medianBatchMs: Math.round(times[Math.floor(times.length / 2)]!),
    slowestBatchMs: Math.round(times[times.length - 1]!),
    cpuMicrosPerPoint,
    benchPeakRssMb: Math.round(process.resourceUsage().maxRSS / 102.4) / 10,
    serverPeakRssMb,
  };
}

/** A client for the gateway with a bearer token. */
export function gatewaySender(url: string, token: string): Send {
  return async (body, idempotencyKey) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
      body,
    });
    const text = await res.text();
    try {
      return JSON.parse(text) as SendResult;
    } catch {
      return { errors: [{ message: `HTTP ${res.status}: ${text.slice(0, 200)}` }] };
    }
  };
}

/** One operation through the gateway that must succeed; returns its data. */
async function must(url: string, token: string, query: string, variables: Record<string, unknown> = {}): Promise<any> {
  const r = await gatewaySender(url, token)(JSON.stringify({ query, variables }));
  if (r.errors?.length) throw new Error(r.errors[0]!.message);
  return r.data;
}

/** Registers a corridor on the agreement and requests `count` convoys of aid for the token's agency. */
export async function setUpConvoys(url: string, token: string, agreementId: string, count: number): Promise<string[]> {
  const corridor = await must(url, token, `mutation ($input: CreateCorridorInput!) { createCorridor(input: $input) { id } }`, {
    input: { agreementId, name: `Benchmark crossing ${new Date().toISOString()}`, kind: 'LAND_CROSSING', latitude: 31, longitude: 34 },
  });
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const r = await must(url, token, `mutation ($input: RequestConvoyInput!) { requestConvoy(input: $input) { id } }`, {
      input: { corridorId: corridor.createCorridor.id, cargo: [{ cargoClass: 'HUMANITARIAN_AID', tonnes: 100, trucks: 5 }] },
    });
    ids.push(r.requestConvoy.id);
  }
  return ids;
}

export interface IngestOptions {
  /** Points to send (default 200,000)... */
  points?: number;
  /** ...or full batches for this many seconds instead. */
  seconds?: number;
  /** Points per batch (default 5,000, the most a batch may hold). */
  batchSize?: number;
  /** Batches in flight (default 4). */
  concurrency?: number;
  /** Points sent first and not measured, so the servers' code is warm (default two batches per connection). */
  warmupPoints?: number;
  /** Send each batch with its own Idempotency-Key (default true). */
  idempotencyKeys?: boolean;
  /** Compact `tracks` (default) or one object per point (`points`). */
  form?: PositionForm;
  /** Server processes whose CPU per point to report, by name (a PostgreSQL server counts with its backends). */
  processes?: Record<string, number[]>;
  progress?: (msg: string) => void;
}

/** Signs a development token for the claims given (the launcher's mintDevToken with its keys). */
export type Mint = (claims: { agency: string; roles: string[] }) => Promise<string>;

/**
 * The ingest rate through an already-running gateway at `url`, with a token that may record positions
 * for `convoyIds` (the AGENCY role of the agency that runs them; see src/access.ts).
 *
 * Given `mint` instead of a token and convoys, it signs one for a benchmark agency with AGENCY and
 * MEDIATOR and sets up a corridor and four convoys on the first agreement, creating one if there is none.
 */
export async function ingestRate(url: string, token: string, convoyIds: string[], opts?: IngestOptions): Promise<BenchResult>;
export async function ingestRate(url: string, mint: Mint, opts?: IngestOptions): Promise<BenchResult>;
export async function ingestRate(url: string, tokenOrMint: string | Mint, convoysOrOpts?: string[] | IngestOptions, maybeOpts?: IngestOptions): Promise<BenchResult> {
  let token: string;
  let convoyIds: string[];
  let opts: IngestOptions;
  if (typeof tokenOrMint === 'string') {
    token = tokenOrMint;
    convoyIds = (convoysOrOpts as string[] | undefined) ?? [];
    opts = maybeOpts ?? {};
    if (convoyIds.length === 0) throw new Error('ingestRate needs at least one convoy id of the token\'s agency.');
  } else {
    token = await tokenOrMint({ agency: 'Bench Relief', roles: ['AGENCY', 'MEDIATOR'] });
    opts = (convoysOrOpts as IngestOptions | undefined) ?? {};
    const agreementId = (await must(url, token, '{ agreements { id } }')).agreements?.[0]?.id ?? (await createAgreement(url, token));
    convoyIds = await setUpConvoys(url, token, agreementId, 4);
  }
  const send = gatewaySender(url, token);
  const batchSize = opts.batchSize ?? DEFAULT_BATCH;
  const concurrency = opts.concurrency ?? 4;
  const warmup = opts.warmupPoints ?? batchSize * concurrency * 2;
  const run = `BENCH-${Date.now().toString(36)}`;
  if (warmup > 0) await runPositionsBenchmark({ send, convoyIds, points: warmup, batchSize, concurrency, devicePrefix: `${run}-warm`, idempotencyKeys: opts.idempotencyKeys, form: opts.form });
  return runPositionsBenchmark({
    send,
    convoyIds,
    points: opts.points ?? 200_000,
    seconds: opts.seconds,
    batchSize,
    concurrency,
    devicePrefix: run,
    idempotencyKeys: opts.idempotencyKeys,
    form: opts.form,
    processes: opts.processes,
    progress: opts.progress,
  });
}

/** An agreement in force since five days ago, for a federation that holds none; returns its id. */
async function createAgreement(url: string, token: string): Promise<string> {
  const data = await must(url, token, `mutation ($input: CreateAgreementInput!) { createAgreement(input: $input) { id } }`, {
    input: {
      title: 'Benchmark Accord on Convoy Tracking',
      entryIntoForceAt: new Date(Date.now() - 5 * 86_400_000).toISOString(),
      parties: [
        { name: 'Republic of Benchmark', kind: 'GOVERNMENT' },
        { name: 'Movement of the Test Hills', kind: 'NON_STATE_ARMED_GROUP' },
      ],
      phases: [{ ordinal: 1, name: 'Phase 1', startDay: 0, endDay: 90, permittedCargo: ['HUMANITARIAN_AID'] }],
    },
  });
  return data.createAgreement.id;
}

/** A free TCP port on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Pids whose command line contains `needle` (Linux only). */
function pidsWith(needle: string): number[] {
  const out: number[] = [];
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').includes(needle)) out.push(Number(entry));
      } catch {
        // gone meanwhile
      }
    }
  } catch {
    // not Linux
  }
  return out;
}

interface OwnStack {
  url: string;
  token: string;
  agreementId: string;
  processes: Record<string, number[]>;
  stop(): Promise<void>;
}

/**
 * The whole federation as `npm start` runs it (each subgraph and the gateway a process of its own, an
 * embedded PostgreSQL), in a throwaway data directory on free ports, without the demo; with one
 * agreement in force to put the convoys under.
 */
async function startOwnStack(say: (m: string) => void): Promise<OwnStack> {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const cli = path.join(root, 'packages', 'launcher', 'dist', 'cli.js');
  const tokenCli = path.join(root, 'packages', 'launcher', 'dist', 'token.js');
  if (!existsSync(cli) || !existsSync(tokenCli)) throw new Error(`The launcher is not built (${cli}); build everything first with npm run build.`);
  const dir = await mkdtemp(path.join(tmpdir(), 'treaty-bench-positions-'));
  const ports = await Promise.all(['GATEWAY_PORT', 'MILESTONES_PORT', 'PRISONERS_PORT', 'CORRIDORS_PORT', 'GUARANTORS_PORT', 'TREATY_PG_PORT'].map(async (v) => [v, String(await freePort())]));
  const env = { ...process.env, ...Object.fromEntries(ports), TREATY_DATA_DIR: dir, APOLLO_TELEMETRY_DISABLED: '1', TURBO_TELEMETRY_DISABLED: '1' };
  const logFile = path.join(dir, 'launcher.log');
  const log = openSync(logFile, 'a');
  say(`starting a federation in ${dir} (log: ${logFile})…`);
  const launcher: ChildProcess = spawn(process.execPath, [cli, '--no-demo'], { env, stdio: ['ignore', log, log] });
  let exited = false;
  launcher.once('exit', () => (exited = true));
  const stop = async () => {
    if (!exited) {
      const gone = new Promise((r) => launcher.once('exit', r));
      launcher.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 20_000))]);
    }
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  };
  try {
    const deadline = Date.now() + 120_000;
    while (!readFileSync(logFile, 'utf8').includes('Treaty graph is running')) {
      if (exited || Date.now() > deadline) throw new Error(`The federation did not start:\n${readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const token = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [tokenCli, '--agency', 'Bench Relief', '--role', 'AGENCY,MEDIATOR'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout!.on('data', (d) => (out += d));
      child.once('exit', (code) => (code === 0 ? resolve(out.trim().split('\n').at(-1)!) : reject(new Error(`token.js exited with ${code}`))));
    });
    const url = `http://127.0.0.1:${ports[0]![1]}/graphql`;
    const agreementId = await createAgreement(url, token);
    const processes = {
      gateway: pidsWith(path.join(root, 'gateway', 'dist', 'main.js')),
      corridors: pidsWith(path.join(root, 'services', 'corridors', 'dist', 'index.js')),
      // The server and, as its children, the backends serving every service (corridors' do the work).
      postgres: pidsWith(`-D ${path.join(dir, 'pg')}`).slice(0, 1),
    };
    return { url, token, agreementId, processes, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

async function main(): Promise<void> {
  const env = process.env;
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: env.BENCH_URL },
      token: { type: 'string', default: env.BENCH_TOKEN },
      agreement: { type: 'string', default: env.BENCH_AGREEMENT },
      convoy: { type: 'string', default: env.BENCH_CONVOY },
      points: { type: 'string', default: env.BENCH_POINTS ?? '200000' },
      batch: { type: 'string', default: env.BENCH_BATCH ?? String(DEFAULT_BATCH) },
      concurrency: { type: 'string', default: env.BENCH_CONCURRENCY ?? '4' },
      pids: { type: 'string', default: env.BENCH_PIDS },
      'no-idempotency-keys': { type: 'boolean' },
      form: { type: 'string', default: env.BENCH_FORM ?? 'tracks' },
      help: { type: 'boolean' },
    },
  });
  const usage =
    'Usage: npm run bench:positions [-- --points 200000 --batch 5000 --concurrency 4 --form tracks|points --no-idempotency-keys]\n' +
    '       (starts its own federation), or against a running gateway:\n' +
    '       npm run bench:positions -- --token <AGENCY[,MEDIATOR] token> [--url http://localhost:4000/graphql] [--agreement ID | --convoy ID[,ID]] [--pids <gateway pid>,<corridors pid>]';
  if (values.help) return console.log(usage);
  if (values.url && !values.token) {
    console.error(`error: --token (or BENCH_TOKEN) is required with --url: a token with the AGENCY role, and MEDIATOR too unless --convoy is given.\n${usage}`);
    process.exit(2);
  }
  if (values.form !== 'tracks' && values.form !== 'points') {
    console.error(`error: --form must be tracks (compact rows per device, the default) or points (one object per point); got ${JSON.stringify(values.form)}.\n${usage}`);
    process.exit(2);
  }
  const form: PositionForm = values.form;
  const numbers = { points: Number(values.points), batch: Number(values.batch), concurrency: Number(values.concurrency) };
  const bad = Object.entries(numbers).filter(([, n]) => !Number.isInteger(n) || n < 1);
  if (bad.length) {
    console.error(`error: ${bad.map(([k]) => `--${k}`).join(', ')} must be a whole number of at least 1.\n${usage}`);
    process.exit(2);
  }

  // A token (or a URL) means a federation that is running already, npm start's at port 4000 by default.
  const running = values.url !== undefined || values.token !== undefined;
  const own = running ? null : await startOwnStack((m) => console.log(m));
  const stopOnSignal = () => void own?.stop().finally(() => process.exit(130));
  process.once('SIGINT', stopOnSignal);
  process.once('SIGTERM', stopOnSignal);
  try {
    const url = own?.url ?? values.url ?? 'http://localhost:4000/graphql';
    const token = own?.token ?? values.token!;
    let convoyIds = values.convoy?.split(',').map((s) => s.trim()).filter(Boolean) ?? [];
    if (convoyIds.length === 0) {
      const agreementId = own?.agreementId ?? values.agreement ?? (await must(url, token, '{ agreements { id } }')).agreements?.[0]?.id;
      if (!agreementId) throw new Error('No agreement to set up on: pass --agreement <id> or --convoy <id>.');
      convoyIds = await setUpConvoys(url, token, agreementId, 4);
      console.log(`set up convoys ${convoyIds.join(', ')} on agreement ${agreementId}`);
    }
    const pids = values.pids?.split(',').map(Number).filter(Number.isFinite) ?? [];
    const processes = own?.processes ?? Object.fromEntries(pids.map((pid, i) => [['gateway', 'corridors'][i] ?? `pid ${pid}`, [pid]]));
    const r = await ingestRate(url, token, convoyIds, {
      points: numbers.points,
      batchSize: numbers.batch,
      concurrency: numbers.concurrency,
      idempotencyKeys: !values['no-idempotency-keys'],
      form,
      processes,
      progress: (m) => console.log(m),
    });
    console.log(JSON.stringify(r, null, 2));
    const cpu = Object.entries(r.cpuMicrosPerPoint)
      .map(([k, v]) => `${k} ${v ?? '?'}`)
      .join(', ');
    console.log(
      `${r.pointsPerSecond} points/s through the gateway (${r.points} points in ${r.seconds} s, batches of ${r.batchSize} as ${r.form} (${Math.round(r.batchBytes / 1024)} KiB), ` +
        `${r.concurrency} in flight${values['no-idempotency-keys'] ? '' : ', each with an Idempotency-Key'}): ${r.ratioToTarget}x the ${TARGET_POINTS_PER_SECOND} points/s target`,
    );
    console.log(`CPU per point, µs: ${cpu}`);
  } finally {
    await own?.stop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
