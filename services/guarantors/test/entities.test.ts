import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { anonymous, expectPreparedFindAsTypeOrm } from '@treaty/testing';
import { preparedFindIn, statements } from '@treaty/service-kit';
import { Tranche } from '../src/entities/index.js';
import {
  APPROVE,
  RELEASE,
  addMilestone,
  certify,
  createAgreement,
  createTranche,
  deposit,
  guarantorCaller,
  mediator,
  openAccount,
  registerGuarantor,
  startGuarantors,
  type Harness,
} from './harness.js';

let h: Harness;
let agreement: Awaited<ReturnType<typeof createAgreement>>;
let un: string;
let league: string;
let usd: string;
let eur: string;
/** Real milestones of the agreement, each with tranches in various states. */
let milestoneIds: string[];
/** 500 milestone ids (the first five real, the rest only known to this service through bulk-loaded tranches). */
let many: string[];

const MILESTONES = /* GraphQL */ `
  query ($representations: [_Any!]!) {
    _entities(representations: $representations) {
      ... on Milestone {
        id
        escrowFundedRatio
        tranches {
          id status description createdAt
          amount { amount currency }
          milestone { id }
          guarantor { name kind }
          escrowAccount { id currency }
          release { amount { amount } releasedAt }
          penalty { basisPoints forfeited { amount } }
          forfeited { amount } released { amount } held { amount } unfunded { amount } releasable { amount }
        }
      }
    }
  }`;

// What the gateway sends through @requires: the status, the deadline, and the agreement's snap-back state.
const reps = (ids: string[], status = 'PENDING', underSnapBack = false) =>
  ids.map((id) => ({ __typename: 'Milestone', id, status, dueAt: '2030-01-01T00:00:00.000Z', agreement: { snapBack: { active: underSnapBack, triggeredAt: underSnapBack ? '2026-01-01T00:00:00.000Z' : null } } }));

beforeAll(async () => {
  h = await startGuarantors();
  agreement = await createAgreement(h);
  un = await registerGuarantor(h, 'UN Recovery Fund', 'UN_BODY', ['FUNDER']);
  league = await registerGuarantor(h, 'Union of Coastal States', 'REGIONAL_ORGANISATION', ['FUNDER']);
  usd = await openAccount(h, agreement.id, agreement.government, 'USD');
  eur = await openAccount(h, agreement.id, agreement.movement, 'EUR');
  milestoneIds = [];
  for (let i = 0; i < 5; i++) milestoneIds.push(await addMilestone(h, agreement, 10 + i, `Milestone ${i}`));
});
afterAll(async () => {
  await h?.expectLedgerReconciles();
  await h?.stop();
});

describe('Milestone.escrowFundedRatio', () => {
  it('is 0 for a milestone without tranches', async () => {
    const r = await h.ok(anonymous, MILESTONES, { representations: reps([milestoneIds[4]!]) });
    expect(r._entities[0]).toEqual({ id: milestoneIds[4], escrowFundedRatio: 0, tranches: [] });
  });

  it('covers a guarantor\'s tranches in the order they were created, counts releases as funded, and takes the lowest currency', async () => {
    const [m0, m1, m2] = milestoneIds as [string, string, string];
    // UN holding in USD: 600 deposited; tranches m0 400, m1 400 (m0 covered in full, m1 half).
    await deposit(h, usd, un, '600.00');
    const t0 = await createTranche(h, usd, m0, un, '400.00');
    await createTranche(h, usd, m1, un, '400.00');
    // League money in the same account does not pay for UN tranches.
    await deposit(h, usd, league, '5000.00');
    let r = await h.ok(anonymous, MILESTONES, { representations: reps([m0, m1, m2]) });
    expect(r._entities.map((e: any) => e.escrowFundedRatio)).toEqual([1, 0.5, 0]);

    // Releasing m0's tranche: it stays funded; the 200 left still half-covers m1.
    await certify(h, m0);
    await h.ok(mediator, APPROVE, { input: { trancheId: t0.id } });
    await h.ok(guarantorCaller(un, 'releasing-officer'), RELEASE, { input: { trancheId: t0.id } });
    r = await h.ok(anonymous, MILESTONES, { representations: reps([m0, m1]) });
    expect(r._entities.map((e: any) => e.escrowFundedRatio)).toEqual([1, 0.5]);

    // m2: a fully funded USD tranche by the League and a quarter-funded EUR one: the lowest share counts.
    await createTranche(h, usd, m2, league, '1000.00');
    await deposit(h, eur, un, '100.00', 'EUR');
    await createTranche(h, eur, m2, un, '400.00', 'EUR');
    r = await h.ok(anonymous, MILESTONES, { representations: reps([m2]) });
    expect(r._entities[0].escrowFundedRatio).toBe(0.25);
  });
});

describe('_entities for Milestone, as the gateway calls it (status from the representation)', () => {
  it('returns tranches with the status that follows from the status passed in, for anyone', async () => {
    const [m0, m1] = milestoneIds as [string, string];
    const r = await h.ok(anonymous, MILESTONES, {
      representations: [...reps([m1], 'MET'), ...reps([m1], 'MISSED'), ...reps([m1], 'WAIVED'), ...reps([m0], 'MET'), ...reps([m1], 'MET', true)],
    });
    expect(r._entities.map((e: any) => e.tranches.map((t: any) => t.status))).toEqual([['RELEASABLE'], ['MISSED_HELD'], ['HELD'], ['RELEASED'], ['WITHHELD']]);
    expect(r._entities[0].tranches[0]).toMatchObject({ amount: { amount: '400.00', currency: 'USD' }, milestone: { id: m1 }, guarantor: { name: 'UN Recovery Fund', kind: 'UN_BODY' }, escrowAccount: { id: usd, currency: 'USD' }, release: null, penalty: null });
    expect(r._entities[3].tranches[0].release.amount.amount).toBe('400.00');
  });

  it('withholds only for a snap-back triggered before the deadline, and says so when the state is unknown', async () => {
    const [, m1] = milestoneIds as [string, string];
    const at = (triggeredAt: string | null, active = true) => ({
      __typename: 'Milestone', id: m1, status: 'MET', dueAt: '2026-03-10T23:59:59.999Z', agreement: { snapBack: { active, triggeredAt } },
    });
    const unknown = { __typename: 'Milestone', id: m1, status: 'MET', dueAt: '2026-03-10T23:59:59.999Z', agreement: { snapBack: null } };
    const r = await h.run(anonymous, MILESTONES, {
      representations: [at('2026-03-10T23:59:59.998Z'), at('2026-03-10T23:59:59.999Z'), at('2026-03-12T00:00:00.000Z'), at(null, false), unknown],
    });
    const statuses = r.data!._entities.map((e: any) => e.tranches.map((t: any) => t.status));
    // Before the deadline: withheld. At or after it, or not in force: the milestone's own status decides.
    expect(statuses).toEqual([['WITHHELD'], ['RELEASABLE'], ['RELEASABLE'], ['RELEASABLE'], [null]]);
    // Each error belongs to the one tranche whose state was unknown (the query reads its status twice).
    expect(r.errors!.length).toBeGreaterThan(0);
    for (const e of r.errors!) expect(e.message).toContain('could not be established in this request');
    expect(r.errors!.every((e: any) => e.path?.[1] === 4)).toBe(true);
  });

  it('answers null for malformed ids without failing the batch, and empty lists for ids it holds nothing for', async () => {
    const r = await h.ok(anonymous, MILESTONES, { representations: [{ __typename: 'Milestone', id: 'nonsense', status: 'MET', dueAt: '2030-01-01T00:00:00.000Z', agreement: { snapBack: { active: false, triggeredAt: null } } }, ...reps(['00000000-0000-4000-8000-00000000beef'])] });
    expect(r._entities).toEqual([null, { id: '00000000-0000-4000-8000-00000000beef', escrowFundedRatio: 0, tranches: [] }]);
  });

  it('asks milestones for the status when the representation lacks it (a path that is not the gateway\'s)', async () => {
    const [m0, , , m3] = milestoneIds as [string, string, string, string];
    await createTranche(h, usd, m3, league, '1.00');
    await certify(h, m3);
    const r = await h.ok(anonymous, MILESTONES, { representations: [{ __typename: 'Milestone', id: m3 }, { __typename: 'Milestone', id: m0 }] });
    expect(r._entities.map((e: any) => e.tranches.map((t: any) => t.status))).toEqual([['RELEASABLE'], ['RELEASED']]);
  });
});

describe('bounded work per request', () => {
  it('lists guarantors, their tranches and commitments with a fixed number of statements and one call to milestones', async () => {
    const query = `{ guarantors { name commitments { status } commitmentTotals { currency } tranches { status amount { amount } held { amount } releasable { amount } escrowAccount { currency } } } }`;
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    try {
      const before = await statements.measure(() => h.run(anonymous, query));
      expect(before.result.errors).toBeUndefined();
      const callsBefore = fetchSpy.mock.calls.length;
      expect(callsBefore).toBe(1);
      for (let i = 0; i < 5; i++) await registerGuarantor(h, `Late Donor ${i}`, 'STATE', ['FUNDER']);
      for (let i = 0; i < 3; i++) await createTranche(h, usd, milestoneIds[2]!, un, '2.00');
      fetchSpy.mockClear();
      const after = await statements.measure(() => h.run(anonymous, query));
      expect((after.result.data as any).guarantors).toHaveLength(7);
      expect(after.count).toBe(before.count);
      expect(fetchSpy.mock.calls.length).toBe(1);
    } finally {
      fetchSpy.mockRestore();
    }
  });

  it('runs the same number of SQL statements for tranche fields over 5 or 500 milestones', async () => {
    // 495 more milestones' worth of tranches, bulk-loaded: the count under test is about reads.
    many = [...milestoneIds];
    for (let i = many.length; i < 500; i++) many.push(crypto.randomUUID());
    await h.db.query(
      `INSERT INTO tranche (id, escrow_account_id, milestone_id, guarantor_id, currency, amount_minor, created_at)
       SELECT gen_random_uuid(), $1, m, CASE WHEN i % 2 = 0 THEN $2::uuid ELSE $3::uuid END, 'USD', 100 + i, now()
         FROM unnest($4::uuid[]) WITH ORDINALITY AS x(m, i)`,
      [usd, un, league, many.slice(5)],
    );
    const measure = async (ids: string[]) => {
      const { result, count } = await statements.measure(() => h.run(anonymous, MILESTONES, { representations: reps(ids) }));
      expect(result.errors).toBeUndefined();
      return { count, entities: (result.data as any)._entities as any[] };
    };
    const few = await measure(many.slice(0, 5));
    const all = await measure(many);
    expect(all.entities).toHaveLength(500);
    expect(all.entities.every((e) => e.tranches.length >= 1 || e.id === milestoneIds[4])).toBe(true);
    expect(few.count).toBeGreaterThan(0);
    expect(all.count).toBe(few.count);
  });

  it('reads escrow accounts and their movements with a fixed number of statements', async () => {
    const query = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Agreement { escrowAccounts { balance { amount } released { amount } holdings { guarantor { name } balance { amount } reserved { amount } unreserved { amount } } movements { kind guarantor { name } tranche { id } } tranches { id } } penaltySchedule { forfeitBasisPoints } commitmentTotals { currency } } } }`;
    const r = { r: [{ __typename: 'Agreement', id: agreement.id }] };
    const before = await statements.measure(() => h.run(mediator, query, r));
    expect(before.result.errors).toBeUndefined();
    for (let i = 0; i < 4; i++) await deposit(h, usd, un, '3.00');
    await openAccount(h, agreement.id, agreement.movement, 'USD');
    const after = await statements.measure(() => h.run(mediator, query, r));
    expect((after.result.data as any)._entities[0].escrowAccounts).toHaveLength(3);
    expect(after.count).toBe(before.count);
  });
});

describe('prepared reads', () => {
  it('hydrates every entity read by preparedFindIn exactly as TypeORM find does, tranches by milestone included', async () => {
    const compared = await expectPreparedFindAsTypeOrm(h.db, [{ entity: 'Tranche', property: 'milestoneId', order: { sequence: 'ASC' } }]);
    // Rows written by the tests above: tranches (bigint money through a transformer), their ledger and accounts.
    expect(compared).toEqual(expect.arrayContaining(['Guarantor', 'EscrowAccount', 'Tranche', 'LedgerJournal', 'LedgerEntry', 'LedgerAccount']));
  });
  it('refuses a key it cannot send as one array, and a column the entity does not store, before any statement', async () => {
    const { count } = await statements.measure(async () => {
      await expect(preparedFindIn(h.db, Tranche, 'createdAt', [new Date()])).rejects.toThrow(/Tranche.createdAt is timestamp with time zone; only uuid, text and integer keys/);
      await expect(preparedFindIn(h.db, Tranche, 'nothing' as never, ['x'])).rejects.toThrow(/Tranche has no stored column nothing/);
    });
    expect(count).toBe(0);
    expect(await preparedFindIn(h.db, Tranche, 'milestoneId', [])).toEqual([]);
  });
  it('plans a prepared statement once on a connection and runs every later call on that plan, never planning it again for the values', async () => {
    // One transaction is one connection, so pg_prepared_statements there shows this statement's plans.
    const plans = await h.db.transaction(async (manager) => {
      for (let i = 0; i < 8; i++) expect(await preparedFindIn(manager, Tranche, 'milestoneId', milestoneIds.slice(0, 1 + (i % 3)))).not.toHaveLength(0);
      return manager.query(`SELECT generic_plans::int AS generic, custom_plans::int AS custom FROM pg_prepared_statements WHERE statement LIKE 'SELECT % FROM "tranche" WHERE "milestone_id" = ANY($1::uuid[])'`);
    });
    // Left to itself PostgreSQL makes a custom plan for the first five calls, then goes on doing so for
    // a key list (it guesses ten keys for the plan without values, which then looks dearer).
    expect(plans).toHaveLength(1);
    expect(plans[0].custom).toBe(0);
    expect(plans[0].generic).toBeGreaterThanOrEqual(8);
  });
});
