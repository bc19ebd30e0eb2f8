import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFederation, type Federation, caller } from '@treaty/testing';
import { INTERNAL_TOKEN_HEADER, statementsIssued } from '@treaty/service-kit';
import { ALL_SERVICES } from './services.js';

const HEADLINE = readFile(new URL('../gateway/operations/compliance.graphql', import.meta.url), 'utf8');
let f: Federation;
let plan: any;

/** The subgraph fetches of a query plan, in order, as "service at path": what the gateway will ask of whom, for what. */
function fetches(node: any, path = ''): string[] {
  if (!node) return [];
  if (node.kind === 'Fetch') return [`${node.serviceName} at ${path || '(root)'}`];
  if (node.kind === 'Flatten') return fetches(node.node, node.path.join('.'));
  if (node.kind === 'Sequence' || node.kind === 'Parallel') return node.nodes.flatMap((n: any) => fetches(n, path));
  if (node.kind === 'QueryPlan') return fetches(node.node, path);
  return [];
}

const tally = (names: string[]) => names.reduce<Record<string, number>>((t, n) => ({ ...t, [n]: (t[n] ?? 0) + 1 }), {});

/**
 * What really crosses the wire: every HTTP request each subgraph receives, keyed "from → to" by the
 * issuer of its internal credential (the gateway, or a sibling service calling behind the gateway).
 */
function wire(fed: Federation) {
  let seen: string[] = [];
  let operations: (string | null)[] = [];
  for (const [name, running] of Object.entries(fed.running)) {
    running.http.on('request', (req) => {
      const token = req.headers[INTERNAL_TOKEN_HEADER];
      // v1.<issuer>.<claims>.<mac> (packages/service-kit/internal-credentials.md): the issuer is in the clear.
      const [, issuer, claims] = typeof token === 'string' ? token.split('.') : [];
      seen.push(`${issuer ?? 'unsigned'} → ${name}`);
      operations.push(claims ? (JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')).op ?? null) : null);
    });
  }
  return {
    async during(action: () => Promise<unknown>): Promise<Record<string, number>> {
      seen = [];
      operations = [];
      await action();
      return tally(seen);
    },
    /** The operation id (`op`) each request of the last `during` carried, null where it had none. */
    operations: () => operations,
  };
}

async function agreementWith(milestones: number, n: number): Promise<string> {
  const mediator = caller('MEDIATOR');
  const created = await f.call('milestones', mediator, `mutation ($input: CreateAgreementInput!) { createAgreement(input: $input) { id parties { id } } }`, {
    input: {
      title: `Fan-out ${milestones}`,
      entryIntoForceAt: '2026-03-01T00:00:00Z',
      parties: [{ name: `Fan Party A${n}`, kind: 'GOVERNMENT' }, { name: `Fan Party B${n}`, kind: 'NON_STATE_ARMED_GROUP' }],
      phases: [{ ordinal: 1, name: 'Phase 1', startDay: 0, endDay: 90, permittedCargo: ['HUMANITARIAN_AID'] }],
    },
  });
  const a = created.body.data.createAgreement;
  const benchmarks = [
    { metric: 'DETAINEES_RELEASED', comparator: 'AT_LEAST', threshold: 5 },
    { metric: 'TRUCKS_DELIVERED', comparator: 'AT_LEAST', threshold: 50 },
    { metric: 'ESCROW_FUNDED_RATIO', comparator: 'AT_LEAST', threshold: 1 },
    { metric: 'QUIET_HOURS', comparator: 'AT_LEAST', threshold: 72 },
  ];
  for (let i = 0; i < milestones; i += 25) {
    await Promise.all(
      Array.from({ length: Math.min(25, milestones - i) }, (_, k) =>
        f.call('milestones', mediator, `mutation ($input: AddMilestoneInput!) { addMilestone(input: $input) { id } }`, {
          input: { agreementId: a.id, phaseOrdinal: 1, title: `M${i + k}`, obligatedPartyId: a.parties[(i + k) % 2].id, dueDay: 1 + ((i + k) % 90), benchmarks },
        }),
      ),
    );
  }
  // Every kind of snap-back clause, so that every path that computes snap-back is exercised.
  const clauses = [
    { trigger: 'MILESTONE_MISSED', reverts: 'Phase 2 cargo' },
    { trigger: 'VIOLATIONS_THRESHOLD', threshold: 3, windowHours: 72, reverts: 'Phase 2 cargo' },
    { trigger: 'RULING_CONFIRMS_BREACH', reverts: 'Sanctions relief' },
  ];
  for (const clause of clauses) {
    const r = await f.call('milestones', mediator, `mutation ($input: AddSnapBackClauseInput!) { addSnapBackClause(input: $input) { id } }`, { input: { agreementId: a.id, ...clause } });
    expect(r.body.errors, JSON.stringify(r.body.errors)).toBeUndefined();
  }
  return a.id;
}

beforeAll(async () => {
  // The alert watchers stay idle here: milestones' asks corridors for violation times each tick, which
  // would be counted as traffic of the query under test (alerts.e2e.ts tests the watchers).
  f = await startFederation(ALL_SERVICES, { now: '2026-03-20T00:00:00Z', onQueryPlan: (p) => (plan = p), alertTickMs: 3_600_000 });
});
afterAll(() => f?.stop());

/**
 * The headline query's plan, fetch by fetch. It depends on the query's shape only, never on the data:
 *  1. milestones: the agreement, its milestones (title, due day, status, deadline, window), the scorecard;
 *  then in parallel:
 *  2. corridors: the agreement's violation times and quiet hours, then
 *  3. milestones: the agreement's snapBack, which @requires those times;
 *  4. guarantors: each milestone's escrowFundedRatio;
 *  5. corridors: each milestone's trucksDelivered;
 *  6. prisoners: each milestone's releases and waves;
 *  7. corridors: violation times and quiet hours of each milestone's agreement (compliance @requires the
 *     quiet hours), then
 *  8. milestones: that agreement's snapBack (active, triggeredAt), then
 *  9. guarantors: each milestone's tranches, which @require its status, deadline and that snap-back state;
 *  and last:
 * 10. milestones: each milestone's compliance, which @requires the facts of 4 to 7.
 * Fetches 7 and 8 ask the same subgraph for the same fields of the same agreement as 2 and 3: the
 * planner plans by path and does not see that `agreement.milestones.@.agreement` is `agreement`. The
 * gateway sends each such repeat once per request (gateway/src/coalesce.ts), so they never reach the wire.
 */
const EXPECTED_PLAN = [
  'milestones at (root)',
  'corridors at agreement',
  'milestones at agreement',
  'guarantors at agreement.milestones.@',
  'corridors at agreement.milestones.@',
  'prisoners at agreement.milestones.@',
  'corridors at agreement.milestones.@.agreement',
  'milestones at agreement.milestones.@.agreement',
  'guarantors at agreement.milestones.@',
  'milestones at agreement.milestones.@',
];
/** Fetches 7 and 8 (by their index in EXPECTED_PLAN), answered by 2 and 3 within the request. */
const REPEATED_READS = [6, 7];

describe('bounded fan-out of the headline query', () => {
  it('makes exactly the plan\'s fetches over HTTP less its repeated reads, no sibling call, and the same SQL for 10 and 300 milestones', async () => {
    const query = await HEADLINE;
    const small = await agreementWith(10, 1);
    const large = await agreementWith(300, 2);
    const counter = wire(f);
    const cost = async (id: string) => {
      const before = Object.fromEntries(Object.entries(f.databases).map(([name, d]) => [name, statementsIssued(d.db)]));
      let answer: any;
      const requests = await counter.during(async () => {
        const r = await f.request(query, { id });
        expect(r.body.errors).toBeUndefined();
        answer = r.body.data.agreement;
      });
      const statements = Object.fromEntries(Object.entries(f.databases).map(([name, d]) => [name, statementsIssued(d.db) - before[name]!]));
      return { answer, requests, statements };
    };
    const ten = await cost(small);
    const planned = fetches(plan);
    const threeHundred = await cost(large);
    console.log(`[fan-out] plan (${planned.length} fetches): ${planned.join(' → ')}`);
    console.log(`[fan-out] HTTP requests, 10 milestones: ${JSON.stringify(ten.requests)}; 300: ${JSON.stringify(threeHundred.requests)}`);
    console.log(`[fan-out] SQL statements per service, 10 milestones: ${JSON.stringify(ten.statements)}; 300: ${JSON.stringify(threeHundred.statements)}`);

    expect(ten.answer.milestones).toHaveLength(10);
    expect(threeHundred.answer.milestones).toHaveLength(300);
    expect(planned).toEqual(EXPECTED_PLAN);
    // What crossed the wire is the plan's fetches, less the repeated reads, and nothing from a sibling.
    const sent = EXPECTED_PLAN.filter((_, i) => !REPEATED_READS.includes(i)).map((fetch) => `gateway → ${fetch.split(' at ')[0]}`);
    expect(ten.requests).toEqual(tally(sent));
    expect(ten.requests).toEqual({ 'gateway → milestones': 3, 'gateway → corridors': 2, 'gateway → guarantors': 2, 'gateway → prisoners': 1 });
    // (That the repeats are answered, not dropped, is test/compliance.e2e.ts: tranches WITHHELD by snap-back.)
    // ... and neither requests nor SQL statements grow with the number of milestones.
    expect(threeHundred.requests).toEqual(ten.requests);
    expect(threeHundred.statements).toEqual(ten.statements);
    for (const name of ['milestones', 'prisoners', 'corridors', 'guarantors']) expect(ten.statements[name]).toBeGreaterThan(0);
    // Milestones' three visits: each one credential claim, and one prepared statement for the agreement's
    // facts (services/milestones/src/facts.ts) in the first, which the other two read from the
    // operation's scope (kit operation-scope.ts). They were 22 to 30 statements before facts, 6 before scopes.
    expect(ten.statements.milestones).toBe(4);
  });

  it('names each query operation with one id of its own in every fetch it makes, and a mutation with none', async () => {
    const query = await HEADLINE;
    const id = await agreementWith(3, 4);
    const counter = wire(f);
    const opsOf = async (action: () => Promise<unknown>) => {
      await counter.during(action);
      return counter.operations();
    };
    const first = await opsOf(async () => expect((await f.request(query, { id })).body.errors).toBeUndefined());
    const second = await opsOf(async () => expect((await f.request(query, { id })).body.errors).toBeUndefined());
    expect(first).toHaveLength(8);
    expect(new Set(first).size).toBe(1);
    expect(first[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(second).size).toBe(1);
    expect(second[0]).not.toBe(first[0]);
    // A mutation's fetches must see its writes: none of them is named, so nothing read before is reused.
    const milestoneId = (await f.request('query ($id: ID!) { agreement(id: $id) { milestones { id } } }', { id })).body.data.agreement.milestones[0].id;
    const mediator = await f.token({ roles: ['MEDIATOR'], agency: 'Fan-out Envoy' });
    const mutated = await opsOf(async () => {
      const r = await f.request('mutation ($id: ID!) { waiveMilestone(input: { milestoneId: $id, reason: "Fan-out test waiver" }) { status tranches { status } } }', { id: milestoneId }, mediator);
      expect(r.body.errors).toBeUndefined();
      expect(r.body.data.waiveMilestone.status).toBe('WAIVED');
    });
    // The mutation at milestones, then its tranches at guarantors (which @requires the new status).
    expect(mutated.length).toBeGreaterThanOrEqual(2);
    expect(mutated).toEqual(mutated.map(() => null));
  });

  it('never answers a read after a write in a mutation from the same read before it (gateway coalescing is for queries)', async () => {
    const id = await agreementWith(2, 11);
    const milestoneId = (await f.request('query ($id: ID!) { agreement(id: $id) { milestones { id status } } }', { id })).body.data.agreement.milestones[0].id;
    const mediator = await f.token({ roles: ['MEDIATOR'], agency: 'Fan-out Envoy' });
    const corridor = (name: string) => ({ agreementId: id, name, kind: 'LAND_CROSSING', latitude: 41.2, longitude: 20.7 });
    // corridors, milestones, corridors: the same read of the agreement's milestones after the first and the last step.
    const r = await f.request(
      `mutation ($c1: CreateCorridorInput!, $m: ID!, $c2: CreateCorridorInput!) {
        a: createCorridor(input: $c1) { agreement { milestones { id status } } }
        w: waiveMilestone(input: { milestoneId: $m, reason: "Read-after-write test" }) { status }
        c: createCorridor(input: $c2) { agreement { milestones { id status } } }
      }`,
      { c1: corridor(`Before ${crypto.randomUUID()}`), m: milestoneId, c2: corridor(`After ${crypto.randomUUID()}`) },
      mediator,
    );
    expect(r.body.errors, JSON.stringify(r.body.errors)).toBeUndefined();
    const statusIn = (field: 'a' | 'c') => r.body.data[field].agreement.milestones.find((m: { id: string }) => m.id === milestoneId).status;
    expect(statusIn('a')).not.toBe('WAIVED');
    expect(r.body.data.w.status).toBe('WAIVED');
    expect(statusIn('c')).toBe('WAIVED');
  });

  it('counts the other read around the plan: corridors\' cargo rules require permittedCargo, whose snap-back check asks corridors', async () => {
    const id = await agreementWith(3, 3);
    const requests = await wire(f).during(async () => {
      const r = await f.request('query ($id: ID!) { agreement(id: $id) { title corridorCargo { permittedCargo } } }', { id });
      expect(r.body.errors).toBeUndefined();
    });
    // milestones (agreement) → corridors (corridorCargo, requiring permittedCargo from milestones) is a
    // chain of requirements the 2.14 planner cannot build, so permittedCargo is resolved in the first
    // fetch and its snap-back check makes the one direct call.
    expect(requests).toEqual({ 'gateway → milestones': 1, 'gateway → corridors': 1, 'milestones → corridors': 1 });
  });
});

describe('what the fetches of one query operation share (kit operation-scope.ts)', () => {
  const mediator = caller('MEDIATOR', { agency: 'Fan-out Envoy' });
  const FACTS = 'query ($id: ID!) { agreement(id: $id) { title milestones { id title status } } }';
  const RATIOS = 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Milestone { id escrowFundedRatio } } }';
  const statementsOf = async (service: string, action: () => Promise<unknown>) => {
    const db = f.databases[service]!.db;
    const before = statementsIssued(db);
    await action();
    return statementsIssued(db) - before;
  };
  const ok = async (p: Promise<{ body: { errors?: unknown; data?: any } }>) => {
    const r = await p;
    expect(r.body.errors, JSON.stringify(r.body.errors)).toBeUndefined();
    return r.body.data;
  };

  it("reads an agreement's facts once for every visit of one operation, and again for another operation or none", async () => {
    const id = await agreementWith(2, 5);
    const op = crypto.randomUUID();
    const call = (operation?: string) => ok(f.call('milestones', mediator, FACTS, { id }, { operation }));
    // Each call: its credential claim; the first of an operation also the facts statement.
    expect(await statementsOf('milestones', () => call(op))).toBe(2);
    expect(await statementsOf('milestones', () => call(op))).toBe(1);
    expect(await statementsOf('milestones', () => call(crypto.randomUUID()))).toBe(2);
    expect(await statementsOf('milestones', () => call())).toBe(2);
    expect(await statementsOf('milestones', () => call())).toBe(2);
  });

  it('never serves a mutation from what its operation read before, even when its credential names one', async () => {
    const id = await agreementWith(2, 6);
    const op = crypto.randomUUID();
    const before = await ok(f.call('milestones', mediator, FACTS, { id }, { operation: op }));
    const target = before.agreement.milestones[0];
    expect(target.status).not.toBe('WAIVED');
    const waived = await ok(
      f.call(
        'milestones',
        mediator,
        'mutation ($id: ID!) { waiveMilestone(input: { milestoneId: $id, reason: "Scope test waiver" }) { id status agreement { milestones { id status } } } }',
        { id: target.id },
        { operation: op },
      ),
    );
    expect(waived.waiveMilestone.status).toBe('WAIVED');
    // Read through the agreement's facts, which the operation's first call read before the waiver.
    expect(waived.waiveMilestone.agreement.milestones.find((m: { id: string }) => m.id === target.id).status).toBe('WAIVED');
    // The next operation reads what the mutation wrote.
    const after = await ok(f.call('milestones', mediator, FACTS, { id }, { operation: crypto.randomUUID() }));
    expect(after.agreement.milestones.find((m: { id: string }) => m.id === target.id).status).toBe('WAIVED');
  });

  it("reads the milestones' tranches and holdings at guarantors once per operation", async () => {
    const id = await agreementWith(3, 7);
    const ids = (await ok(f.call('milestones', mediator, FACTS, { id }))).agreement.milestones.map((m: { id: string }) => m.id);
    const r = ids.map((mid: string) => ({ __typename: 'Milestone', id: mid }));
    const op = crypto.randomUUID();
    const first = await statementsOf('guarantors', () => ok(f.call('guarantors', mediator, RATIOS, { r }, { operation: op })));
    expect(first).toBeGreaterThanOrEqual(2);
    expect(await statementsOf('guarantors', () => ok(f.call('guarantors', mediator, RATIOS, { r }, { operation: op })))).toBe(1);
    expect(await statementsOf('guarantors', () => ok(f.call('guarantors', mediator, RATIOS, { r })))).toBe(first);
  });
});
