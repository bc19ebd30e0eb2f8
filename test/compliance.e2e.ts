import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAllDemos, type DemoResult } from '@treaty/launcher';
import { startFederation, type Federation } from '@treaty/testing';
import { DAY_MS, HOUR_MS } from '@treaty/service-kit';
import { ALL_SERVICES } from './services.js';

/** Day 24 of the demo agreement, 09:30. */
const NOW = '2026-06-15T09:30:00.000Z';
const HEADLINE = readFile(new URL('../gateway/operations/compliance.graphql', import.meta.url), 'utf8');

async function federationWithDemo(): Promise<{ f: Federation; demo: DemoResult }> {
  const f = await startFederation(ALL_SERVICES, { now: NOW });
  const demo = await loadAllDemos(f.url, (claims) => f.token(claims), () => {}, f.clock.now());
  return { f, demo };
}

const byTitle = (milestones: any[], title: string) => milestones.find((m) => m.title === title);
const LISTS = 'Exchange of complete detainee lists';
const FIRST_RELEASE = 'First release of priority detainees';
const AID = 'Sustained aid through the Sorrel corridor';
const REOPENING = 'Reopening of the Sorrel crossing to commercial cargo';

describe('the full journey, then the headline compliance query', () => {
  let f: Federation;
  let demo: DemoResult;
  beforeAll(async () => ({ f, demo } = await federationWithDemo()));
  afterAll(() => f?.stop());

  it('answers DESIGN §4 for a MEDIATOR and for an anonymous caller, identically and without errors', async () => {
    const query = await HEADLINE;
    const mediator = await f.request(query, { id: demo.agreementId }, await f.token({ roles: ['MEDIATOR'], agency: 'Office of the Envoy' }));
    const anonymous = await f.request(query, { id: demo.agreementId });
    expect(mediator.body.errors).toBeUndefined();
    expect(anonymous.body.errors).toBeUndefined();
    expect(anonymous.body.data).toEqual(mediator.body.data);

    const a = mediator.body.data.agreement;
    expect(a).toMatchObject({ title: 'Veltria Ceasefire and Phased Exchange Framework', currentDay: 24, snapBack: { active: false, triggeredAt: null } });
    expect(a.quietHours).toBeGreaterThan(72);
    // Certified lists, and the tranche on them released by two people in two roles.
    expect(byTitle(a.milestones, LISTS)).toMatchObject({ status: 'MET', tranches: [{ amount: { amount: '250000.00', currency: 'USD' }, status: 'RELEASED' }], compliance: { verdict: 'MET' } });
    // The completed wave of women and children, the planned wave of medical cases.
    expect(byTitle(a.milestones, FIRST_RELEASE)).toMatchObject({
      status: 'PENDING',
      exchangeWaves: [{ sequence: 1, status: 'COMPLETED' }, { sequence: 2, status: 'PLANNED' }],
      detaineesReleased: 7,
      escrowFundedRatio: 1,
      tranches: [{ status: 'HELD' }],
      compliance: { verdict: 'ON_TRACK' },
    });
    // Day 30 at risk: fewer trucks than agreed with a quarter of the window left.
    const aid = byTitle(a.milestones, AID);
    expect(aid.compliance.verdict).toBe('AT_RISK');
    expect(aid.compliance.benchmarks).toEqual([
      { metric: 'TRUCKS_DELIVERED', threshold: 120, measured: aid.trucksDelivered, satisfied: false },
      { metric: 'QUIET_HOURS', threshold: 72, measured: a.quietHours, satisfied: true },
    ]);
    expect(aid.trucksDelivered).toBeGreaterThan(0);
    const card = Object.fromEntries(a.scorecard.map((s: any) => [s.party.name, s]));
    // The joint communiqué of Day 14 (a STATEMENT both parties issued) counts as met for each of them.
    expect(card['Northern Ridge Alliance']).toMatchObject({ met: 2, metLate: 0, missed: 0, pending: 2 });
    expect(card['Republic of Veltria']).toMatchObject({ met: 1, pending: 3 });
  });

  it('tells the demo\'s telemetry story: every moving convoy tracked, one silence over Sorrel\'s 30 minutes', async () => {
    const monitor = await f.token({ roles: ['MONITOR'], agency: 'Joint Monitoring Cell' });
    const { body } = await f.request<any>(
      `query ($id: ID!) { agreement(id: $id) { corridors { name convoys { status telemetryGaps { kind from to minutes } } } } }`,
      { id: demo.agreementId },
      monitor,
    );
    expect(body.errors).toBeUndefined();
    const gaps = body.data.agreement.corridors.flatMap((c: any) => c.convoys.flatMap((v: any) => v.telemetryGaps.map((g: any) => ({ corridor: c.name, status: v.status, ...g }))));
    expect(gaps).toEqual([
      { corridor: 'Sorrel crossing', status: 'DELIVERED', kind: 'BETWEEN_POSITIONS', from: '2026-06-13T11:00:00.000Z', to: '2026-06-13T11:50:00.000Z', minutes: 50 },
    ]);
  });

  it('answers each subgraph issue\'s own check through the gateway', async () => {
    const prisoners = await f.request('{ agreements { milestones { detaineesReleased exchangeWaves { sequence status } } } }');
    expect(prisoners.body.errors).toBeUndefined();
    const corridors = await f.request('{ agreements { quietHours milestones { trucksDelivered } } }');
    expect(corridors.body.errors).toBeUndefined();
    expect(corridors.body.data.agreements[0].milestones.some((m: any) => m.trucksDelivered > 0)).toBe(true);
  });

  it('records who read personal data, when and for what purpose, and never the values', async () => {
    const intermediary = await f.token({ roles: ['INTERMEDIARY'], agency: 'Neutral Intermediary', subject: 'delegate-4' });
    const { body } = await f.request('query ($id: ID!) { exchangeWaves(agreementId: $id) { manifest { detainee { id name } } } }', { id: demo.agreementId }, intermediary, { 'x-purpose': 'release-verification' });
    expect(body.errors).toBeUndefined();
    const detainee = body.data.exchangeWaves[0].manifest[0].detainee;
    const log = await f.request('query ($id: ID!) { personalDataAccessLog(recordId: $id) { agency subject fields purpose } }', { id: detainee.id }, await f.token({ roles: ['MEDIATOR'] }));
    expect(log.body.errors).toBeUndefined();
    expect(log.body.data.personalDataAccessLog).toContainEqual({ agency: 'Neutral Intermediary', subject: 'delegate-4', fields: ['name'], purpose: 'release-verification' });
    expect(JSON.stringify(log.body)).not.toContain(detainee.name);
  });

  it('refuses a read of personal data through the gateway without a stated purpose, listing the purposes, and logs nothing', async () => {
    const intermediary = await f.token({ roles: ['INTERMEDIARY'], agency: 'Neutral Intermediary', subject: 'delegate-5' });
    const q = 'query ($id: ID!) { exchangeWaves(agreementId: $id) { manifest { detainee { id name } } } }';
    const logRows = async () => (await f.databases.prisoners!.db.query(`SELECT count(*)::int AS n FROM personal_data_access WHERE subject = 'delegate-5'`))[0].n;
    for (const headers of [{}, { 'x-purpose': 'curiosity' }] as Record<string, string>[]) {
      const { body } = await f.request<any>(q, { id: demo.agreementId }, intermediary, headers);
      const codes = new Set((body.errors ?? []).map((e: any) => e.extensions?.code));
      expect([...codes]).toEqual(['PURPOSE_REQUIRED']);
      expect(body.errors![0]!.message).toMatch(/X-Purpose with one of "release-verification".*"family-tracing".*"medical-care".*"audit"/);
      for (const w of body.data.exchangeWaves) for (const e of w.manifest) expect(e.detainee.name).toBeNull();
    }
    expect(await logRows()).toBe(0);
  });
});

describe('verified violations trigger snap-back, with its effects in corridors and guarantors', () => {
  let f: Federation;
  let demo: DemoResult;
  beforeAll(async () => ({ f, demo } = await federationWithDemo()));
  afterAll(() => f?.stop());

  const at = (day: number, hour: number) => new Date(Date.parse('2026-05-22T00:00:00Z') + day * DAY_MS + hour * HOUR_MS).toISOString();
  const state = async () =>
    (
      await f.request(
        `query ($id: ID!) { agreement(id: $id) { snapBack { active triggeredAt reason } corridorCargo { corridor { name } permittedCargo } milestones { title tranches { status } } } }`,
        { id: demo.agreementId },
      )
    ).body;

  it('activates after more than three verified material violations within 72 hours, withholds later tranches and reverts cargo', async () => {
    const reporter = await f.token({ roles: ['AGENCY'], agency: 'Relief Logistics Consortium' });
    const monitor = await f.token({ roles: ['MONITOR'], agency: 'Joint Monitoring Cell' });
    for (const [day, hour] of [[22, 10], [23, 8], [23, 20], [24, 6]] as const) {
      const r = await f.request(`mutation ($input: ReportIncidentInput!) { reportIncident(input: $input) { id } }`, {
        input: { agreementId: demo.agreementId, category: 'SMALL_ARMS_FIRE', occurredAt: at(day, hour), latitude: 41.6, longitude: 22.5, placeDescription: 'Ridge road', severity: 'MATERIAL', description: 'Sustained fire across the line' },
      }, reporter);
      expect(r.body.errors).toBeUndefined();
      const id = r.body.data.reportIncident.id;
      for (const input of [{ incidentId: id, state: 'UNDER_REVIEW' }, { incidentId: id, state: 'VERIFIED', confidence: 'HIGH', attributedPartyId: demo.partyIds.movement, findings: 'Two patrols' }]) {
        const v = await f.request(`mutation ($input: VerifyIncidentInput!) { verifyIncident(input: $input) { id } }`, { input }, monitor);
        expect(v.body.errors).toBeUndefined();
      }
    }
    const on = await state();
    expect(on.errors).toBeUndefined();
    // The clause was adopted on Day 24 at 09:30, with the window already over the threshold: it applies
    // from its adoption, never before (milestones' snap-back rules), so that is when it triggered.
    expect(on.data.agreement.snapBack).toEqual({
      active: true,
      triggeredAt: '2026-06-15T09:30:00.000Z',
      reason: 'More than 3 verified material violations within 72 hours; already so when the clause was adopted.',
    });
    const tranches = Object.fromEntries(on.data.agreement.milestones.map((m: any) => [m.title, m.tranches.map((t: any) => t.status)]));
    expect(tranches[LISTS]).toEqual(['RELEASED']);
    expect(tranches[FIRST_RELEASE]).toEqual(['WITHHELD']);
    expect(tranches[REOPENING]).toEqual(['WITHHELD', 'WITHHELD']);
  });

  it('keeps Phase 2 cargo out of the corridors in Phase 2 until a mediator lifts it', async () => {
    f.clock.set(at(43, 10)); // Phase 2 has begun
    const agency = await f.token({ roles: ['AGENCY'], agency: 'Relief Logistics Consortium' });
    const corridors = await f.request(`query ($id: ID!) { agreement(id: $id) { corridors { id name } } }`, { id: demo.agreementId });
    const sorrel = corridors.body.data.agreement.corridors.find((c: any) => c.name === 'Sorrel crossing').id;
    const request = () =>
      f.request(`mutation ($input: RequestConvoyInput!) { requestConvoy(input: $input) { id status } }`, { input: { corridorId: sorrel, cargo: [{ cargoClass: 'COMMERCIAL', tonnes: 20, trucks: 2 }] } }, agency);
    const convoys = async () => (await f.databases.corridors!.db.query('SELECT count(*)::int AS n FROM convoy'))[0].n;

    const cargo = (await state()).data.agreement.corridorCargo.find((c: any) => c.corridor.name === 'Sorrel crossing').permittedCargo;
    expect(cargo).not.toContain('COMMERCIAL');
    const before = await convoys();
    const refused = await request();
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('CARGO_NOT_PERMITTED');
    expect(await convoys()).toBe(before);

    const lift = await f.request(`mutation ($input: LiftSnapBackInput!) { liftSnapBack(input: $input) { snapBack { active } } }`, {
      input: { agreementId: demo.agreementId, reason: 'Guarantor panel vote of 12 July to keep relief in place' },
    }, await f.token({ roles: ['MEDIATOR'] }));
    expect(lift.body.errors).toBeUndefined();
    const off = await state();
    expect(off.data.agreement.snapBack.active).toBe(false);
    expect(off.data.agreement.corridorCargo.find((c: any) => c.corridor.name === 'Sorrel crossing').permittedCargo).toContain('COMMERCIAL');
    expect(off.data.agreement.milestones.find((m: any) => m.title === REOPENING).tranches.map((t: any) => t.status)).toEqual(['HELD', 'HELD']);
    const accepted = await request();
    expect(accepted.body.errors).toBeUndefined();
    expect(accepted.body.data.requestConvoy.status).toBe('REQUESTED');
  });
});

describe('a dispute escalates when its clock runs out', () => {
  let f: Federation;
  let demo: DemoResult;
  beforeAll(async () => ({ f, demo } = await federationWithDemo()));
  afterAll(() => f?.stop());
  const DISPUTES = `query ($id: ID!) { agreement(id: $id) { disputes { id status currentTier { name rulingRole } hoursRemaining ruling { outcome tier { name } } } snapBack { active reason } milestones { title tranches { status } } } }`;

  it('moves from the joint commission to the guarantor panel, whose ruling confirms the breach and triggers snap-back', async () => {
    const mediator = await f.token({ roles: ['MEDIATOR'] });
    const read = async () => (await f.request(DISPUTES, { id: demo.agreementId }, mediator)).body.data.agreement;
    expect((await read()).disputes[0]).toMatchObject({ status: 'OPEN', currentTier: { name: 'Joint commission', rulingRole: 'MEDIATOR' }, hoursRemaining: 8 });

    f.clock.advance(9 * HOUR_MS);
    const escalated = await read();
    expect(escalated.disputes[0]).toMatchObject({ status: 'OPEN', currentTier: { name: 'Guarantor panel', rulingRole: 'GUARANTOR' }, hoursRemaining: 71 });
    const id = escalated.disputes[0].id;
    const rule = (token: string, outcome: string) =>
      f.request(`mutation ($input: RuleOnDisputeInput!) { ruleOnDispute(input: $input) { status } }`, { input: { disputeId: id, outcome, reasoning: 'Inspection logs show convoys held 30 hours at the Ridge checkpoint' } }, token);
    const late = await rule(mediator, 'NO_BREACH');
    expect(late.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(late.body.errors?.[0]?.message).toMatch(/Guarantor panel.*only the GUARANTOR role/);

    // Only a guarantor of this agreement rules at the panel: a GUARANTOR token that names no guarantor is refused.
    const nameless = await rule(await f.token({ roles: ['GUARANTOR'], agency: 'Council of Southern Littoral States' }), 'BREACH_CONFIRMED');
    expect(nameless.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await read()).disputes[0].status).toBe('OPEN');
    const { body: listed } = await f.request(`{ guarantors { id name } }`);
    const council = listed.data.guarantors.find((g: any) => g.name === 'Council of Southern Littoral States');
    expect(council, JSON.stringify(listed.data.guarantors)).toBeDefined();
    const ruled = await rule(await f.token({ roles: ['GUARANTOR'], agency: 'Council of Southern Littoral States', guarantorId: council.id }), 'BREACH_CONFIRMED');
    expect(ruled.body.errors).toBeUndefined();
    const after = await read();
    expect(after.disputes[0]).toMatchObject({ status: 'RULED', ruling: { outcome: 'BREACH_CONFIRMED', tier: { name: 'Guarantor panel' } } });
    expect(after.snapBack).toMatchObject({ active: true });
    expect(after.snapBack.reason).toMatch(/A ruling confirmed a breach/);
    expect(after.milestones.find((m: any) => m.title === FIRST_RELEASE).tranches[0].status).toBe('WITHHELD');
  });

  it('is exhausted when every tier\'s clock has run out', async () => {
    const monitor = await f.token({ roles: ['MONITOR'] });
    const filed = await f.request(`mutation ($input: FileDisputeInput!) { fileDispute(input: $input) { id status } }`, {
      input: { agreementId: demo.agreementId, milestoneId: demo.milestoneIds.reopening, allegation: 'Crossing rehabilitation works stopped' },
    }, monitor);
    expect(filed.body.data.fileDispute.status).toBe('OPEN');
    f.clock.advance(120 * HOUR_MS);
    const after = await f.request(DISPUTES, { id: demo.agreementId }, monitor);
    expect(after.body.data.agreement.disputes.find((d: any) => d.id === filed.body.data.fileDispute.id)).toMatchObject({ status: 'EXHAUSTED', currentTier: null });
  });
});

describe('disputes about incidents', () => {
  let f: Federation;
  let demo: DemoResult;
  beforeAll(async () => ({ f, demo } = await federationWithDemo()));
  afterAll(() => f?.stop());

  it('are filed only against an incident the corridors service knows, under the same agreement', async () => {
    const monitor = await f.token({ roles: ['MONITOR'], agency: 'Joint Monitoring Cell' });
    const incidents = await f.request(`query ($id: ID!) { agreement(id: $id) { incidents(state: VERIFIED) { id } } }`, { id: demo.agreementId }, monitor);
    const incidentId = incidents.body.data.agreement.incidents[0].id;
    const file = (id: string) =>
      f.request(`mutation ($input: FileDisputeInput!) { fileDispute(input: $input) { id incidentId status } }`, { input: { agreementId: demo.agreementId, incidentId: id, allegation: 'Attribution contested by the accused party' } }, monitor);
    const ok = await file(incidentId);
    expect(ok.body.errors).toBeUndefined();
    expect(ok.body.data.fileDispute).toMatchObject({ incidentId, status: 'OPEN' });
    const count = async () => (await f.databases.milestones!.db.query('SELECT count(*)::int AS n FROM dispute'))[0].n;
    const before = await count();
    const unknown = await file('00000000-0000-4000-8000-0000000000aa');
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(await count()).toBe(before);
  });
});
