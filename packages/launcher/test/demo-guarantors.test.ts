import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymous, caller, startSubgraphs, type Subgraphs } from '@treaty/testing';
import { DAY_MS, type Caller } from '@treaty/service-kit';
import { guarantors } from '@treaty/guarantors';
import { milestones } from '@treaty/milestones';
import type { DemoContext } from '../src/demo.js';
import { loadGuarantorsDemo } from '../src/demo-guarantors.js';

/**
 * The guarantors step of the demo scenario, alone: milestones and guarantors on real HTTP with fresh
 * databases, every demo mutation sent to guarantors as the gateway would send it. (It lives with the
 * launcher, which owns the demo, so that Turborepo sees the dependency.)
 */
const mediator = caller('MEDIATOR', { agency: 'Office of the Envoy', subject: 'envoy-desk-officer' });
let s: Subgraphs;
let ctx: DemoContext;

async function ok(service: string, who: Caller, query: string, variables: Record<string, unknown> = {}) {
  const r = await s.call(service, who, query, variables);
  if (r.body.errors?.length) throw new Error(`${r.body.errors[0]!.extensions?.code}: ${r.body.errors[0]!.message}`);
  return r.body.data as any;
}
const h = { ok: (who: Caller, query: string, variables?: Record<string, unknown>) => ok('guarantors', who, query, variables), db: () => s.databases.guarantors!.db };

async function createAgreement() {
  const { createAgreement: a } = await ok('milestones', mediator, 'mutation ($input: CreateAgreementInput!) { createAgreement(input: $input) { id parties { id } } }', {
    input: {
      title: 'Ardenne Accord',
      entryIntoForceAt: '2026-03-01T00:00:00Z',
      parties: [{ name: 'Government of Ardenne', kind: 'GOVERNMENT' }, { name: 'Coastal Liberation Front', kind: 'NON_STATE_ARMED_GROUP' }],
      phases: [
        { ordinal: 1, name: 'Phase 1', startDay: 0, endDay: 41, permittedCargo: ['HUMANITARIAN_AID'] },
        { ordinal: 2, name: 'Phase 2', startDay: 42, endDay: 83, permittedCargo: ['HUMANITARIAN_AID', 'COMMERCIAL'] },
      ],
    },
  });
  return { id: a.id as string, government: a.parties[0].id as string, movement: a.parties[1].id as string };
}

async function addMilestone(agreement: { id: string; government: string }, dueDay: number, title: string, benchmarks?: Record<string, unknown>[]) {
  const input = { agreementId: agreement.id, phaseOrdinal: dueDay <= 41 ? 1 : 2, title, obligatedPartyId: agreement.government, dueDay, ...(benchmarks ? { benchmarks } : {}) };
  return (await ok('milestones', mediator, 'mutation ($input: AddMilestoneInput!) { addMilestone(input: $input) { id } }', { input })).addMilestone.id as string;
}

/** Where the gateway would send a demo operation: the agreement's milestones are read from milestones, the rest is guarantors'. */
const serviceOf = (query: string) => (/^\s*query[^{]*\{\s*agreement\(/.test(query) ? 'milestones' : 'guarantors');

/** The launcher's demo step, run against this service as the gateway would call it (every demo mutation is this service's). */
beforeAll(async () => {
  s = await startSubgraphs([milestones, guarantors], { now: '2026-03-25T12:00:00Z' });
  const agreement = await createAgreement();
  const milestoneIds = {
    lists: await addMilestone(agreement, 7, 'Exchange of complete detainee lists'),
    firstRelease: await addMilestone(agreement, 30, 'First release of priority detainees'),
    aidCorridor: await addMilestone(agreement, 30, 'Sustained aid through the corridor', [{ metric: 'TRUCKS_DELIVERED', comparator: 'AT_LEAST', threshold: 120 }]),
    reopening: await addMilestone(agreement, 60, 'Reopening of the crossing'),
  };
  // The lists certified on Day 6, so that the incentive's first step is earned, as in the whole demo.
  await ok('milestones', caller('MONITOR', { agency: 'Joint Monitoring Cell' }), 'mutation ($input: CertifyMilestoneInput!) { certifyMilestone(input: $input) { id } }', {
    input: { milestoneId: milestoneIds.lists, metAt: '2026-03-07T12:00:00Z', evidence: [{ reference: 'Intermediary receipt of lists' }] },
  });
  const day0 = new Date('2026-03-01T00:00:00Z');
  ctx = {
    agreementId: agreement.id,
    partyIds: { government: agreement.government, movement: agreement.movement },
    milestoneIds,
    day0,
    now: s.clock.now(),
    at: (day, hour = 12) => new Date(day0.getTime() + day * DAY_MS + hour * 3_600_000).toISOString(),
    progress: () => {},
    as: (claims) => async (query, variables = {}) => {
      const who = caller(claims.roles, { agency: claims.agency, partyId: claims.partyId ?? null, guarantorId: claims.guarantorId ?? null, subject: `demo:${claims.agency}` });
      return ok(serviceOf(query), who, query, variables);
    },
  };
  await loadGuarantorsDemo(ctx);
});
afterAll(async () => {
  await s?.stop();
});

describe('the demo scenario', () => {
  it('registers two guarantors with commitments in each status', async () => {
    const r = await h.ok(anonymous, '{ guarantors { name kind commitments { kind status } commitmentTotals { currency pledged { amount } committed { amount } paid { amount } } } }');
    expect(r.guarantors.map((g: any) => [g.name, g.kind])).toEqual([
      ['Council of Southern Littoral States', 'REGIONAL_ORGANISATION'],
      ['UN Veltria Peace Dividend Fund', 'UN_BODY'],
    ]);
    const statuses = r.guarantors.flatMap((g: any) => g.commitments.map((c: any) => c.status));
    expect(new Set(statuses)).toEqual(new Set(['PLEDGED', 'COMMITTED', 'PAID']));
    expect(r.guarantors[1].commitmentTotals).toEqual([{ currency: 'USD', pledged: { amount: '0.00' }, committed: { amount: '1000000.00' }, paid: { amount: '2500000.00' } }]);
  });

  it('answers the gateway\'s milestone query: funded ratios and held tranches, nothing released or approved', async () => {
    const { firstRelease, reopening } = ctx.milestoneIds as { firstRelease: string; reopening: string };
    const r = await h.ok(anonymous, `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Milestone { escrowFundedRatio tranches { amount { amount currency } status } } } }`, {
      representations: [
        { __typename: 'Milestone', id: firstRelease, status: 'PENDING', dueAt: '2030-01-01T00:00:00.000Z', agreement: { snapBack: { active: false, triggeredAt: null } } },
        { __typename: 'Milestone', id: reopening, status: 'PENDING', dueAt: '2030-01-01T00:00:00.000Z', agreement: { snapBack: { active: false, triggeredAt: null } } },
      ],
    });
    expect(r._entities[0]).toEqual({ escrowFundedRatio: 1, tranches: [{ amount: { amount: '1000000.00', currency: 'USD' }, status: 'HELD' }] });
    expect(r._entities[1].tranches).toHaveLength(2);
    expect(r._entities[1].escrowFundedRatio).toBeCloseTo(750_000 / 900_000, 5);
    const [{ n }] = await h.db().query(`SELECT (SELECT count(*) FROM tranche_approval) + (SELECT count(*) FROM ledger_journal WHERE kind <> 'DEPOSIT') AS n`);
    expect(Number(n)).toBe(0);
    const account = await h.ok(mediator, `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Agreement { escrowAccounts { balance { amount } } penaltySchedule { forfeitBasisPoints } } } }`, {
      r: [{ __typename: 'Agreement', id: ctx.agreementId }],
    });
    // 1,750,000.00 for the fixed tranches and 300,000.00 deposited for the variable one.
    expect(account._entities[0]).toEqual({ escrowAccounts: [{ balance: { amount: '2050000.00' } }], penaltySchedule: { forfeitBasisPoints: 2500 } });
    // The ledger reconciles: every journal balances, no escrow holding is overdrawn.
    const [{ total }] = await h.db().query(`SELECT coalesce(sum(amount_minor), 0)::text AS total FROM ledger_entry`);
    expect(total).toBe('0');
    const overdrawn = await h.db().query(`SELECT a.id FROM ledger_account a JOIN ledger_entry e ON e.account_id = a.id WHERE a.kind = 'ESCROW' GROUP BY a.id HAVING sum(e.amount_minor) < 0`);
    expect(overdrawn).toEqual([]);
  });

  it('holds 400 fishing permits in escrow with the first quarter released, and a variable tranche carrying to the reopening', async () => {
    const r = await h.ok(mediator, `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Agreement { incentiveEscrows { unit totalUnits held released steps { step units status } } } } }`, {
      r: [{ __typename: 'Agreement', id: ctx.agreementId }],
    });
    const [permits] = r._entities[0].incentiveEscrows;
    expect(permits).toMatchObject({ unit: 'fishing permits off the Sorrel coast', totalUnits: 400, held: 300, released: 100 });
    expect(permits.steps.map((x: any) => [x.step, x.units, x.status])).toEqual([
      [1, 100, 'RELEASED'],
      [2, 100, 'PENDING'],
      [3, 100, 'PENDING'],
      [4, 100, 'PENDING'],
    ]);
    const [terms] = await h.db().query(`SELECT count(*)::int AS n FROM tranche_performance_terms`);
    expect(terms.n).toBe(1);
  });
});
