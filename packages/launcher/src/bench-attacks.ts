import { mkdtemp, readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SignJWT, exportSPKI, generateKeyPair } from 'jose';
import {
  createDataSource,
  deriveInternalKeys,
  generateMasterSecret,
  migrate,
  silentLogger,
  startService,
  generateSigningKey,
  type RunningSubgraph,
  type ServiceModule,
} from '@treaty/service-kit';
import { databaseUrl, ensureDatabase, startEmbeddedPostgres, type EmbeddedServer } from '@treaty/local-postgres';
import { SUBGRAPHS, buildGateway, createTokenVerifier, readSupergraph, serveGateway, type RunningGateway } from '@treaty/gateway';
import { corridors } from '@treaty/corridors';
import { guarantors } from '@treaty/guarantors';
import { milestones } from '@treaty/milestones';
import { prisoners } from '@treaty/prisoners';
import { loadAllDemos } from './demo-all.js';
import { REPO_ROOT } from './paths.js';

const HELP = `npm run bench:attacks [-- --runs 200 --warmup 10]

How fast the gateway refuses hostile operations, next to the accepted headline compliance query, in
the same run. Starts its own federation in this process (an embedded PostgreSQL in a temporary folder,
the four subgraphs and the gateway in production mode, all on loopback ports), loads the demo, sends
each attack --runs times one after the other, prints a table and stops, removing what it started.
No npm start needed; ports 4000-4004 are not used.`;

const ISSUER = 'treaty-bench-attacks';
const AUDIENCE = 'treaty-gateway';
const SERVICES: ServiceModule[] = [milestones, prisoners, corridors, guarantors];

const say = (msg: string) => console.error(`▸ ${msg}`);

interface Sample {
  status: number;
  code: string;
  ms: number;
}

/** One request, timed from the first byte sent to the last byte of the answer read. */
async function timed(url: string, init: RequestInit): Promise<Sample & { body: any }> {
  const t = process.hrtime.bigint();
  const res = await fetch(url, init);
  const text = await res.text();
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const code = body?.errors?.[0]?.extensions?.code ?? (body?.data ? 'data' : '-');
  return { status: res.status, code: String(code), ms, body };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

/** Everything the bench starts, in the order it must be stopped (last started, first stopped). */
interface Started {
  pg?: EmbeddedServer;
  subgraphs: RunningSubgraph[];
  databases: ReturnType<typeof createDataSource>[];
  gateway?: RunningGateway;
}

async function startFederation(started: Started) {
  const dir = await mkdtemp(path.join(tmpdir(), 'treaty-bench-attacks-'));
  say('PostgreSQL: starting an embedded server in a temporary folder…');
  started.pg = await startEmbeddedPostgres({ dir, persistent: false });
  const pg = started.pg;

  const master = generateMasterSecret();
  const names = ['gateway', ...SERVICES.map((s) => s.name)];
  const peers: Record<string, string> = {};
  const running: Record<string, RunningSubgraph> = {};
  say(`subgraphs: creating and migrating ${SERVICES.map((s) => s.name).join(', ')}…`);
  await Promise.all(
    SERVICES.map(async (s) => {
      const name = `bench_${s.name}`;
      await ensureDatabase(pg.baseUrl, name);
      const db = createDataSource({ url: databaseUrl(pg.baseUrl, name), entities: s.entities, migrations: s.migrations, applicationName: `bench-${s.name}`, poolSize: 10 });
      started.databases.push(db);
      await migrate(db);
      const r = await startService(s, {
        db,
        keys: deriveInternalKeys(master, s.name, names),
        port: 0,
        logger: silentLogger,
        peers,
        evidenceKey: generateSigningKey(),
      });
      started.subgraphs.push(r);
      peers[s.name] = r.url;
      running[s.name] = r;
    }),
  );
  const missing = SUBGRAPHS.filter((s) => !running[s.name]);
  if (missing.length) throw new Error(`The supergraph needs ${missing.map((m) => m.name).join(', ')}, which this bench did not start.`);

  const issuer = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const verifier = await createTokenVerifier({ publicKey: await exportSPKI(issuer.publicKey), issuer: ISSUER, audience: AUDIENCE });
  const built = buildGateway({
    supergraphSdl: await readSupergraph(),
    subgraphUrls: { ...peers },
    signer: { issuer: 'gateway', keys: deriveInternalKeys(master, 'gateway', names) },
    verifier,
    logger: silentLogger,
    settings: { production: true },
  });
  started.gateway = await serveGateway(built, { port: 0, host: '127.0.0.1', verifier, logger: silentLogger });
  const url = `http://127.0.0.1:${started.gateway.port}/graphql`;
  say(`gateway (production mode) on ${url}`);

  const mint = (claims: { agency: string; roles: string[]; partyId?: string; guarantorId?: string; subject?: string }) =>
    new SignJWT({ agency: claims.agency, roles: claims.roles, ...(claims.partyId ? { party_id: claims.partyId } : {}), ...(claims.guarantorId ? { guarantor_id: claims.guarantorId } : {}) })
      .setProtectedHeader({ alg: 'EdDSA' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(claims.subject ?? 'bench-attacks')
      .setIssuedAt()
      .setExpirationTime('2h')
      .sign(issuer.privateKey);
  return { url, running, mint };
}

async function stopAll(started: Started): Promise<void> {
  const report = (what: string) => (e: unknown) => say(`could not stop ${what} cleanly: ${e instanceof Error ? e.message : String(e)}`);
  await started.gateway?.close().catch(report('the gateway'));
  await Promise.all(started.subgraphs.map((s) => s.close().catch(report('a subgraph'))));
  // Each subgraph's close() destroys its pool; pool.end() returns before PostgreSQL has seen every
  // connection go, and a fast shutdown then reports the stragglers as errors. Make sure, then wait a moment.
  await Promise.all(started.databases.filter((db) => db.isInitialized).map((db) => db.destroy().catch(report('a database pool'))));
  await new Promise((r) => setTimeout(r, 300));
  await started.pg?.stop().catch(report('PostgreSQL'));
}

// ---- the attacks (the same shapes as test/attacks.e2e.ts) ---------------------------------------------

function deepQuery(levels: number): string {
  const fields = Array.from({ length: levels }, (_, i) => (i % 2 === 0 ? 'agreements' : 'parties'));
  return `{ ${fields.map((f) => `${f} {`).join(' ')} id ${'}'.repeat(levels)} }`;
}
const aliases = (n: number, selection: string) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${selection}`).join(' ')} }`;
const CREATE_AGREEMENT = `mutation ($input: CreateAgreementInput!) { createAgreement(input: $input) { id } }`;
const agreementInput = (over: Record<string, unknown>) => ({
  title: 'Bench attack agreement',
  entryIntoForceAt: '2026-06-01T00:00:00Z',
  parties: [
    { name: 'Bench Party A', kind: 'GOVERNMENT' },
    { name: 'Bench Party B', kind: 'OTHER' },
  ],
  phases: [{ ordinal: 1, name: 'Only phase', startDay: 0, endDay: 30, permittedCargo: ['HUMANITARIAN_AID'] }],
  ...over,
});

interface Attack {
  name: string;
  /** What DESIGN §5 says the answer is. */
  expected: { status: number; code: string };
  anonymous?: boolean;
  body: string;
}

function attacks(): Attack[] {
  const json = (query: string, variables: Record<string, unknown> = {}) => JSON.stringify({ query, variables });
  return [
    { name: 'depth 101', expected: { status: 400, code: 'OPERATION_TOO_COMPLEX' }, body: json(deepQuery(101)) },
    { name: '1,000 aliases', expected: { status: 400, code: 'OPERATION_TOO_COMPLEX' }, body: json(aliases(1000, 'agreements { milestones { compliance { verdict } } }')) },
    { name: '200,000 root aliases', expected: { status: 413, code: 'PAYLOAD_TOO_LARGE' }, body: json(aliases(200_000, '__typename').replace(/: /g, ':')) },
    { name: 'over 2,000 tokens', expected: { status: 400, code: 'OPERATION_TOO_COMPLEX' }, body: json(`{ ${'agreements { id } '.repeat(600)} }`) },
    {
      name: 'cost (7 levels, wide)',
      expected: { status: 400, code: 'OPERATION_TOO_COMPLEX' },
      body: json(`{ agreements { parties { agreements { parties { agreements { milestones { ${'title dueDay status dueAt '.repeat(60)} } } } } } } }`),
    },
    { name: '50 directives', expected: { status: 400, code: 'OPERATION_TOO_COMPLEX' }, body: json(`{ agreements { ${'id @include(if: true) '.repeat(50)} } }`) },
    {
      name: 'circular fragments',
      expected: { status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
      body: json('{ agreements { ...A } } fragment A on Agreement { parties { agreements { ...B } } } fragment B on Agreement { ...A }'),
    },
    { name: 'bad DateTime (30 Feb)', expected: { status: 400, code: 'BAD_USER_INPUT' }, body: json(CREATE_AGREEMENT, { input: agreementInput({ entryIntoForceAt: '2026-02-30T10:00:00Z' }) }) },
    { name: 'NUL in a variable', expected: { status: 400, code: 'BAD_USER_INPUT' }, body: json(CREATE_AGREEMENT, { input: agreementInput({ title: 'a\u0000b' }) }) },
    { name: 'untrusted, anonymous', expected: { status: 400, code: 'OPERATION_NOT_TRUSTED' }, anonymous: true, body: json('{ agreements { title } }') },
  ];
}

// ---- the run -------------------------------------------------------------------------------------------

interface Row {
  name: string;
  status: string;
  code: string;
  median: number;
  p95: number;
  subgraphCalls: number;
  note: string;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '200' }, warmup: { type: 'string', default: '10' }, help: { type: 'boolean' } } });
  if (values.help) return console.log(HELP);
  const runs = Number(values.runs);
  const warmup = Number(values.warmup);
  if (!Number.isInteger(runs) || runs < 1 || runs > 2000) throw new Error('--runs must be a whole number from 1 to 2000, e.g. 200.');
  if (!Number.isInteger(warmup) || warmup < 0 || warmup > 200) throw new Error('--warmup must be a whole number from 0 to 200, e.g. 10.');

  const started: Started = { subgraphs: [], databases: [] };
  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping the federation and removing the temporary database…');
    await stopAll(started);
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(130));
  process.on('SIGTERM', () => void stop(143));

  try {
    const { url, running, mint } = await startFederation(started);
    let subgraphCalls = 0;
    for (const r of Object.values(running)) (r.http as Server).on('request', () => subgraphCalls++);

    say('loading the demo scenario…');
    const demo = await loadAllDemos(url, (claims) => mint(claims), () => {});
    const token = await mint({ agency: 'Bench attack envoy', roles: ['MEDIATOR'] });
    const headers = (anonymous: boolean) => ({ 'content-type': 'application/json', ...(anonymous ? {} : { authorization: `Bearer ${token}` }) });
    const headline = await readFile(path.join(REPO_ROOT, 'gateway', 'operations', 'compliance.graphql'), 'utf8');
    const headlineBody = JSON.stringify({ query: headline, variables: { id: demo.agreementId } });

    const measure = async (name: string, body: string, anonymous: boolean, check: (s: Sample & { body: any }) => string | null) => {
      for (let i = 0; i < warmup; i++) await timed(url, { method: 'POST', headers: headers(anonymous), body });
      const calls = subgraphCalls;
      const samples: Sample[] = [];
      const seen = new Map<string, number>();
      let problem: string | null = null;
      for (let i = 0; i < runs; i++) {
        const s = await timed(url, { method: 'POST', headers: headers(anonymous), body });
        samples.push(s);
        const key = `${s.status} ${s.code}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
        problem ??= check(s);
        if ((i + 1) % 50 === 0 || i + 1 === runs) process.stderr.write(process.stderr.isTTY ? `\r  ${name}: ${i + 1}/${runs}` : `  ${name}: ${i + 1}/${runs}\n`);
      }
      if (process.stderr.isTTY) process.stderr.write('\n');
      const times = samples.map((s) => s.ms).sort((a, b) => a - b);
      const [first] = [...seen.entries()].sort((a, b) => b[1] - a[1]);
      const [status, code] = first![0].split(' ');
      const varied = seen.size > 1 ? ` (varied: ${[...seen.entries()].map(([k, n]) => `${k} x${n}`).join(', ')})` : '';
      return { name, status: status!, code: code!, median: percentile(times, 0.5), p95: percentile(times, 0.95), subgraphCalls: subgraphCalls - calls, note: (problem ?? '') + varied };
    };

    const answered = (s: Sample & { body: any }) =>
      s.status !== 200 || s.body?.errors ? `answered with errors: HTTP ${s.status} ${JSON.stringify(s.body?.errors ?? s.body).slice(0, 200)}` : null;

    say(`measuring the headline query (${runs} runs, ${warmup} warm-up)…`);
    const before = await measure('headline (token)', headlineBody, false, answered);
    const anonymousHeadline = await measure('headline (anonymous, trusted)', headlineBody, true, answered);
    const rows: Row[] = [];
    for (const attack of attacks()) {
      say(`attack: ${attack.name}`);
      rows.push(
        await measure(attack.name, attack.body, attack.anonymous ?? false, (s) =>
          s.status !== attack.expected.status || s.code !== attack.expected.code ? `EXPECTED ${attack.expected.status} ${attack.expected.code}` : null,
        ),
      );
    }
    say('measuring the headline query again, after the attacks…');
    const after = await measure('headline (token), after', headlineBody, false, answered);

    const base = (before.median + after.median) / 2;
    const table: string[][] = [['attack', 'HTTP', 'code', 'median ms', 'p95 ms', 'headline median ms', 'refusal/headline', 'subgraph calls', 'note']];
    const line = (r: Row, ratio: boolean) => [r.name, r.status, r.code, r.median.toFixed(2), r.p95.toFixed(2), base.toFixed(2), ratio ? (r.median / base).toFixed(3) : '-', String(r.subgraphCalls), r.note];
    table.push(line(before, false), line(anonymousHeadline, false));
    for (const r of rows) table.push(line(r, true));
    table.push(line(after, false));
    const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
    const print = (row: string[]) => console.log(row.map((c, i) => (i >= 3 && i <= 7 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd());
    console.log('');
    console.log(`Attacks on the gateway (production mode), ${runs} sequential runs each after ${warmup} warm-up, loopback only, Node ${process.version}.`);
    console.log(`Headline median is the mean of the medians before (${before.median.toFixed(2)} ms) and after (${after.median.toFixed(2)} ms) the attacks. Attacks other than "untrusted, anonymous" carry a MEDIATOR token.`);
    print(table[0]!);
    print(widths.map((w) => '-'.repeat(w)));
    for (const row of table.slice(1)) print(row);
    const wrong = rows.filter((r) => r.note.includes('EXPECTED'));
    if (wrong.length) console.log(`\n${wrong.length} attack(s) answered other than DESIGN §5 says: ${wrong.map((r) => r.name).join(', ')}.`);
    await stop(0);
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    await stop(1);
  }
}

void main();
