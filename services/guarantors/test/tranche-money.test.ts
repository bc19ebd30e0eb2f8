import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { anonymous } from '@treaty/testing';
import {
  APPLY_PENALTY,
  APPROVE,
  RELEASE,
  SET_PENALTY,
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

/**
 * Issue 14, items 2 and 6: what really happened to a tranche's money (forfeited, released, held in
 * escrow, not yet deposited, releasable now), and escrow reserved per tranche so that no milestone's
 * funded ratio drops because of another milestone's release or penalty.
 */

let h: Harness;
let n = 0;

beforeAll(async () => {
  h = await startGuarantors();
});
beforeEach(() => {
  h.clock.set('2026-03-02T00:00:00Z');
});
afterAll(async () => {
  await h?.expectLedgerReconciles();
  await h?.stop();
});

/** Day 30's deadline is 2026-04-01T00:00Z; after it an uncertified milestone is MISSED. */
const AFTER_DEADLINE = '2026-04-02T08:00:00Z';

const MONEY_FIELDS = 'status amount { amount currency } forfeited { amount } released { amount } held { amount } unfunded { amount } releasable { amount }';
const flat = (t: any) => ({
  status: t.status,
  amount: t.amount.amount,
  forfeited: t.forfeited.amount,
  released: t.released.amount,
  held: t.held.amount,
  unfunded: t.unfunded.amount,
  releasable: t.releasable?.amount ?? null,
});
const moneyOf = async (trancheId: string) => flat((await h.ok(anonymous, `{ tranche(id: "${trancheId}") { ${MONEY_FIELDS} } }`)).tranche);

/** What the gateway's headline asks of guarantors for a milestone, with the milestone's status passed in (`@requires`). */
async function headline(milestoneId: string, status: string) {
  const r = await h.ok(anonymous, `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Milestone { escrowFundedRatio tranches { ${MONEY_FIELDS} } } } }`, {
    r: [{ __typename: 'Milestone', id: milestoneId, status, dueAt: '2030-01-01T00:00:00.000Z', agreement: { snapBack: { active: false, triggeredAt: null } } }],
  });
  const m = r._entities[0];
  return { escrowFundedRatio: m.escrowFundedRatio, tranches: m.tranches.map(flat) };
}

const ratios = async (ids: string[]) =>
  (
    await h.ok(anonymous, `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Milestone { escrowFundedRatio } } }`, {
      r: ids.map((id) => ({ __typename: 'Milestone', id, status: 'PENDING', dueAt: '2030-01-01T00:00:00.000Z', agreement: { snapBack: { active: false, triggeredAt: null } } })),
    })
  )._entities.map((e: any) => e.escrowFundedRatio);

const account = async (id: string) =>
  (await h.ok(mediator, `{ escrowAccount(id: "${id}") { balance { amount } refunded { amount } released { amount } holdings { guarantor { id } balance { amount } reserved { amount } unreserved { amount } } } }`)).escrowAccount;

async function setting() {
  n += 1;
  const agreement = await createAgreement(h);
  const guarantorId = await registerGuarantor(h, `Peace Dividend Fund ${n}`, 'UN_BODY', ['FUNDER']);
  const accountId = await openAccount(h, agreement.id, agreement.government, 'USD');
  return { agreement, guarantorId, accountId, releaser: guarantorCaller(guarantorId, 'releasing-officer') };
}

describe('a missed milestone\'s tranche shows what happened to its money (issue 14, item 2)', () => {
  it('is MISSED_HELD with all of it in escrow until a penalty; PARTLY_FORFEITED with 50000.00 forfeited and 150000.00 held after it; the rest released on late certification', async () => {
    const s = await setting();
    const milestoneId = await addMilestone(h, s.agreement, 30);
    await deposit(h, s.accountId, s.guarantorId, '1000000.00');
    const tranche = (await createTranche(h, s.accountId, milestoneId, s.guarantorId, '200000.00')).id as string;
    await h.ok(mediator, SET_PENALTY, { input: { agreementId: s.agreement.id, forfeitBasisPoints: 2500 } });

    h.clock.set(AFTER_DEADLINE);
    // Missed, no penalty yet: nothing is forfeited, so the status must not say FORFEITED.
    expect((await h.ok(anonymous, `{ tranche(id: "${tranche}") { status } }`)).tranche.status).toBe('MISSED_HELD');
    const missed = { status: 'MISSED_HELD', amount: '200000.00', forfeited: '0.00', released: '0.00', held: '200000.00', unfunded: '0.00', releasable: '0.00' };
    expect(await moneyOf(tranche)).toEqual(missed);
    expect(await headline(milestoneId, 'MISSED')).toEqual({ escrowFundedRatio: 1, tranches: [missed] });

    const applied = await h.ok(mediator, APPLY_PENALTY, { input: { trancheId: tranche } });
    expect(applied.applyPenalty).toMatchObject({ status: 'PARTLY_FORFEITED', penalty: { basisPoints: 2500, forfeited: { amount: '50000.00', currency: 'USD' } } });
    const penalised = { status: 'PARTLY_FORFEITED', amount: '200000.00', forfeited: '50000.00', released: '0.00', held: '150000.00', unfunded: '0.00', releasable: '0.00' };
    expect(await moneyOf(tranche)).toEqual(penalised);
    // The 150000.00 still in escrow is still owed and fully covered: the ratio stays 1.
    expect(await headline(milestoneId, 'MISSED')).toEqual({ escrowFundedRatio: 1, tranches: [penalised] });
    expect(await account(s.accountId)).toMatchObject({ balance: { amount: '950000.00' }, refunded: { amount: '50000.00' } });

    expect(await certify(h, milestoneId)).toBe('MET_LATE');
    expect(await moneyOf(tranche)).toEqual({ ...penalised, status: 'RELEASABLE', releasable: '150000.00' });
    await h.ok(mediator, APPROVE, { input: { trancheId: tranche } });
    await h.ok(s.releaser, RELEASE, { input: { trancheId: tranche } });
    expect(await moneyOf(tranche)).toEqual({ status: 'RELEASED', amount: '200000.00', forfeited: '50000.00', released: '150000.00', held: '0.00', unfunded: '0.00', releasable: '0.00' });
    await h.expectLedgerReconciles();
  });

  it('is FORFEITED only when the whole amount went back to the guarantor', async () => {
    const s = await setting();
    const milestoneId = await addMilestone(h, s.agreement, 30);
    await deposit(h, s.accountId, s.guarantorId, '200000.00');
    const tranche = (await createTranche(h, s.accountId, milestoneId, s.guarantorId, '200000.00')).id as string;
    await h.ok(mediator, SET_PENALTY, { input: { agreementId: s.agreement.id, forfeitBasisPoints: 10000 } });
    h.clock.set(AFTER_DEADLINE);
    await h.ok(mediator, APPLY_PENALTY, { input: { trancheId: tranche } });
    expect(await moneyOf(tranche)).toEqual({ status: 'FORFEITED', amount: '200000.00', forfeited: '200000.00', released: '0.00', held: '0.00', unfunded: '0.00', releasable: '0.00' });
  });

  it('shows what escrow does not hold yet as unfunded, and nothing as releasable until it does', async () => {
    const s = await setting();
    const milestoneId = await addMilestone(h, s.agreement, 30);
    await deposit(h, s.accountId, s.guarantorId, '50000.00');
    const tranche = (await createTranche(h, s.accountId, milestoneId, s.guarantorId, '200000.00')).id as string;
    expect(await moneyOf(tranche)).toMatchObject({ status: 'HELD', held: '50000.00', unfunded: '150000.00', releasable: '0.00' });
    await certify(h, milestoneId);
    expect(await moneyOf(tranche)).toMatchObject({ status: 'RELEASABLE', held: '50000.00', unfunded: '150000.00', releasable: '0.00' });
    await deposit(h, s.accountId, s.guarantorId, '150000.00');
    expect(await moneyOf(tranche)).toMatchObject({ status: 'RELEASABLE', held: '200000.00', unfunded: '0.00', releasable: '200000.00' });
  });
});

describe('escrow reserved per tranche: no milestone\'s funded ratio drops because of another\'s release (issue 14, item 6)', () => {
  it('refuses to release a later tranche from money reserved for earlier ones, and releases it from its own deposit', async () => {
    // The demo's shape: 1500000.00 deposited, then Day-30 (1000000.00) and Day-60 (500000.00) tranches,
    // then a tranche on a certified Day-7 milestone.
    const s = await setting();
    const day30 = await addMilestone(h, s.agreement, 30, 'First release');
    const day60 = await addMilestone(h, s.agreement, 60, 'Reopening');
    const day7 = await addMilestone(h, s.agreement, 7, 'Lists');
    await deposit(h, s.accountId, s.guarantorId, '1500000.00');
    await createTranche(h, s.accountId, day30, s.guarantorId, '1000000.00');
    await createTranche(h, s.accountId, day60, s.guarantorId, '500000.00');
    const lists = (await createTranche(h, s.accountId, day7, s.guarantorId, '250000.00')).id as string;
    await certify(h, day7);
    await h.ok(mediator, APPROVE, { input: { trancheId: lists } });
    expect(await ratios([day30, day60, day7])).toEqual([1, 1, 0]);

    await h.expectRefused(
      () => h.run(s.releaser, RELEASE, { input: { trancheId: lists } }),
      'BAD_USER_INPUT',
      /holds 1500000\.00 USD in escrow account .*, but 1500000\.00 USD of it is reserved for its tranches created earlier .* leaving 0\.00 USD for this one; releasing this tranche needs 250000\.00 USD\. Deposit at least 250000\.00 USD more/,
    );
    expect(await ratios([day30, day60, day7])).toEqual([1, 1, 0]);

    await deposit(h, s.accountId, s.guarantorId, '250000.00');
    expect(await ratios([day30, day60, day7])).toEqual([1, 1, 1]);
    await h.ok(s.releaser, RELEASE, { input: { trancheId: lists } });
    expect(await ratios([day30, day60, day7])).toEqual([1, 1, 1]);
    const after = await account(s.accountId);
    expect(after).toMatchObject({ balance: { amount: '1500000.00' }, released: { amount: '250000.00' } });
    expect(after.holdings).toEqual([{ guarantor: { id: s.guarantorId }, balance: { amount: '1500000.00' }, reserved: { amount: '1500000.00' }, unreserved: { amount: '0.00' } }]);
    await h.expectLedgerReconciles();
  });

  it('refuses a penalty on a later tranche that would take money reserved for an earlier one', async () => {
    const s = await setting();
    const early = await addMilestone(h, s.agreement, 40, 'Phase 1 close');
    const missed = await addMilestone(h, s.agreement, 30, 'First release');
    await deposit(h, s.accountId, s.guarantorId, '100000.00');
    await createTranche(h, s.accountId, early, s.guarantorId, '100000.00');
    const late = (await createTranche(h, s.accountId, missed, s.guarantorId, '200000.00')).id as string;
    await h.ok(mediator, SET_PENALTY, { input: { agreementId: s.agreement.id, forfeitBasisPoints: 2500 } });
    h.clock.set(AFTER_DEADLINE);
    await h.expectRefused(
      () => h.run(mediator, APPLY_PENALTY, { input: { trancheId: late } }),
      'BAD_USER_INPUT',
      /holds 100000\.00 USD .* but 100000\.00 USD of it is reserved for its tranches created earlier .* forfeiting this share needs 50000\.00 USD\. Deposit at least 50000\.00 USD more/,
    );
    expect(await ratios([early])).toEqual([1]);
    expect(await moneyOf(late)).toMatchObject({ status: 'MISSED_HELD', held: '0.00', unfunded: '200000.00' });

    await deposit(h, s.accountId, s.guarantorId, '50000.00');
    await h.ok(mediator, APPLY_PENALTY, { input: { trancheId: late } });
    expect(await ratios([early])).toEqual([1]);
    expect(await moneyOf(late)).toMatchObject({ status: 'PARTLY_FORFEITED', forfeited: '50000.00', held: '0.00', unfunded: '150000.00' });
    expect((await account(s.accountId)).holdings).toEqual([
      { guarantor: { id: s.guarantorId }, balance: { amount: '100000.00' }, reserved: { amount: '100000.00' }, unreserved: { amount: '0.00' } },
    ]);
    await h.expectLedgerReconciles();
  });

  it('shows money not yet reserved for any tranche as unreserved, for the next tranche to draw on', async () => {
    const s = await setting();
    const milestoneId = await addMilestone(h, s.agreement, 30);
    await deposit(h, s.accountId, s.guarantorId, '300000.00');
    await createTranche(h, s.accountId, milestoneId, s.guarantorId, '120000.00');
    expect((await account(s.accountId)).holdings).toEqual([
      { guarantor: { id: s.guarantorId }, balance: { amount: '300000.00' }, reserved: { amount: '120000.00' }, unreserved: { amount: '180000.00' } },
    ]);
  });
});
