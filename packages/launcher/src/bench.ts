import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { mintDevToken } from './keys.js';
import { REPO_ROOT } from './paths.js';
import { gql, startGateway, startStack, type Gateway } from './bench-stack.js';
import { cpuSnapshot, rssMb, type Accounted } from './bench-procs.js';
import { measureRoundTrip, type RoundTripCost } from './bench-roundtrip.js';

/**
 * `npm run bench`: the performance of the whole stack, measured side by side in one run.
 *
 * It starts its own federation with `npm start`'s launcher (separate processes, embedded PostgreSQL,
 * the demo scenario) in a temporary data directory, or with --running uses the one `npm start` runs
 * on TREATY_DATA_DIR. In front of the same subgraphs it starts three gateways: ours with the response
 * cache off, ours with it on, and a stock @apollo/gateway (bench-stock-gateway.ts). Runs of the
 * headline query (gateway/operations/compliance.graphql, MEDIATOR) are interleaved A, B, C, then B, C,
 * A, ... so that drift of this noisy machine falls on all alike, and every figure is printed with its
 * ratio to its counterpart or target. CPU is read from /proc per process; SQL statements from each
 * subgraph's /metrics.
 *
 *   npm run bench [-- --seconds 5 --rounds 3 --running --skip-headline --skip-sizes --skip-ingest --profile DIR]
 *
 * --profile DIR: every process it starts writes a V8 CPU profile (.cpuprofile) into DIR when it stops.
 * Profiling slows every process, so the figures of such a run are not the ones to report.
 */

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    running: { type: 'boolean', default: false },
    'skip-sizes': { type: 'boolean', default: false },
    'skip-ingest': { type: 'boolean', default: false },
    'skip-headline': { type: 'boolean', default: false },
    profile: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
const SECONDS = Number(args.seconds);
const ROUNDS = Number(args.rounds);
const CONNECTIONS = [1, 10, 50];
const log = (msg: string) => console.error(`▸ ${msg}`);

interface Run {
  requests: number;
  seconds: number;
  latencies: number[];
  errors: number;
  cpuMs: Map<string, number>;
  peakRssMb: number;
}

/** One timed run of `connections` clients posting `body` for SECONDS, with CPU and RSS of `procs`. */
async function run(url: string, headers: Record<string, string>, body: string, connections: number, procs: Accounted[], rssOf?: number): Promise<Run> {
  const latencies: number[] = [];
  const before = cpuSnapshot(procs);
  let peakRssMb = rssOf ? rssMb(rssOf) : 0;
  const sampler = rssOf ? setInterval(() => (peakRssMb = Math.max(peakRssMb, rssMb(rssOf))), 200) : null;
  const started = performance.now();
  const tracker = autocannon({ url, method: 'POST', headers, body, connections, duration: SECONDS });
  tracker.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status === 200) latencies.push(ms);
  });
  const result = await tracker;
  const seconds = (performance.now() - started) / 1000;
  if (sampler) clearInterval(sampler);
  const after = cpuSnapshot(procs);
  const cpuMs = new Map([...after].map(([k, v]) => [k, v - (before.get(k) ?? 0)]));
  return { requests: latencies.length, seconds, latencies, errors: result.errors + result.non2xx + result.timeouts, cpuMs, peakRssMb };
}

const quantile = (sorted: number[], q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : NaN);

interface Summary {
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  requests: number;
  cpuPerRequest: Map<string, number>;
  peakRssMb: number;
}

function summarise(runs: Run[]): Summary {
  const latencies = runs.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const requests = runs.reduce((s, r) => s + r.requests, 0);
  const seconds = runs.reduce((s, r) => s + r.seconds, 0);
  const cpu = new Map<string, number>();
  for (const r of runs) for (const [k, v] of r.cpuMs) cpu.set(k, (cpu.get(k) ?? 0) + v);
  return {
    rps: requests / seconds,
    p50: quantile(latencies, 0.5),
    p95: quantile(latencies, 0.95),
    p99: quantile(latencies, 0.99),
    errors: runs.reduce((s, r) => s + r.errors, 0),
    requests,
    cpuPerRequest: new Map([...cpu].map(([k, v]) => [k, requests ? v / requests : NaN])),
    peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)),
  };
}

/** SQL statements each subgraph has issued in all, from its /metrics. */
async function statementTotals(ports: Record<string, number>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [name, port] of Object.entries(ports)) {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    out[name] = [...text.matchAll(/^treaty_db_statement_duration_seconds_count\{[^}]*\} (\d+(?:\.\d+)?)/gm)].reduce((s, m) => s + Number(m[1]), 0);
  }
  return out;
}

/** Subgraph fetches a gateway has made (its treaty_subgraph_fetch_duration_seconds histogram). */
async function fetchTotal(graphqlUrl: string): Promise<number> {
  const text = await (await fetch(graphqlUrl.replace(/\/graphql$/, '/metrics'))).text();
  return [...text.matchAll(/^treaty_subgraph_fetch_duration_seconds_count\{[^}]*\} (\d+(?:\.\d+)?)/gm)].reduce((s, m) => s + Number(m[1]), 0);
}

/** An agreement with `n` milestones, each with the demo's kinds of benchmark, and every kind of snap-back clause. */
async function agreementWith(url: string, token: string, n: number): Promise<string> {
  const a = (
    await gql(url, token, `mutation ($input: CreateAgreementInput!) { createAgreement(input: $input) { id parties { id } } }`, {
      input: {
        title: `Benchmark accord, ${n} milestones`,
        entryIntoForceAt: new Date(Date.now() - 20 * 86_400_000).toISOString(),
        parties: [{ name: `Bench Republic ${n}`, kind: 'GOVERNMENT' }, { name: `Bench Front ${n}`, kind: 'NON_STATE_ARMED_GROUP' }],
        phases: [{ ordinal: 1, name: 'Phase 1', startDay: 0, endDay: 120, permittedCargo: ['HUMANITARIAN_AID'] }],
      },
    })
  ).createAgreement;
  const benchmarks = [
    { metric: 'DETAINEES_RELEASED', comparator: 'AT_LEAST', threshold: 5 },
    { metric: 'TRUCKS_DELIVERED', comparator: 'AT_LEAST', threshold: 50 },
    { metric: 'ESCROW_FUNDED_RATIO', comparator: 'AT_LEAST', threshold: 1 },
    { metric: 'QUIET_HOURS', comparator: 'AT_LEAST', threshold: 72 },
  ];
  for (let i = 0; i < n; i += 20) {
    await Promise.all(
      Array.from({ length: Math.min(20, n - i) }, (_, k) =>
        gql(url, token, `mutation ($input: AddMilestoneInput!) { addMilestone(input: $input) { id } }`, {
          input: { agreementId: a.id, phaseOrdinal: 1, title: `Step ${i + k + 1}`, obligatedPartyId: a.parties[(i + k) % 2].id, dueDay: 1 + ((i + k) % 120), benchmarks },
        }),
      ),
    );
  }
  for (const clause of [{ trigger: 'MILESTONE_MISSED', reverts: 'Phase 2 cargo' }, { trigger: 'VIOLATIONS_THRESHOLD', threshold: 3, windowHours: 72, reverts: 'Phase 2 cargo' }, { trigger: 'RULING_CONFIRMS_BREACH', reverts: 'Sanctions relief' }]) {
    await gql(url, token, `mutation ($input: AddSnapBackClauseInput!) { addSnapBackClause(input: $input) { id } }`, { input: { agreementId: a.id, ...clause } });
  }
  return a.id;
}

const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(v < 10 ? 2 : 1) : '–');
const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? (a / b).toFixed(2) : '–');
const pad = (s: string, n: number) => s.padEnd(n);

async function main(): Promise<void> {
  if (args.help) {
    console.log('npm run bench [-- --seconds 5 --rounds 3 --running --skip-headline --skip-sizes --skip-ingest --profile DIR]');
    return;
  }
  if (process.platform !== 'linux') throw new Error('npm run bench reads CPU and memory from /proc, so it runs on Linux only.');
  if (args.profile) {
    if (args.running) throw new Error('--profile starts its own processes; it cannot profile the federation npm start runs (--running).');
    process.env.TREATY_CPU_PROFILE_DIR = path.resolve(args.profile);
    log(`CPU profiles go to ${process.env.TREATY_CPU_PROFILE_DIR}; profiling slows every process, so do not report these figures`);
  }
  const stack = await startStack(args.running!, log);
  const gateways: Gateway[] = [];
  try {
    const mediatorCaller = { agency: 'Benchmark Mediation Office', roles: ['MEDIATOR' as const], subject: 'bench' };
    const token = await mintDevToken(stack.keys, mediatorCaller);
    const env = stack.gatewayEnv;
    log('starting three gateways over the same subgraphs: ours (cache off), ours (cache on), stock @apollo/gateway');
    gateways.push(await startGateway('ours, cache off', 'gateway/dist/main.js', { ...env, GATEWAY_RESPONSE_CACHE: 'off' }));
    gateways.push(await startGateway('ours, cache on', 'gateway/dist/main.js', { ...env, GATEWAY_RESPONSE_CACHE: 'on' }));
    gateways.push(
      await startGateway('stock @apollo/gateway', 'packages/launcher/dist/bench-stock-gateway.js', {
        ...env,
        BENCH_CALLER: JSON.stringify({ agency: mediatorCaller.agency, roles: mediatorCaller.roles, subject: mediatorCaller.subject }),
      }),
    );
    const [off, on, stock] = gateways as [Gateway, Gateway, Gateway];
    const backends = stack.procs.filter((p) => !p.name.startsWith('gateway'));
    const accounted = [...backends, ...gateways.map((g) => g.proc)];

    const query = await readFile(path.join(REPO_ROOT, 'gateway/operations/compliance.graphql'), 'utf8');
    const { agreements } = await gql<{ agreements: { id: string; title: string }[] }>(off.url, token, '{ agreements { id title } }');
    const demo = agreements.find((a) => a.title.startsWith('Veltria')) ?? agreements[0];
    if (!demo) throw new Error('The federation holds no agreement to query.');
    const body = JSON.stringify({ query, variables: { id: demo.id } });
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    // The same answer from all three, before anything is timed.
    const answers = await Promise.all(gateways.map(async (g) => JSON.stringify((await (await fetch(g.url, { method: 'POST', headers, body })).json()) as object)));
    for (const [i, a] of answers.entries()) {
      if (a !== answers[0]) throw new Error(`${gateways[i]!.name} answers the headline query differently from ${gateways[0]!.name}: ${a.slice(0, 300)}`);
      if (a.includes('"errors"')) throw new Error(`${gateways[i]!.name} answers the headline query with errors: ${a.slice(0, 300)}`);
    }

    // SQL statements per request, per service: one short run on the uncached gateway.
    // The alert watchers (1 s tick) and purges run statements of their own, so the same time idle is
    // measured first and its statements are taken off the run's.
    log('SQL statements per request: an idle window, then one connection for as long');
    const sqlIdleFrom = await statementTotals(stack.subgraphPorts);
    const idleCpuFrom = cpuSnapshot(accounted);
    const idleStarted = performance.now();
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    const sqlBefore = await statementTotals(stack.subgraphPorts);
    const idleSeconds = (performance.now() - idleStarted) / 1000;
    const idleCpuTo = cpuSnapshot(accounted);
    // CPU ms per second each process spends with no request at all (alert watchers, purges, metrics).
    const idleCpuPerSecond = new Map([...idleCpuTo].map(([k, v]) => [k, (v - (idleCpuFrom.get(k) ?? 0)) / idleSeconds]));
    const fetchesBefore = await fetchTotal(off.url);
    const sqlRun = await run(off.url, headers, body, 1, []);
    const sqlAfter = await statementTotals(stack.subgraphPorts);
    const fetchesPerRequest = ((await fetchTotal(off.url)) - fetchesBefore) / sqlRun.requests;
    const idleRate = (k: string) => (sqlBefore[k]! - sqlIdleFrom[k]!) / idleSeconds;
    const sqlPerRequest = Object.fromEntries(
      Object.entries(sqlAfter).map(([k, v]) => {
        const background = idleRate(k) * sqlRun.seconds;
        return [k, Math.max(0, v - sqlBefore[k]! - background) / sqlRun.requests];
      }),
    );

    // What a loopback round trip costs this machine, measured while the stack is idle.
    log('one loopback round trip: its CPU, both ends');
    const roundTrip: RoundTripCost = await measureRoundTrip();

    // The headline, interleaved across the three gateways at each number of connections.
    const results = new Map<string, Summary>();
    const sqlAt10: Record<string, number> = {};
    let requestsAt10 = 0;
    for (const c of args['skip-headline'] ? [] : CONNECTIONS) {
      const runs = new Map<string, Run[]>(gateways.map((g) => [g.name, []]));
      for (const g of gateways) await run(g.url, headers, body, c, []); // warm-up, untimed
      for (let r = 0; r < ROUNDS; r++) {
        for (let k = 0; k < gateways.length; k++) {
          const g = gateways[(r + k) % gateways.length]!;
          log(`headline, ${c} connection(s), round ${r + 1}/${ROUNDS}: ${g.name}`);
          const counted = g === off && c === 10;
          const sqlFrom = counted ? await statementTotals(stack.subgraphPorts) : null;
          const timed = await run(g.url, headers, body, c, accounted, g.proc.pid);
          runs.get(g.name)!.push(timed);
          if (sqlFrom) {
            // Statements at 10 connections, where concurrent requests share credential claims.
            const sqlTo = await statementTotals(stack.subgraphPorts);
            for (const k of Object.keys(sqlTo)) sqlAt10[k] = (sqlAt10[k] ?? 0) + Math.max(0, sqlTo[k]! - sqlFrom[k]! - idleRate(k) * timed.seconds);
            requestsAt10 += timed.requests;
          }
        }
      }
      for (const g of gateways) results.set(`${g.name}@${c}`, summarise(runs.get(g.name)!));
    }

    // 10 against 300 milestones, one connection, uncached, interleaved.
    let sizes: { small: Summary; large: Summary } | null = null;
    if (!args['skip-sizes']) {
      log('creating agreements of 10 and 300 milestones');
      const small = await agreementWith(off.url, token, 10);
      const large = await agreementWith(off.url, token, 300);
      const bodyOf = (id: string) => JSON.stringify({ query, variables: { id } });
      const s: Run[] = [];
      const l: Run[] = [];
      await run(off.url, headers, bodyOf(small), 1, []);
      await run(off.url, headers, bodyOf(large), 1, []);
      for (let r = 0; r < ROUNDS; r++) {
        log(`sizes, round ${r + 1}/${ROUNDS}`);
        s.push(await run(off.url, headers, bodyOf(small), 1, accounted));
        l.push(await run(off.url, headers, bodyOf(large), 1, accounted));
      }
      sizes = { small: summarise(s), large: summarise(l) };
    }

    // GPS ingest through our gateway (services/corridors/src/bench-positions.ts), in both shapes the
    // mutation takes: compact tracks of rows (the target is measured on these) and one object per point.
    // bytesPerPoint: a full batch's body over the points in it (the bench sends full batches of batchSize).
    type Ingest = { pointsPerSecond: number; bytesPerPoint: number };
    const ingest: Partial<Record<'tracks' | 'points', Ingest>> = {};
    if (!args['skip-ingest']) {
      try {
        const { ingestRate } = await import('@treaty/corridors/bench-positions');
        for (const form of ['tracks', 'points'] as const) {
          log(`GPS ingest through the gateway, batches sent as ${form}`);
          const r = await ingestRate(off.url, (claims) => mintDevToken(stack.keys, claims as never), { points: 200_000, form });
          ingest[form] = { pointsPerSecond: r.pointsPerSecond, bytesPerPoint: Math.round(r.batchBytes / r.batchSize) };
        }
      } catch (e) {
        log(`GPS ingest not measured: ${(e as Error).message}`);
      }
    }

    // ---- Report ----
    const out: string[] = [];
    const targets: [string, string, boolean][] = [];
    const target = (what: string, value: string, ok: boolean) => targets.push([what, value, ok]);
    if (results.size) {
      out.push('', `Headline compliance query (demo agreement, MEDIATOR), ${ROUNDS} interleaved runs of ${SECONDS} s per gateway and connection count:`, '');
      out.push(`${pad('gateway', 24)}${pad('conns', 7)}${pad('req/s', 10)}${pad('p50 ms', 9)}${pad('p95 ms', 9)}${pad('p99 ms', 9)}${pad('errors', 8)}peak RSS MB`);
      for (const c of CONNECTIONS) {
        for (const g of gateways) {
          const s = results.get(`${g.name}@${c}`)!;
          out.push(`${pad(g.name, 24)}${pad(String(c), 7)}${pad(s.rps.toFixed(1), 10)}${pad(ms(s.p50), 9)}${pad(ms(s.p95), 9)}${pad(ms(s.p99), 9)}${pad(String(s.errors), 8)}${s.peakRssMb.toFixed(0)}`);
        }
      }
      out.push('', 'CPU milliseconds per request, per process (10 connections):', '');
      const procNames = [...backends.map((p) => p.name), 'gateway'];
      out.push(`${pad('gateway', 24)}${procNames.map((n) => pad(n, 12)).join('')}whole stack`);
      const wholeStack = new Map<string, number>();
      for (const g of gateways) {
        const s = results.get(`${g.name}@10`)!;
        const cells = backends.map((p) => s.cpuPerRequest.get(p.name) ?? NaN);
        const own = s.cpuPerRequest.get(g.name) ?? NaN;
        const total = [...cells, own].reduce((a, b) => a + b, 0);
        wholeStack.set(g.name, total);
        out.push(`${pad(g.name, 24)}${[...cells, own].map((v) => pad(ms(v), 12)).join('')}${ms(total)}`);
      }
      const perService = (m: Record<string, number>, n: number) => Object.entries(m).map(([k, v]) => `${k} ${(v / n).toFixed(1)}`).join(', ');
      const sum = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);
      const offRps10 = results.get(`${off.name}@10`)!.rps;
      const idleOf = (name: string) => idleCpuPerSecond.get(name) ?? 0;
      const idleWhole = [...backends.map((p) => idleOf(p.name)), idleOf(off.name)].reduce((a, b) => a + b, 0);
      out.push(
        '',
        `Idle, with no request: CPU ms per second ${[...backends.map((p) => `${p.name} ${idleOf(p.name).toFixed(1)}`), `gateway ${idleOf(off.name).toFixed(1)}`].join(', ')};`,
        `${idleWhole.toFixed(1)} in all, which at ${offRps10.toFixed(0)} req/s (10 connections, cache off) is ${(idleWhole / offRps10).toFixed(2)} ms of each request's whole-stack figure.`,
      );
      out.push('', 'SQL statements per headline request (the idle background taken off):');
      out.push(`  1 connection:   ${perService(sqlPerRequest, 1)}; ${sum(sqlPerRequest).toFixed(1)} in all`);
      if (requestsAt10) out.push(`  10 connections: ${perService(sqlAt10, requestsAt10)}; ${(sum(sqlAt10) / requestsAt10).toFixed(1)} in all (concurrent requests share credential claims)`);
      const hops = fetchesPerRequest + (requestsAt10 ? sum(sqlAt10) / requestsAt10 : sum(sqlPerRequest));
      const floorMs = (hops * roundTrip.cpuMicros) / 1000;
      out.push(
        '',
        `Round trips: one over loopback TCP costs this machine ${roundTrip.cpuMicros.toFixed(0)} µs of CPU, both ends (${roundTrip.wallMicros.toFixed(0)} µs wall).`,
        `The headline makes ${fetchesPerRequest.toFixed(1)} subgraph fetches and the statements above at 10 connections: ${hops.toFixed(1)} round trips,`,
        `about ${floorMs.toFixed(1)} ms of the whole stack's CPU per request before any process does its own work.`,
      );

      const offAt = (c: number) => results.get(`${off.name}@${c}`)!;
      const onAt = (c: number) => results.get(`${on.name}@${c}`)!;
      const stockAt = (c: number) => results.get(`${stock.name}@${c}`)!;
      const cpu = wholeStack.get(off.name)!;
      target('whole-stack CPU per uncached headline request <= 12 ms', `${ms(cpu)} ms (ratio to target ${ratio(cpu, 12)}; ${ms(cpu - idleWhole / offRps10)} without the idle background)`, cpu <= 12);
      target('cached RPS at 50 connections >= 20x uncached', `${ratio(onAt(50).rps, offAt(50).rps)}x`, onAt(50).rps >= 20 * offAt(50).rps);
      for (const c of [10, 50]) {
        target(`ours (cache off) RPS >= stock at ${c} connections`, `${ratio(offAt(c).rps, stockAt(c).rps)}x`, offAt(c).rps >= stockAt(c).rps);
        target(`ours (cache off) p95 <= stock at ${c} connections`, `${ratio(offAt(c).p95, stockAt(c).p95)}x`, offAt(c).p95 <= stockAt(c).p95);
      }
      const gwCpu1 = offAt(1).cpuPerRequest.get(off.name)!;
      target('gateway overhead at 1 connection <= 10% of end-to-end p50 (gateway CPU per request / p50)', `${((100 * gwCpu1) / offAt(1).p50).toFixed(1)} %`, gwCpu1 <= 0.1 * offAt(1).p50);
      target('gateway RSS under the 50-connection load <= 250 MB', `${offAt(50).peakRssMb.toFixed(0)} MB (cache on: ${onAt(50).peakRssMb.toFixed(0)} MB; stock: ${stockAt(50).peakRssMb.toFixed(0)} MB)`, Math.max(offAt(50).peakRssMb, onAt(50).peakRssMb) <= 250);
    }
    if (sizes) {
      // Where the extra cost of size goes: each process's CPU per request at both sizes.
      const { small, large } = sizes;
      const names = [...backends.map((p) => p.name), off.name];
      out.push('', 'CPU milliseconds per request, per process, 10 against 300 milestones (1 connection, cache off):', '');
      out.push(`${pad('', 16)}${names.map((n) => pad(n === off.name ? 'gateway' : n, 12)).join('')}whole stack`);
      for (const [label, s] of [['10', small], ['300', large]] as const) {
        const cells = names.map((n) => s.cpuPerRequest.get(n) ?? NaN);
        out.push(`${pad(`${label} milestones`, 16)}${[...cells, cells.reduce((a, b) => a + b, 0)].map((v) => pad(ms(v), 12)).join('')}`);
      }
      const ratios = names.map((n) => ratio(large.cpuPerRequest.get(n)!, small.cpuPerRequest.get(n)!));
      const whole = (s: Summary) => names.reduce((a, n) => a + (s.cpuPerRequest.get(n) ?? 0), 0);
      out.push(`${pad('ratio', 16)}${[...ratios, ratio(whole(large), whole(small))].map((v) => pad(v, 12)).join('')}`);
      // The gateway runs on one thread, so its own CPU is a floor under the 300-milestone latency.
      const gw300 = large.cpuPerRequest.get(off.name)!;
      out.push(
        '',
        `The gateway's own CPU for one 300-milestone answer is ${ms(gw300)} ms, ${ratio(gw300, small.p50)}x the whole 10-milestone p50 (${ms(small.p50)} ms).`,
        gw300 > 2 * small.p50
          ? 'Its one thread spends that on every answer, so the 2x size target cannot be met until the gateway does less per milestone.'
          : 'That leaves room under the 2x size target for the subgraphs and PostgreSQL.',
      );
      target('300-milestone p50 within 2x of 10 milestones (1 connection)', `${ms(large.p50)} / ${ms(small.p50)} ms = ${ratio(large.p50, small.p50)}x`, large.p50 <= 2 * small.p50);
    }
    if (ingest.tracks) {
      const t = ingest.tracks;
      const vs = ingest.points ? `; one object per point: ${Math.round(ingest.points.pointsPerSecond).toLocaleString('en')} points/s, ${ingest.points.bytesPerPoint} bytes a point, tracks ${ratio(t.pointsPerSecond, ingest.points.pointsPerSecond)} of it` : '';
      target('GPS ingest through the gateway >= 100,000 points/s', `${Math.round(t.pointsPerSecond).toLocaleString('en')} points/s as tracks, ${t.bytesPerPoint} bytes a point (ratio to target ${ratio(t.pointsPerSecond, 100_000)})${vs}`, t.pointsPerSecond >= 100_000);
    }
    out.push('', 'Targets (issue 16):', '');
    for (const [what, value, ok] of targets) out.push(`  ${ok ? 'met   ' : 'MISSED'}  ${pad(what, 88)} ${value}`);
    console.log(out.join('\n'));
  } finally {
    for (const g of gateways) g.child.kill('SIGTERM');
    await stack.stop();
  }
}

main().catch((e) => {
  console.error(`✗ ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
