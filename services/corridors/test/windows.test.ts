import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { statements } from '@treaty/service-kit';
import { anonymous, codes } from '@treaty/testing';
import { NOW, RECORD_POSITIONS, REPORT_INCIDENT, VERIFY_INCIDENT, mediator, medics, monitor, partyCaller, relief, startCorridors, type Harness } from './harness.js';

/**
 * Localised windows (issue 20): created by a MEDIATOR, closed early by a MEDIATOR or MONITOR, never
 * rewritten; convoys, positions and telemetry gaps inside them flagged as expected; incidents inside them
 * flagged in verification and in the counts, which still count them. Against PostgreSQL, with milestones
 * on real HTTP as the peer; the clock stands at NOW (2026-03-20T10:00Z, Day 19).
 */
let h: Harness;
let agreement: { id: string; title: string; parties: { id: string; name: string }[] };
let corridor: { id: string; name: string };

beforeAll(async () => {
  h = await startCorridors();
  agreement = await h.createAgreement();
  corridor = await h.createCorridor(agreement.id);
});
afterAll(async () => {
  await h?.stop();
});
beforeEach(() => {
  h.clock.set(NOW);
});

const WINDOW_FIELDS = /* GraphQL */ `
  id purpose description from until effectiveUntil status createdBy createdAt agreement { id } corridor { id }
  area { kind polygon { latitude longitude } centre { latitude longitude } radiusMetres }
  closure { closedAt reason closedBy logEntry { kind subject entry currentFact } }
  logEntry { kind subject entry currentFact }`;
const CREATE = `mutation ($input: CreateLocalisedWindowInput!) { createLocalisedWindow(input: $input) { ${WINDOW_FIELDS} } }`;
const CLOSE = `mutation ($input: CloseLocalisedWindowInput!) { closeLocalisedWindow(input: $input) { ${WINDOW_FIELDS} } }`;
const WINDOW = `query ($id: ID!) { localisedWindow(id: $id) { ${WINDOW_FIELDS} incidents { id } } }`;

/** [latitude, longitude] pairs as points. */
const ring = (...pairs: [number, number][]) => pairs.map(([latitude, longitude]) => ({ latitude, longitude }));
/** The water main east of the crossing: a box 31.29–31.31 N, 34.39–34.41 E, given closed. */
const WATER_MAIN = ring([31.29, 34.39], [31.29, 34.41], [31.31, 34.41], [31.31, 34.39], [31.29, 34.39]);
const INSIDE = { latitude: 31.3, longitude: 34.4 };
const OUTSIDE = { latitude: 31.35, longitude: 34.4 };

const repairInput = (over: Record<string, unknown> = {}) => ({
  agreementId: agreement.id,
  corridorId: corridor.id,
  purpose: 'REPAIR',
  description: 'Repair of the Sorrel water main by the Norvale Water Authority',
  from: '2026-03-20T06:00:00Z',
  until: '2026-03-22T18:00:00Z',
  area: { polygon: WATER_MAIN },
  ...over,
});
const create = (input: Record<string, unknown>, who = mediator) => h.run(who, CREATE, { input });
async function created(input: Record<string, unknown> = repairInput()) {
  const r = await create(input);
  expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  return r.data!.createLocalisedWindow;
}
const close = (windowId: string, reason = 'Repair completed ahead of schedule', who = mediator) => h.run(who, CLOSE, { input: { windowId, reason } });

const report = async (where: { latitude: number; longitude: number }, occurredAt: string, extra: Record<string, unknown> = {}) => {
  const r = await h.run(relief, REPORT_INCIDENT, {
    input: { agreementId: agreement.id, category: 'SMALL_ARMS_FIRE', occurredAt, ...where, placeDescription: 'Pumping station road', severity: 'MINOR', description: 'Warning shots over the repair crew.', ...extra },
  });
  expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  return r.data!.reportIncident.id as string;
};
const verified = async (incidentId: string, severity = 'MINOR') => {
  for (const input of [{ state: 'UNDER_REVIEW' }, { state: 'VERIFIED', confidence: 'HIGH', severity, findings: 'Two patrols heard the shots.' }]) {
    const r = await h.run(monitor, VERIFY_INCIDENT, { input: { incidentId, ...input } });
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  }
};
const INCIDENT = `query ($id: ID!) { incident(id: $id) { id insideWindow windows { id } verifications { state insideWindow windows { id } logEntry { entry } } } }`;
const incident = async (id: string) => (await h.ok(monitor, INCIDENT, { id })).incident;
const ids = (xs: { id: string }[]) => xs.map((x) => x.id);

describe('createLocalisedWindow', () => {
  it('records a polygon window for a corridor, ACTIVE, without its closing vertex, and logs it', async () => {
    const before = await h.counts();
    const w = await created();
    expect(w).toMatchObject({
      purpose: 'REPAIR',
      description: 'Repair of the Sorrel water main by the Norvale Water Authority',
      from: '2026-03-20T06:00:00.000Z',
      until: '2026-03-22T18:00:00.000Z',
      effectiveUntil: '2026-03-22T18:00:00.000Z',
      status: 'ACTIVE',
      createdBy: 'Office of the Envoy',
      createdAt: NOW,
      agreement: { id: agreement.id },
      corridor: { id: corridor.id },
      area: { kind: 'POLYGON', polygon: WATER_MAIN.slice(0, 4), centre: null, radiusMetres: null },
      closure: null,
    });
    expect(await h.counts()).toEqual({ ...before, localised_window: before.localised_window! + 1, evidence_entry: before.evidence_entry! + 1 });
    // The log holds the window as stored: area, times, who, and the description as its hash only.
    expect(w.logEntry).toMatchObject({ kind: 'localised-window', subject: w.id });
    const fact = JSON.parse(w.logEntry.entry).fact;
    expect(fact).toMatchObject({
      id: w.id,
      agreementId: agreement.id,
      corridorId: corridor.id,
      purpose: 'REPAIR',
      from: '2026-03-20T06:00:00.000Z',
      until: '2026-03-22T18:00:00.000Z',
      area: { kind: 'POLYGON', vertices: WATER_MAIN.slice(0, 4).map((v) => [v.latitude, v.longitude]) },
      createdBy: 'Office of the Envoy',
    });
    expect(fact.descriptionSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(w.logEntry.entry).not.toContain('Water Authority');
    expect(JSON.parse(w.logEntry.currentFact)).toEqual(fact);
  });

  it('records a circle for every corridor, SCHEDULED until it opens, and lets windows overlap', async () => {
    const w = await created(repairInput({ corridorId: undefined, purpose: 'EVACUATION', from: '2026-03-21T06:00:00Z', until: '2026-03-21T18:00:00Z', area: { centre: INSIDE, radiusMetres: 1500 } }));
    expect(w).toMatchObject({ status: 'SCHEDULED', corridor: null, area: { kind: 'CIRCLE', polygon: null, centre: INSIDE, radiusMetres: 1500 } });
    expect(JSON.parse(w.logEntry.entry).fact.area).toEqual({ kind: 'CIRCLE', centre: [31.3, 34.4], radiusMetres: 1500 });
    h.clock.set('2026-03-21T07:00:00Z');
    expect((await h.ok(monitor, WINDOW, { id: w.id })).localisedWindow.status).toBe('ACTIVE');
  });

  it('lets only a MEDIATOR create one; the monitoring cell, agencies, parties and the public are refused', async () => {
    for (const who of [monitor, relief, partyCaller, anonymous]) {
      await h.expectRefused(() => create(repairInput(), who), 'FORBIDDEN', /^Mutation\.createLocalisedWindow needs the MEDIATOR role/);
    }
  });

  it('refuses every malformed window with BAD_USER_INPUT saying what to change, and writes nothing', async () => {
    const square = ring([31.29, 34.39], [31.29, 34.41], [31.31, 34.41], [31.31, 34.39]);
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['description', { description: ' ' }, /^input\.description: Description is empty/],
      ['order of times', { until: '2026-03-20T05:00:00Z' }, /^input\.until: until 2026-03-20T05:00:00\.000Z is not after from 2026-03-20T06:00:00\.000Z; a window closes after it opens\.$/],
      ['length', { until: '2026-04-20T06:00:00Z' }, /^input\.until: A window may last at most 30 days/],
      ['backdated', { from: '2026-02-18T06:00:00Z', until: '2026-02-19T06:00:00Z' }, /^input\.from: from 2026-02-18T06:00:00\.000Z is more than 30 days ago/],
      ['too far ahead', { from: '2026-06-20T06:00:00Z', until: '2026-06-21T06:00:00Z' }, /^input\.from: from 2026-06-20T06:00:00\.000Z is more than 90 days ahead/],
      ['no area', { area: {} }, /^input\.area: Give the area as a polygon \(3 to 200 vertices\) or as a centre and radiusMetres/],
      ['both areas', { area: { polygon: square, centre: INSIDE, radiusMetres: 100 } }, /^input\.area: Give the area either as a polygon or as a centre and radiusMetres, not both\.$/],
      ['two vertices', { area: { polygon: square.slice(0, 2) } }, /^input\.area\.polygon: A polygon needs at least 3 distinct vertices; got 2/],
      ['201 vertices', { area: { polygon: Array.from({ length: 201 }, (_, k) => ({ latitude: 31.3 + 0.01 * Math.sin(k / 32), longitude: 34.4 + 0.01 * Math.cos(k / 32) })) } }, /^input\.area\.polygon: A polygon has at most 200 vertices; got 201/],
      ['vertex off the map', { area: { polygon: [...square.slice(0, 3), { latitude: 31.3, longitude: 190 }] } }, /^input\.area\.polygon\[3\]\.longitude: longitude 190 is out of range/],
      ['repeated vertex', { area: { polygon: [square[0], square[1], square[1], square[2]] } }, /^input\.area\.polygon\[2\]: Vertex 2 repeats the vertex before it; remove it\.$/],
      ['a line', { area: { polygon: ring([31.29, 34.39], [31.3, 34.4], [31.31, 34.41]) } }, /^input\.area\.polygon: The vertices lie on one line/],
      ['crossing outline', { area: { polygon: [square[0], square[2], square[1], square[3]] } }, /^input\.area\.polygon: Edges 0 \(vertex 0 to 1\) and 2 \(vertex 2 to 3\) cross or touch/],
      ['over a degree', { area: { polygon: ring([31, 34], [31, 35.2], [31.5, 35.2], [31.5, 34]) } }, /^input\.area\.polygon: The polygon spans 0\.5° of latitude and 1\.2° of longitude/],
      ['across the antimeridian', { area: { polygon: ring([0, 179.9], [0, -179.9], [0.1, -179.9], [0.1, 179.9]) } }, /antimeridian \(±180°\) must be split there too\.$/],
      ['circle without radius', { area: { centre: INSIDE } }, /^input\.area\.radiusMetres: A circle needs radiusMetres, from 10 to 50,000\.$/],
      ['circle without centre', { area: { radiusMetres: 500 } }, /^input\.area\.centre: A circle needs its centre/],
      ['radius too small', { area: { centre: INSIDE, radiusMetres: 5 } }, /^input\.area\.radiusMetres: radiusMetres is 5; give 10 to 50,000 metres/],
      ['radius too large', { area: { centre: INSIDE, radiusMetres: 60_000 } }, /^input\.area\.radiusMetres: radiusMetres is 60000; give 10 to 50,000 metres\. A wider area is not localised/],
      ['centre off the map', { area: { centre: { latitude: -95, longitude: 34 }, radiusMetres: 500 } }, /^input\.area\.centre\.latitude: latitude -95 is out of range/],
    ];
    for (const [what, over, message] of cases) {
      const r = await h.expectRefused(() => create(repairInput(over)), 'BAD_USER_INPUT', message);
      expect(r.errors!.length, what).toBe(1);
    }
    // Every problem at once.
    const many = await h.expectRefused(() => create(repairInput({ description: '', until: '2026-03-20T06:00:00Z', area: {} })), 'BAD_USER_INPUT', /^The input has 3 problems: /);
    expect(many.errors![0]!.extensions!.details).toMatchObject({ problems: [{ path: 'input.description' }, { path: 'input.until' }, { path: 'input.area' }] });
  });

  it('refuses an agreement milestones does not know, or an unknown corridor, with NOT_FOUND', async () => {
    await h.expectRefused(() => create(repairInput({ agreementId: '00000000-0000-4000-8000-000000000001', corridorId: undefined })), 'NOT_FOUND', /^No agreement has id "00000000-0000-4000-8000-000000000001"\. List agreements with/);
    await h.expectRefused(() => create(repairInput({ agreementId: 'not-an-id', corridorId: undefined })), 'NOT_FOUND', /^No agreement has id "not-an-id"/);
    await h.expectRefused(() => create(repairInput({ corridorId: '00000000-0000-4000-8000-000000000002' })), 'NOT_FOUND', /^No corridor has id "00000000-0000-4000-8000-000000000002"\. List corridors with/);
  });

  it('refuses a corridor of another agreement, and a window opening before entry into force', async () => {
    const other = await h.createAgreement();
    const elsewhere = await h.createCorridor(other.id);
    await h.expectRefused(
      () => create(repairInput({ corridorId: elsewhere.id })),
      'BAD_USER_INPUT',
      new RegExp(`^input\\.corridorId: ${elsewhere.name} serves agreement ${other.id}, not "${agreement.title}" \\(${agreement.id}\\); give one of its corridors, or omit corridorId for all of them\\.$`),
    );
    h.clock.set('2026-03-05T10:00:00Z');
    await h.expectRefused(
      () => create(repairInput({ from: '2026-02-28T18:00:00Z', until: '2026-03-01T06:00:00Z' })),
      'BAD_USER_INPUT',
      new RegExp(`^input\\.from: from 2026-02-28T18:00:00\\.000Z is before "${agreement.title}" enters into force \\(2026-03-01T00:00:00\\.000Z\\); a window opens no earlier than Day 0\\.$`),
    );
  });
});

describe('closeLocalisedWindow', () => {
  it('closes an open window from now on, once, logged; the window itself is never rewritten', async () => {
    const w = await created();
    const row = async () => (await h.db.query('SELECT * FROM localised_window WHERE id = $1', [w.id]))[0];
    const stored = await row();
    const before = await h.counts();
    const r = await close(w.id, ' Repair completed ahead of schedule ', monitor);
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    const closed = r.data!.closeLocalisedWindow;
    expect(closed).toMatchObject({
      status: 'CLOSED_EARLY',
      until: '2026-03-22T18:00:00.000Z',
      effectiveUntil: NOW,
      closure: { closedAt: NOW, reason: 'Repair completed ahead of schedule', closedBy: 'Joint Monitoring Cell', logEntry: { kind: 'localised-window-closure', subject: w.id } },
    });
    expect(JSON.parse(closed.closure.logEntry.entry).fact).toMatchObject({ windowId: w.id, closedAt: NOW, closedBy: 'Joint Monitoring Cell', reasonSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(await h.counts()).toEqual({ ...before, localised_window_closure: before.localised_window_closure! + 1, evidence_entry: before.evidence_entry! + 1 });
    expect(await row()).toEqual(stored);

    // Once only: a second closure is an illegal move, refused before its reason is looked at.
    await h.expectRefused(() => close(w.id), 'INVALID_TRANSITION', new RegExp(`^Localised window ${w.id} is CLOSED_EARLY and cannot be closed\\. It was closed at ${NOW.replace(/\./g, '\\.')}; a window is closed once and its record never changes\\. If the work resumes, create a new window\\.$`));
    await h.expectRefused(() => close(w.id, ''), 'INVALID_TRANSITION', /is CLOSED_EARLY and cannot be closed/);
  });

  it('cancels a window that has not opened yet', async () => {
    const w = await created(repairInput({ from: '2026-03-25T06:00:00Z', until: '2026-03-26T06:00:00Z' }));
    const closed = (await h.ok(mediator, CLOSE, { input: { windowId: w.id, reason: 'Works postponed by the water authority' } })).closeLocalisedWindow;
    expect(closed).toMatchObject({ status: 'CANCELLED', effectiveUntil: '2026-03-25T06:00:00.000Z' });
  });

  it('refuses a window that already ended, an unknown window and an empty reason, in that order, writing nothing', async () => {
    const ended = await created(repairInput({ from: '2026-03-18T06:00:00Z', until: '2026-03-19T06:00:00Z' }));
    expect(ended.status).toBe('ENDED');
    await h.expectRefused(() => close(ended.id, ''), 'INVALID_TRANSITION', new RegExp(`^Localised window ${ended.id} is ENDED and cannot be closed\\. It ended at 2026-03-19T06:00:00\\.000Z as agreed; there is nothing left to close\\.$`));
    await h.expectRefused(() => close('00000000-0000-4000-8000-000000000003', ''), 'NOT_FOUND', /^No localised window has id "00000000-0000-4000-8000-000000000003"\. List windows with/);
    await h.expectRefused(() => close('window-7'), 'NOT_FOUND', /^No localised window has id "window-7"/);
    const open = await created();
    await h.expectRefused(() => close(open.id, '  '), 'BAD_USER_INPUT', /^input\.reason: Reason is empty/);
    await h.expectRefused(() => close(open.id, 'x'.repeat(501)), 'BAD_USER_INPUT', /^input\.reason: Reason is 501 characters long; shorten it to at most 500\.$/);
  });

  it('lets a MEDIATOR or MONITOR close one; agencies and parties are refused', async () => {
    const w = await created();
    for (const who of [relief, partyCaller, anonymous]) {
      await h.expectRefused(() => close(w.id, 'Done', who), 'FORBIDDEN', /^Mutation\.closeLocalisedWindow needs one of the roles MEDIATOR, MONITOR/);
    }
  });

  it('applies one of two concurrent closures; the other is refused', async () => {
    const w = await created();
    const results = await Promise.all([close(w.id, 'Done'), close(w.id, 'Done too', monitor)]);
    expect(results.map((r) => codes(r)).sort()).toEqual([[], ['INVALID_TRANSITION']]);
    expect((await h.db.query('SELECT count(*)::int AS n FROM localised_window_closure WHERE window_id = $1', [w.id]))[0].n).toBe(1);
  });
});

describe('incidents inside windows', () => {
  it('are flagged by time and place, each overlapping window listed; outside the area, before it opened or after it closed they are not', async () => {
    const a = await h.createAgreement();
    const c = await h.createCorridor(a.id);
    const w1 = await created(repairInput({ agreementId: a.id, corridorId: c.id }));
    const w2 = await created(repairInput({ agreementId: a.id, corridorId: undefined, purpose: 'EVACUATION', from: '2026-03-20T06:30:00Z', area: { centre: INSIDE, radiusMetres: 200 } }));
    const reportIn = (where: { latitude: number; longitude: number }, at: string) => report(where, at, { agreementId: a.id });
    const both = await reportIn(INSIDE, '2026-03-20T08:00:00Z');
    const edge = await reportIn({ latitude: 31.31, longitude: 34.395 }, '2026-03-20T08:05:00Z'); // on the polygon's boundary, 1.1 km from the circle's centre
    const away = await reportIn(OUTSIDE, '2026-03-20T08:00:00Z');
    const early = await reportIn(INSIDE, '2026-03-20T05:59:00Z');
    expect(await incident(both)).toMatchObject({ insideWindow: true, windows: [{ id: w1.id }, { id: w2.id }] });
    expect(await incident(edge)).toMatchObject({ insideWindow: true, windows: [{ id: w1.id }] });
    expect(await incident(away)).toMatchObject({ insideWindow: false, windows: [] });
    expect(await incident(early)).toMatchObject({ insideWindow: false, windows: [] });
    // Incidents are flagged whichever corridor they name: the window's corridor limits only the convoys it covers.
    const named = await report(INSIDE, '2026-03-20T08:30:00Z', { agreementId: undefined, corridorId: c.id });
    expect(ids((await incident(named)).windows)).toEqual([w1.id, w2.id]);
    // An early closure ends the window from then on; what happened before it stays inside.
    await close(w1.id);
    h.clock.set('2026-03-20T11:00:00Z');
    const after = await reportIn(INSIDE, '2026-03-20T10:30:00Z');
    expect(ids((await incident(after)).windows)).toEqual([w2.id]);
    expect(ids((await incident(both)).windows)).toEqual([w1.id, w2.id]);
    // Each window lists the incidents inside it, oldest first.
    expect(ids((await h.ok(monitor, WINDOW, { id: w1.id })).localisedWindow.incidents)).toEqual([both, edge, named]);
    expect(ids((await h.ok(monitor, WINDOW, { id: w2.id })).localisedWindow.incidents)).toEqual([both, named, after]);
  });

  it('record on each verification step, and in its log entry, whether the incident was inside a window then', async () => {
    const a = await h.createAgreement();
    const w = await created(repairInput({ agreementId: a.id, corridorId: undefined }));
    const inside = await report(INSIDE, '2026-03-20T08:00:00Z', { agreementId: a.id });
    const outside = await report(OUTSIDE, '2026-03-20T08:00:00Z', { agreementId: a.id });
    await verified(inside);
    await verified(outside);
    const i = await incident(inside);
    expect(i.verifications.map((v: any) => [v.state, v.insideWindow, ids(v.windows)])).toEqual([
      ['UNDER_REVIEW', true, [w.id]],
      ['VERIFIED', true, [w.id]],
    ]);
    expect(i.verifications.map((v: any) => JSON.parse(v.logEntry.entry).fact.windows)).toEqual([[w.id], [w.id]]);
    const o = await incident(outside);
    expect(o.verifications.map((v: any) => [v.insideWindow, v.windows])).toEqual([[false, []], [false, []]]);
    // A step outside every window carries no `windows` in its entry, as entries did before windows existed.
    expect(o.verifications.map((v: any) => 'windows' in JSON.parse(v.logEntry.entry).fact)).toEqual([false, false]);

    // The alert stream says so too, on the report and on the finding.
    const alerts = async (type: string, id: string) => (await h.db.query(`SELECT data FROM alert_outbox WHERE type = $1 AND data->>'incidentId' = $2`, [type, id])).map((r: any) => r.data);
    expect(await alerts('incident.reported', inside)).toEqual([expect.objectContaining({ insideWindow: true, windowIds: w.id })]);
    expect(await alerts('incident.verified', inside)).toEqual([expect.objectContaining({ insideWindow: true, windowIds: w.id })]);
    expect(await alerts('incident.reported', outside)).toEqual([expect.objectContaining({ insideWindow: false, windowIds: null })]);
  });

  it('keep on a step what was on record when it was taken: a window recorded later shows on the incident, not on the step', async () => {
    const a = await h.createAgreement();
    const id = await report(INSIDE, '2026-03-19T08:00:00Z', { agreementId: a.id });
    await verified(id);
    const late = await created(repairInput({ agreementId: a.id, corridorId: undefined, from: '2026-03-19T06:00:00Z' }));
    const i = await incident(id);
    expect(i).toMatchObject({ insideWindow: true, windows: [{ id: late.id }] });
    expect(i.verifications.map((v: any) => v.insideWindow)).toEqual([false, false]);
  });
});

describe('verified violations by window', () => {
  const SPLIT = /* GraphQL */ `
    query ($r: [_Any!]!) { _entities(representations: $r) { ... on Agreement {
      all: verifiedViolations byWindow: verifiedViolationsByWindow { total insideWindows outsideWindows }
      material: verifiedViolationsByWindow(severity: MATERIAL) { total insideWindows outsideWindows }
      dayBefore: verifiedViolationsByWindow(since: "2026-03-19T00:00:00Z", until: "2026-03-20T00:00:00Z") { total insideWindows outsideWindows }
      verifiedMaterialViolationTimes quietHours
    } } }`;

  it('split the verified violations inside and outside windows; both still count, towards snap-back and quiet hours too', async () => {
    const a = await h.createAgreement();
    await created(repairInput({ agreementId: a.id, corridorId: undefined, from: '2026-03-19T06:00:00Z' }));
    const at = (where: { latitude: number; longitude: number }, when: string) => report(where, when, { agreementId: a.id });
    await verified(await at(INSIDE, '2026-03-19T08:00:00Z'), 'MATERIAL');
    await verified(await at(INSIDE, '2026-03-20T08:00:00Z'));
    await verified(await at(OUTSIDE, '2026-03-20T07:00:00Z'));
    await at(INSIDE, '2026-03-20T09:00:00Z'); // reported, not verified: not a violation yet
    const r = await h.run(anonymous, SPLIT, { r: [{ __typename: 'Agreement', id: a.id, entryIntoForceAt: '2026-03-01T00:00:00Z' }] });
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    expect(r.data!._entities[0]).toEqual({
      all: 3,
      byWindow: { total: 3, insideWindows: 2, outsideWindows: 1 },
      material: { total: 1, insideWindows: 1, outsideWindows: 0 },
      dayBefore: { total: 1, insideWindows: 1, outsideWindows: 0 },
      // The material violation inside the repair window counts like any other.
      verifiedMaterialViolationTimes: ['2026-03-19T08:00:00.000Z'],
      quietHours: 26,
    });
  });

  it('refuses a period that ends before it starts', async () => {
    const r = await h.run(anonymous, `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Agreement { verifiedViolationsByWindow(since: "2026-03-20T00:00:00Z", until: "2026-03-19T00:00:00Z") { total } } } }`, {
      r: [{ __typename: 'Agreement', id: agreement.id }],
    });
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    expect(r.errors![0]!.message).toMatch(/^until: until 2026-03-19T00:00:00\.000Z is not after since 2026-03-20T00:00:00\.000Z/);
  });
});

/** Positions every `minutes` from `from` to `to` (inclusive) at one place, from one device. */
const fixes = (convoyId: string, device: string, from: string, to: string, where: { latitude: number; longitude: number }, minutes = 10, first = 0) => {
  const out: Record<string, unknown>[] = [];
  for (let t = Date.parse(from), k = first; t <= Date.parse(to); t += minutes * 60_000, k++) out.push({ convoyId, deviceId: device, sequence: k, deviceTime: new Date(t).toISOString(), ...where });
  return out;
};
const send = async (points: unknown[]) => {
  const r = await h.run(relief, RECORD_POSITIONS, { input: { points } });
  expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  expect(r.data!.recordConvoyPositions.rejected).toEqual([]);
};
const CONVOY = /* GraphQL */ `query ($id: ID!) { convoy(id: $id) {
  windows { id }
  positions(last: 1000) { deviceTime insideWindow windows { id } }
  telemetryGaps { kind from to insideWindow windows { id } }
} }`;

describe('convoys inside windows', () => {
  it('are expected where and while a window covering their corridor holds their positions', async () => {
    const a = await h.createAgreement();
    const c = await h.createCorridor(a.id);
    const other = await h.createCorridor(a.id);
    const mine = await created(repairInput({ agreementId: a.id, corridorId: c.id, from: '2026-03-20T07:30:00Z' }));
    const everyCorridor = await created(repairInput({ agreementId: a.id, corridorId: undefined, from: '2026-03-20T09:00:00Z', area: { centre: OUTSIDE, radiusMetres: 300 } }));
    await created(repairInput({ agreementId: a.id, corridorId: other.id, from: '2026-03-20T06:00:00Z' }));
    const convoy = await h.convoyAt(c.id, 'IN_TRANSIT'); // at the crossing from 07:00, on its way at 10:00
    // Inside the water-main box 07:10–07:50 (before the window opened at 07:30, then in it), then near the
    // circle from 09:10.
    await send([...fixes(convoy.id, 'T-1', '2026-03-20T07:10:00Z', '2026-03-20T07:50:00Z', INSIDE), ...fixes(convoy.id, 'T-1', '2026-03-20T09:10:00Z', '2026-03-20T09:50:00Z', OUTSIDE, 10, 100)]);
    const v = (await h.ok(relief, CONVOY, { id: convoy.id })).convoy;
    expect(ids(v.windows)).toEqual([mine.id, everyCorridor.id]);
    const byTime = Object.fromEntries(v.positions.map((p: any) => [p.deviceTime.slice(11, 16), [p.insideWindow, ids(p.windows)]]));
    expect(byTime).toEqual({
      '07:10': [false, []],
      '07:20': [false, []],
      '07:30': [true, [mine.id]],
      '07:40': [true, [mine.id]],
      '07:50': [true, [mine.id]],
      '09:10': [true, [everyCorridor.id]],
      '09:20': [true, [everyCorridor.id]],
      '09:30': [true, [everyCorridor.id]],
      '09:40': [true, [everyCorridor.id]],
      '09:50': [true, [everyCorridor.id]],
    });
    // The silence from 07:50 (last seen inside the water-main window) to 09:10 (seen again inside the
    // circle, open since 09:00) is reported inside both.
    expect(v.telemetryGaps).toEqual([
      { kind: 'BETWEEN_POSITIONS', from: '2026-03-20T07:50:00.000Z', to: '2026-03-20T09:10:00.000Z', insideWindow: true, windows: [{ id: mine.id }, { id: everyCorridor.id }] },
    ]);
  });

  it('report gaps outside every window as they were, and a movement without positions as never inside', async () => {
    const a = await h.createAgreement();
    const c = await h.createCorridor(a.id);
    await created(repairInput({ agreementId: a.id, corridorId: c.id }));
    const unseen = await h.convoyAt(c.id, 'IN_TRANSIT');
    const away = await h.convoyAt(c.id, 'IN_TRANSIT');
    await send([...fixes(away.id, 'T-9', '2026-03-20T07:00:00Z', '2026-03-20T07:10:00Z', OUTSIDE), ...fixes(away.id, 'T-9', '2026-03-20T08:30:00Z', '2026-03-20T09:55:00Z', OUTSIDE, 5, 100)]);
    expect((await h.ok(relief, CONVOY, { id: unseen.id })).convoy).toMatchObject({ windows: [], telemetryGaps: [{ kind: 'NO_POSITION', insideWindow: false, windows: [] }] });
    const v = (await h.ok(relief, CONVOY, { id: away.id })).convoy;
    expect(v.windows).toEqual([]);
    expect(v.telemetryGaps).toEqual([{ kind: 'BETWEEN_POSITIONS', from: '2026-03-20T07:10:00.000Z', to: '2026-03-20T08:30:00.000Z', insideWindow: false, windows: [] }]);
  });
});

describe('reading windows', () => {
  const LIST = /* GraphQL */ `query ($r: [_Any!]!, $status: LocalisedWindowStatus) { _entities(representations: $r) { ... on Agreement { localisedWindows(status: $status) { id status } } } }`;

  it('lists an agreement’s windows latest opening first, by status, a page at a time, to partner agencies only', async () => {
    const a = await h.createAgreement();
    const made = [];
    for (const [from, until] of [
      ['2026-03-18T06:00:00Z', '2026-03-19T06:00:00Z'],
      ['2026-03-20T06:00:00Z', '2026-03-21T06:00:00Z'],
      ['2026-03-22T06:00:00Z', '2026-03-23T06:00:00Z'],
      ['2026-03-20T08:00:00Z', '2026-03-21T06:00:00Z'],
    ]) made.push(await created(repairInput({ agreementId: a.id, corridorId: undefined, from, until })));
    await close(made[3]!.id);
    const r = [{ __typename: 'Agreement', id: a.id }];
    const list = (await h.ok(partyCaller, LIST, { r }))._entities[0].localisedWindows;
    expect(list.map((w: any) => [w.id, w.status])).toEqual([
      [made[2]!.id, 'SCHEDULED'],
      [made[3]!.id, 'CLOSED_EARLY'],
      [made[1]!.id, 'ACTIVE'],
      [made[0]!.id, 'ENDED'],
    ]);
    expect(ids((await h.ok(monitor, LIST, { r, status: 'ACTIVE' }))._entities[0].localisedWindows)).toEqual([made[1]!.id]);
    const PAGE = `query ($r: [_Any!]!, $after: String) { _entities(representations: $r) { ... on Agreement { localisedWindowsPage(first: 3, after: $after) { nodes { id } pageInfo { endCursor hasNextPage } } } } }`;
    const first = (await h.ok(monitor, PAGE, { r }))._entities[0].localisedWindowsPage;
    const second = (await h.ok(monitor, PAGE, { r, after: first.pageInfo.endCursor }))._entities[0].localisedWindowsPage;
    expect([first.pageInfo.hasNextPage, second.pageInfo.hasNextPage]).toEqual([true, false]);
    expect([...ids(first.nodes), ...ids(second.nodes)]).toEqual(ids(list));

    const refused = await h.run(anonymous, LIST, { r });
    expect(codes(refused)).toEqual(['FORBIDDEN']);
    expect(refused.errors![0]!.message).toMatch(/^Agreement\.localisedWindows needs a token from a partner agency/);
    expect(codes(await h.run(anonymous, WINDOW, { id: made[0]!.id }))).toEqual(['FORBIDDEN']);
    expect((await h.ok(medics, WINDOW, { id: '00000000-0000-4000-8000-000000000004' })).localisedWindow).toBeNull();
  });
});

describe('bounded statements', () => {
  it('finds the windows of many incidents, convoys, positions and gaps with the same number of statements', async () => {
    const a = await h.createAgreement();
    const c = await h.createCorridor(a.id);
    const query = /* GraphQL */ `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Agreement {
      incidents { insideWindow windows { id } verifications { insideWindow windows { id status } } }
      localisedWindows { status corridor { name } incidents { id } }
      verifiedViolationsByWindow { total insideWindows outsideWindows }
      corridors { convoys { windows { id } positions(last: 5) { insideWindow windows { id } } telemetryGaps { insideWindow windows { id } } } }
    } } }`;
    const measure = async () => {
      const m = await statements.measure(() => h.local(monitor, query, { r: [{ __typename: 'Agreement', id: a.id }] }));
      expect(m.result.errors).toBeUndefined();
      return m;
    };
    const add = async (n: number) => {
      for (let k = 0; k < n; k++) {
        await created(repairInput({ agreementId: a.id, corridorId: k % 2 ? c.id : undefined, area: { centre: INSIDE, radiusMetres: 500 + k } }));
        await verified(await report(INSIDE, '2026-03-20T08:00:00Z', { agreementId: a.id }));
        const convoy = await h.convoyAt(c.id, 'IN_TRANSIT');
        await send([...fixes(convoy.id, `B-${k}`, '2026-03-20T07:00:00Z', '2026-03-20T07:20:00Z', INSIDE), ...fixes(convoy.id, `B-${k}`, '2026-03-20T08:30:00Z', '2026-03-20T08:40:00Z', INSIDE, 10, 50)]);
      }
    };
    await add(2);
    const few = await measure();
    await add(8);
    const many = await measure();
    const agreementData = many.result.data!._entities[0];
    expect(agreementData.incidents).toHaveLength(10);
    expect(agreementData.incidents.every((i: any) => i.insideWindow && i.windows.length === 10)).toBe(true);
    expect(agreementData.verifiedViolationsByWindow).toEqual({ total: 10, insideWindows: 10, outsideWindows: 0 });
    expect(agreementData.corridors[0].convoys.every((v: any) => v.windows.length === 10 && v.telemetryGaps.some((g: any) => g.insideWindow))).toBe(true);
    expect(many.count).toBe(few.count);
  });
});

describe('the evidence log', () => {
  it('holds every window and closure: nothing unlogged, and every entry matches the record', async () => {
    const r = await h.run(monitor, `query ($r: [_Any!]!) { _entities(representations: $r) { ... on EvidenceLogs { corridors { unloggedFacts { kind subject } entries(first: 1000) { kind currentFact entry } } } } }`, {
      r: [{ __typename: 'EvidenceLogs', id: 'treaty' }],
    });
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    const log = r.data!._entities[0].corridors;
    expect(log.unloggedFacts).toEqual([]);
    const windowEntries = log.entries.filter((e: any) => e.kind.startsWith('localised-window'));
    expect(windowEntries.length).toBeGreaterThan(10);
    for (const e of log.entries) expect(JSON.parse(e.currentFact)).toEqual(JSON.parse(e.entry).fact);
  });
});
