import { createPublicKey, KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGateway, createTokenVerifier, readSupergraph, serveGateway, type RunningGateway } from '@treaty/gateway';
import { loadAllDemos, openEventStream, type DemoResult, type OpenStream, type StreamEvent } from '@treaty/launcher';
import { raiseAlert, silentLogger, type AlertInput } from '@treaty/service-kit';
import { TEST_AUDIENCE, TEST_ISSUER, startFederation, type Federation, type TokenClaims } from '@treaty/testing';
import { ALL_SERVICES } from './services.js';

/**
 * The alert stream, GET /alerts (DESIGN §12, issue 19), as a partner agency's client reads it: over real
 * HTTP from a federation with the demo, events raised by real facts (and, for the cases no fact of the
 * demo raises, written to an outbox with the services' own raiseAlert). Events arrive in order; a
 * client that reconnects with Last-Event-ID, to this gateway or a second one, gets exactly what it
 * missed; no caller sees what its roles may not read, and a PARTY sees only its own agreements.
 */
const NOW = '2026-06-15T09:30:00.000Z';
const SETTINGS = { alertStream: { pollMs: 100, maxStreams: 40, maxStreamsPerAgency: 3, heartbeatMs: 15_000 } };
let f: Federation;
let demo: DemoResult;
let monitor: string;
let second: RunningGateway;
let otherAgreement: { id: string; parties: { id: string }[] };
const opened: OpenStream[] = [];

interface Received {
  stream: OpenStream;
  events: StreamEvent[];
}

const alertsUrl = (port: number, query = '') => `http://127.0.0.1:${port}/alerts${query}`;

async function listen(token: string | null, opts: { port?: number; query?: string; lastEventId?: string } = {}): Promise<Received> {
  const events: StreamEvent[] = [];
  const headers: Record<string, string> = { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(opts.lastEventId ? { 'last-event-id': opts.lastEventId } : {}) };
  const stream = await openEventStream(alertsUrl(opts.port ?? f.gateway.port, opts.query), headers, (e) => events.push(e));
  opened.push(stream);
  return { stream, events };
}

/** Waits (up to 5 s) until `r` holds an event matching `match`; returns the events of interest so far. */
async function until(r: Received, match: (e: StreamEvent) => boolean, count = 1): Promise<StreamEvent[]> {
  const end = Date.now() + 5_000;
  while (Date.now() < end && r.events.filter(match).length < count) await new Promise((res) => setTimeout(res, 50));
  return r.events.filter(match);
}

const payload = (e: StreamEvent) => JSON.parse(e.data) as { id: string; type: string; service: string; agreementId: string | null; data: Record<string, unknown> };
const is = (type: string, pred: (d: Record<string, unknown>) => boolean = () => true) => (e: StreamEvent) => e.event === type && pred(payload(e).data);

async function ok<T = any>(query: string, variables: Record<string, unknown>, token: string): Promise<T> {
  const r = await f.request<T>(query, variables, token);
  expect(r.body.errors, JSON.stringify(r.body.errors)).toBeUndefined();
  return r.body.data as T;
}

const reportIncident = (agreementId: string, n: number, token = monitor) =>
  ok<{ reportIncident: { id: string } }>(
    `mutation ($input: ReportIncidentInput!) { reportIncident(input: $input) { id } }`,
    { input: { agreementId, category: 'CEASEFIRE_VIOLATION', occurredAt: '2026-06-15T08:00:00.000Z', latitude: 41.6, longitude: 22.5 + n / 1000, placeDescription: `Stream test position ${n}`, severity: 'MATERIAL', description: 'Fire across the line.' } },
    token,
  ).then((d) => d.reportIncident.id);

const token = (claims: TokenClaims, ttl?: string) => f.token(claims, ttl);

beforeAll(async () => {
  f = await startFederation(ALL_SERVICES, { now: NOW, alertTickMs: 200, gateway: SETTINGS });
  demo = await loadAllDemos(f.url, (claims) => f.token(claims), () => {}, f.clock.now());
  monitor = await token({ roles: ['MONITOR'], agency: 'Joint Monitoring Cell', subject: 'monitor-1' });
  const mediator = await token({ roles: ['MEDIATOR'], agency: 'Office of the Envoy' });
  otherAgreement = (
    await ok(
      `mutation { createAgreement(input: { title: "Lakeshore Accord", entryIntoForceAt: "2026-06-01T00:00:00Z", parties: [{ name: "Duchy of Marren", kind: GOVERNMENT }, { name: "Lakeshore Militia", kind: NON_STATE_ARMED_GROUP }], phases: [{ ordinal: 1, name: "One", startDay: 0, endDay: 60, permittedCargo: [HUMANITARIAN_AID] }] }) { id parties { id } } }`,
      {},
      mediator,
    )
  ).createAgreement;
  // A second gateway over the same subgraphs, as a second replica would be: same credentials, same issuer.
  const publicKey = createPublicKey(KeyObject.from(f.issuerKey as CryptoKey)).export({ type: 'spki', format: 'pem' }) as string;
  const verifier = await createTokenVerifier({ publicKey, issuer: TEST_ISSUER, audience: TEST_AUDIENCE });
  const built = buildGateway({ supergraphSdl: await readSupergraph(), subgraphUrls: { ...f.subgraphUrls }, signer: f.gatewaySigner, verifier, logger: silentLogger, settings: SETTINGS, clock: f.clock });
  second = await serveGateway(built, { port: 0, verifier, logger: silentLogger });
}, 120_000);

afterAll(async () => {
  for (const s of opened) s.close();
  await second?.close();
  await f?.stop();
});

describe('who may open it', () => {
  it('refuses a caller without a token, a bad token, a bad Last-Event-ID, unknown types and POST, saying what to do', async () => {
    const none = await listen(null);
    expect(none.stream.status).toBe(401);
    expect(JSON.parse(none.stream.refusal!).errors[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    expect(none.stream.refusal).toMatch(/partner agencies/);
    const forged = await listen('not.a.token');
    expect(forged.stream.status).toBe(401);
    const badId = await listen(monitor, { lastEventId: 'v1.1.2' });
    expect(badId.stream.status).toBe(400);
    expect(badId.stream.refusal).toMatch(/Last-Event-ID must be the id: of an event this stream sent, like v1\.12\.0\.40\.3/);
    const badType = await listen(monitor, { query: '?types=incident.verified,shelling.happened' });
    expect(badType.stream.status).toBe(400);
    expect(badType.stream.refusal).toMatch(/Unknown alert types shelling\.happened; use any of incident\.reported/);
    const post = await fetch(alertsUrl(f.gateway.port), { method: 'POST', headers: { authorization: `Bearer ${monitor}` } });
    expect(post.status).toBe(405);
    for (const r of [none, forged, badId, badType]) expect(r.events).toEqual([]);
  });

  it('caps the streams an agency holds open, and frees a place when one closes', async () => {
    const cell = await token({ roles: ['MONITOR'], agency: 'Crowded Cell' });
    const three = [await listen(cell), await listen(cell), await listen(cell)];
    expect(three.map((r) => r.stream.status)).toEqual([200, 200, 200]);
    const fourth = await listen(cell);
    expect(fourth.stream.status).toBe(429);
    expect(JSON.parse(fourth.stream.refusal!).errors[0]).toMatchObject({ extensions: { code: 'RATE_LIMITED' } });
    expect(fourth.stream.refusal).toMatch(/already has 3 alert streams open/);
    three[0]!.stream.close();
    await new Promise((r) => setTimeout(r, 200));
    expect((await listen(cell)).stream.status).toBe(200);
  });
});

describe('what arrives', () => {
  it('a monitor sees a material violation the moment it is verified, in order after its report', async () => {
    const r = await listen(monitor);
    const ready = await until(r, (e) => e.event === 'ready');
    expect(JSON.parse(ready[0]!.data).cursor).toMatch(/^v1\.\d+\.\d+\.\d+\.\d+$/);
    const id = await reportIncident(demo.agreementId, 1);
    await ok(`mutation ($input: VerifyIncidentInput!) { verifyIncident(input: $input) { id } }`, { input: { incidentId: id, state: 'UNDER_REVIEW' } }, monitor);
    await ok(
      `mutation ($input: VerifyIncidentInput!) { verifyIncident(input: $input) { id } }`,
      { input: { incidentId: id, state: 'VERIFIED', confidence: 'HIGH', attributedPartyId: demo.partyIds.movement, findings: 'Confirmed by two patrols.' } },
      monitor,
    );
    const [verified] = await until(r, is('incident.verified', (d) => d.incidentId === id));
    expect(verified).toBeDefined();
    const body = payload(verified!);
    expect(body).toMatchObject({ type: 'incident.verified', service: 'corridors', agreementId: demo.agreementId, data: { incidentId: id, material: true, attributedPartyId: demo.partyIds.movement } });
    expect(body.id).toMatch(/^corridors:\d+$/);
    expect(verified!.id).toMatch(/^v1\.\d+\.\d+\.\d+\.\d+$/);
    expect(verified!.data).not.toContain('patrols');
    const order = r.events.filter((e) => e.event.startsWith('incident.') && payload(e).data.incidentId === id).map((e) => e.event);
    expect(order).toEqual(['incident.reported', 'incident.verified']);
    r.stream.close();
  });

  it('reconnecting with Last-Event-ID gives exactly what was missed, at this gateway and at another', async () => {
    const first = await listen(monitor);
    await until(first, (e) => e.event === 'ready');
    const a = await reportIncident(demo.agreementId, 2);
    const [seen] = await until(first, is('incident.reported', (d) => d.incidentId === a));
    first.stream.close();
    const missed = [await reportIncident(demo.agreementId, 3), await reportIncident(demo.agreementId, 4), await reportIncident(demo.agreementId, 5)];
    for (const [port, label] of [[f.gateway.port, 'same gateway'], [second.port, 'second gateway']] as const) {
      const again = await listen(monitor, { port, lastEventId: seen!.id! });
      const got = await until(again, is('incident.reported', (d) => missed.includes(String(d.incidentId)) || d.incidentId === a), 3);
      await new Promise((res) => setTimeout(res, 400));
      const reported = again.events.filter((e) => e.event === 'incident.reported').map((e) => payload(e).data.incidentId);
      expect(reported, label).toEqual(missed);
      expect(got.length, label).toBe(3);
      again.stream.close();
    }
  });

  it("a PARTY sees its own agreement's events and never another's; a role outside the audience sees nothing", async () => {
    const government = await listen(await token({ roles: ['PARTY'], partyId: demo.partyIds.government, agency: 'Delegation of the Republic of Veltria' }));
    const agency = await listen(await token({ roles: ['AGENCY'], agency: 'Relief Consortium' }));
    const cell = await listen(monitor);
    await Promise.all([government, agency, cell].map((r) => until(r, (e) => e.event === 'ready')));
    const elsewhere = await reportIncident(otherAgreement.id, 6);
    const here = await reportIncident(demo.agreementId, 7);
    // An event only the monitors and the mediator may receive.
    const quiet: AlertInput = { key: `test:stream:${Date.now()}`, type: 'confidential_report.received', agreementId: demo.agreementId, occurredAt: new Date(NOW), recordedAt: new Date(NOW), audience: ['MONITOR', 'MEDIATOR'], data: { reportId: 'r-1' } };
    await f.databases.milestones!.db.transaction((m) => raiseAlert(m, quiet));
    await until(cell, is('confidential_report.received'));
    await until(government, is('incident.reported', (d) => d.incidentId === here));
    await until(agency, is('incident.reported', (d) => d.incidentId === here));
    await new Promise((res) => setTimeout(res, 300));
    const ids = (r: Received) => r.events.filter((e) => e.event === 'incident.reported').map((e) => payload(e).data.incidentId);
    expect(ids(government)).toEqual([here]);
    expect(ids(agency)).toEqual([elsewhere, here]);
    expect(ids(cell)).toEqual([elsewhere, here]);
    expect(government.events.some((e) => e.event === 'confidential_report.received')).toBe(false);
    expect(agency.events.some((e) => e.event === 'confidential_report.received')).toBe(false);
    expect(government.events.some((e) => payload(e).agreementId === otherAgreement.id)).toBe(false);
  });

  it('filters by type and agreement when asked', async () => {
    const r = await listen(monitor, { query: `?types=incident.reported&agreement=${otherAgreement.id}` });
    await until(r, (e) => e.event === 'ready');
    await reportIncident(demo.agreementId, 8);
    const mine = await reportIncident(otherAgreement.id, 9);
    const got = await until(r, is('incident.reported', (d) => d.incidentId === mine));
    await new Promise((res) => setTimeout(res, 300));
    expect(got).toHaveLength(1);
    expect(r.events.filter((e) => e.event !== 'ready').map((e) => payload(e).data.incidentId)).toEqual([mine]);
  });

  it('says when a resumed position was purged by retention, and goes on', async () => {
    const db = f.databases.prisoners!.db;
    const old = new Date('2026-01-01T00:00:00Z');
    for (const k of ['a', 'b']) await db.transaction((m) => raiseAlert(m, { key: `test:purged:${k}`, type: 'incident.reported', agreementId: null, occurredAt: old, recordedAt: old, audience: ['MONITOR'], data: {} }));
    await db.query(`DELETE FROM alert_outbox WHERE event_key LIKE 'test:purged:%'`);
    const r = await listen(monitor, { lastEventId: 'v1.0.0.0.0' });
    const [gap] = await until(r, (e) => e.event === 'gap');
    expect(JSON.parse(gap!.data)).toEqual({ service: 'prisoners', missedAfter: 0, resumedAt: 3 });
  });

  it('tells a stream whose token expired to reauthenticate, then ends it', async () => {
    const r = await listen(await token({ roles: ['MONITOR'], agency: 'Short-lived Cell' }, '2s'));
    await until(r, (e) => e.event === 'ready');
    const [told] = await until(r, (e) => e.event === 'reauthenticate');
    expect(JSON.parse(told!.data).message).toMatch(/token has expired: reconnect with a new one/);
    await r.stream.done;
  });
});
