import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { anonymous, caller, codes } from '@treaty/testing';
import { CREATE_AGREEMENT, DAY0, NOW, REPORT_INCIDENT, VERIFY_INCIDENT, mediator, medics, monitor, partyCaller, relief, startCorridors, type Harness } from './harness.js';

let h: Harness;

beforeAll(async () => {
  h = await startCorridors();
});
afterAll(async () => {
  await h?.stop();
});
beforeEach(() => {
  h.clock.set(NOW);
});

const report = (input: Record<string, unknown>, who = relief) =>
  h.run(who, REPORT_INCIDENT, {
    input: {
      category: 'SHELLING',
      occurredAt: '2026-03-18T10:00:00Z',
      latitude: 31.3,
      longitude: 34.4,
      placeDescription: 'Orchard road, 3 km north of the Sorrel crossing',
      severity: 'MATERIAL',
      description: 'Four impacts observed within 500 m of the waiting convoy.',
      ...input,
    },
  });
const verify = (incidentId: string, input: Record<string, unknown>, who = monitor) => h.run(who, VERIFY_INCIDENT, { input: { incidentId, ...input } });

async function reported(agreementId: string, input: Record<string, unknown> = {}) {
  const r = await report({ agreementId, ...input });
  expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  return r.data!.reportIncident as { id: string };
}

/** Takes a report through review to a finding. */
async function found(incidentId: string, state: string, extra: Record<string, unknown> = {}) {
  expect((await verify(incidentId, { state: 'UNDER_REVIEW' })).errors).toBeUndefined();
  const r = await verify(incidentId, { state, confidence: 'HIGH', findings: 'Crater analysis and two independent witnesses.', ...extra });
  expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  return r.data!.verifyIncident;
}

const QUIET = /* GraphQL */ `
  query ($representations: [_Any!]!) {
    _entities(representations: $representations) {
      ... on Agreement { quietHours verifiedMaterialViolationTimes all: verifiedViolations material: verifiedViolations(severity: MATERIAL) lastWeek: verifiedViolations(since: "2026-03-13T00:00:00Z", until: "2026-03-20T00:00:00Z") }
    }
  }`;
const quiet = async (agreementId: string) => {
  const r = await h.run(anonymous, QUIET, { representations: [{ __typename: 'Agreement', id: agreementId, entryIntoForceAt: DAY0 }] });
  expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  return r.data!._entities[0];
};

describe('reportIncident', () => {
  it('records a report from any partner agency, REPORTED, against an agreement confirmed with milestones', async () => {
    const a = await h.createAgreement();
    const r = await report({ agreementId: a.id }, partyCaller);
    expect(r.errors).toBeUndefined();
    expect(r.data!.reportIncident).toMatchObject({
      category: 'SHELLING',
      occurredAt: '2026-03-18T10:00:00.000Z',
      reportedSeverity: 'MATERIAL',
      severity: 'MATERIAL',
      verificationState: 'REPORTED',
      reportedBy: 'Delegation of Norvale',
      agreement: { id: a.id },
      corridor: null,
      convoy: null,
    });
  });

  it('takes the agreement and corridor from the convoy concerned', async () => {
    const a = await h.createAgreement();
    const corridor = await h.createCorridor(a.id);
    const convoy = await h.convoyAt(corridor.id, 'IN_TRANSIT');
    const r = await report({ convoyId: convoy.id, category: 'CONVOY_OBSTRUCTION', severity: 'MINOR' }, medics);
    expect(r.data!.reportIncident).toMatchObject({ agreement: { id: a.id }, corridor: { id: corridor.id }, convoy: { id: convoy.id } });
  });

  it('refuses a corridor or convoy that does not match the agreement or corridor given', async () => {
    const a = await h.createAgreement();
    const b = await h.createAgreement();
    const corridor = await h.createCorridor(a.id);
    const other = await h.createCorridor(a.id);
    const convoy = await h.requestConvoy(corridor.id);
    await h.expectRefused(() => report({ agreementId: b.id, corridorId: corridor.id }), 'BAD_USER_INPUT', /serves agreement .* not/);
    await h.expectRefused(() => report({ corridorId: other.id, convoyId: convoy.id }), 'BAD_USER_INPUT', /travels through corridor/);
  });

  it('refuses unknown agreements, corridors and convoys with NOT_FOUND', async () => {
    await h.expectRefused(() => report({ agreementId: '00000000-0000-4000-8000-00000000a000' }), 'NOT_FOUND', /No agreement/);
    await h.expectRefused(() => report({ corridorId: '00000000-0000-4000-8000-00000000a001' }), 'NOT_FOUND', /No corridor/);
    await h.expectRefused(() => report({ convoyId: 'x' }), 'NOT_FOUND', /No convoy/);
  });

  it('refuses a report without an agreement, from the future, off the map or without a description', async () => {
    const a = await h.createAgreement();
    const r = await h.expectRefused(
      () => report({ occurredAt: '2026-03-21T00:00:00Z', latitude: -95, longitude: 10, description: ' ', placeDescription: '' }),
      'BAD_USER_INPUT',
    );
    expect((r.errors![0]!.extensions!.details as any).problems.map((p: any) => p.path)).toEqual([
      'input.agreementId',
      'input.latitude',
      'input.placeDescription',
      'input.description',
      'input.occurredAt',
    ]);
    await h.expectRefused(() => report({ agreementId: a.id, occurredAt: '2026-03-20T10:00:01Z' }), 'BAD_USER_INPUT', /in the future/);
  });

  it('refuses an incident that occurred before the agreement entered into force, however the agreement is named', async () => {
    const a = await h.createAgreement(); // in force from DAY0, 2026-03-01T00:00:00Z
    const corridor = await h.createCorridor(a.id);
    const convoy = await h.requestConvoy(corridor.id);
    const message = new RegExp(
      `^input\\.occurredAt: occurredAt 2026-02-28T23:59:00\\.000Z is before "${a.title}" entered into force \\(2026-03-01T00:00:00\\.000Z\\); incidents are monitored under an agreement only from its entry into force\\. Check the date and time \\(UTC\\) and the agreement concerned\\.$`,
    );
    for (const concerned of [{ agreementId: a.id }, { corridorId: corridor.id }, { convoyId: convoy.id }]) {
      const r = await h.expectRefused(() => report({ ...concerned, occurredAt: '2026-02-28T23:59:00Z' }), 'BAD_USER_INPUT', message);
      expect((r.errors![0]!.extensions!.details as any).problems.map((p: any) => p.path)).toEqual(['input.occurredAt']);
    }
    // From the moment of entry into force, incidents are monitored under it.
    expect((await report({ convoyId: convoy.id, occurredAt: DAY0 })).errors).toBeUndefined();
  });

  it('refuses every incident under an agreement that has not entered into force yet', async () => {
    const data = await h.onMilestones(mediator, CREATE_AGREEMENT, {
      input: {
        title: 'Accord Not Yet In Force',
        entryIntoForceAt: '2026-04-01T00:00:00Z',
        parties: [
          { name: `Republic of Norvale ${Math.random().toString(36).slice(2, 7)}`, kind: 'GOVERNMENT' },
          { name: `Eastern Highlands Movement ${Math.random().toString(36).slice(2, 7)}`, kind: 'NON_STATE_ARMED_GROUP' },
        ],
        phases: [{ ordinal: 1, name: 'Phase 1', startDay: 0, endDay: 41, permittedCargo: ['HUMANITARIAN_AID'] }],
      },
    });
    await h.expectRefused(
      () => report({ agreementId: data.createAgreement.id, occurredAt: '2026-03-18T10:00:00Z' }),
      'BAD_USER_INPUT',
      /^input\.occurredAt: occurredAt 2026-03-18T10:00:00\.000Z is before "Accord Not Yet In Force" enters into force \(2026-04-01T00:00:00\.000Z\); incidents are monitored/,
    );
  });

  it('needs a partner agency token', async () => {
    const a = await h.createAgreement();
    await h.expectRefused(() => report({ agreementId: a.id }, anonymous), 'FORBIDDEN', /a token from a partner agency/);
  });
});

describe('verifyIncident', () => {
  it('reviews, then verifies with confidence, severity and attribution, leaving the report as made', async () => {
    const a = await h.createAgreement();
    const incident = await reported(a.id, { severity: 'MINOR' });
    const [row] = await h.db.query('SELECT * FROM incident WHERE id = $1', [incident.id]);
    const review = await verify(incident.id, { state: 'UNDER_REVIEW' });
    expect(review.data!.verifyIncident.verificationState).toBe('UNDER_REVIEW');
    const v = await verify(incident.id, { state: 'VERIFIED', confidence: 'MEDIUM', severity: 'MATERIAL', attributedPartyId: a.parties[1]!.id, findings: 'Impact pattern consistent with mortar fire from the east.' });
    expect(v.errors).toBeUndefined();
    expect(v.data!.verifyIncident).toMatchObject({
      verificationState: 'VERIFIED',
      reportedSeverity: 'MINOR',
      severity: 'MATERIAL',
      attributedParty: { id: a.parties[1]!.id },
      verifications: [
        { state: 'UNDER_REVIEW', confidence: null, severity: null, attributedParty: null, verifiedBy: 'Joint Monitoring Cell' },
        { state: 'VERIFIED', confidence: 'MEDIUM', severity: 'MATERIAL', attributedParty: { id: a.parties[1]!.id }, findings: 'Impact pattern consistent with mortar fire from the east.' },
      ],
    });
    expect((await h.db.query('SELECT * FROM incident WHERE id = $1', [incident.id]))[0]).toEqual(row);
  });

  it('keeps the reported severity when the verifier finds none', async () => {
    const a = await h.createAgreement();
    const incident = await reported(a.id);
    expect((await found(incident.id, 'VERIFIED')).severity).toBe('MATERIAL');
  });

  it('refuses a move the verification machine does not allow, with INVALID_TRANSITION naming what may follow', async () => {
    const a = await h.createAgreement();
    const incident = await reported(a.id);
    await h.expectRefused(() => verify(incident.id, { state: 'VERIFIED', confidence: 'HIGH', findings: 'x' }), 'INVALID_TRANSITION', /is REPORTED and cannot move to VERIFIED\. From REPORTED it may move to UNDER_REVIEW\./);
    await found(incident.id, 'FALSE');
    await h.expectRefused(() => verify(incident.id, { state: 'VERIFIED', confidence: 'HIGH', findings: 'x' }), 'INVALID_TRANSITION', /FALSE is a final finding/);
    await h.expectRefused(() => verify(incident.id, { state: 'UNDER_REVIEW' }), 'INVALID_TRANSITION');
  });

  it('refuses verifyIncident(state: REPORTED) with INVALID_TRANSITION: REPORTED is where a report starts, never a step', async () => {
    const a = await h.createAgreement();
    const incident = await reported(a.id);
    const r = await h.expectRefused(
      () => verify(incident.id, { state: 'REPORTED' }),
      'INVALID_TRANSITION',
      new RegExp(`^Incident ${incident.id} is REPORTED and cannot move to REPORTED\\. REPORTED is where every report starts, not a step to record\\. From REPORTED it may move to UNDER_REVIEW\\.$`),
    );
    expect(r.errors![0]!.extensions!.details).toEqual({ state: 'REPORTED', to: 'REPORTED', allowed: ['UNDER_REVIEW'] });
    await verify(incident.id, { state: 'UNDER_REVIEW' });
    await h.expectRefused(() => verify(incident.id, { state: 'REPORTED' }), 'INVALID_TRANSITION', /is UNDER_REVIEW and cannot move to REPORTED\. .*From UNDER_REVIEW it may move to VERIFIED, FALSE or INCONCLUSIVE\.$/);
    await h.expectRefused(() => verify('00000000-0000-4000-8000-00000000b001', { state: 'REPORTED' }), 'NOT_FOUND');
  });

  it('refuses every move the verification machine does not allow, from every state, with INVALID_TRANSITION and nothing written', async () => {
    const a = await h.createAgreement();
    const STATES = ['REPORTED', 'UNDER_REVIEW', 'VERIFIED', 'FALSE', 'INCONCLUSIVE'];
    const underReview = await reported(a.id);
    await verify(underReview.id, { state: 'UNDER_REVIEW' });
    const cases: [string, string, string[]][] = [
      [(await reported(a.id)).id, 'REPORTED', ['UNDER_REVIEW']],
      [underReview.id, 'UNDER_REVIEW', ['VERIFIED', 'FALSE', 'INCONCLUSIVE']],
      ...['VERIFIED', 'FALSE', 'INCONCLUSIVE'].map((state) => ['', state, []] as [string, string, string[]]),
    ];
    for (const c of cases.slice(2)) c[0] = (await found((await reported(a.id)).id, c[1])).id;
    // Each step is well formed for its state, so that only the move itself is wrong.
    const step = (state: string) => ({ state, ...(['VERIFIED', 'FALSE', 'INCONCLUSIVE'].includes(state) ? { confidence: 'HIGH', findings: 'Two patrols on site.' } : {}) });
    let refused = 0;
    for (const [id, from, legal] of cases) {
      for (const to of STATES.filter((s) => !legal.includes(s))) {
        const r = await h.expectRefused(() => verify(id, step(to)), 'INVALID_TRANSITION', new RegExp(`^Incident ${id} is ${from} and cannot move to ${to}\\. `));
        expect(r.errors![0]!.extensions!.details).toEqual({ state: from, to, allowed: legal });
        refused += 1;
      }
    }
    expect(refused).toBe(5 * 5 - 4);
    // An illegal move is refused as such even when the step is malformed too (no confidence, no findings).
    await h.expectRefused(() => verify(cases[0]![0], { state: 'VERIFIED' }), 'INVALID_TRANSITION', /is REPORTED and cannot move to VERIFIED\. From REPORTED it may move to UNDER_REVIEW\./);
  });

  it('attributes only with a VERIFIED finding (BAD_USER_INPUT otherwise), and only to a party to the agreement', async () => {
    const a = await h.createAgreement();
    const b = await h.createAgreement();
    const incident = await reported(a.id);
    const party = a.parties[0]!.id;
    await h.expectRefused(() => verify(incident.id, { state: 'UNDER_REVIEW', attributedPartyId: party }), 'BAD_USER_INPUT', /only by a VERIFIED finding, not UNDER_REVIEW/);
    await verify(incident.id, { state: 'UNDER_REVIEW' });
    for (const state of ['FALSE', 'INCONCLUSIVE']) {
      await h.expectRefused(() => verify(incident.id, { state, confidence: 'LOW', findings: 'Unclear', attributedPartyId: party }), 'BAD_USER_INPUT', new RegExp(`not ${state}`));
    }
    await h.expectRefused(
      () => verify(incident.id, { state: 'VERIFIED', confidence: 'HIGH', findings: 'Seen', attributedPartyId: b.parties[0]!.id }),
      'BAD_USER_INPUT',
      new RegExp(`attributed to a party to "${a.title}": .*${a.parties[0]!.id}`),
    );
  });

  it('verifies and attributes only as MONITOR', async () => {
    const a = await h.createAgreement();
    const incident = await reported(a.id);
    await verify(incident.id, { state: 'UNDER_REVIEW' });
    await h.expectRefused(
      () => verify(incident.id, { state: 'VERIFIED', confidence: 'HIGH', findings: 'Seen', attributedPartyId: a.parties[0]!.id }, mediator),
      'FORBIDDEN',
      /needs the MONITOR role/,
    );
    await h.expectRefused(() => verify(incident.id, { state: 'FALSE', confidence: 'HIGH', findings: 'No impacts' }, relief), 'FORBIDDEN');
  });

  it('asks for confidence and findings with a finding, and for none of it when taking a report under review', async () => {
    const a = await h.createAgreement();
    const incident = await reported(a.id);
    await h.expectRefused(() => verify(incident.id, { state: 'UNDER_REVIEW', confidence: 'LOW' }), 'BAD_USER_INPUT', /Confidence belongs to a finding/);
    await verify(incident.id, { state: 'UNDER_REVIEW' });
    const r = await h.expectRefused(() => verify(incident.id, { state: 'INCONCLUSIVE', severity: 'MINOR' }), 'BAD_USER_INPUT');
    expect((r.errors![0]!.extensions!.details as any).problems.map((p: any) => p.path)).toEqual(['input.confidence', 'input.findings', 'input.severity']);
    await h.expectRefused(() => verify('00000000-0000-4000-8000-00000000b000', { state: 'UNDER_REVIEW' }), 'NOT_FOUND');
  });

  it('records one step under concurrent requests', async () => {
    const a = await h.createAgreement();
    const incident = await reported(a.id);
    const results = await Promise.all(Array.from({ length: 6 }, () => verify(incident.id, { state: 'UNDER_REVIEW' })));
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    expect(results.filter((r) => r.errors).every((r) => codes(r)[0] === 'INVALID_TRANSITION')).toBe(true);
  });
});

describe('violations and quiet hours', () => {
  it('counts hours since entry into force until a verified material violation, which resets the clock', async () => {
    const a = await h.createAgreement();
    expect(await quiet(a.id)).toEqual({ quietHours: 466, verifiedMaterialViolationTimes: [], all: 0, material: 0, lastWeek: 0 });

    // Reported material but not verified, verified minor, and found false: none resets the clock.
    await reported(a.id, { occurredAt: '2026-03-19T10:00:00Z' });
    await found((await reported(a.id, { occurredAt: '2026-03-19T12:00:00Z', severity: 'MINOR' })).id, 'VERIFIED');
    await found((await reported(a.id, { occurredAt: '2026-03-19T14:00:00Z' })).id, 'FALSE');
    await found((await reported(a.id, { occurredAt: '2026-03-19T16:00:00Z' })).id, 'INCONCLUSIVE');
    expect(await quiet(a.id)).toMatchObject({ quietHours: 466, all: 1, material: 0, lastWeek: 1 });

    await found((await reported(a.id, { occurredAt: '2026-03-05T06:00:00Z' })).id, 'VERIFIED');
    await found((await reported(a.id, { occurredAt: '2026-03-18T10:00:00Z' })).id, 'VERIFIED', { attributedPartyId: a.parties[1]!.id });
    expect(await quiet(a.id)).toEqual({
      quietHours: 48,
      verifiedMaterialViolationTimes: ['2026-03-05T06:00:00.000Z', '2026-03-18T10:00:00.000Z'],
      all: 3,
      material: 2,
      lastWeek: 2,
    });
    h.clock.set('2026-03-20T10:30:00Z');
    expect((await quiet(a.id)).quietHours).toBe(48.5);

    const parties = await h.run(anonymous, `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Party { id attributedViolations material: attributedViolations(severity: MATERIAL, since: "2026-03-19T00:00:00Z") } } }`, {
      r: a.parties.map((p) => ({ __typename: 'Party', id: p.id })),
    });
    expect(parties.data!._entities).toEqual([
      { id: a.parties[0]!.id, attributedViolations: 0, material: 0 },
      { id: a.parties[1]!.id, attributedViolations: 1, material: 0 },
    ]);
  });

  it('is 0 before entry into force, and refuses a window that ends before it starts', async () => {
    const a = await h.createAgreement();
    const early = await h.run(anonymous, QUIET, { representations: [{ __typename: 'Agreement', id: a.id, entryIntoForceAt: '2026-04-01T00:00:00Z' }] });
    expect(early.data!._entities[0].quietHours).toBe(0);
    const bad = await h.run(anonymous, `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Agreement { verifiedViolations(since: "2026-03-10T00:00:00Z", until: "2026-03-09T00:00:00Z") } } }`, {
      r: [{ __typename: 'Agreement', id: a.id }],
    });
    expect(codes(bad)).toEqual(['BAD_USER_INPUT']);
  });

  it('answers quietHours only with entryIntoForceAt from the gateway', async () => {
    const a = await h.createAgreement();
    const r = await h.run(anonymous, QUIET, { representations: [{ __typename: 'Agreement', id: a.id }] });
    expect(r.errors![0]!.message).toMatch(/entryIntoForceAt comes from the milestones service through the gateway/);
  });

  it('lists an agreement’s incidents by state, to partner agencies only', async () => {
    const a = await h.createAgreement();
    const first = await reported(a.id);
    const second = await reported(a.id, { occurredAt: '2026-03-19T08:00:00Z' });
    await verify(second.id, { state: 'UNDER_REVIEW' });
    const q = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Agreement { incidents { id } reviewing: incidents(state: UNDER_REVIEW) { id } } } }`;
    const r = await h.run(caller('PARTY', { agency: 'Delegation of the Highlands' }), q, { r: [{ __typename: 'Agreement', id: a.id }] });
    expect(r.data!._entities[0]).toEqual({ incidents: [{ id: second.id }, { id: first.id }], reviewing: [{ id: second.id }] });
    // Each field is nullable (DESIGN §8): refused one by one, the agreement itself stays.
    const refused = await h.run(anonymous, q, { r: [{ __typename: 'Agreement', id: a.id }] });
    expect(codes(refused)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    expect(refused.data!._entities[0]).toEqual({ incidents: null, reviewing: null });
    expect(codes(await h.run(anonymous, `query ($id: ID!) { incident(id: $id) { id } }`, { id: first.id }))).toEqual(['FORBIDDEN']);
    expect((await h.run(relief, `query ($id: ID!) { incident(id: $id) { id verificationState } }`, { id: first.id })).data!.incident).toEqual({ id: first.id, verificationState: 'REPORTED' });
  });
});
