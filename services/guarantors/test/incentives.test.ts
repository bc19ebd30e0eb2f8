import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { anonymous, caller, codes } from '@treaty/testing';
import { statements } from '@treaty/service-kit';
import { addMilestone, certify, createAgreement, guarantorCaller, mediator, registerGuarantor, startGuarantors, type Harness } from './harness.js';

/**
 * Issue 20, part 3: graduated incentives. Benefits in kind held in escrow in units of their own, released
 * step by step as listed milestones are met (two people, as for tranches), withheld while a snap-back
 * reaches the escrow and reverted when a mediator records it, each write once only. Milestones runs for
 * real: statuses and snap-back are confirmed with it.
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
  await expectUnitsReconcile();
  await h?.stop();
});

const CREATE = /* GraphQL */ `mutation ($input: CreateIncentiveEscrowInput!) { createIncentiveEscrow(input: $input) { id } }`;
const APPROVE_STEP = /* GraphQL */ `mutation ($input: ApproveIncentiveStepInput!) { approveIncentiveStep(input: $input) { id } }`;
const RELEASE_STEP = /* GraphQL */ `mutation ($input: ReleaseIncentiveStepInput!) { releaseIncentiveStep(input: $input) { id withBeneficiary } }`;
const REVERT = /* GraphQL */ `mutation ($input: RevertIncentiveInput!) { revertIncentive(input: $input) { id withBeneficiary reverted } }`;
const ESCROW_FIELDS = /* GraphQL */ `id kind unit totalUnits stepBasisPoints milestonesPerStep milestonesMet underSnapBack held released reverted withBeneficiary revertible
  guarantor { id } agreement { id } beneficiary { id } milestones { id }
  steps { step units milestonesNeeded status approval { approvedBy } release { units } reversion { units effectiveAt } }
  movements { kind units step effectiveAt triggeredAt recordedAt recordedBy }`;
const read = async (id: string) => (await h.ok(mediator, `{ incentiveEscrow(id: "${id}") { ${ESCROW_FIELDS} } }`)).incentiveEscrow;
const statuses = async (id: string) => (await read(id)).steps.map((s: any) => s.status);

const ADD_CLAUSE = `mutation ($input: AddSnapBackClauseInput!) { addSnapBackClause(input: $input) { id } }`;
const LIFT = `mutation ($input: LiftSnapBackInput!) { liftSnapBack(input: $input) { id } }`;
/** The end of Day 5 of every test agreement (Day 0 is 2026-03-01): its deadline. */
const DAY5_DEADLINE = '2026-03-07T00:00:00.000Z';

/** The units ledger reconciles: per escrow, nothing released beyond the grant, nothing reverted beyond the releases, and held + with the beneficiary + reverted = the total. */
async function expectUnitsReconcile() {
  const rows = await h.db.query(
    `SELECT e.id, e.total_units AS total,
            coalesce(sum(j.units) FILTER (WHERE j.kind = 'GRANT'), 0)::int AS granted,
            coalesce(sum(j.units) FILTER (WHERE j.kind = 'RELEASE'), 0)::int AS released,
            coalesce(sum(j.units) FILTER (WHERE j.kind = 'REVERSION'), 0)::int AS reverted
       FROM incentive_escrow e LEFT JOIN incentive_journal j ON j.incentive_escrow_id = e.id GROUP BY e.id, e.total_units`,
  );
  for (const r of rows) {
    expect(r.granted).toBe(r.total);
    expect(r.released).toBeLessThanOrEqual(r.granted);
    expect(r.reverted).toBeLessThanOrEqual(r.released);
    const held = r.granted - r.released;
    const withBeneficiary = r.released - r.reverted;
    expect(held + withBeneficiary + r.reverted).toBe(r.total);
  }
}

/** An agreement with four listed milestones (Days 10, 15, 20, 25), an unlisted Day-5 one, and a granting guarantor. */
async function scenario() {
  n += 1;
  const agreement = await createAgreement(h);
  const listed = [];
  for (const day of [10, 15, 20, 25]) listed.push(await addMilestone(h, agreement, day, `Step milestone Day ${day}`));
  const early = await addMilestone(h, agreement, 5, 'Exchange of lists');
  const council = await registerGuarantor(h, `Littoral Council ${n}`, 'REGIONAL_ORGANISATION', ['FUNDER', 'SECURITY_GUARANTOR']);
  const officer = guarantorCaller(council, 'council-permits-officer');
  const input = {
    agreementId: agreement.id,
    beneficiaryPartyId: agreement.movement,
    guarantorId: council,
    kind: 'PERMIT',
    unit: 'fishing permits',
    totalUnits: 10,
    stepBasisPoints: 2500,
    milestonesPerStep: 1,
    milestoneIds: listed,
    description: 'Coastal fishing permits off the Sorrel shore',
  };
  return { agreement, listed, early, council, officer, input };
}
type Scenario = Awaited<ReturnType<typeof scenario>>;

async function createEscrow(s: Scenario, more: Record<string, unknown> = {}) {
  return (await h.ok(mediator, CREATE, { input: { ...s.input, ...more } })).createIncentiveEscrow.id as string;
}
const approveStep = (incentiveEscrowId: string, step: number) => h.ok(mediator, APPROVE_STEP, { input: { incentiveEscrowId, step, note: 'Certified by the Joint Monitoring Cell' } });
const releaseStep = (s: Scenario, incentiveEscrowId: string, step: number) => h.run(s.officer, RELEASE_STEP, { input: { incentiveEscrowId, step } });

/** A snap-back in force from the end of Day 5: the unlisted Day-5 milestone is missed under a MILESTONE_MISSED clause. */
async function snapBack(s: Scenario, at = '2026-03-08T00:00:00Z') {
  await h.milestonesOk(mediator, ADD_CLAUSE, { input: { agreementId: s.agreement.id, trigger: 'MILESTONE_MISSED', milestoneId: s.early, reverts: 'Annex IV: fishing permits revert' } });
  h.clock.set(at);
}

describe('createIncentiveEscrow', () => {
  it('holds the units in escrow as one grant, with steps rounded by cumulative floor, for the MEDIATOR or the granting GUARANTOR', async () => {
    const s = await scenario();
    const byGuarantor = (await h.ok(s.officer, CREATE, { input: s.input })).createIncentiveEscrow.id as string;
    const e = await read(byGuarantor);
    expect(e).toMatchObject({
      kind: 'PERMIT', unit: 'fishing permits', totalUnits: 10, stepBasisPoints: 2500, milestonesPerStep: 1, milestonesMet: 0, underSnapBack: false,
      held: 10, released: 0, reverted: 0, withBeneficiary: 0, revertible: 0,
      guarantor: { id: s.council }, agreement: { id: s.agreement.id }, beneficiary: { id: s.agreement.movement }, milestones: s.listed.map((id) => ({ id })),
    });
    // 10 permits in quarters: 2, 3, 2, 3.
    expect(e.steps).toEqual([1, 2, 3, 4].map((step) => ({ step, units: [2, 3, 2, 3][step - 1], milestonesNeeded: step, status: 'PENDING', approval: null, release: null, reversion: null })));
    expect(e.movements).toEqual([{ kind: 'GRANT', units: 10, step: null, effectiveAt: '2026-03-02T00:00:00.000Z', triggeredAt: null, recordedAt: '2026-03-02T00:00:00.000Z', recordedBy: 'Guarantor Treasury' }]);
    const reached = await h.ok(anonymous, `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Agreement { incentiveEscrows { id } } } }`, { r: [{ __typename: 'Agreement', id: s.agreement.id }] });
    expect(reached._entities[0].incentiveEscrows).toEqual([{ id: byGuarantor }]);
    const guarantor = await h.ok(anonymous, `{ guarantor(id: "${s.council}") { incentiveEscrows { id } } }`);
    expect(guarantor.guarantor.incentiveEscrows).toEqual([{ id: byGuarantor }]);
    // Who recorded a movement is for partner agencies.
    const anon = await h.run(anonymous, `{ incentiveEscrow(id: "${byGuarantor}") { held movements { recordedBy } } }`);
    expect(anon.data!.incentiveEscrow.held).toBe(10);
    expect(codes(anon)).toEqual(['FORBIDDEN']);
  });

  it('refuses a schedule that cannot be kept, naming every problem, and writes nothing', async () => {
    const s = await scenario();
    await h.expectRefused(
      () => h.run(mediator, CREATE, { input: { ...s.input, totalUnits: 0, unit: ' ', kind: 'PERMIT' } }),
      'BAD_USER_INPUT',
      /The input has 2 problems: input.unit: Name the unit.*input.totalUnits: 0 is not a number of units/,
    );
    await h.expectRefused(
      () => h.run(mediator, CREATE, { input: { ...s.input, milestonesPerStep: 2 } }),
      'BAD_USER_INPUT',
      /4 steps of 2 milestone\(s\) each need 8 listed milestones, but 4 are listed/,
    );
    await h.expectRefused(() => h.run(mediator, CREATE, { input: { ...s.input, totalUnits: 3 } }), 'BAD_USER_INPUT', /leave step 1 with no unit at all; hold at least 4 units/);
    // A unit of invisible characters (zero-width space, word joiner, soft hyphen) names nothing either.
    for (const unit of ['\u200b', '\u2060\ufeff', '\u00ad']) {
      await h.expectRefused(() => h.run(mediator, CREATE, { input: { ...s.input, unit } }), 'BAD_USER_INPUT', /^input.unit: Name the unit the benefit is counted in/);
    }
    await h.expectRefused(() => h.run(mediator, CREATE, { input: { ...s.input, milestoneIds: [s.listed[0], s.listed[0], s.listed[1], s.listed[2]] } }), 'BAD_USER_INPUT', /A milestone is listed twice/);
  });

  it('confirms the party and the milestones with the milestones service, and needs a FUNDER', async () => {
    const s = await scenario();
    const other = await createAgreement(h);
    const foreign = await addMilestone(h, other, 12, 'Elsewhere');
    await h.expectRefused(() => h.run(mediator, CREATE, { input: { ...s.input, beneficiaryPartyId: other.government } }), 'BAD_USER_INPUT', /The beneficiary must be a party to/);
    await h.expectRefused(() => h.run(mediator, CREATE, { input: { ...s.input, milestoneIds: [...s.listed.slice(0, 3), foreign] } }), 'BAD_USER_INPUT', /"Elsewhere" belong to another agreement/);
    await h.expectRefused(() => h.run(mediator, CREATE, { input: { ...s.input, milestoneIds: [...s.listed.slice(0, 3), '00000000-0000-4000-8000-0000000000d1'] } }), 'NOT_FOUND', /No milestone has id/);
    await h.expectRefused(() => h.run(mediator, CREATE, { input: { ...s.input, agreementId: '00000000-0000-4000-8000-0000000000d2' } }), 'NOT_FOUND', /No agreement has id/);
    await h.expectRefused(() => h.run(mediator, CREATE, { input: { ...s.input, guarantorId: '00000000-0000-4000-8000-0000000000d3' } }), 'NOT_FOUND', /No guarantor has id/);
    const monitorOnly = await registerGuarantor(h, `Observer State ${n}`, 'STATE', ['MONITOR']);
    await h.expectRefused(() => h.run(mediator, CREATE, { input: { ...s.input, guarantorId: monitorOnly } }), 'BAD_USER_INPUT', /granting an incentive needs a guarantor with the FUNDER role/);
    await h.expectRefused(() => h.run(guarantorCaller(monitorOnly), CREATE, { input: s.input }), 'FORBIDDEN');
    await h.expectRefused(() => h.run(caller('PARTY', { partyId: s.agreement.movement }), CREATE, { input: s.input }), 'FORBIDDEN');
  });
});

describe('releasing steps', () => {
  it('mirrors a tranche: a MEDIATOR approves, another person of the granting guarantor releases, in order, once enough listed milestones are met', async () => {
    const s = await scenario();
    const id = await createEscrow(s);
    await certify(h, s.listed[0]!);
    expect(await statuses(id)).toEqual(['RELEASABLE', 'PENDING', 'PENDING', 'PENDING']);
    await h.expectRefused(() => releaseStep(s, id, 1), 'FORBIDDEN', /needs a mediator's recorded approval first/);
    await h.expectRefused(() => h.run(s.officer, APPROVE_STEP, { input: { incentiveEscrowId: id, step: 1 } }), 'FORBIDDEN', /MEDIATOR/);
    await approveStep(id, 1);
    await h.expectRefused(() => h.run(mediator, APPROVE_STEP, { input: { incentiveEscrowId: id, step: 1 } }), 'BAD_USER_INPUT', /already approved by Office of the Envoy/);
    await h.expectRefused(() => h.run(guarantorCaller(s.council, 'envoy-desk-officer'), RELEASE_STEP, { input: { incentiveEscrowId: id, step: 1 } }), 'FORBIDDEN', /two different people/);
    const otherGuarantor = await registerGuarantor(h, `Other Fund ${n}`, 'UN_BODY', ['FUNDER']);
    await h.expectRefused(() => h.run(guarantorCaller(otherGuarantor), RELEASE_STEP, { input: { incentiveEscrowId: id, step: 1 } }), 'FORBIDDEN');
    await h.expectRefused(() => releaseStep(s, id, 2), 'INVALID_TRANSITION', /comes after step 1, which is not released yet/);
    await h.expectRefused(() => releaseStep(s, id, 5), 'BAD_USER_INPUT', /has steps 1 to 4/);
    await h.expectRefused(() => h.run(mediator, APPROVE_STEP, { input: { incentiveEscrowId: id, step: 0 } }), 'BAD_USER_INPUT', /has steps 1 to 4/);

    expect((await releaseStep(s, id, 1)).data!.releaseIncentiveStep.withBeneficiary).toBe(2);
    const e = await read(id);
    expect(e).toMatchObject({ held: 8, released: 2, withBeneficiary: 2, milestonesMet: 1 });
    expect(e.steps[0]).toMatchObject({ status: 'RELEASED', approval: { approvedBy: 'Office of the Envoy' }, release: { units: 2 } });
    await h.expectRefused(() => releaseStep(s, id, 1), 'ALREADY_RELEASED', /Step 1 of incentive escrow .* was already released .*\(2 fishing permits\); a step is released once/);
    await h.expectRefused(() => h.run(mediator, APPROVE_STEP, { input: { incentiveEscrowId: id, step: 1 } }), 'ALREADY_RELEASED');

    await approveStep(id, 2);
    await h.expectRefused(
      () => releaseStep(s, id, 2),
      'MILESTONE_NOT_CERTIFIED',
      /Step 2 needs 2 of the listed milestones certified MET or MET_LATE; the milestones service reports 1 now\. Not yet certified: "Step milestone Day 15" \(PENDING\)/,
    );
    await certify(h, s.listed[1]!);
    await releaseStep(s, id, 2);
    expect(await read(id)).toMatchObject({ held: 5, released: 5, withBeneficiary: 5 });
  });

  it('releases a step exactly once under twenty concurrent requests over HTTP', async () => {
    const s = await scenario();
    const id = await createEscrow(s);
    await certify(h, s.listed[0]!);
    await approveStep(id, 1);
    const results = await Promise.all(Array.from({ length: 20 }, () => h.call('guarantors', s.officer, RELEASE_STEP, { input: { incentiveEscrowId: id, step: 1 } })));
    expect(results.filter((r) => !r.body.errors)).toHaveLength(1);
    expect(results.filter((r) => r.body.errors).map((r) => codes(r.body))).toEqual(Array(19).fill(['ALREADY_RELEASED']));
    const [{ n: journals }] = await h.db.query(`SELECT count(*)::int AS n FROM incentive_journal WHERE incentive_escrow_id = $1 AND kind = 'RELEASE'`, [id]);
    expect(journals).toBe(1);
    expect((await read(id)).withBeneficiary).toBe(2);
  });

  it('has the database behind it: a second release of a step or a second reversion for one trigger cannot be written, nor units beyond the grant, nor an edit', async () => {
    const s = await scenario();
    const id = await createEscrow(s);
    // Written behind the service's back, each in a transaction that the refusal rolls back whole.
    const insert = (m: { query: (q: string, p: unknown[]) => Promise<unknown> }, kind: string, units: number, step: number | null, trigger: string | null) =>
      m.query(
        `INSERT INTO incentive_journal (id, incentive_escrow_id, kind, units, step, trigger_at, effective_at, recorded_at) VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, now(), now())`,
        [id, kind, units, step, trigger],
      );
    await expect(h.db.transaction(async (m) => { await insert(m, 'RELEASE', 1, 1, null); await insert(m, 'RELEASE', 1, 1, null); })).rejects.toThrow(/incentive_journal_release_key/);
    await expect(
      h.db.transaction(async (m) => { await insert(m, 'RELEASE', 2, 1, null); await insert(m, 'REVERSION', 1, null, DAY5_DEADLINE); await insert(m, 'REVERSION', 1, null, DAY5_DEADLINE); }),
    ).rejects.toThrow(/incentive_journal_reversion_key/);
    await expect(h.db.transaction((m) => insert(m, 'RELEASE', 50, 1, null))).rejects.toThrow(/does not balance/);
    await expect(h.db.transaction((m) => insert(m, 'REVERSION', 1, null, DAY5_DEADLINE))).rejects.toThrow(/does not balance/);
    await expect(h.db.query(`UPDATE incentive_journal SET units = 1 WHERE incentive_escrow_id = $1`, [id])).rejects.toThrow(/append-only/);
    expect((await read(id)).movements).toHaveLength(1);
  });
});

describe('snap-back', () => {
  it('withholds the unreleased steps, reverts what the beneficiary holds from the trigger on, once, and lets the rest go after a lift', async () => {
    const s = await scenario();
    const id = await createEscrow(s);
    await certify(h, s.listed[0]!);
    await approveStep(id, 1);
    await releaseStep(s, id, 1);
    await certify(h, s.listed[1]!);
    await approveStep(id, 2);
    await snapBack(s);
    let e = await read(id);
    expect(e).toMatchObject({ underSnapBack: true, withBeneficiary: 2, revertible: 2 });
    expect(e.steps.map((x: any) => x.status)).toEqual(['RELEASED', 'WITHHELD', 'WITHHELD', 'WITHHELD']);
    await h.expectRefused(() => releaseStep(s, id, 2), 'BAD_USER_INPUT', new RegExp(`Step 2 of incentive escrow ${id} is WITHHELD: a snap-back triggered ${DAY5_DEADLINE}, before the last listed milestone fell due, is in force`));
    await h.expectRefused(() => h.run(s.officer, REVERT, { input: { incentiveEscrowId: id } }), 'FORBIDDEN', /MEDIATOR/);

    const reverted = (await h.ok(mediator, REVERT, { input: { incentiveEscrowId: id } })).revertIncentive;
    expect(reverted).toEqual({ id, withBeneficiary: 0, reverted: 2 });
    e = await read(id);
    expect(e).toMatchObject({ held: 8, released: 2, reverted: 2, withBeneficiary: 0, revertible: 0 });
    expect(e.steps[0]).toMatchObject({ status: 'REVERTED', reversion: { units: 2, effectiveAt: DAY5_DEADLINE } });
    // Counted as reverted from the trigger on, though recorded a day later.
    expect(e.movements.at(-1)).toMatchObject({ kind: 'REVERSION', units: 2, effectiveAt: DAY5_DEADLINE, triggeredAt: DAY5_DEADLINE, recordedAt: '2026-03-08T00:00:00.000Z' });
    await h.expectRefused(() => h.run(mediator, REVERT, { input: { incentiveEscrowId: id } }), 'INVALID_TRANSITION', /already reverted for the snap-back triggered 2026-03-07T00:00:00.000Z \(2 fishing permits/);

    await h.milestonesOk(mediator, LIFT, { input: { agreementId: s.agreement.id, reason: 'Guarantor panel vote to keep relief in place' } });
    expect(await statuses(id)).toEqual(['REVERTED', 'RELEASABLE', 'PENDING', 'PENDING']);
    await releaseStep(s, id, 2);
    expect(await read(id)).toMatchObject({ held: 5, released: 5, reverted: 2, withBeneficiary: 3, underSnapBack: false });
    await expectUnitsReconcile();
  });

  it('reverts again after a new trigger, and only what was released since the last reversion', async () => {
    const s = await scenario();
    const id = await createEscrow(s);
    await certify(h, s.listed[0]!);
    await approveStep(id, 1);
    await releaseStep(s, id, 1);
    await snapBack(s);
    await h.ok(mediator, REVERT, { input: { incentiveEscrowId: id } });
    await h.milestonesOk(mediator, LIFT, { input: { agreementId: s.agreement.id, reason: 'Relief kept in place' } });
    await certify(h, s.listed[1]!);
    await approveStep(id, 2);
    await releaseStep(s, id, 2);
    // After the lift, a second clause: an unlisted Day-8 milestone is missed at the end of Day 8.
    const late = await addMilestone(h, s.agreement, 8, 'Withdrawal from the ridge');
    await h.milestonesOk(mediator, ADD_CLAUSE, { input: { agreementId: s.agreement.id, trigger: 'MILESTONE_MISSED', milestoneId: late, reverts: 'Annex IV' } });
    h.clock.set('2026-03-11T00:00:00Z');
    expect(await read(id)).toMatchObject({ underSnapBack: true, withBeneficiary: 3, revertible: 3 });
    await h.ok(mediator, REVERT, { input: { incentiveEscrowId: id } });
    const e = await read(id);
    expect(e).toMatchObject({ released: 5, reverted: 5, withBeneficiary: 0 });
    expect(e.steps.slice(0, 2).map((x: any) => x.status)).toEqual(['REVERTED', 'REVERTED']);
    expect(e.movements.filter((m: any) => m.kind === 'REVERSION').map((m: any) => [m.units, m.effectiveAt])).toEqual([[2, DAY5_DEADLINE], [3, '2026-03-10T00:00:00.000Z']]);
  });

  it('refuses a reversion without a snap-back reaching the escrow, or with nothing to revert, and writes nothing', async () => {
    const s = await scenario();
    const id = await createEscrow(s);
    await h.expectRefused(() => h.run(mediator, REVERT, { input: { incentiveEscrowId: id } }), 'BAD_USER_INPUT', /No snap-back is in force under the agreement/);
    // An escrow whose only listed milestone is the Day-5 one: a snap-back it triggers at its deadline comes after the programme.
    const onlyEarly = await createEscrow(s, { milestoneIds: [s.early], stepBasisPoints: 10000 });
    await snapBack(s);
    await h.expectRefused(() => h.run(mediator, REVERT, { input: { incentiveEscrowId: onlyEarly } }), 'BAD_USER_INPUT', /after every listed milestone of incentive escrow .* fell due, so it does not reach the escrow/);
    expect((await read(onlyEarly)).underSnapBack).toBe(false);
    await h.expectRefused(() => h.run(mediator, REVERT, { input: { incentiveEscrowId: id } }), 'BAD_USER_INPUT', /The beneficiary holds no units .* there is nothing to revert/);
    await h.expectRefused(() => h.run(mediator, REVERT, { input: { incentiveEscrowId: '00000000-0000-4000-8000-0000000000e1' } }), 'NOT_FOUND', /No incentive escrow has id/);
  });

  it('records a reversion exactly once under ten concurrent requests', async () => {
    const s = await scenario();
    const id = await createEscrow(s);
    await certify(h, s.listed[0]!);
    await approveStep(id, 1);
    await releaseStep(s, id, 1);
    await snapBack(s);
    const results = await Promise.all(Array.from({ length: 10 }, () => h.call('guarantors', mediator, REVERT, { input: { incentiveEscrowId: id } })));
    expect(results.filter((r) => !r.body.errors)).toHaveLength(1);
    expect(results.filter((r) => r.body.errors).map((r) => codes(r.body))).toEqual(Array(9).fill(['INVALID_TRANSITION']));
    expect(await read(id)).toMatchObject({ reverted: 2, withBeneficiary: 0 });
  });
});

describe('evidence and bounded work', () => {
  it('logs every grant, step approval, release and reversion, each entry as the record stands', async () => {
    const kinds = await h.expectEverythingLogged();
    const [{ journals, approvals }] = await h.db.query(`SELECT (SELECT count(*)::int FROM incentive_journal) AS journals, (SELECT count(*)::int FROM incentive_step_approval) AS approvals`);
    expect(kinds['incentive-journal']).toBe(journals);
    expect(kinds['incentive-step-approval']).toBe(approvals);
  });

  it('reads an agreement\'s escrows and their steps with a fixed number of statements and one call to milestones', async () => {
    const s = await scenario();
    await createEscrow(s);
    const query = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Agreement { incentiveEscrows { milestonesMet underSnapBack held revertible steps { status approval { approvedAt } release { units } } movements { kind } } } } }`;
    const r = { r: [{ __typename: 'Agreement', id: s.agreement.id }] };
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    try {
      const before = await statements.measure(() => h.run(mediator, query, r));
      expect(before.result.errors).toBeUndefined();
      expect(fetchSpy.mock.calls).toHaveLength(1);
      for (let i = 0; i < 3; i++) await createEscrow(s, { totalUnits: 100 + i });
      fetchSpy.mockClear();
      const after = await statements.measure(() => h.run(mediator, query, r));
      expect((after.result.data as any)._entities[0].incentiveEscrows).toHaveLength(4);
      expect(after.count).toBe(before.count);
      expect(fetchSpy.mock.calls).toHaveLength(1);
    } finally {
      fetchSpy.mockRestore();
    }
  });
});
