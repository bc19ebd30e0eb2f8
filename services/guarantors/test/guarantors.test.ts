import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymous, caller, codes } from '@treaty/testing';
import {
  ADVANCE,
  PLEDGE,
  REGISTER,
  createAgreement,
  guarantorCaller,
  mediator,
  registerGuarantor,
  startGuarantors,
  type Harness,
} from './harness.js';

let h: Harness;
let agreement: Awaited<ReturnType<typeof createAgreement>>;
let other: Awaited<ReturnType<typeof createAgreement>>;
let un: string;
let league: string;
let monitorOnly: string;

beforeAll(async () => {
  h = await startGuarantors();
  agreement = await createAgreement(h);
  other = await createAgreement(h);
  un = await registerGuarantor(h, 'UN Peacebuilding Trust', 'UN_BODY', ['FUNDER', 'MONITOR']);
  league = await registerGuarantor(h, 'League of Meridian States', 'REGIONAL_ORGANISATION', ['SECURITY_GUARANTOR', 'FUNDER']);
  monitorOnly = await registerGuarantor(h, 'Republic of Estval', 'STATE', ['MONITOR']);
});
afterAll(async () => {
  await h?.stop();
});

const fundingPledge = (guarantorId: string, amount = '2500000.00', currency = 'USD', agreementId = agreement.id) => ({
  input: { guarantorId, agreementId, kind: 'FUNDING_PLEDGE', amount, currency },
});

async function pledge(guarantorId: string, amount = '2500000.00', currency = 'USD', agreementId = agreement.id) {
  return (await h.ok(guarantorCaller(guarantorId), PLEDGE, fundingPledge(guarantorId, amount, currency, agreementId))).pledge;
}

describe('registerGuarantor', () => {
  it('registers a guarantor with its kind and roles, at the service clock', async () => {
    h.clock.set('2026-03-03T09:00:00Z');
    const r = await h.ok(mediator, REGISTER, { input: { name: '  African Standby Mechanism  ', kind: 'REGIONAL_ORGANISATION', roles: ['SECURITY_GUARANTOR', 'MONITOR'] } });
    expect(r.registerGuarantor).toMatchObject({ name: 'African Standby Mechanism', kind: 'REGIONAL_ORGANISATION', roles: ['SECURITY_GUARANTOR', 'MONITOR'], registeredAt: '2026-03-03T09:00:00.000Z' });
  });

  it('lists guarantors by name for anyone', async () => {
    const r = await h.ok(anonymous, '{ guarantors { name kind } }');
    const names = r.guarantors.map((g: any) => g.name);
    expect(names).toEqual([...names].sort((a: string, b: string) => a.localeCompare(b)));
    expect(names).toContain('UN Peacebuilding Trust');
  });

  it('refuses a name already registered, ignoring case and spaces, pointing to its id', async () => {
    await h.expectRefused(
      () => h.run(mediator, REGISTER, { input: { name: ' un peacebuilding TRUST', kind: 'UN_BODY', roles: ['FUNDER'] } }),
      'BAD_USER_INPUT',
      new RegExp(`already registered \\(id ${un}\\)`),
    );
  });

  it('refuses an empty name, no roles, and a role listed twice, all at once', async () => {
    const r = await h.expectRefused(() => h.run(mediator, REGISTER, { input: { name: ' ', kind: 'STATE', roles: [] } }), 'BAD_USER_INPUT');
    expect(r.errors![0]!.extensions!.details).toMatchObject({ problems: [{ path: 'input.name' }, { path: 'input.roles' }] });
    await h.expectRefused(() => h.run(mediator, REGISTER, { input: { name: 'Twice', kind: 'STATE', roles: ['FUNDER', 'FUNDER'] } }), 'BAD_USER_INPUT', /listed twice/);
  });

  it('is for MEDIATORs only: FORBIDDEN naming the role, nothing written', async () => {
    for (const who of [guarantorCaller(un), anonymous, caller('PARTY', { partyId: agreement.government })]) {
      await h.expectRefused(() => h.run(who, REGISTER, { input: { name: 'Sneaky Fund', kind: 'STATE', roles: ['FUNDER'] } }), 'FORBIDDEN', /needs the MEDIATOR role/);
    }
  });
});

describe('pledge', () => {
  it('records a funding pledge by the guarantor itself, PLEDGED, with exact money', async () => {
    const c = await pledge(un, '1250000.10');
    expect(c).toMatchObject({ kind: 'FUNDING_PLEDGE', status: 'PLEDGED', amount: { amount: '1250000.10', currency: 'USD' }, agreement: { id: agreement.id }, guarantor: { id: un }, committedAt: null });
  });

  it('records a security assurance by a mediator on the guarantor\'s behalf', async () => {
    const r = await h.ok(mediator, PLEDGE, { input: { guarantorId: league, agreementId: agreement.id, kind: 'SECURITY_ASSURANCE', description: 'Protection of joint monitors along the southern line' } });
    expect(r.pledge).toMatchObject({ kind: 'SECURITY_ASSURANCE', status: 'PLEDGED', amount: null });
  });

  it('refuses a GUARANTOR pledging for another guarantor, and callers without the role', async () => {
    await h.expectRefused(() => h.run(guarantorCaller(league), PLEDGE, fundingPledge(un)), 'FORBIDDEN', /needs the MEDIATOR role, or the GUARANTOR role for the guarantor concerned/);
    await h.expectRefused(() => h.run(caller('GUARANTOR'), PLEDGE, fundingPledge(un)), 'FORBIDDEN');
    await h.expectRefused(() => h.run(caller('MONITOR'), PLEDGE, fundingPledge(un)), 'FORBIDDEN');
  });

  it('refuses a funding pledge without money, with bad money, or from a guarantor that is not a FUNDER', async () => {
    const g = guarantorCaller(un);
    await h.expectRefused(() => h.run(g, PLEDGE, { input: { guarantorId: un, agreementId: agreement.id, kind: 'FUNDING_PLEDGE' } }), 'BAD_USER_INPUT', /needs an amount and a currency/);
    await h.expectRefused(() => h.run(g, PLEDGE, fundingPledge(un, '10.001')), 'BAD_USER_INPUT', /3 decimals but USD allows 2/);
    await h.expectRefused(() => h.run(g, PLEDGE, fundingPledge(un, '-10.00')), 'BAD_USER_INPUT', /negative/);
    await h.expectRefused(() => h.run(g, PLEDGE, fundingPledge(un, '0')), 'BAD_USER_INPUT', /zero/);
    await h.expectRefused(() => h.run(g, PLEDGE, fundingPledge(un, '10', 'XYZ')), 'BAD_USER_INPUT', /Currency "XYZ" is not supported/);
    await h.expectRefused(() => h.run(guarantorCaller(monitorOnly), PLEDGE, fundingPledge(monitorOnly)), 'BAD_USER_INPUT', /needs a guarantor with the FUNDER role/);
  });

  it('refuses a security assurance without words, with money, or from a guarantor that is not a SECURITY_GUARANTOR', async () => {
    const assurance = (guarantorId: string, extra: Record<string, unknown>) => ({ input: { guarantorId, agreementId: agreement.id, kind: 'SECURITY_ASSURANCE', ...extra } });
    await h.expectRefused(() => h.run(mediator, PLEDGE, assurance(league, {})), 'BAD_USER_INPUT', /needs a description/);
    await h.expectRefused(() => h.run(mediator, PLEDGE, assurance(league, { description: 'x', amount: '5.00', currency: 'USD' })), 'BAD_USER_INPUT', /carries no money/);
    await h.expectRefused(() => h.run(mediator, PLEDGE, assurance(un, { description: 'Air cover' })), 'BAD_USER_INPUT', /SECURITY_GUARANTOR role/);
  });

  it('confirms the agreement with the milestones service: unknown or malformed ids are NOT_FOUND', async () => {
    await h.expectRefused(() => h.run(guarantorCaller(un), PLEDGE, fundingPledge(un, '5.00', 'USD', '00000000-0000-4000-8000-000000000001')), 'NOT_FOUND', /No agreement has id/);
    await h.expectRefused(() => h.run(guarantorCaller(un), PLEDGE, fundingPledge(un, '5.00', 'USD', 'agreement-1')), 'NOT_FOUND');
    await h.expectRefused(() => h.run(mediator, PLEDGE, fundingPledge('00000000-0000-4000-8000-000000000002')), 'NOT_FOUND', /No guarantor has id/);
  });

  it('hides what an assurance says from anonymous callers', async () => {
    const r = await h.run(anonymous, `{ guarantor(id: "${league}") { commitments { kind description } } }`);
    expect(codes(r)).toContain('FORBIDDEN');
    const ok = await h.ok(caller('MONITOR'), `{ guarantor(id: "${league}") { commitments { kind description } } }`);
    expect(ok.guarantor.commitments.find((c: any) => c.kind === 'SECURITY_ASSURANCE').description).toMatch(/joint monitors/);
  });
});

describe('advanceCommitment', () => {
  it('moves PLEDGED → COMMITTED → PAID, recording when', async () => {
    const c = await pledge(un, '100.00');
    h.clock.set('2026-03-05T10:00:00Z');
    const committed = (await h.ok(guarantorCaller(un), ADVANCE, { input: { commitmentId: c.id, status: 'COMMITTED' } })).advanceCommitment;
    expect(committed).toMatchObject({ status: 'COMMITTED', committedAt: '2026-03-05T10:00:00.000Z', paidAt: null });
    h.clock.set('2026-03-06T10:00:00Z');
    const paid = (await h.ok(mediator, ADVANCE, { input: { commitmentId: c.id, status: 'PAID' } })).advanceCommitment;
    expect(paid).toMatchObject({ status: 'PAID', paidAt: '2026-03-06T10:00:00.000Z' });
  });

  it('refuses skipping, going back and paying an assurance with INVALID_TRANSITION, nothing written', async () => {
    const c = await pledge(un, '100.00');
    await h.expectRefused(() => h.run(mediator, ADVANCE, { input: { commitmentId: c.id, status: 'PAID' } }), 'INVALID_TRANSITION', /must be COMMITTED before it is PAID/);
    await h.expectRefused(() => h.run(mediator, ADVANCE, { input: { commitmentId: c.id, status: 'PLEDGED' } }), 'INVALID_TRANSITION', /cannot move back/);
    await h.ok(mediator, ADVANCE, { input: { commitmentId: c.id, status: 'COMMITTED' } });
    await h.expectRefused(() => h.run(mediator, ADVANCE, { input: { commitmentId: c.id, status: 'COMMITTED' } }), 'INVALID_TRANSITION', /already COMMITTED/);
    const a = (await h.ok(mediator, PLEDGE, { input: { guarantorId: league, agreementId: agreement.id, kind: 'SECURITY_ASSURANCE', description: 'Naval escort' } })).pledge;
    await h.ok(mediator, ADVANCE, { input: { commitmentId: a.id, status: 'COMMITTED' } });
    await h.expectRefused(() => h.run(mediator, ADVANCE, { input: { commitmentId: a.id, status: 'PAID' } }), 'INVALID_TRANSITION', /never paid/);
    const state = await h.db.query('SELECT committed_at, paid_at FROM commitment WHERE id = $1', [a.id]);
    expect(state[0].paid_at).toBeNull();
  });

  it('lets a GUARANTOR move only its own guarantor\'s commitments', async () => {
    const c = await pledge(un, '100.00');
    await h.expectRefused(() => h.run(guarantorCaller(league), ADVANCE, { input: { commitmentId: c.id, status: 'COMMITTED' } }), 'FORBIDDEN', /GUARANTOR role for the guarantor concerned/);
    await h.expectRefused(() => h.run(anonymous, ADVANCE, { input: { commitmentId: c.id, status: 'COMMITTED' } }), 'FORBIDDEN');
    await h.expectRefused(() => h.run(mediator, ADVANCE, { input: { commitmentId: '00000000-0000-4000-8000-000000000003', status: 'COMMITTED' } }), 'NOT_FOUND');
    await h.expectRefused(() => h.run(mediator, ADVANCE, { input: { commitmentId: 'c-1', status: 'COMMITTED' } }), 'NOT_FOUND');
  });

  it('moves a commitment once under concurrent requests', async () => {
    const c = await pledge(un, '100.00');
    const results = await Promise.all(Array.from({ length: 10 }, () => h.run(guarantorCaller(un), ADVANCE, { input: { commitmentId: c.id, status: 'COMMITTED' } })));
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    expect(results.filter((r) => r.errors).map((r) => codes(r)[0])).toEqual(Array(9).fill('INVALID_TRANSITION'));
  });
});

describe('commitment totals', () => {
  it('count pledged apart from committed and paid, per currency, per guarantor and per agreement', async () => {
    const fresh = await registerGuarantor(h, 'Northern Council Development Fund', 'REGIONAL_ORGANISATION', ['FUNDER']);
    const ids: string[] = [];
    for (const [amount, currency, agreementId] of [
      ['1000.00', 'USD', agreement.id],
      ['200.50', 'USD', agreement.id],
      ['30.25', 'USD', agreement.id],
      ['4.00', 'USD', agreement.id],
      ['500000', 'JPY', agreement.id],
      ['999.99', 'USD', other.id],
    ] as const) {
      ids.push((await pledge(fresh, amount, currency, agreementId)).id);
    }
    const move = (i: number, status: string) => h.ok(mediator, ADVANCE, { input: { commitmentId: ids[i], status } });
    await move(1, 'COMMITTED');
    await move(2, 'COMMITTED');
    await move(2, 'PAID');
    await move(3, 'COMMITTED');
    await move(3, 'PAID');

    const r = await h.ok(anonymous, `{ guarantor(id: "${fresh}") {
      all: commitmentTotals { currency pledged { amount } committed { amount } paid { amount } }
      one: commitmentTotals(agreementId: "${agreement.id}") { currency pledged { amount } committed { amount } paid { amount } }
      commitments(agreementId: "${other.id}") { amount { amount } } } }`);
    expect(r.guarantor.one).toEqual([
      { currency: 'JPY', pledged: { amount: '500000' }, committed: { amount: '0' }, paid: { amount: '0' } },
      { currency: 'USD', pledged: { amount: '1000.00' }, committed: { amount: '200.50' }, paid: { amount: '34.25' } },
    ]);
    expect(r.guarantor.all.find((t: any) => t.currency === 'USD').pledged.amount).toBe('1999.99');
    expect(r.guarantor.commitments).toEqual([{ amount: { amount: '999.99' } }]);

    const e = await h.ok(anonymous, `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Agreement { id commitmentTotals { currency pledged { amount } committed { amount } paid { amount } } commitments { id } } } }`, {
      representations: [{ __typename: 'Agreement', id: other.id }],
    });
    expect(e._entities[0]).toEqual({ id: other.id, commitmentTotals: [{ currency: 'USD', pledged: { amount: '999.99' }, committed: { amount: '0.00' }, paid: { amount: '0.00' } }], commitments: [{ id: ids[5] }] });
  });
});

describe('_entities, as the gateway calls it', () => {
  // Agreement.commitments is nullable (null only when this service is down) and Guarantor.commitments is
  // not, so in one selection they need different response names, as the gateway's planner gives them.
  const ENTITIES = /* GraphQL */ `
    query ($representations: [_Any!]!) {
      _entities(representations: $representations) {
        __typename
        ... on Guarantor { id name kind roles commitments { kind } }
        ... on Agreement { id agreementCommitments: commitments { guarantor { name } } escrowAccounts { id } penaltySchedule { forfeitBasisPoints } }
      }
    }`;

  it('resolves Guarantor and Agreement by id, null for unknown or malformed ids, in order', async () => {
    const r = await h.ok(anonymous, ENTITIES, {
      representations: [
        { __typename: 'Guarantor', id: league },
        { __typename: 'Guarantor', id: '00000000-0000-4000-8000-00000000abcd' },
        { __typename: 'Guarantor', id: 'nonsense' },
        { __typename: 'Agreement', id: agreement.id },
        { __typename: 'Agreement', id: 'nonsense' },
      ],
    });
    expect(r._entities[0]).toMatchObject({ __typename: 'Guarantor', id: league, name: 'League of Meridian States', kind: 'REGIONAL_ORGANISATION', roles: ['SECURITY_GUARANTOR', 'FUNDER'] });
    expect(r._entities[0].commitments.map((c: any) => c.kind)).toContain('SECURITY_ASSURANCE');
    expect(r._entities[1]).toBeNull();
    expect(r._entities[2]).toBeNull();
    expect(r._entities[3]).toMatchObject({ __typename: 'Agreement', id: agreement.id, escrowAccounts: [], penaltySchedule: null });
    expect(r._entities[3].agreementCommitments.length).toBeGreaterThan(0);
    expect(r._entities[4]).toBeNull();
  });
});
