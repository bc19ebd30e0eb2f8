import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { anonymous, caller, codes } from '@treaty/testing';
import {
  APPLY_PENALTY,
  APPROVE,
  CREATE_TRANCHE,
  RELEASE,
  SET_PENALTY,
  WAIVE,
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

/** An agreement with a Day-30 milestone, a funding guarantor, a USD account for the government funded with `funds`, and one tranche. */
async function scenario(opts: { funds?: string | null; amount?: string } = {}) {
  n += 1;
  const agreement = await createAgreement(h);
  const milestoneId = await addMilestone(h, agreement, 30);
  const guarantorId = await registerGuarantor(h, `Stability Fund ${n}`, 'UN_BODY', ['FUNDER']);
  const accountId = await openAccount(h, agreement.id, agreement.government, 'USD');
  if (opts.funds !== null) await deposit(h, accountId, guarantorId, opts.funds ?? '1000000.00');
  const tranche = await createTranche(h, accountId, milestoneId, guarantorId, opts.amount ?? '500000.00');
  const releaser = guarantorCaller(guarantorId, 'releasing-officer');
  return { agreement, milestoneId, guarantorId, accountId, trancheId: tranche.id as string, releaser };
}

const TRANCHE = (id: string) => `{ tranche(id: "${id}") { id status amount { amount currency } release { amount { amount } } penalty { basisPoints forfeited { amount } } } }`;
const ACCOUNT = (id: string) => `{ escrowAccount(id: "${id}") { balance { amount } released { amount } refunded { amount } deposited { amount } movements { kind amount { amount } tranche { id } } } }`;
const status = async (trancheId: string) => (await h.ok(anonymous, TRANCHE(trancheId))).tranche.status as string;
const approve = (trancheId: string) => h.ok(mediator, APPROVE, { input: { trancheId, note: 'Verified against the JMC report' } });

describe('createTranche', () => {
  it('ties an amount in escrow to a milestone of the account\'s agreement; MEDIATOR or the funding GUARANTOR', async () => {
    const s = await scenario();
    const r = await h.ok(guarantorCaller(s.guarantorId), CREATE_TRANCHE, {
      input: { escrowAccountId: s.accountId, milestoneId: s.milestoneId, guarantorId: s.guarantorId, amount: '250000.50', currency: 'USD', description: 'Second instalment' },
    });
    expect(r.createTranche).toMatchObject({ status: 'HELD', amount: { amount: '250000.50', currency: 'USD' }, milestone: { id: s.milestoneId }, guarantor: { id: s.guarantorId }, escrowAccount: { id: s.accountId } });
  });

  it('refuses a milestone of another agreement, confirmed with the milestones service', async () => {
    const s = await scenario();
    const elsewhere = await addMilestone(h, await createAgreement(h), 20);
    await h.expectRefused(
      () => h.run(mediator, CREATE_TRANCHE, { input: { escrowAccountId: s.accountId, milestoneId: elsewhere, guarantorId: s.guarantorId, amount: '1.00', currency: 'USD' } }),
      'BAD_USER_INPUT',
      /belongs to agreement .* but escrow account .* is held under agreement/,
    );
  });

  it('refuses unknown milestones, accounts and guarantors with NOT_FOUND', async () => {
    const s = await scenario();
    const input = { escrowAccountId: s.accountId, milestoneId: s.milestoneId, guarantorId: s.guarantorId, amount: '1.00', currency: 'USD' };
    await h.expectRefused(() => h.run(mediator, CREATE_TRANCHE, { input: { ...input, milestoneId: '00000000-0000-4000-8000-000000000020' } }), 'NOT_FOUND', /No milestone/);
    await h.expectRefused(() => h.run(mediator, CREATE_TRANCHE, { input: { ...input, milestoneId: 'day-30' } }), 'NOT_FOUND', /No milestone/);
    await h.expectRefused(() => h.run(mediator, CREATE_TRANCHE, { input: { ...input, escrowAccountId: '00000000-0000-4000-8000-000000000021' } }), 'NOT_FOUND', /No escrow account/);
    await h.expectRefused(() => h.run(mediator, CREATE_TRANCHE, { input: { ...input, guarantorId: '00000000-0000-4000-8000-000000000022' } }), 'NOT_FOUND', /No guarantor/);
  });

  it('refuses another currency, bad amounts and a guarantor that is not a FUNDER, reporting every problem', async () => {
    const s = await scenario();
    const monitorOnly = await registerGuarantor(h, `Observer Corps ${n}`, 'STATE', ['MONITOR']);
    const input = { escrowAccountId: s.accountId, milestoneId: s.milestoneId, guarantorId: s.guarantorId, amount: '1.00', currency: 'USD' };
    await h.expectRefused(() => h.run(mediator, CREATE_TRANCHE, { input: { ...input, currency: 'EUR' } }), 'BAD_USER_INPUT', /kept in USD/);
    await h.expectRefused(() => h.run(mediator, CREATE_TRANCHE, { input: { ...input, amount: '0.001' } }), 'BAD_USER_INPUT', /3 decimals/);
    await h.expectRefused(() => h.run(mediator, CREATE_TRANCHE, { input: { ...input, amount: '-1' } }), 'BAD_USER_INPUT', /negative/);
    const r = await h.expectRefused(() => h.run(mediator, CREATE_TRANCHE, { input: { ...input, guarantorId: monitorOnly, currency: 'EUR' } }), 'BAD_USER_INPUT');
    expect(r.errors![0]!.extensions!.details).toMatchObject({ problems: [{ path: 'input.guarantorId' }, { path: 'input.currency' }] });
  });

  it('is for a MEDIATOR or the funding guarantor\'s GUARANTOR only', async () => {
    const s = await scenario();
    const input = { escrowAccountId: s.accountId, milestoneId: s.milestoneId, guarantorId: s.guarantorId, amount: '1.00', currency: 'USD' };
    const stranger = await registerGuarantor(h, `Other Fund ${n}`);
    for (const who of [guarantorCaller(stranger), caller('PARTY', { partyId: s.agreement.government }), anonymous, caller('MONITOR')]) {
      await h.expectRefused(() => h.run(who, CREATE_TRANCHE, { input }), 'FORBIDDEN', /needs the MEDIATOR role, or the GUARANTOR role for the guarantor concerned/);
    }
  });
});

describe('tranche status, derived from the milestone', () => {
  it('is HELD while the milestone is pending, RELEASABLE once certified, read by anyone', async () => {
    const s = await scenario();
    expect(await status(s.trancheId)).toBe('HELD');
    expect(await certify(h, s.milestoneId)).toBe('MET');
    expect(await status(s.trancheId)).toBe('RELEASABLE');
    const g = await h.ok(anonymous, `{ guarantor(id: "${s.guarantorId}") { tranches { status amount { amount } } } }`);
    expect(g.guarantor.tranches).toEqual([{ status: 'RELEASABLE', amount: { amount: '500000.00' } }]);
  });

  it('is MISSED_HELD (not FORFEITED: nothing is forfeited until a penalty) once the milestone is missed, and HELD when it is waived', async () => {
    const missed = await scenario();
    const waived = await scenario();
    await h.milestonesOk(mediator, WAIVE, { input: { milestoneId: waived.milestoneId, reason: 'Deadline superseded by the revised schedule' } });
    h.clock.set(AFTER_DEADLINE);
    expect(await status(missed.trancheId)).toBe('MISSED_HELD');
    expect(await status(waived.trancheId)).toBe('HELD');
  });

  it('stores no status: the same rows read differently as the milestone moves', async () => {
    const s = await scenario();
    const columns = await h.db.query(`SELECT column_name FROM information_schema.columns WHERE table_name IN ('tranche', 'commitment', 'escrow_account', 'ledger_account') AND column_name ~ 'status|balance'`);
    expect(columns).toEqual([]);
    h.clock.set(AFTER_DEADLINE);
    expect(await status(s.trancheId)).toBe('MISSED_HELD');
    await certify(h, s.milestoneId);
    expect(await status(s.trancheId)).toBe('RELEASABLE');
  });
});

describe('approveTrancheRelease', () => {
  it('records which mediator approved and when, for partner agencies to read', async () => {
    const s = await scenario();
    h.clock.set('2026-03-04T11:00:00Z');
    const r = await approve(s.trancheId);
    expect(r.approveTrancheRelease.approval).toEqual({ approvedBy: 'Office of the Envoy', approvedAt: '2026-03-04T11:00:00.000Z', note: 'Verified against the JMC report' });
    const [row] = await h.db.query('SELECT approved_by_subject FROM tranche_approval WHERE tranche_id = $1', [s.trancheId]);
    expect(row.approved_by_subject).toBe('envoy-desk-officer');
    expect(codes(await h.run(anonymous, `{ tranche(id: "${s.trancheId}") { approval { approvedBy } } }`))).toEqual(['FORBIDDEN']);
  });

  it('is for MEDIATORs, once per tranche, by a named person', async () => {
    const s = await scenario();
    await h.expectRefused(() => h.run(guarantorCaller(s.guarantorId), APPROVE, { input: { trancheId: s.trancheId } }), 'FORBIDDEN', /needs the MEDIATOR role/);
    await h.expectRefused(() => h.run(caller('MEDIATOR', { subject: null }), APPROVE, { input: { trancheId: s.trancheId } }), 'FORBIDDEN', /names no person/);
    await approve(s.trancheId);
    await h.expectRefused(() => h.run(mediator, APPROVE, { input: { trancheId: s.trancheId } }), 'BAD_USER_INPUT', /already approved for release by Office of the Envoy/);
    await h.expectRefused(() => h.run(mediator, APPROVE, { input: { trancheId: '00000000-0000-4000-8000-000000000023' } }), 'NOT_FOUND');
    await h.expectRefused(() => h.run(mediator, APPROVE, { input: { trancheId: 'tranche-1' } }), 'NOT_FOUND');
  });
});

describe('releaseTranche', () => {
  it('pays the tranche from the guarantor\'s holding to the beneficiary in one balanced journal', async () => {
    const s = await scenario();
    await certify(h, s.milestoneId);
    await approve(s.trancheId);
    h.clock.set('2026-03-05T12:00:00Z');
    const r = await h.ok(s.releaser, RELEASE, { input: { trancheId: s.trancheId } });
    expect(r.releaseTranche).toEqual({
      id: s.trancheId,
      status: 'RELEASED',
      release: { amount: { amount: '500000.00', currency: 'USD' }, releasedAt: '2026-03-05T12:00:00.000Z', releasedBy: 'Guarantor Treasury' },
    });
    const account = await h.ok(caller('PARTY', { partyId: s.agreement.government }), ACCOUNT(s.accountId));
    expect(account.escrowAccount).toMatchObject({ balance: { amount: '500000.00' }, released: { amount: '500000.00' }, deposited: { amount: '1000000.00' }, refunded: { amount: '0.00' } });
    expect(account.escrowAccount.movements.map((m: any) => [m.kind, m.amount.amount, m.tranche?.id ?? null])).toEqual([
      ['DEPOSIT', '1000000.00', null],
      ['RELEASE', '500000.00', s.trancheId],
    ]);
    expect(await status(s.trancheId)).toBe('RELEASED');
    await h.expectLedgerReconciles();
  });

  it('needs a mediator\'s recorded approval first (FORBIDDEN), nothing written', async () => {
    const s = await scenario();
    await certify(h, s.milestoneId);
    await h.expectRefused(() => h.run(s.releaser, RELEASE, { input: { trancheId: s.trancheId } }), 'FORBIDDEN', /needs a mediator's recorded approval first/);
  });

  it('needs two different people: whoever approved cannot also release (FORBIDDEN)', async () => {
    const s = await scenario();
    await certify(h, s.milestoneId);
    const dualHat = caller(['MEDIATOR', 'GUARANTOR'], { agency: 'Joint Trust Office', guarantorId: s.guarantorId, subject: 'dual-hat-officer' });
    await h.ok(dualHat, APPROVE, { input: { trancheId: s.trancheId } });
    await h.expectRefused(() => h.run(dualHat, RELEASE, { input: { trancheId: s.trancheId } }), 'FORBIDDEN', /two different people/);
    await h.expectRefused(() => h.run({ ...s.releaser, subject: null }, RELEASE, { input: { trancheId: s.trancheId } }), 'FORBIDDEN', /names no person/);
  });

  it('is for the GUARANTOR of the funding guarantor only', async () => {
    const s = await scenario();
    await certify(h, s.milestoneId);
    await approve(s.trancheId);
    const stranger = await registerGuarantor(h, `Rival Fund ${n}`);
    await h.expectRefused(() => h.run(guarantorCaller(stranger), RELEASE, { input: { trancheId: s.trancheId } }), 'FORBIDDEN', /GUARANTOR role for the guarantor concerned/);
    await h.expectRefused(() => h.run(mediator, RELEASE, { input: { trancheId: s.trancheId } }), 'FORBIDDEN', /needs the GUARANTOR role/);
    await h.expectRefused(() => h.run(caller('PARTY', { partyId: s.agreement.government }), RELEASE, { input: { trancheId: s.trancheId } }), 'FORBIDDEN');
  });

  it('confirms the milestone with the milestones service: MILESTONE_NOT_CERTIFIED naming its status', async () => {
    const s = await scenario();
    await approve(s.trancheId);
    await h.expectRefused(() => h.run(s.releaser, RELEASE, { input: { trancheId: s.trancheId } }), 'MILESTONE_NOT_CERTIFIED', /is PENDING, as the milestones service reports it now/);
    h.clock.set('2026-03-31T10:00:00Z');
    await h.expectRefused(() => h.run(s.releaser, RELEASE, { input: { trancheId: s.trancheId } }), 'MILESTONE_NOT_CERTIFIED', /is DUE/);
    h.clock.set(AFTER_DEADLINE);
    await h.expectRefused(() => h.run(s.releaser, RELEASE, { input: { trancheId: s.trancheId } }), 'MILESTONE_NOT_CERTIFIED', /is MISSED/);
    const waived = await scenario();
    await approve(waived.trancheId);
    await h.milestonesOk(mediator, WAIVE, { input: { milestoneId: waived.milestoneId, reason: 'Superseded' } });
    await h.expectRefused(() => h.run(waived.releaser, RELEASE, { input: { trancheId: waived.trancheId } }), 'MILESTONE_NOT_CERTIFIED', /is WAIVED/);
  });

  it('never takes the milestone status from the client: a representation claiming MET changes reads, not releases', async () => {
    const s = await scenario();
    await approve(s.trancheId);
    const read = await h.ok(anonymous, `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Milestone { tranches { id status } } } }`, {
      representations: [{ __typename: 'Milestone', id: s.milestoneId, status: 'MET', dueAt: '2030-01-01T00:00:00.000Z', agreement: { snapBack: { active: false, triggeredAt: null } } }],
    });
    expect(read._entities[0].tranches).toEqual([{ id: s.trancheId, status: 'RELEASABLE' }]);
    await h.expectRefused(() => h.run(s.releaser, RELEASE, { input: { trancheId: s.trancheId } }), 'MILESTONE_NOT_CERTIFIED', /is PENDING/);
  });

  it('is WITHHELD while a snap-back triggered before its milestone fell due is in force, and refused until lifted', async () => {
    const s = await scenario();
    // An earlier milestone under a MILESTONE_MISSED clause is missed at the end of Day 5.
    const early = await addMilestone(h, s.agreement, 5, 'Exchange of lists');
    await h.milestonesOk(mediator, `mutation ($input: AddSnapBackClauseInput!) { addSnapBackClause(input: $input) { id } }`, {
      input: { agreementId: s.agreement.id, trigger: 'MILESTONE_MISSED', milestoneId: early, reverts: 'Tranches on later milestones withheld' },
    });
    h.clock.set('2026-03-10T00:00:00Z');
    await certify(h, s.milestoneId);
    await approve(s.trancheId);
    expect(await status(s.trancheId)).toBe('WITHHELD');
    await h.expectRefused(() => h.run(s.releaser, RELEASE, { input: { trancheId: s.trancheId } }), 'BAD_USER_INPUT', /is WITHHELD: a snap-back .* lifts the snap-back \(liftSnapBack\)/);
    await h.milestonesOk(mediator, `mutation ($input: LiftSnapBackInput!) { liftSnapBack(input: $input) { id } }`, {
      input: { agreementId: s.agreement.id, reason: 'Guarantor panel vote to keep relief in place' },
    });
    expect(await status(s.trancheId)).toBe('RELEASABLE');
    await h.ok(s.releaser, RELEASE, { input: { trancheId: s.trancheId } });
    expect(await status(s.trancheId)).toBe('RELEASED');
  });

  it('needs the funds in the guarantor\'s holding (BAD_USER_INPUT saying how much more)', async () => {
    const s = await scenario({ funds: '300000.00' });
    await certify(h, s.milestoneId);
    await approve(s.trancheId);
    await h.expectRefused(() => h.run(s.releaser, RELEASE, { input: { trancheId: s.trancheId } }), 'BAD_USER_INPUT', /holds 300000.00 USD .* needs 500000.00 USD. Deposit at least 200000.00 USD more/);
    // Another guarantor's money in the same account does not pay for this tranche.
    const other = await registerGuarantor(h, `Neighbour Fund ${n}`);
    await deposit(h, s.accountId, other, '900000.00');
    await h.expectRefused(() => h.run(s.releaser, RELEASE, { input: { trancheId: s.trancheId } }), 'BAD_USER_INPUT', /Deposit at least 200000.00 USD more/);
    await deposit(h, s.accountId, s.guarantorId, '200000.00');
    await h.ok(s.releaser, RELEASE, { input: { trancheId: s.trancheId } });
  });

  it('releases once: a second release and a later approval are ALREADY_RELEASED, nothing written', async () => {
    const s = await scenario();
    await certify(h, s.milestoneId);
    await approve(s.trancheId);
    await h.ok(s.releaser, RELEASE, { input: { trancheId: s.trancheId } });
    await h.expectRefused(() => h.run(s.releaser, RELEASE, { input: { trancheId: s.trancheId } }), 'ALREADY_RELEASED', /already released on .* a tranche is released once/);
    await h.expectRefused(() => h.run(mediator, APPROVE, { input: { trancheId: s.trancheId } }), 'ALREADY_RELEASED');
    await h.expectRefused(() => h.run(s.releaser, RELEASE, { input: { trancheId: '00000000-0000-4000-8000-000000000024' } }), 'NOT_FOUND');
  });

  it('releases exactly once under twenty concurrent requests over HTTP, and the ledger still reconciles', async () => {
    const s = await scenario({ funds: '2000000.00' });
    await certify(h, s.milestoneId);
    await approve(s.trancheId);
    const results = await Promise.all(Array.from({ length: 20 }, () => h.call('guarantors', s.releaser, RELEASE, { input: { trancheId: s.trancheId } })));
    expect(results.every((r) => r.status === 200)).toBe(true);
    const succeeded = results.filter((r) => !r.body.errors);
    expect(succeeded).toHaveLength(1);
    expect(succeeded[0]!.body.data!.releaseTranche.status).toBe('RELEASED');
    expect(results.filter((r) => r.body.errors).map((r) => codes(r.body))).toEqual(Array(19).fill(['ALREADY_RELEASED']));
    const journals = await h.db.query(`SELECT count(*)::int AS n FROM ledger_journal WHERE tranche_id = $1 AND kind = 'RELEASE'`, [s.trancheId]);
    expect(journals[0].n).toBe(1);
    const account = await h.ok(mediator, ACCOUNT(s.accountId));
    expect(account.escrowAccount).toMatchObject({ balance: { amount: '1500000.00' }, released: { amount: '500000.00' } });
    await h.expectLedgerReconciles();
  });

  it('never overdraws a holding when two tranches it cannot both pay are released at once', async () => {
    const s = await scenario({ funds: '700000.00' });
    const second = await createTranche(h, s.accountId, s.milestoneId, s.guarantorId, '500000.00');
    await certify(h, s.milestoneId);
    await approve(s.trancheId);
    await approve(second.id);
    const results = await Promise.all([s.trancheId, second.id].map((trancheId) => h.call('guarantors', s.releaser, RELEASE, { input: { trancheId } })));
    expect(results.map((r) => codes(r.body)).sort()).toEqual([[], ['BAD_USER_INPUT']]);
    const account = await h.ok(mediator, ACCOUNT(s.accountId));
    expect(account.escrowAccount.balance.amount).toBe('200000.00');
    await h.expectLedgerReconciles();
  });
});

describe('penalty schedule', () => {
  it('is set per agreement by a MEDIATOR, in basis points, and may change until it is used', async () => {
    const s = await scenario();
    const first = await h.ok(mediator, SET_PENALTY, { input: { agreementId: s.agreement.id, forfeitBasisPoints: 1000, description: 'Annex II, clause 4' } });
    expect(first.setPenaltySchedule).toEqual({ forfeitBasisPoints: 1000, description: 'Annex II, clause 4', agreement: { id: s.agreement.id } });
    await h.ok(mediator, SET_PENALTY, { input: { agreementId: s.agreement.id, forfeitBasisPoints: 2500 } });
    const read = await h.ok(anonymous, `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Agreement { penaltySchedule { forfeitBasisPoints description setAt } } } }`, {
      r: [{ __typename: 'Agreement', id: s.agreement.id }],
    });
    expect(read._entities[0].penaltySchedule).toMatchObject({ forfeitBasisPoints: 2500, description: null });
  });

  it('refuses shares outside 0–10000 basis points, unknown agreements and callers who are not MEDIATORs', async () => {
    const s = await scenario();
    await h.expectRefused(() => h.run(mediator, SET_PENALTY, { input: { agreementId: s.agreement.id, forfeitBasisPoints: 10001 } }), 'BAD_USER_INPUT', /from 0 .* to 10000/);
    await h.expectRefused(() => h.run(mediator, SET_PENALTY, { input: { agreementId: s.agreement.id, forfeitBasisPoints: -1 } }), 'BAD_USER_INPUT', /basis points/);
    await h.expectRefused(() => h.run(mediator, SET_PENALTY, { input: { agreementId: '00000000-0000-4000-8000-000000000025', forfeitBasisPoints: 10 } }), 'NOT_FOUND', /No agreement/);
    await h.expectRefused(() => h.run(guarantorCaller(s.guarantorId), SET_PENALTY, { input: { agreementId: s.agreement.id, forfeitBasisPoints: 10 } }), 'FORBIDDEN', /needs the MEDIATOR role/);
  });
});

describe('applyPenalty', () => {
  it('forfeits the scheduled share of a missed milestone\'s tranche back to the guarantor, rounded down, once', async () => {
    const s = await scenario({ amount: '500000.01' });
    await h.ok(mediator, SET_PENALTY, { input: { agreementId: s.agreement.id, forfeitBasisPoints: 2500 } });
    h.clock.set(AFTER_DEADLINE);
    const r = await h.ok(mediator, APPLY_PENALTY, { input: { trancheId: s.trancheId } });
    // 25% of 50,000,001 cents is 12,500,000.25 cents: the quarter cent stays with the tranche.
    expect(r.applyPenalty).toEqual({ id: s.trancheId, status: 'PARTLY_FORFEITED', penalty: { basisPoints: 2500, forfeited: { amount: '125000.00', currency: 'USD' }, appliedBy: 'Office of the Envoy' } });
    const account = await h.ok(mediator, ACCOUNT(s.accountId));
    expect(account.escrowAccount).toMatchObject({ balance: { amount: '875000.00' }, refunded: { amount: '125000.00' }, released: { amount: '0.00' } });
    expect(account.escrowAccount.movements.at(-1)).toEqual({ kind: 'FORFEIT', amount: { amount: '125000.00' }, tranche: { id: s.trancheId } });
    await h.expectRefused(() => h.run(mediator, APPLY_PENALTY, { input: { trancheId: s.trancheId } }), 'INVALID_TRANSITION', /already applied .* it applies once/);
    await h.expectRefused(
      () => h.run(mediator, SET_PENALTY, { input: { agreementId: s.agreement.id, forfeitBasisPoints: 5000 } }),
      'BAD_USER_INPUT',
      /cannot change once it has been used/,
    );
    await h.expectLedgerReconciles();
  });

  it('leaves the rest releasable if the milestone is later certified MET_LATE', async () => {
    const s = await scenario({ amount: '500000.01' });
    await h.ok(mediator, SET_PENALTY, { input: { agreementId: s.agreement.id, forfeitBasisPoints: 2500 } });
    h.clock.set(AFTER_DEADLINE);
    await h.ok(mediator, APPLY_PENALTY, { input: { trancheId: s.trancheId } });
    expect(await certify(h, s.milestoneId)).toBe('MET_LATE');
    expect(await status(s.trancheId)).toBe('RELEASABLE');
    await approve(s.trancheId);
    const r = await h.ok(s.releaser, RELEASE, { input: { trancheId: s.trancheId } });
    expect(r.releaseTranche.release.amount).toEqual({ amount: '375000.01', currency: 'USD' });
    const account = await h.ok(mediator, ACCOUNT(s.accountId));
    expect(account.escrowAccount).toMatchObject({ balance: { amount: '499999.99' }, released: { amount: '375000.01' }, refunded: { amount: '125000.00' } });
    await h.expectLedgerReconciles();
  });

  it('forfeits the whole tranche at 10000 basis points: FORFEITED for good, nothing left to release', async () => {
    const s = await scenario();
    await h.ok(mediator, SET_PENALTY, { input: { agreementId: s.agreement.id, forfeitBasisPoints: 10000 } });
    h.clock.set(AFTER_DEADLINE);
    await h.ok(mediator, APPLY_PENALTY, { input: { trancheId: s.trancheId } });
    await certify(h, s.milestoneId);
    expect(await status(s.trancheId)).toBe('FORFEITED');
    await approve(s.trancheId);
    await h.expectRefused(() => h.run(s.releaser, RELEASE, { input: { trancheId: s.trancheId } }), 'BAD_USER_INPUT', /nothing is left to release/);
  });

  it('applies only to a milestone confirmed MISSED, under a schedule, with the share in escrow', async () => {
    const s = await scenario({ funds: '100.00' });
    await h.expectRefused(() => h.run(mediator, APPLY_PENALTY, { input: { trancheId: s.trancheId } }), 'BAD_USER_INPUT', /has no penalty schedule/);
    await h.ok(mediator, SET_PENALTY, { input: { agreementId: s.agreement.id, forfeitBasisPoints: 5000 } });
    await h.expectRefused(() => h.run(mediator, APPLY_PENALTY, { input: { trancheId: s.trancheId } }), 'BAD_USER_INPUT', /is PENDING, .* only to a milestone confirmed MISSED/);
    h.clock.set(AFTER_DEADLINE);
    await h.expectRefused(() => h.run(mediator, APPLY_PENALTY, { input: { trancheId: s.trancheId } }), 'BAD_USER_INPUT', /holds 100.00 USD .* needs 250000.00 USD/);
    await h.expectRefused(() => h.run(guarantorCaller(s.guarantorId), APPLY_PENALTY, { input: { trancheId: s.trancheId } }), 'FORBIDDEN', /needs the MEDIATOR role/);
    await h.expectRefused(() => h.run(mediator, APPLY_PENALTY, { input: { trancheId: 'x' } }), 'NOT_FOUND');
  });

  it('refuses a share that rounds to nothing, and a tranche already released', async () => {
    const s = await scenario();
    await h.ok(mediator, SET_PENALTY, { input: { agreementId: s.agreement.id, forfeitBasisPoints: 0 } });
    h.clock.set(AFTER_DEADLINE);
    await h.expectRefused(() => h.run(mediator, APPLY_PENALTY, { input: { trancheId: s.trancheId } }), 'BAD_USER_INPUT', /nothing to apply/);
    h.clock.set('2026-03-02T00:00:00Z');
    const released = await scenario();
    await h.ok(mediator, SET_PENALTY, { input: { agreementId: released.agreement.id, forfeitBasisPoints: 5000 } });
    await certify(h, released.milestoneId);
    await approve(released.trancheId);
    await h.ok(released.releaser, RELEASE, { input: { trancheId: released.trancheId } });
    await h.expectRefused(() => h.run(mediator, APPLY_PENALTY, { input: { trancheId: released.trancheId } }), 'ALREADY_RELEASED');
  });

  it('applies once under concurrent requests', async () => {
    const s = await scenario();
    await h.ok(mediator, SET_PENALTY, { input: { agreementId: s.agreement.id, forfeitBasisPoints: 3000 } });
    h.clock.set(AFTER_DEADLINE);
    const results = await Promise.all(Array.from({ length: 10 }, () => h.call('guarantors', mediator, APPLY_PENALTY, { input: { trancheId: s.trancheId } })));
    expect(results.filter((r) => !r.body.errors)).toHaveLength(1);
    expect(results.filter((r) => r.body.errors).map((r) => codes(r.body))).toEqual(Array(9).fill(['INVALID_TRANSITION']));
    const account = await h.ok(mediator, ACCOUNT(s.accountId));
    expect(account.escrowAccount.refunded.amount).toBe('150000.00');
    await h.expectLedgerReconciles();
  });
});
