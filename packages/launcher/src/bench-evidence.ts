import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ApolloServer } from '@apollo/server';
import type { DataSource, EntityManager } from 'typeorm';
import { canonicalJson, fromHex, hashChildren, hashLeaf, hex, verifyConsistency, verifyInclusion } from '@treaty/evidence';
import {
  EvidenceLog,
  createDataSource,
  generateDataKeys,
  generateSigningKey,
  migrate,
  openEvidenceLog,
  silentLogger,
  systemClock,
  type AppendedFact,
  type BaseContext,
  type Caller,
  type LogEntryRef,
} from '@treaty/service-kit';
import { databaseUrl, ensureDatabase, startEmbeddedPostgres, type EmbeddedServer } from '@treaty/local-postgres';
import { milestones } from '@treaty/milestones';

const HELP = `npm run bench:evidence [-- --entries 1000000 --runs 200]

What the evidence log (DESIGN §11) costs, measured side by side in one run. Starts an embedded PostgreSQL
in a temporary folder and the milestones service in this process, then:
  1. fills its log with --entries synthetic entries (default one million), built as the service builds
     them (canonical entries chained by hash, every perfect subtree node stored);
  2. serves --runs inclusion proofs, consistency proofs and signed heads from it, each checked with
     verifyInclusion / verifyConsistency, directly and through the service's GraphQL schema;
  3. runs certifyMilestone --runs times with the log and --runs times with a log that appends nothing,
     interleaved, and prints both p50s and their difference.
Prints a table of medians and 99th percentiles; removes everything it started.`;

const say = (msg: string) => console.error(`▸ ${msg}`);
const MEDIATOR: Caller = { subject: 'bench-mediator', agency: 'Office of the Envoy', roles: ['MEDIATOR'], partyId: null, guarantorId: null, purpose: null, via: null };
const MONITOR: Caller = { ...MEDIATOR, subject: 'bench-monitor', agency: 'Joint Monitoring Cell', roles: ['MONITOR'] };

/** The counterfactual of part 3: the same service with a log that appends nothing. */
class NoLog extends EvidenceLog {
  override async append(_m: EntityManager, f: AppendedFact): Promise<LogEntryRef> {
    return { log: this.log, leafIndex: -1, leafHash: '', kind: f.kind, subject: f.subject, recordedAt: new Date(), entry: '' };
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
function summary(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99) };
}
async function time<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = process.hrtime.bigint();
  const out = await fn();
  return [Number(process.hrtime.bigint() - t) / 1e6, out];
}

/** Writes `n` entries and every perfect node over them in batches, as appends would have, and sets the size. */
async function fill(db: DataSource, log: string, n: number): Promise<void> {
  const BATCH = 20_000;
  let prev = '';
  // The perfect nodes completed so far, per level, waiting for their right sibling.
  const pending: Uint8Array[] = [];
  const started = Date.now();
  for (let from = 0; from < n; from += BATCH) {
    const to = Math.min(n, from + BATCH);
    const idx: number[] = [];
    const texts: string[] = [];
    const levels: number[] = [];
    const nodeIdx: number[] = [];
    const hashes: Buffer[] = [];
    const at = new Date('2026-03-01T00:00:00.000Z').toISOString();
    for (let i = from; i < to; i += 1) {
      const entry = canonicalJson({ v: 1, log, index: i, prev, at, kind: 'bench', by: { agency: 'bench', roles: [] }, fact: { n: i } });
      const leaf = hashLeaf(new TextEncoder().encode(entry));
      prev = hex(leaf);
      idx.push(i);
      texts.push(entry);
      levels.push(0);
      nodeIdx.push(i);
      hashes.push(Buffer.from(leaf));
      // Carry up: each completed pair becomes a node one level higher.
      let node = leaf;
      let level = 0;
      let index = i;
      while (index % 2 === 1) {
        node = hashChildren(pending[level]!, node);
        level += 1;
        index = (index - 1) / 2;
        levels.push(level);
        nodeIdx.push(index);
        hashes.push(Buffer.from(node));
      }
      pending[level] = node;
    }
    await db.query(`INSERT INTO evidence_entry (leaf_index, kind, subject, entry, recorded_at) SELECT i, 'bench', i::text, e, $3 FROM unnest($1::bigint[], $2::text[]) AS t(i, e)`, [idx, texts, at]);
    await db.query(`INSERT INTO evidence_node (level, idx, hash) SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::bytea[])`, [levels, nodeIdx, hashes]);
    if ((to / BATCH) % 5 === 0 || to === n) say(`  ${to.toLocaleString('en')} of ${n.toLocaleString('en')} entries written (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
  await db.query(`UPDATE evidence_log_size SET size = $1`, [n]);
  await db.query('ANALYZE evidence_entry; ANALYZE evidence_node');
}

async function graphql(server: ApolloServer<BaseContext>, context: BaseContext, query: string, variables: Record<string, unknown>) {
  const r = await server.executeOperation({ query, variables }, { contextValue: context });
  if (r.body.kind !== 'single' || r.body.singleResult.errors) throw new Error(`GraphQL failed: ${JSON.stringify(r.body.kind === 'single' ? r.body.singleResult.errors : r.body)}`);
  return r.body.singleResult.data as any;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { entries: { type: 'string', default: '1000000' }, runs: { type: 'string', default: '200' }, help: { type: 'boolean' } } });
  if (values.help) return console.log(HELP);
  const entries = Number(values.entries);
  const runs = Number(values.runs);
  if (!Number.isInteger(entries) || entries < 2) throw new Error(`--entries is "${values.entries}"; give a whole number of at least 2, like 1000000.`);
  if (!Number.isInteger(runs) || runs < 10) throw new Error(`--runs is "${values.runs}"; give a whole number of at least 10, like 200.`);

  const dir = await mkdtemp(path.join(tmpdir(), 'treaty-bench-evidence-'));
  let pg: EmbeddedServer | undefined;
  let db: DataSource | undefined;
  try {
    say('PostgreSQL: starting an embedded server in a temporary folder…');
    pg = await startEmbeddedPostgres({ dir, persistent: false });
    await ensureDatabase(pg.baseUrl, 'bench_evidence');
    db = createDataSource({ url: databaseUrl(pg.baseUrl, 'bench_evidence'), entities: milestones.entities, migrations: milestones.migrations, applicationName: 'bench-evidence', poolSize: 4 });
    await migrate(db);
    const key = generateSigningKey();
    const log = openEvidenceLog(milestones, { key, clock: systemClock });
    say(`log: writing ${entries.toLocaleString('en')} entries…`);
    await fill(db, log.log, entries);

    // 2. Proofs from a log of `entries` entries.
    const head = await log.newestHead(db);
    const root = fromHex(head.rootHash)!;
    // The service seals confidential reports at rest, so it is built with a KEK set (none are read here).
    const dataKeys = generateDataKeys('kek-bench');
    const built = await milestones.build({ db, clock: systemClock, logger: silentLogger, evidence: log, dataKeys });
    const server = built.server as unknown as ApolloServer<BaseContext>;
    await server.start();
    const rows: Array<[string, { p50: number; p99: number }]> = [];
    const measure = async (label: string, fn: (i: number) => Promise<void>) => {
      for (let i = 0; i < 10; i += 1) await fn(i);
      const samples: number[] = [];
      for (let i = 0; i < runs; i += 1) samples.push((await time(() => fn(i)))[0]);
      rows.push([label, summary(samples)]);
    };
    const random = () => Math.floor(Math.random() * entries);
    say(`proofs: ${runs} of each kind, every one verified…`);
    await measure('signed head (newest, stored)', async () => void (await log.newestHead(db!)));
    await measure('inclusion proof, direct', async () => {
      const i = random();
      const p = await log.inclusionProof(db!, i, entries);
      if (!verifyInclusion(fromHex(p.leafHash)!, i, entries, p.path.map((h) => fromHex(h)!), root)) throw new Error(`inclusion proof of #${i} does not verify`);
    });
    await measure('consistency proof, direct', async () => {
      const m = 1 + random();
      const p = await log.consistencyProof(db!, m, entries);
      if (!verifyConsistency(m, entries, p.path.map((h) => fromHex(h)!), fromHex(p.fromRoot)!, root)) throw new Error(`consistency proof from ${m} does not verify`);
    });
    await measure('inclusion proof, through GraphQL', async () => {
      const i = random();
      const data = await graphql(server, built.context(MONITOR), `query ($i: Int!, $n: Int!) { evidenceLogs { milestones { inclusionProof(leafIndex: $i, treeSize: $n) { leafHash path } } } }`, { i, n: entries });
      const p = data.evidenceLogs.milestones.inclusionProof;
      if (!verifyInclusion(fromHex(p.leafHash)!, i, entries, p.path.map((h: string) => fromHex(h)!), root)) throw new Error(`inclusion proof of #${i} does not verify`);
    });

    // 3. certifyMilestone with the log and without, interleaved, on the same database.
    say(`mutations: certifyMilestone ${runs} times with the log and ${runs} times without, interleaved…`);
    const bare = await milestones.build({ db, clock: systemClock, logger: silentLogger, dataKeys, evidence: new NoLog({ log: log.log, key, clock: systemClock, facts: milestones.evidenceFacts }) });
    const bareServer = bare.server as unknown as ApolloServer<BaseContext>;
    await bareServer.start();
    const created = await graphql(server, built.context(MEDIATOR), `mutation ($input: CreateAgreementInput!) { createAgreement(input: $input) { id parties { id } } }`, {
      input: {
        title: 'Bench Accord of Orsova',
        entryIntoForceAt: new Date(Date.now() - 86_400_000).toISOString(),
        parties: [{ name: 'Republic of Tessaly', kind: 'GOVERNMENT' }, { name: 'Coastal Front', kind: 'NON_STATE_ARMED_GROUP' }],
        phases: [{ ordinal: 1, name: 'Phase one', startDay: 0, endDay: 900, permittedCargo: ['HUMANITARIAN_AID'] }],
      },
    });
    const agreement = created.createAgreement;
    const ids: string[] = [];
    for (let i = 0; i < 2 * (runs + 10); i += 1) {
      const d = await graphql(server, built.context(MEDIATOR), `mutation ($input: AddMilestoneInput!) { addMilestone(input: $input) { id } }`, {
        input: { agreementId: agreement.id, phaseOrdinal: 1, title: `Step ${i}`, dueDay: 10 + (i % 800), obligatedPartyId: agreement.parties[0].id },
      });
      ids.push(d.addMilestone.id);
    }
    const CERTIFY = `mutation ($input: CertifyMilestoneInput!) { certifyMilestone(input: $input) { id } }`;
    const withLog: number[] = [];
    const without: number[] = [];
    for (let i = 0; i < runs + 10; i += 1) {
      const input = (id: string) => ({ input: { milestoneId: id, evidence: [{ reference: `report ${id}` }] } });
      const [a] = await time(() => graphql(server, built.context(MONITOR), CERTIFY, input(ids[2 * i]!)));
      const [b] = await time(() => graphql(bareServer, bare.context(MONITOR), CERTIFY, input(ids[2 * i + 1]!)));
      if (i >= 10) {
        withLog.push(a);
        without.push(b);
      }
    }
    const a = summary(withLog);
    const b = summary(without);
    const after = await log.size(db);
    if (after !== entries + runs + 10) throw new Error(`the log holds ${after} entries; expected ${entries + runs + 10}`);

    console.log(`\nEvidence log of ${entries.toLocaleString('en')} entries (milestones service, embedded PostgreSQL, this machine), ${runs} runs each:\n`);
    console.log(`${'what'.padEnd(44)}${'p50 ms'.padStart(10)}${'p99 ms'.padStart(10)}`);
    for (const [label, s] of rows) console.log(`${label.padEnd(44)}${s.p50.toFixed(2).padStart(10)}${s.p99.toFixed(2).padStart(10)}`);
    console.log(`${'certifyMilestone, appending to the log'.padEnd(44)}${a.p50.toFixed(2).padStart(10)}${a.p99.toFixed(2).padStart(10)}`);
    console.log(`${'certifyMilestone, log appending nothing'.padEnd(44)}${b.p50.toFixed(2).padStart(10)}${b.p99.toFixed(2).padStart(10)}`);
    console.log(`\nappend adds ${(a.p50 - b.p50).toFixed(2)} ms to the p50 of certifyMilestone (ratio ${(a.p50 / b.p50).toFixed(2)}x), at a log of ${entries.toLocaleString('en')} entries.`);
    await bareServer.stop();
    await server.stop();
  } finally {
    await db?.destroy().catch(() => undefined);
    await pg?.stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`✗ ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
