import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFederation, type Federation, caller } from '@treaty/testing';
import { statementsIssued } from '@treaty/service-kit';
import { ALL_SERVICES } from './services.js';

const HEADLINE = readFile(new URL('../gateway/operations/compliance.graphql', import.meta.url), 'utf8');
let f: Federation;
let plan: any;

/** The subgraph fetches of a query plan, in order: what the gateway will ask of whom. */
function fetches(node: any): string[] {
  if (!node) return [];
  if (node.kind === 'Fetch') return [node.serviceName];
  if (node.kind === 'Flatten') return fetches(node.node);
  if (node.kind === 'Sequence' || node.kind === 'Parallel') return node.nodes.flatMap(fetches);
  if (node.kind === 'QueryPlan') return fetches(node.node);
  return [];
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
  return a.id;
}

beforeAll(async () => {
  f = await startFederation(ALL_SERVICES, { now: '2026-03-20T00:00:00Z', onQueryPlan: (p) => (plan = p) });
});
afterAll(() => f?.stop());

describe('bounded fan-out of the headline query', () => {
  it('makes a fixed number of subgraph fetches (printed), and the same SQL statements per service for 10 and 300 milestones', async () => {
    const query = await HEADLINE;
    const small = await agreementWith(10, 1);
    const large = await agreementWith(300, 2);
    const cost = async (id: string) => {
      const before = Object.fromEntries(Object.entries(f.databases).map(([name, d]) => [name, statementsIssued(d.db)]));
      const r = await f.request(query, { id });
      expect(r.body.errors).toBeUndefined();
      return { milestones: r.body.data.agreement.milestones.length, statements: Object.fromEntries(Object.entries(f.databases).map(([name, d]) => [name, statementsIssued(d.db) - before[name]!])) };
    };
    const ten = await cost(small);
    const services = fetches(plan);
    console.log(`[fan-out] query plan fetches (${services.length}): ${services.join(' → ')}`);
    const threeHundred = await cost(large);
    console.log(`[fan-out] SQL statements per service, 10 milestones: ${JSON.stringify(ten.statements)}; 300 milestones: ${JSON.stringify(threeHundred.statements)}`);
    expect(ten.milestones).toBe(10);
    expect(threeHundred.milestones).toBe(300);
    expect(threeHundred.statements).toEqual(ten.statements);
    for (const name of ['milestones', 'prisoners', 'corridors', 'guarantors']) expect(ten.statements[name]).toBeGreaterThan(0);
    expect(fetches(plan)).toEqual(services);
    expect(services.length).toBe(EXPECTED_FETCHES);
  });
});

/**
 * The headline query's plan: milestones (agreement, milestones) → corridors (violation times for
 * snapBack) → milestones (snapBack, underSnapBack) → guarantors (tranches, escrowFundedRatio) →
 * corridors (trucksDelivered, quietHours) → prisoners (waves, releases) → corridors (quietHours for
 * compliance) → milestones (compliance). It depends on the query's shape only, never on the data.
 */
const EXPECTED_FETCHES = 8;
