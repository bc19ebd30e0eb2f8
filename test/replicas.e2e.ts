import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAllDemos, type DemoResult } from '@treaty/launcher';
import { INTERNAL_TOKEN_HEADER, PUBLIC_CALLER, signInternal, type Caller } from '@treaty/service-kit';
import { caller, startFederation, type Federation } from '@treaty/testing';
import { ALL_SERVICES } from './services.js';

/**
 * DESIGN §8: subgraphs are stateless, so any number of replicas run against the same databases and
 * every invariant holds across them. Milestones and guarantors run twice each here (two startService
 * calls, two HTTP servers, two connection pools on one database), behind round-robin proxies that the
 * gateway and the sibling services use as those services' URLs; races are sent through both replicas.
 */

/** Day 24 of the demo agreement, 09:30, as in compliance.e2e.ts. */
const NOW = '2026-06-15T09:30:00.000Z';
const HEADLINE = readFile(new URL('../gateway/operations/compliance.graphql', import.meta.url), 'utf8');
const REPLICATED = ['milestones', 'guarantors'] as const;
type Replicated = (typeof REPLICATED)[number];

const MEDIATOR = { agency: 'Office of the Special Envoy for Veltria', roles: ['MEDIATOR' as const], subject: 'replica-envoy' };
const MONITOR = { agency: 'Joint Monitoring Cell', roles: ['MONITOR' as const], subject: 'replica-monitor' };

let f: Federation;
let demo: DemoResult;
/** The same demo in a federation with one process per service: what the replicated stack must match. */
let single: Federation;
let singleDemo: DemoResult;

beforeAll(async () => {
  const load = async (fed: Federation) => loadAllDemos(fed.url, (claims) => fed.token(claims), () => {}, fed.clock.now());
  [f, single] = await Promise.all([startFederation(ALL_SERVICES, { now: NOW, replicas: { milestones: 2, guarantors: 2 } }), startFederation(ALL_SERVICES, { now: NOW })]);
  [demo, singleDemo] = await Promise.all([load(f), load(single)]);
});
afterAll(async () => {
  await Promise.all([f?.stop(), single?.stop()]);
});

/** Runs `fn` and returns what each replica of `service` was sent meanwhile, next to its result. */
async function perReplica<T>(service: Replicated, fn: () => Promise<T>): Promise<{ result: T; served: number[] }> {
  const before = [...f.replicas[service]!.served];
  const result = await fn();
  return { result, served: f.replicas[service]!.served.map((n, i) => n - before[i]!) };
}

/** Rows as PostgreSQL holds them: the ground truth, whichever replica wrote them. */
async function count(service: string, sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await f.databases[service]!.db.query(`SELECT count(*)::int AS n FROM (${sql}) x`, params);
  return row.n;
}

async function ok<T = any>(query: string, variables: Record<string, unknown>, token: string, headers: Record<string, string> = {}): Promise<T> {
  const r = await f.request<T>(query, variables, token, headers);
  expect(r.body.errors, JSON.stringify(r.body.errors)).toBeUndefined();
  return r.body.data as T;
}

describe('the replicated stack', () => {
  it('runs milestones and guarantors as two replicas each, with their own pools on one database, behind the URL the gateway uses', async () => {
    const monitor = caller('MONITOR', { agency: MONITOR.agency });
    const reads: Record<Replicated, [string, Record<string, unknown>]> = {
      milestones: [`query ($id: ID!) { agreement(id: $id) { milestones { id title } } }`, { id: demo.agreementId }],
      guarantors: [`{ guarantors { id name } }`, {}],
    };
    for (const service of REPLICATED) {
      const set = f.replicas[service]!;
      expect(set.urls).toHaveLength(2);
      expect(new Set(set.urls).size).toBe(2);
      expect(f.subgraphUrls[service]).toBe(set.url);
      expect(set.urls).not.toContain(set.url);
      expect(set.dbs[0]).not.toBe(set.dbs[1]);
      // Loading the demo through the gateway already spread its requests over both replicas.
      expect(set.served.every((n) => n > 0), JSON.stringify(set.served)).toBe(true);
      // What one replica wrote (the demo, half through each), the other reads at once: no state is kept in a process.
      const [a, b] = await Promise.all([0, 1].map((replica) => f.call(service, monitor, ...reads[service], { replica })));
      expect(a!.body.errors).toBeUndefined();
      expect(b!.body).toEqual(a!.body);
      // PostgreSQL sees two clients of this one database, one per replica.
      const clients = await f.databases[service]!.db.query(`SELECT DISTINCT application_name AS name FROM pg_stat_activity WHERE datname = current_database()`);
      expect(clients.map((c: { name: string }) => c.name)).toEqual(expect.arrayContaining([`test-${service}`, `test-${service}-replica-2`]));
    }
    const { body } = await f.call('milestones', monitor, ...reads.milestones, { replica: 1 });
    // Five obligations, the joint communiqué and the amnesty law (statements and domestic steps, issue 20).
    expect(body.data.agreement.milestones).toHaveLength(7);
    // The services not replicated are reached directly, as before.
    expect(f.replicas.prisoners).toBeUndefined();
    expect(f.subgraphUrls.prisoners).toBe(f.running.prisoners!.url);
  });

  it('answers the headline compliance query as the stack with one process per service does, through every replica', async () => {
    const query = await HEADLINE;
    const expected = await single.request(query, { id: singleDemo.agreementId }, await single.token(MEDIATOR));
    expect(expected.body.errors).toBeUndefined();
    expect(expected.body.data.agreement.milestones).toHaveLength(7);
    const token = await f.token(MEDIATOR);
    const milestonesBefore = [...f.replicas.milestones!.served];
    const { result: answers, served } = await perReplica('guarantors', () => Promise.all(Array.from({ length: 4 }, () => f.request(query, { id: demo.agreementId }, token))));
    for (const answer of answers) expect(answer.body).toEqual(expected.body);
    expect(served.every((n) => n > 0), JSON.stringify(served)).toBe(true);
    expect(f.replicas.milestones!.served.every((n, i) => n > milestonesBefore[i]!)).toBe(true);
  });
});

describe('invariants across replicas', () => {
  const CERTIFY = `mutation ($input: CertifyMilestoneInput!) { certifyMilestone(input: $input) { id status } }`;
  const APPROVE = `mutation ($input: ApproveTrancheReleaseInput!) { approveTrancheRelease(input: $input) { id } }`;
  const RELEASE = `mutation ($input: ReleaseTrancheInput!) { releaseTranche(input: $input) { id status release { amount { amount currency } } } }`;
  const DEPOSIT = `mutation ($input: DepositToEscrowInput!) { depositToEscrow(input: $input) { id balance { amount currency } } }`;
  const ADD_MILESTONE = `mutation ($input: AddMilestoneInput!) { addMilestone(input: $input) { id title } }`;

  /** The Day-30 priority-release milestone, its UN-funded tranche and the fund's officer who may release it. */
  async function firstRelease() {
    const mediator = await f.token(MEDIATOR);
    const { agreement } = await ok(
      `query ($id: ID!) { agreement(id: $id) { milestones { id tranches { id status escrowAccount { id } guarantor { id name } } } } }`,
      { id: demo.agreementId },
      mediator,
    );
    const milestone = agreement.milestones.find((m: any) => m.id === demo.milestoneIds.firstRelease);
    const tranche = milestone.tranches[0];
    expect(tranche.guarantor.name).toBe('UN Veltria Peace Dividend Fund');
    const officer = await f.token({ agency: 'UN Veltria Peace Dividend Fund', roles: ['GUARANTOR'], guarantorId: tranche.guarantor.id, subject: 'unpdf-release-officer' });
    return { milestoneId: milestone.id as string, trancheId: tranche.id as string, accountId: tranche.escrowAccount.id as string, guarantorId: tranche.guarantor.id as string, mediator, officer };
  }

  it('certifies a milestone once when eight certifications race over both milestones replicas', async () => {
    const milestoneId = demo.milestoneIds.firstRelease!;
    const certifications = () => count('milestones', 'SELECT 1 FROM certification WHERE milestone_id = $1', [milestoneId]);
    expect(await certifications()).toBe(0);
    const monitor = await f.token(MONITOR);
    const { result, served } = await perReplica('milestones', () =>
      Promise.all(Array.from({ length: 8 }, (_, i) => f.request(CERTIFY, { input: { milestoneId, evidence: [{ reference: `Intermediary release report VEL-REL-00${i}` }] } }, monitor))),
    );
    expect(served.every((n) => n > 0), JSON.stringify(served)).toBe(true);
    const won = result.filter((r) => !r.body.errors);
    expect(won).toHaveLength(1);
    expect(won[0]!.body.data.certifyMilestone).toEqual({ id: milestoneId, status: 'MET' });
    const lost = result.filter((r) => r.body.errors);
    expect(lost).toHaveLength(7);
    for (const r of lost) {
      expect(r.body.errors!.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      expect(r.body.errors![0]!.message).toMatch(/already certified by Joint Monitoring Cell .* cannot be certified|certified by another request a moment ago; reload it/);
    }
    expect(await certifications()).toBe(1);
  });

  it('releases a tranche once when ten releases race over both guarantors replicas: one RELEASE journal, nine ALREADY_RELEASED', async () => {
    const s = await firstRelease();
    await ok(APPROVE, { input: { trancheId: s.trancheId, note: 'Priority release certified by the Joint Monitoring Cell' } }, s.mediator);
    const journals = () => count('guarantors', `SELECT 1 FROM ledger_journal WHERE tranche_id = $1 AND kind = 'RELEASE'`, [s.trancheId]);
    expect(await journals()).toBe(0);
    const { result, served } = await perReplica('guarantors', () => Promise.all(Array.from({ length: 10 }, () => f.request(RELEASE, { input: { trancheId: s.trancheId } }, s.officer))));
    expect(served.every((n) => n > 0), JSON.stringify(served)).toBe(true);
    const won = result.filter((r) => !r.body.errors);
    expect(won).toHaveLength(1);
    expect(won[0]!.body.data.releaseTranche).toEqual({ id: s.trancheId, status: 'RELEASED', release: { amount: { amount: '1000000.00', currency: 'USD' } } });
    const lost = result.filter((r) => r.body.errors);
    expect(lost.map((r) => r.body.errors!.map((e) => e.extensions?.code))).toEqual(Array(9).fill(['ALREADY_RELEASED']));
    for (const r of lost) expect(r.body.errors![0]!.message).toMatch(/released (on .*|by another request a moment ago); a tranche is released once/);
    expect(await journals()).toBe(1);
    // The money moved once: the journal's amount is the tranche's, not a multiple of it.
    const [{ total }] = await f.databases.guarantors!.db.query(`SELECT sum(amount_minor)::text AS total FROM ledger_journal WHERE tranche_id = $1 AND kind = 'RELEASE'`, [s.trancheId]);
    expect(total).toBe('100000000');
  });

  it('books a keyed deposit once when six identical requests race over both guarantors replicas, and answers all six alike', async () => {
    const s = await firstRelease();
    const deposits = () => count('guarantors', `SELECT 1 FROM ledger_journal WHERE kind = 'DEPOSIT'`);
    const before = await deposits();
    const key = `replicated-deposit-${crypto.randomUUID()}`;
    const input = { input: { escrowAccountId: s.accountId, guarantorId: s.guarantorId, amount: '1200.00', currency: 'USD', reference: 'UNPDF transfer 2026/044' } };
    const { result, served } = await perReplica('guarantors', () => Promise.all(Array.from({ length: 6 }, () => f.request(DEPOSIT, input, s.officer, { 'idempotency-key': key }))));
    expect(served.every((n) => n > 0), JSON.stringify(served)).toBe(true);
    for (const r of result) expect(r.body.errors, JSON.stringify(r.body.errors)).toBeUndefined();
    expect(new Set(result.map((r) => JSON.stringify(r.body))).size).toBe(1);
    expect(result.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(5);
    expect(await deposits()).toBe(before + 1);
    expect(await count('guarantors', 'SELECT 1 FROM idempotency_key WHERE key = $1', [key])).toBe(1);
  });

  it('adds a keyed milestone once when six identical requests race over both milestones replicas', async () => {
    const mediator = await f.token(MEDIATOR);
    const title = `Joint review of the exchange ratios ${crypto.randomUUID()}`;
    const key = `replicated-milestone-${crypto.randomUUID()}`;
    const input = { input: { agreementId: demo.agreementId, phaseOrdinal: 2, title, obligatedPartyId: demo.partyIds.government, dueDay: 70 } };
    const { result, served } = await perReplica('milestones', () => Promise.all(Array.from({ length: 6 }, () => f.request(ADD_MILESTONE, input, mediator, { 'idempotency-key': key }))));
    expect(served.every((n) => n > 0), JSON.stringify(served)).toBe(true);
    for (const r of result) expect(r.body.errors, JSON.stringify(r.body.errors)).toBeUndefined();
    expect(new Set(result.map((r) => r.body.data.addMilestone.id)).size).toBe(1);
    expect(result.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(5);
    expect(await count('milestones', 'SELECT 1 FROM milestone WHERE title = $1', [title])).toBe(1);
  });

  it('refuses on replica B an internal credential already used on replica A, and nothing is written twice', async () => {
    const s = await firstRelease();
    const officer: Caller = { ...PUBLIC_CALLER, agency: 'UN Veltria Peace Dividend Fund', roles: ['GUARANTOR'], guarantorId: s.guarantorId, subject: 'unpdf-release-officer' };
    const envoy: Caller = { ...PUBLIC_CALLER, agency: MEDIATOR.agency, roles: ['MEDIATOR'], subject: MEDIATOR.subject };
    const cases = [
      {
        service: 'guarantors' as const,
        who: officer,
        body: JSON.stringify({ query: DEPOSIT, variables: { input: { escrowAccountId: s.accountId, guarantorId: s.guarantorId, amount: '7.00', currency: 'USD' } } }),
        rows: () => count('guarantors', `SELECT 1 FROM ledger_journal WHERE kind = 'DEPOSIT'`),
      },
      {
        service: 'milestones' as const,
        who: envoy,
        body: JSON.stringify({
          query: ADD_MILESTONE,
          variables: { input: { agreementId: demo.agreementId, phaseOrdinal: 2, title: 'Handover of the Sorrel crossing registers', obligatedPartyId: demo.partyIds.movement, dueDay: 75 } },
        }),
        rows: () => count('milestones', 'SELECT 1 FROM milestone'),
      },
    ];
    for (const c of cases) {
      const before = await c.rows();
      const token = signInternal(f.gatewaySigner, c.service, c.who, c.body);
      const send = (replica: number) =>
        fetch(f.replicas[c.service]!.urls[replica]!, { method: 'POST', headers: { 'content-type': 'application/json', [INTERNAL_TOKEN_HEADER]: token }, body: c.body });
      const first = await send(0);
      expect(first.status).toBe(200);
      expect(((await first.json()) as any).errors).toBeUndefined();
      const replay = await send(1);
      expect(replay.status).toBe(401);
      const json = (await replay.json()) as any;
      expect(json.errors[0].extensions.code).toBe('UNAUTHENTICATED');
      expect(json.errors[0].message).toMatch(new RegExp(`The ${c.service} subgraph only answers the gateway \\(internal credential refused: already used\\)`));
      expect(await c.rows()).toBe(before + 1);
    }
  });
});
