import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/**
 * Position-ingest benchmark: sends `points` positions in batches of `batchSize`, `concurrency` batches
 * in flight, and reports points per second and peak memory. Not a test: run it by hand.
 *
 *   node services/corridors/dist/bench-positions.js --url http://localhost:4000/graphql --token <token>
 *
 * The token must carry the AGENCY role (positions are accepted for the caller's own convoys). Without
 * --convoy it also needs MEDIATOR, to register a corridor and request a convoy on the first agreement
 * (or --agreement): `npm run token -- --agency "Bench Relief" --role AGENCY,MEDIATOR`. Every option can
 * also be given as an environment variable: BENCH_URL, BENCH_TOKEN, BENCH_AGREEMENT, BENCH_CONVOY,
 * BENCH_POINTS, BENCH_BATCH, BENCH_CONCURRENCY, BENCH_PIDS.
 */

export type Send = (query: string, variables: Record<string, unknown>) => Promise<{ data?: any; errors?: { message: string }[] }>;

export interface BenchOptions {
  send: Send;
  convoyIds: string[];
  points: number;
  batchSize: number;
  concurrency: number;
  /**
   * Distinguishes this run's devices, so a rerun on the same convoys stores new points rather than
   * conflicts (its device times differ from the earlier run's under the same device and sequence).
   */
  devicePrefix?: string;
  /** Server process ids whose peak resident memory (VmHWM) to report, on Linux. */
  pids?: number[];
  progress?: (msg: string) => void;
}

export interface BenchResult {
  points: number;
  seconds: number;
  pointsPerSecond: number;
  accepted: number;
  new: number;
  duplicates: number;
  /** Points that disagreed with the position on record (none unless a rerun reuses devices and convoys). */
  conflicts: number;
  rejected: number;
  batches: number;
  /** Slowest batch round trip, in milliseconds. */
  slowestBatchMs: number;
  /** This process's peak resident memory, in MB. */
  benchPeakRssMb: number;
  /** Peak resident memory of each process in `pids`, in MB (null where unreadable). */
  serverPeakRssMb: Record<string, number | null>;
}

const RECORD = /* GraphQL */ `mutation ($input: RecordConvoyPositionsInput!) {
  recordConvoyPositions(input: $input) { accepted new duplicates conflicts rejected { index reasons } }
}`;

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

/** One batch of a convoy's track: a point a second, ending a minute ago (device clocks run behind). */
function batch(opts: BenchOptions, index: number, size: number, end: number) {
  const points = [];
  for (let k = 0; k < size; k++) {
    const n = index * opts.batchSize + k;
    const convoyId = opts.convoyIds[n % opts.convoyIds.length]!;
    points.push({
      convoyId,
      deviceId: `${opts.devicePrefix ?? 'BENCH'}-${n % opts.convoyIds.length}`,
      sequence: Math.floor(n / opts.convoyIds.length),
      deviceTime: new Date(end - (opts.points - n) * 1000).toISOString(),
      latitude: 31 + (n % 1000) / 10_000,
      longitude: 34 + (n % 1000) / 10_000,
    });
  }
  return points;
}

export async function runPositionsBenchmark(opts: BenchOptions): Promise<BenchResult> {
  const batches = Math.ceil(opts.points / opts.batchSize);
  const end = Date.now() - 60_000;
  const totals = { accepted: 0, new: 0, duplicates: 0, conflicts: 0, rejected: 0, slowest: 0 };
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < batches) {
      const i = next++;
      const size = Math.min(opts.batchSize, opts.points - i * opts.batchSize);
      const points = batch(opts, i, size, end);
      const t0 = performance.now();
      const r = await opts.send(RECORD, { input: { points } });
      totals.slowest = Math.max(totals.slowest, performance.now() - t0);
      if (r.errors?.length) throw new Error(`batch ${i} failed: ${r.errors[0]!.message}`);
      const res = r.data.recordConvoyPositions;
      totals.accepted += res.accepted;
      totals.new += res.new;
      totals.duplicates += res.duplicates;
      totals.conflicts += res.conflicts;
      totals.rejected += res.rejected.length;
      if (res.rejected.length && totals.rejected === res.rejected.length) {
        opts.progress?.(`first rejection: ${JSON.stringify(res.rejected[0])}`);
      }
      if ((i + 1) % Math.max(1, Math.floor(batches / 10)) === 0) opts.progress?.(`${i + 1}/${batches} batches`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency, batches) }, worker));
  const seconds = (performance.now() - started) / 1000;
  const serverPeakRssMb: Record<string, number | null> = {};
  for (const pid of opts.pids ?? []) serverPeakRssMb[pid] = await peakRssMb(pid);
  return {
    points: opts.points,
    seconds: Math.round(seconds * 100) / 100,
    pointsPerSecond: Math.round(opts.points / seconds),
    accepted: totals.accepted,
    new: totals.new,
    duplicates: totals.duplicates,
    conflicts: totals.conflicts,
    rejected: totals.rejected,
    batches,
    slowestBatchMs: Math.round(totals.slowest),
    benchPeakRssMb: Math.round(process.resourceUsage().maxRSS / 102.4) / 10,
    serverPeakRssMb,
  };
}

/** A client for the gateway with a bearer token. */
export function gatewaySender(url: string, token: string): Send {
  return async (query, variables) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as Awaited<ReturnType<Send>>;
  };
}

/** Registers a corridor on the agreement and requests `count` convoys of aid for the token's agency. */
export async function setUpConvoys(send: Send, agreementId: string, count: number): Promise<string[]> {
  const must = async (query: string, variables: Record<string, unknown> = {}) => {
    const r = await send(query, variables);
    if (r.errors?.length) throw new Error(r.errors[0]!.message);
    return r.data;
  };
  const corridor = await must(`mutation ($input: CreateCorridorInput!) { createCorridor(input: $input) { id } }`, {
    input: { agreementId, name: `Benchmark crossing ${new Date().toISOString()}`, kind: 'LAND_CROSSING', latitude: 31, longitude: 34 },
  });
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const r = await must(`mutation ($input: RequestConvoyInput!) { requestConvoy(input: $input) { id } }`, {
      input: { corridorId: corridor.createCorridor.id, cargo: [{ cargoClass: 'HUMANITARIAN_AID', tonnes: 100, trucks: 5 }] },
    });
    ids.push(r.requestConvoy.id);
  }
  return ids;
}

async function main(): Promise<void> {
  const env = process.env;
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: env.BENCH_URL ?? 'http://localhost:4000/graphql' },
      token: { type: 'string', default: env.BENCH_TOKEN },
      agreement: { type: 'string', default: env.BENCH_AGREEMENT },
      convoy: { type: 'string', default: env.BENCH_CONVOY },
      points: { type: 'string', default: env.BENCH_POINTS ?? '200000' },
      batch: { type: 'string', default: env.BENCH_BATCH ?? '2000' },
      concurrency: { type: 'string', default: env.BENCH_CONCURRENCY ?? '4' },
      pids: { type: 'string', default: env.BENCH_PIDS },
      help: { type: 'boolean' },
    },
  });
  if (values.help || !values.token) {
    if (!values.help) console.error('error: --token (or BENCH_TOKEN) is required: a token with the AGENCY role, and MEDIATOR too unless --convoy is given.');
    console.log(
      'Usage: node services/corridors/dist/bench-positions.js --token <AGENCY[,MEDIATOR] token> [--url URL] [--agreement ID | --convoy ID[,ID]]\n' +
        '       [--points 200000] [--batch 2000] [--concurrency 4] [--pids <gateway pid>,<corridors pid>]',
    );
    process.exit(values.help ? 0 : 2);
  }
  const send = gatewaySender(values.url!, values.token);
  let convoyIds = values.convoy?.split(',').map((s) => s.trim()).filter(Boolean) ?? [];
  if (convoyIds.length === 0) {
    const agreementId = values.agreement ?? (await send('{ agreements { id } }', {})).data?.agreements?.[0]?.id;
    if (!agreementId) throw new Error('No agreement to set up on: pass --agreement <id> or --convoy <id>.');
    convoyIds = await setUpConvoys(send, agreementId, 4);
    console.log(`set up convoys ${convoyIds.join(', ')} on agreement ${agreementId}`);
  }
  const result = await runPositionsBenchmark({
    send,
    convoyIds,
    points: Number(values.points),
    batchSize: Number(values.batch),
    concurrency: Number(values.concurrency),
    devicePrefix: `BENCH-${Date.now().toString(36)}`,
    pids: values.pids?.split(',').map(Number).filter(Number.isFinite),
    progress: (m) => console.log(m),
  });
  console.log(JSON.stringify(result, null, 2));
  console.log(`${result.pointsPerSecond} points/s (${result.points} points in ${result.seconds} s); bench peak RSS ${result.benchPeakRssMb} MB`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
