import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymous, caller, codes } from '@treaty/testing';
import { statements } from '@treaty/service-kit';
import { ADD_MILESTONE, CERTIFY, CREATE_AGREEMENT, WAIVE, agreementInput, startMilestones } from './harness.js';

const mediator = caller('MEDIATOR', { agency: 'Office of the Envoy' });
const monitor = caller('MONITOR', { agency: 'Joint Monitoring Cell' });
const guarantor = caller('GUARANTOR', { agency: 'Regional Guarantor Council' });

let h: Awaited<ReturnType<typeof startMilestones>>;
beforeAll(async () => {
  h = await startMilestones('2026-03-10T00:00:00Z');
});
afterAll(() => h?.drop());

async function setup(overrides: Record<string, unknown> = {}) {
  const a = (await h.run(mediator, CREATE_AGREEMENT, { input: agreementInput(overrides) })).data!.createAgreement;
  const add = async (dueDay: number, extra: Record<string, unknown> = {}) =>
    (await h.run(mediator, ADD_MILESTONE, { input: { agreementId: a.id, phaseOrdinal: 1, title: `Due ${dueDay}`, obligatedPartyId: a.parties[0].id, dueDay, ...extra } })).data!.addMilestone;
  return { a, add };
}

const expectRefused = async (run: () => Promise<any>, code: string, message?: RegExp) => {
  const before = await h.counts();
  const [{ n: disputesBefore }] = await h.db.query('SELECT (SELECT count(*) FROM dispute) + (SELECT count(*) FROM dispute_ruling) + (SELECT count(*) FROM snap_back_clause) + (SELECT count(*) FROM snap_back_lift) AS n');
  const r = await run();
  expect(codes(r)).toEqual([code]);
  if (message) expect(r.errors[0].message).toMatch(message);
  expect(await h.counts()).toEqual(before);
  const [{ n: disputesAfter }] = await h.db.query('SELECT (SELECT count(*) FROM dispute) + (SELECT count(*) FROM dispute_ruling) + (SELECT count(*) FROM snap_back_clause) + (SELECT count(*) FROM snap_back_lift) AS n');
  expect(disputesAfter).toBe(disputesBefore);
  return r;
};

const FILE = `mutation ($input: FileDisputeInput!) { fileDispute(input: $input) { id status currentTier { ordinal name rulingRole } currentDeadline hoursRemaining } }`;
const RULE = `mutation ($input: RuleOnDisputeInput!) { ruleOnDispute(input: $input) { id status ruling { outcome tier { name } ruledBy } } }`;
const DISPUTE = (id: string) => `{ agreement(id: "${id}") { disputes { id status currentTier { ordinal } hoursRemaining ruling { outcome } } } }`;

describe('disputes', () => {
  it('climb the ladder by the clock: the joint commission, then the guarantor panel, then exhausted', async () => {
    h.clock.set('2026-03-10T00:00:00Z');
    const { a, add } = await setup();
    const m = await add(30);
    const filed = await h.run(monitor, FILE, { input: { agreementId: a.id, milestoneId: m.id, allegation: 'Releases halted at the Ridge crossing', accusedPartyId: a.parties[0].id } });
    expect(filed.errors).toBeUndefined();
    expect(filed.data!.fileDispute).toMatchObject({ status: 'OPEN', currentTier: { ordinal: 1, rulingRole: 'MEDIATOR' }, currentDeadline: '2026-03-12T00:00:00.000Z', hoursRemaining: 48 });
    const id = filed.data!.fileDispute.id;

    h.clock.set('2026-03-12T00:00:00Z');
    const escalated = (await h.run(mediator, DISPUTE(a.id))).data!.agreement.disputes[0];
    expect(escalated).toMatchObject({ status: 'OPEN', currentTier: { ordinal: 2 }, hoursRemaining: 72 });
    // The joint commission's time is up: the mediator may no longer rule, the guarantor panel may.
    await expectRefused(() => h.run(mediator, RULE, { input: { disputeId: id, outcome: 'NO_BREACH', reasoning: 'Too late' } }), 'FORBIDDEN', /tier 2 \(Guarantor panel\).*only the GUARANTOR role/);

    h.clock.set('2026-03-15T00:00:00Z');
    expect((await h.run(mediator, DISPUTE(a.id))).data!.agreement.disputes[0]).toMatchObject({ status: 'EXHAUSTED', currentTier: null, hoursRemaining: null });
    await expectRefused(() => h.run(guarantor, RULE, { input: { disputeId: id, outcome: 'NO_BREACH', reasoning: 'x' } }), 'BAD_USER_INPUT', /clock ran out/);
  });

  it('is ruled once, by the current tier, and a second ruling is refused', async () => {
    h.clock.set('2026-03-10T00:00:00Z');
    const { a, add } = await setup();
    const m = await add(30);
    const id = (await h.run(monitor, FILE, { input: { agreementId: a.id, milestoneId: m.id, allegation: 'Lists incomplete' } })).data!.fileDispute.id;
    await expectRefused(() => h.run(guarantor, RULE, { input: { disputeId: id, outcome: 'SETTLED', reasoning: 'x' } }), 'FORBIDDEN', /only the MEDIATOR role/);
    const r = await h.run(mediator, RULE, { input: { disputeId: id, outcome: 'SETTLED', reasoning: 'Parties agreed on a corrected list' } });
    expect(r.data!.ruleOnDispute).toMatchObject({ status: 'RULED', ruling: { outcome: 'SETTLED', tier: { name: 'Joint commission' }, ruledBy: 'Office of the Envoy' } });
    await expectRefused(() => h.run(mediator, RULE, { input: { disputeId: id, outcome: 'NO_BREACH', reasoning: 'again' } }), 'BAD_USER_INPUT', /already ruled/);
  });

  it('refuses bad filings and writes nothing', async () => {
    const { a, add } = await setup();
    const m = await add(30);
    const other = await setup();
    await expectRefused(() => h.run(monitor, FILE, { input: { agreementId: a.id, allegation: 'x' } }), 'BAD_USER_INPUT', /exactly one of milestoneId/);
    await expectRefused(() => h.run(monitor, FILE, { input: { agreementId: a.id, milestoneId: m.id, allegation: ' ' } }), 'BAD_USER_INPUT', /Allegation is empty/);
    await expectRefused(() => h.run(monitor, FILE, { input: { agreementId: a.id, milestoneId: m.id, allegation: 'x', accusedPartyId: other.a.parties[0].id } }), 'BAD_USER_INPUT', /accused party must be a party/);
    await expectRefused(() => h.run(monitor, FILE, { input: { agreementId: other.a.id, milestoneId: m.id, allegation: 'x' } }), 'BAD_USER_INPUT', /belongs to another agreement/);
    await expectRefused(() => h.run(monitor, FILE, { input: { agreementId: '00000000-0000-4000-8000-000000000000', milestoneId: m.id, allegation: 'x' } }), 'NOT_FOUND');
    await expectRefused(() => h.run(anonymous, FILE, { input: { agreementId: a.id, milestoneId: m.id, allegation: 'x' } }), 'FORBIDDEN');
    await expectRefused(
      () => h.run(caller('PARTY', { partyId: other.a.parties[0].id }), FILE, { input: { agreementId: a.id, milestoneId: m.id, allegation: 'x' } }),
      'FORBIDDEN',
      /Only a party to/,
    );
    const own = await h.run(caller('PARTY', { partyId: a.parties[1].id }), FILE, { input: { agreementId: a.id, milestoneId: m.id, allegation: 'Not delivered' } });
    expect(own.errors).toBeUndefined();
    // Against the other side, yes; against itself, no (a confirmed ruling could snap back its own relief).
    const against = await h.run(caller('PARTY', { partyId: a.parties[1].id }), FILE, { input: { agreementId: a.id, milestoneId: m.id, allegation: 'Not delivered', accusedPartyId: a.parties[0].id } });
    expect(against.errors).toBeUndefined();
    await expectRefused(
      () => h.run(caller('PARTY', { partyId: a.parties[1].id }), FILE, { input: { agreementId: a.id, milestoneId: m.id, allegation: 'x', accusedPartyId: a.parties[1].id } }),
      'BAD_USER_INPUT',
      /input\.accusedPartyId: A party files a dispute against another party, not its own; to put a breach by your own side on record, report it as an incident/,
    );
    // A monitor may name either side.
    expect((await h.run(monitor, FILE, { input: { agreementId: a.id, milestoneId: m.id, allegation: 'x', accusedPartyId: a.parties[1].id } })).errors).toBeUndefined();
  });

  it('starts the clocks when the complaint was lodged, within a week, never in the future', async () => {
    h.clock.set('2026-03-20T12:00:00Z');
    const { a, add } = await setup();
    const m = await add(30);
    const r = await h.run(monitor, FILE, { input: { agreementId: a.id, milestoneId: m.id, allegation: 'Phoned in to the commission', lodgedAt: '2026-03-19T04:00:00Z' } });
    expect(r.data!.fileDispute).toMatchObject({ currentTier: { ordinal: 1 }, currentDeadline: '2026-03-21T04:00:00.000Z', hoursRemaining: 16 });
    await expectRefused(() => h.run(monitor, FILE, { input: { agreementId: a.id, milestoneId: m.id, allegation: 'x', lodgedAt: '2026-03-20T13:00:00Z' } }), 'BAD_USER_INPUT', /in the future/);
    await expectRefused(() => h.run(monitor, FILE, { input: { agreementId: a.id, milestoneId: m.id, allegation: 'x', lodgedAt: '2026-03-10T00:00:00Z' } }), 'BAD_USER_INPUT', /more than 7 days ago/);
  });

  it('accepts a custom ladder and refuses a bad one', async () => {
    const { a } = await setup({ disputeTiers: [{ ordinal: 1, name: 'Field commission', hours: 24, rulingRole: 'MONITOR' }] });
    expect((await h.run(mediator, `{ agreement(id: "${a.id}") { disputeTiers { name hours rulingRole } } }`)).data!.agreement.disputeTiers).toEqual([
      { name: 'Field commission', hours: 24, rulingRole: 'MONITOR' },
    ]);
    await expectRefused(
      () => h.run(mediator, CREATE_AGREEMENT, { input: agreementInput({ disputeTiers: [{ ordinal: 2, name: 'X', hours: 0, rulingRole: 'MEDIATOR' }] }) }),
      'BAD_USER_INPUT',
      /ordinals must run|hours is 0/,
    );
  });
});

const SNAP = (id: string) => `{ agreement(id: "${id}") { permittedCargo snapBack { active triggeredAt reason liftedAt liftReason } milestones { title underSnapBack } } }`;
const CLAUSE = `mutation ($input: AddSnapBackClauseInput!) { addSnapBackClause(input: $input) { id trigger } }`;
const TWO_PHASES = [
  { ordinal: 1, name: 'Phase 1', startDay: 0, endDay: 9, permittedCargo: ['HUMANITARIAN_AID'] },
  { ordinal: 2, name: 'Phase 2', startDay: 10, endDay: 60, permittedCargo: ['HUMANITARIAN_AID', 'COMMERCIAL', 'FUEL'] },
];

describe('snap-back', () => {
  it('triggers when a named milestone is missed, reverts cargo to Phase 1, withholds later milestones, and can be lifted', async () => {
    h.clock.set('2026-03-05T00:00:00Z');
    const { a, add } = await setup({
      phases: [
        { ordinal: 1, name: 'Phase 1', startDay: 0, endDay: 9, permittedCargo: ['HUMANITARIAN_AID'] },
        { ordinal: 2, name: 'Phase 2', startDay: 10, endDay: 60, permittedCargo: ['HUMANITARIAN_AID', 'COMMERCIAL', 'FUEL'] },
      ],
    });
    const early = await add(7);
    await add(40, { phaseOrdinal: 2, title: 'Later' });
    const clause = await h.run(mediator, CLAUSE, { input: { agreementId: a.id, trigger: 'MILESTONE_MISSED', milestoneId: early.id, reverts: 'Commercial traffic suspended; tranches withheld' } });
    expect(clause.errors).toBeUndefined();
    h.clock.set('2026-03-12T00:00:00Z'); // Day 11, Phase 2; the Day-7 milestone was missed at the start of Day 8
    const on = (await h.run(anonymous, SNAP(a.id))).data!.agreement;
    expect(on.snapBack).toMatchObject({ active: true, triggeredAt: '2026-03-09T00:00:00.000Z', reason: "Milestone 'Due 7' missed (due Day 7)." });
    expect(on.permittedCargo).toEqual(['HUMANITARIAN_AID']);
    expect(on.milestones.map((m: any) => [m.title, m.underSnapBack])).toEqual([
      ['Due 7', false],
      ['Later', true],
    ]);

    await expectRefused(() => h.run(monitor, `mutation { liftSnapBack(input: { agreementId: "${a.id}", reason: "vote" }) { id } }`), 'FORBIDDEN');
    const lifted = await h.run(mediator, `mutation { liftSnapBack(input: { agreementId: "${a.id}", reason: "Security Council vote kept relief in place" }) { id } }`);
    expect(lifted.errors).toBeUndefined();
    const off = (await h.run(anonymous, SNAP(a.id))).data!.agreement;
    expect(off.snapBack).toMatchObject({ active: false, liftedAt: '2026-03-12T00:00:00.000Z', liftReason: 'Security Council vote kept relief in place' });
    expect(off.permittedCargo).toEqual(['HUMANITARIAN_AID', 'COMMERCIAL', 'FUEL']);
    await expectRefused(() => h.run(mediator, `mutation { liftSnapBack(input: { agreementId: "${a.id}", reason: "again" }) { id } }`), 'BAD_USER_INPUT', /nothing to lift/);
  });

  it('triggers when a ruling confirms a breach', async () => {
    h.clock.set('2026-03-10T00:00:00Z');
    const { a, add } = await setup();
    const m = await add(30);
    await h.run(mediator, CLAUSE, { input: { agreementId: a.id, trigger: 'RULING_CONFIRMS_BREACH', reverts: 'Sanctions relief reverts' } });
    const id = (await h.run(monitor, FILE, { input: { agreementId: a.id, milestoneId: m.id, allegation: 'Shelling of the corridor' } })).data!.fileDispute.id;
    expect((await h.run(anonymous, SNAP(a.id))).data!.agreement.snapBack.active).toBe(false);
    h.clock.set('2026-03-11T06:00:00Z');
    await h.run(mediator, RULE, { input: { disputeId: id, outcome: 'BREACH_CONFIRMED', reasoning: 'Verified by the monitoring cell' } });
    expect((await h.run(anonymous, SNAP(a.id))).data!.agreement.snapBack).toMatchObject({ active: true, triggeredAt: '2026-03-11T06:00:00.000Z' });
  });

  it('uses the verified violation times the gateway supplies for a violations clause', async () => {
    h.clock.set('2026-03-10T00:00:00Z');
    const { a } = await setup();
    await h.run(mediator, CLAUSE, { input: { agreementId: a.id, trigger: 'VIOLATIONS_THRESHOLD', threshold: 2, windowHours: 72, reverts: 'Phase 1 cargo only' } });
    const q = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Agreement { snapBack { active triggeredAt reason } } } }`;
    const few = await h.run(anonymous, q, { r: [{ __typename: 'Agreement', id: a.id, verifiedMaterialViolationTimes: ['2026-03-08T00:00:00Z', '2026-03-09T00:00:00Z'] }] });
    expect(few.data!._entities[0].snapBack.active).toBe(false);
    h.clock.set('2026-03-11T00:00:00Z');
    const many = await h.run(anonymous, q, { r: [{ __typename: 'Agreement', id: a.id, verifiedMaterialViolationTimes: ['2026-03-10T02:00:00Z', '2026-03-10T05:00:00Z', '2026-03-10T12:00:00Z'] }] });
    expect(many.data!._entities[0].snapBack).toEqual({ active: true, triggeredAt: '2026-03-10T12:00:00.000Z', reason: 'More than 2 verified material violations within 72 hours.' });
  });

  it('counts violations from the clause\'s adoption: a window already over the threshold then triggers at the adoption, an earlier burst never', async () => {
    h.clock.set('2026-03-10T00:00:00Z');
    const { a } = await setup();
    const added = await h.run(mediator, `mutation ($input: AddSnapBackClauseInput!) { addSnapBackClause(input: $input) { adoptedAt } }`, {
      input: { agreementId: a.id, trigger: 'VIOLATIONS_THRESHOLD', threshold: 2, windowHours: 72, reverts: 'Phase 1 cargo only' },
    });
    expect(added.data!.addSnapBackClause.adoptedAt).toBe('2026-03-10T00:00:00.000Z');
    h.clock.set('2026-03-12T00:00:00Z');
    const q = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Agreement { snapBack { active triggeredAt reason } } } }`;
    const state = async (times: string[]) =>
      (await h.run(anonymous, q, { r: [{ __typename: 'Agreement', id: a.id, verifiedMaterialViolationTimes: times }] })).data!._entities[0].snapBack;
    // Three within 72 hours, a week before the clause existed: that burst is not the clause's to judge.
    expect(await state(['2026-03-02T00:00:00Z', '2026-03-02T06:00:00Z', '2026-03-02T12:00:00Z'])).toEqual({ active: false, triggeredAt: null, reason: null });
    // Three within the 72 hours before the adoption: still so when the clause was adopted, so it triggers then, not before.
    expect(await state(['2026-03-08T00:00:00Z', '2026-03-09T00:00:00Z', '2026-03-09T12:00:00Z'])).toEqual({
      active: true,
      triggeredAt: '2026-03-10T00:00:00.000Z',
      reason: 'More than 2 verified material violations within 72 hours; already so when the clause was adopted.',
    });
  });

  it('does not count a ruling that confirmed a breach before the clause was adopted', async () => {
    h.clock.set('2026-03-10T00:00:00Z');
    const { a, add } = await setup();
    const m = await add(30);
    const id = (await h.run(monitor, FILE, { input: { agreementId: a.id, milestoneId: m.id, allegation: 'Shelling of the corridor' } })).data!.fileDispute.id;
    await h.run(mediator, RULE, { input: { disputeId: id, outcome: 'BREACH_CONFIRMED', reasoning: 'Verified by the monitoring cell' } });
    h.clock.set('2026-03-11T00:00:00Z');
    await h.run(mediator, CLAUSE, { input: { agreementId: a.id, trigger: 'RULING_CONFIRMS_BREACH', reverts: 'Sanctions relief reverts' } });
    expect((await h.run(anonymous, SNAP(a.id))).data!.agreement.snapBack).toMatchObject({ active: false, triggeredAt: null });
  });

  it('applies a MILESTONE_MISSED clause added after the miss from its adoption, never from the deadline before it existed', async () => {
    h.clock.set('2026-03-05T00:00:00Z');
    const { a, add } = await setup({ phases: TWO_PHASES });
    const early = await add(7);
    await add(40, { phaseOrdinal: 2, title: 'Later' });
    h.clock.set('2026-03-18T00:00:00Z'); // the Day-7 milestone was missed at 2026-03-09T00:00Z, nine days ago
    const added = await h.run(mediator, `mutation ($input: AddSnapBackClauseInput!) { addSnapBackClause(input: $input) { adoptedAt } }`, {
      input: { agreementId: a.id, trigger: 'MILESTONE_MISSED', milestoneId: early.id, reverts: 'Commercial traffic suspended' },
    });
    expect(added.errors).toBeUndefined();
    expect(added.data!.addSnapBackClause.adoptedAt).toBe('2026-03-18T00:00:00.000Z');
    const on = (await h.run(anonymous, SNAP(a.id))).data!.agreement;
    expect(on.snapBack).toMatchObject({ active: true, triggeredAt: '2026-03-18T00:00:00.000Z', reason: "Milestone 'Due 7' missed (due Day 7); still unmet when the clause was adopted." });
    expect(on.permittedCargo).toEqual(['HUMANITARIAN_AID']);
    expect(on.milestones.map((m: any) => [m.title, m.underSnapBack])).toEqual([
      ['Due 7', false],
      ['Later', true],
    ]);
  });

  it('ends a MILESTONE_MISSED trigger when the missed milestone is certified late, from the moment the certification is recorded', async () => {
    h.clock.set('2026-03-05T00:00:00Z');
    const { a, add } = await setup({ phases: TWO_PHASES });
    const early = await add(7);
    await add(40, { phaseOrdinal: 2, title: 'Later' });
    await h.run(mediator, CLAUSE, { input: { agreementId: a.id, trigger: 'MILESTONE_MISSED', milestoneId: early.id, reverts: 'Commercial traffic suspended' } });
    h.clock.set('2026-03-12T00:00:00Z');
    expect((await h.run(anonymous, SNAP(a.id))).data!.agreement.snapBack).toMatchObject({ active: true, triggeredAt: '2026-03-09T00:00:00.000Z' });
    h.clock.set('2026-03-14T00:00:00Z');
    const certified = await h.run(monitor, CERTIFY, { input: { milestoneId: early.id, metAt: '2026-03-13T00:00:00Z', evidence: [{ reference: 'Intermediary receipt of lists' }] } });
    expect(certified.data!.certifyMilestone.status).toBe('MET_LATE');
    const off = (await h.run(anonymous, SNAP(a.id))).data!.agreement;
    expect(off.snapBack).toEqual({ active: false, triggeredAt: null, reason: null, liftedAt: null, liftReason: null });
    expect(off.permittedCargo).toEqual(['HUMANITARIAN_AID', 'COMMERCIAL', 'FUEL']);
    expect(off.milestones.map((m: any) => m.underSnapBack)).toEqual([false, false]);
    await expectRefused(() => h.run(mediator, `mutation { liftSnapBack(input: { agreementId: "${a.id}", reason: "vote" }) { id } }`), 'BAD_USER_INPUT', /nothing to lift/);
  });

  it('ends a MILESTONE_MISSED trigger when the mediator waives the missed milestone, and never fires for a miss cured before adoption', async () => {
    h.clock.set('2026-03-05T00:00:00Z');
    const { a, add } = await setup({ phases: TWO_PHASES });
    const waived = await add(7, { title: 'Waived later' });
    const cured = await add(8, { title: 'Cured early' });
    await h.run(mediator, CLAUSE, { input: { agreementId: a.id, trigger: 'MILESTONE_MISSED', milestoneId: waived.id, reverts: 'Commercial traffic suspended' } });
    h.clock.set('2026-03-12T00:00:00Z');
    expect((await h.run(anonymous, SNAP(a.id))).data!.agreement.snapBack).toMatchObject({ active: true, triggeredAt: '2026-03-09T00:00:00.000Z' });
    await h.run(monitor, CERTIFY, { input: { milestoneId: cured.id, evidence: [{ reference: 'r' }] } });
    await h.run(mediator, WAIVE, { input: { milestoneId: waived.id, reason: 'Superseded by the Day-10 protocol' } });
    h.clock.set('2026-03-13T00:00:00Z');
    await h.run(mediator, CLAUSE, { input: { agreementId: a.id, trigger: 'MILESTONE_MISSED', milestoneId: cured.id, reverts: 'Commercial traffic suspended' } });
    expect((await h.run(anonymous, SNAP(a.id))).data!.agreement.snapBack).toMatchObject({ active: false, triggeredAt: null });
  });

  it('refuses malformed clauses and writes nothing', async () => {
    const { a, add } = await setup();
    const m = await add(30);
    await expectRefused(() => h.run(mediator, CLAUSE, { input: { agreementId: a.id, trigger: 'VIOLATIONS_THRESHOLD', reverts: 'x' } }), 'BAD_USER_INPUT', /threshold/);
    await expectRefused(() => h.run(mediator, CLAUSE, { input: { agreementId: a.id, trigger: 'RULING_CONFIRMS_BREACH', milestoneId: m.id, reverts: 'x' } }), 'BAD_USER_INPUT', /only to MILESTONE_MISSED/);
    await expectRefused(() => h.run(mediator, CLAUSE, { input: { agreementId: a.id, trigger: 'MILESTONE_MISSED', reverts: '' } }), 'BAD_USER_INPUT', /Reverts is empty/);
    await expectRefused(() => h.run(monitor, CLAUSE, { input: { agreementId: a.id, trigger: 'MILESTONE_MISSED', reverts: 'x' } }), 'FORBIDDEN');
  });
});

describe('scorecard and compliance', () => {
  it('tallies each party and scores what has fallen due', async () => {
    h.clock.set('2026-03-05T00:00:00Z');
    const { a, add } = await setup();
    const onTime = await add(6);
    await add(7);
    const late = await add(8);
    const waived = await add(9);
    await add(30);
    await h.run(monitor, CERTIFY, { input: { milestoneId: onTime.id, evidence: [{ reference: 'r' }] } });
    await h.run(mediator, WAIVE, { input: { milestoneId: waived.id, reason: 'Superseded' } });
    h.clock.set('2026-03-12T00:00:00Z');
    await h.run(monitor, CERTIFY, { input: { milestoneId: late.id, evidence: [{ reference: 'r' }] } });
    const card = (await h.run(anonymous, `{ agreement(id: "${a.id}") { scorecard { party { id } met metLate missed pending waived score } } }`)).data!.agreement.scorecard;
    const first = card.find((c: any) => c.party.id === a.parties[0].id);
    expect(first).toEqual({ party: { id: a.parties[0].id }, met: 1, metLate: 1, missed: 1, pending: 1, waived: 1, score: 0.5 });
    expect(card.find((c: any) => c.party.id === a.parties[1].id)).toMatchObject({ met: 0, pending: 0, score: null });
  });

  it('judges each benchmark against the measured values the gateway sends, with a fixed number of statements', async () => {
    h.clock.set('2026-03-25T00:00:00Z'); // Day 24 of a window from Day 0 to the end of Day 30
    const { a, add } = await setup();
    const milestones: { id: string }[] = [];
    for (let i = 0; i < 6; i++) {
      milestones.push(
        await add(30, {
          benchmarks: [
            { metric: 'TRUCKS_DELIVERED', comparator: 'AT_LEAST', threshold: 600 },
            { metric: 'QUIET_HOURS', comparator: 'AT_LEAST', threshold: 72 },
            { metric: 'ESCROW_FUNDED_RATIO', comparator: 'AT_LEAST', threshold: 1 },
          ],
        }),
      );
    }
    const q = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Milestone { id compliance { verdict benchmarks { metric threshold measured satisfied source } } } } }`;
    const rep = (id: string, trucks: number) => ({
      __typename: 'Milestone', id, detaineesReleased: 0, priorityDetaineesReleased: 0, trucksDelivered: trucks, escrowFundedRatio: 1, agreement: { quietHours: 80.5 },
    });
    const r = await h.run(anonymous, q, { r: [rep(milestones[0]!.id, 650), rep(milestones[1]!.id, 120)] });
    expect(r.errors).toBeUndefined();
    expect(r.data!._entities[0].compliance.verdict).toBe('ON_TRACK');
    expect(r.data!._entities[1].compliance).toEqual({
      verdict: 'AT_RISK',
      benchmarks: [
        { metric: 'TRUCKS_DELIVERED', threshold: 600, measured: 120, satisfied: false, source: 'corridors' },
        { metric: 'QUIET_HOURS', threshold: 72, measured: 80.5, satisfied: true, source: 'corridors' },
        { metric: 'ESCROW_FUNDED_RATIO', threshold: 1, measured: 1, satisfied: true, source: 'guarantors' },
      ],
    });
    const two = await statements.measure(() => h.run(anonymous, q, { r: milestones.slice(0, 2).map((m) => rep(m.id, 1)) }));
    const six = await statements.measure(() => h.run(anonymous, q, { r: milestones.map((m) => rep(m.id, 1)) }));
    expect(six.count).toBe(two.count);
  });

  it('puts a milestone due today and uncertified at risk, and one without benchmarks at risk late in its window', async () => {
    h.clock.set('2026-03-05T00:00:00Z');
    const { a, add } = await setup();
    const bare = await add(30, { title: 'Lists handed over' });
    const satisfied = await add(30, { title: 'Trucks through', benchmarks: [{ metric: 'TRUCKS_DELIVERED', comparator: 'AT_LEAST', threshold: 100 }] });
    const q = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Milestone { title status compliance { verdict benchmarks { satisfied } } } } }`;
    const rep = (id: string) => ({ __typename: 'Milestone', id, detaineesReleased: 0, priorityDetaineesReleased: 0, trucksDelivered: 140, escrowFundedRatio: 1, agreement: { quietHours: 90 } });
    const read = async () => (await h.run(anonymous, q, { r: [rep(bare.id), rep(satisfied.id)] })).data!._entities;
    expect((await read()).map((m: any) => m.compliance.verdict)).toEqual(['ON_TRACK', 'ON_TRACK']); // Day 4 of a 31-day window
    h.clock.set('2026-03-25T00:00:00Z'); // Day 24: 7 of 31 days left
    expect(await read()).toEqual([
      { title: 'Lists handed over', status: 'PENDING', compliance: { verdict: 'AT_RISK', benchmarks: [] } },
      { title: 'Trucks through', status: 'PENDING', compliance: { verdict: 'ON_TRACK', benchmarks: [{ satisfied: true }] } },
    ]);
    h.clock.set('2026-03-31T08:00:00Z'); // Day 30, the due day
    expect(await read()).toEqual([
      { title: 'Lists handed over', status: 'DUE', compliance: { verdict: 'AT_RISK', benchmarks: [] } },
      { title: 'Trucks through', status: 'DUE', compliance: { verdict: 'AT_RISK', benchmarks: [{ satisfied: true }] } },
    ]);
    await h.run(monitor, CERTIFY, { input: { milestoneId: bare.id, evidence: [{ reference: 'Intermediary receipt' }] } });
    expect((await read()).map((m: any) => m.compliance.verdict)).toEqual(['MET', 'AT_RISK']);
  });
});
