import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymous, caller } from '@treaty/testing';
import { DAY_MS } from '@treaty/service-kit';
import type { DemoContext } from '../../../packages/launcher/src/demo.js';
import { loadGuarantorsDemo } from '../../../packages/launcher/src/demo-guarantors.js';
import { addMilestone, createAgreement, mediator, startGuarantors, type Harness } from './harness.js';

let h: Harness;
let ctx: DemoContext;

/** The launcher's demo step, run against this service as the gateway would call it (every demo mutation is this service's). */
beforeAll(async () => {
  h = await startGuarantors('2026-03-25T12:00:00Z');
  const agreement = await createAgreement(h);
  const milestoneIds = {
    firstRelease: await addMilestone(h, agreement, 30, 'First release of priority detainees'),
    reopening: await addMilestone(h, agreement, 60, 'Reopening of the crossing'),
  };
  const day0 = new Date('2026-03-01T00:00:00Z');
  ctx = {
    agreementId: agreement.id,
    partyIds: { government: agreement.government, movement: agreement.movement },
    milestoneIds,
    day0,
    now: h.clock.now(),
    at: (day, hour = 12) => new Date(day0.getTime() + day * DAY_MS + hour * 3_600_000).toISOString(),
    progress: () => {},
    as: (claims) => async (query, variables = {}) => {
      const who = caller(claims.roles, { agency: claims.agency, partyId: claims.partyId ?? null, guarantorId: claims.guarantorId ?? null, subject: `demo:${claims.agency}` });
      const r = await h.call('guarantors', who, query, variables);
      if (r.body.errors?.length) throw new Error(`${r.body.errors[0]!.extensions?.code}: ${r.body.errors[0]!.message}`);
      return r.body.data as any;
    },
  };
  await loadGuarantorsDemo(ctx);
});
afterAll(async () => {
  await h?.stop();
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
        { __typename: 'Milestone', id: firstRelease, status: 'PENDING', underSnapBack: false },
        { __typename: 'Milestone', id: reopening, status: 'PENDING', underSnapBack: false },
      ],
    });
    expect(r._entities[0]).toEqual({ escrowFundedRatio: 1, tranches: [{ amount: { amount: '1000000.00', currency: 'USD' }, status: 'HELD' }] });
    expect(r._entities[1].tranches).toHaveLength(2);
    expect(r._entities[1].escrowFundedRatio).toBeCloseTo(750_000 / 900_000, 5);
    const [{ n }] = await h.db.query(`SELECT (SELECT count(*) FROM tranche_approval) + (SELECT count(*) FROM ledger_journal WHERE kind <> 'DEPOSIT') AS n`);
    expect(Number(n)).toBe(0);
    const account = await h.ok(mediator, `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Agreement { escrowAccounts { balance { amount } } penaltySchedule { forfeitBasisPoints } } } }`, {
      r: [{ __typename: 'Agreement', id: ctx.agreementId }],
    });
    expect(account._entities[0]).toEqual({ escrowAccounts: [{ balance: { amount: '1750000.00' } }], penaltySchedule: { forfeitBasisPoints: 2500 } });
    await h.expectLedgerReconciles();
  });
});
