import { createPublicKey, KeyObject, randomUUID } from 'node:crypto';
import { createServer, request as forward, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, SUBGRAPHS, buildGateway, createTokenVerifier, readSupergraph, serveGateway, type RunningGateway } from '@treaty/gateway';
import { loadAllDemos, openEventStream, type DemoResult, type OpenStream, type StreamEvent } from '@treaty/launcher';
import { raiseAlert, silentLogger, type AlertInput, type Role } from '@treaty/service-kit';
import { TEST_AUDIENCE, TEST_ISSUER, startFederation, type Federation, type TokenClaims } from '@treaty/testing';
import { ALL_SERVICES } from './services.js';

/**
 * The alert stream, GET /alerts (DESIGN §12, issue 19), as a partner agency's client reads it: over real
 * HTTP from a federation with the demo. Events come from real facts (an incident reported and verified)
 * and, for exact positions and the cases no fact of the demo raises, from the services' own outbox API
 * (raiseAlert, in a transaction on the service's database). Events arrive in order with the ids they
 * should have; a client that reconnects with Last-Event-ID, to this gateway or another replica, gets
 * exactly what it missed; no caller sees what its roles may not read, and a PARTY only its agreements;
 * a service that stops answering delays its events and loses none.
 *
 * The client is the launcher's small SSE reader (packages/launcher/src/sse.ts: fetch and the body
 * stream, nothing else), which `npm run bench:alerts` uses too; the framing is also checked byte by byte.
 */
const NOW = '2026-06-15T09:30:00.000Z';
const SETTINGS = { alertStream: { ...DEFAULT_SETTINGS.alertStream, pollMs: 100, maxStreams: 40, maxStreamsPerAgency: 3, heartbeatMs: 400 } };
const SERVICE_INDEX = Object.fromEntries(SUBGRAPHS.map((s, i) => [s.name, i]));
let f: Federation;
let demo: DemoResult;
let monitor: string;
let second: RunningGateway;
let third: RunningGateway;
let flaky: SwitchableProxy;
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

/** Waits (up to 5 s) until `r` holds `count` events matching `match`; returns those seen so far. */
async function until(r: Received, match: (e: StreamEvent) => boolean, count = 1): Promise<StreamEvent[]> {
  const end = Date.now() + 5_000;
  while (Date.now() < end && r.events.filter(match).length < count) await sleep(25);
  return r.events.filter(match);
}

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));
/** Long enough for a few poll rounds: what has not arrived by then is not coming. */
const settle = () => sleep(400);

interface Payload {
  id: string;
  type: string;
  service: string;
  agreementId: string | null;
  occurredAt: string;
  recordedAt: string;
  data: Record<string, unknown>;
}
const payload = (e: StreamEvent) => JSON.parse(e.data) as Payload;
const is = (type: string, pred: (d: Record<string, unknown>) => boolean = () => true) => (e: StreamEvent) => e.event === type && pred(payload(e).data);
const probed = (probe: string) => (e: StreamEvent) => e.id !== null && e.event.includes('.') && payload(e).data.probe === probe;
const cursorOf = (text: string) => text.split('.').slice(1).map(Number);
const readyCursor = async (r: Received) => JSON.parse((await until(r, (e) => e.event === 'ready'))[0]!.data).cursor as string;

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

let recorded = Date.parse(NOW);
/**
 * Writes an event to `service`'s outbox with the API the services use, in a transaction of its own;
 * returns its number. Each is recorded a second after the one before, so a round's merge keeps this order.
 */
async function raise(service: string, probe: string, o: { audience?: Role[]; agreementId?: string | null; type?: AlertInput['type']; n?: number } = {}): Promise<number> {
  recorded += 1_000;
  const at = new Date(recorded);
  const input: AlertInput = { key: `test:stream:${probe}:${randomUUID()}`, type: o.type ?? 'incident.reported', agreementId: o.agreementId === undefined ? demo.agreementId : o.agreementId, occurredAt: at, recordedAt: at, audience: o.audience ?? ['MONITOR'], data: { probe, n: o.n ?? 0 } };
  const seq = await f.databases[service]!.db.transaction((m) => raiseAlert(m, input));
  expect(seq).not.toBeNull();
  return seq!;
}

const token = (claims: TokenClaims, ttl?: string) => f.token(claims, ttl);

/** Another gateway process over the same subgraphs (or some through `urls`), as another replica would be. */
async function replica(urls: Record<string, string>): Promise<RunningGateway> {
  const publicKey = createPublicKey(KeyObject.from(f.issuerKey as CryptoKey)).export({ type: 'spki', format: 'pem' }) as string;
  const verifier = await createTokenVerifier({ publicKey, issuer: TEST_ISSUER, audience: TEST_AUDIENCE });
  const built = buildGateway({ supergraphSdl: await readSupergraph(), subgraphUrls: urls, signer: f.gatewaySigner, verifier, logger: silentLogger, settings: SETTINGS, clock: f.clock });
  return serveGateway(built, { port: 0, verifier, logger: silentLogger });
}

interface SwitchableProxy {
  url: string;
  down: boolean;
  close(): Promise<void>;
}

/** A network path to one subgraph that a test can cut (connections reset, as a failed node does) and restore. */
async function switchableProxy(target: string): Promise<SwitchableProxy> {
  const to = new URL(target);
  const state = { down: false };
  const server: Server = createServer((req, res) => {
    if (state.down) return void req.socket.destroy();
    const upstream = forward({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers: { ...req.headers, host: to.host } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${to.pathname}`,
    get down() {
      return state.down;
    },
    set down(v: boolean) {
      state.down = v;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function metric(port: number, line: RegExp): Promise<number | null> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const m = text.split('\n').find((l) => line.test(l));
  return m ? Number(m.split(' ').pop()) : null;
}

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
  second = await replica({ ...f.subgraphUrls });
  flaky = await switchableProxy(f.subgraphUrls.guarantors!);
  third = await replica({ ...f.subgraphUrls, guarantors: flaky.url });
  // The demo's clock-driven events (raised by the watchers) are in the outboxes before any test reads them.
  await sleep(600);
}, 120_000);

afterEach(async () => {
  for (const s of opened.splice(0)) s.close();
  await sleep(150);
});

afterAll(async () => {
  await second?.close();
  await third?.close();
  await flaky?.close();
  await f?.stop();
});

describe('who may open it', () => {
  it('refuses a caller without a token, a bad token, a bad Last-Event-ID, unknown types and POST, saying what to do', async () => {
    const none = await listen(null);
    expect(none.stream.status).toBe(401);
    expect(JSON.parse(none.stream.refusal!).errors[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    expect(none.stream.refusal).toMatch(/for partner agencies: send your agency's token as \\"Authorization: Bearer <token>\\"/);
    const forged = await listen('not.a.token');
    expect(forged.stream.status).toBe(401);
    expect(JSON.parse(forged.stream.refusal!).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const badId = await listen(monitor, { lastEventId: 'v1.1.2' });
    expect(badId.stream.status).toBe(400);
    expect(JSON.parse(badId.stream.refusal!).errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
    expect(badId.stream.refusal).toMatch(/Last-Event-ID must be the id: of an event this stream sent: \\"v1\.\\" and 4 whole numbers separated by dots, like v1\.12\.0\.40\.3/);
    const badQueryId = await listen(monitor, { query: '?lastEventId=latest' });
    expect(badQueryId.stream.status).toBe(400);
    const badType = await listen(monitor, { query: '?types=incident.verified,shelling.happened' });
    expect(badType.stream.status).toBe(400);
    expect(badType.stream.refusal).toMatch(/Unknown alert type \\"shelling\.happened\\" in types=; use any of incident\.reported, incident\.verified/);
    const post = await fetch(alertsUrl(f.gateway.port), { method: 'POST', headers: { authorization: `Bearer ${monitor}` } });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
    for (const r of [none, forged, badId, badQueryId, badType]) expect(r.events).toEqual([]);
    // Nothing refused holds a place.
    expect(await metric(f.gateway.port, /^treaty_alert_streams(\{[^}]*\})? /)).toBe(0);
  });

  it('caps the streams an agency holds open, even when they are opened all at once, and frees a place when one closes', async () => {
    const cell = await token({ roles: ['MONITOR'], agency: 'Crowded Cell' });
    const six = await Promise.all(Array.from({ length: 6 }, () => listen(cell)));
    expect(six.map((r) => r.stream.status).sort()).toEqual([200, 200, 200, 429, 429, 429]);
    const refused = six.find((r) => r.stream.status === 429)!;
    expect(JSON.parse(refused.stream.refusal!).errors[0]).toMatchObject({ extensions: { code: 'RATE_LIMITED' } });
    expect(refused.stream.refusal).toMatch(/already has 3 alert streams open on this gateway, its limit; close one before opening another/);
    // Another agency is not held back by this one.
    expect((await listen(await token({ roles: ['MONITOR'], agency: 'Quiet Cell' }))).stream.status).toBe(200);
    six.find((r) => r.stream.status === 200)!.stream.close();
    await sleep(200);
    expect((await listen(cell)).stream.status).toBe(200);
    expect((await listen(cell)).stream.status).toBe(429);
  });

  it('frees the place of a client that hangs up while its stream opens', async () => {
    const cell = await token({ roles: ['MONITOR'], agency: 'Impatient Cell' });
    for (let i = 0; i < 5; i += 1) {
      const abort = new AbortController();
      const pending = fetch(alertsUrl(f.gateway.port), { headers: { authorization: `Bearer ${cell}` }, signal: abort.signal }).catch(() => null);
      setTimeout(() => abort.abort(), i);
      const res = await pending;
      await res?.body?.cancel().catch(() => undefined);
    }
    await sleep(300);
    const three = await Promise.all([listen(cell), listen(cell), listen(cell)]);
    expect(three.map((r) => r.stream.status)).toEqual([200, 200, 200]);
  });
});

describe('what arrives', () => {
  it('opens with retry, ready and its cursor, as text/event-stream, and keeps a quiet stream alive', async () => {
    const abort = new AbortController();
    const res = await fetch(alertsUrl(f.gateway.port), { headers: { authorization: `Bearer ${monitor}` }, signal: abort.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const reader = res.body!.getReader();
    let text = '';
    const end = Date.now() + 3_000;
    while (!text.includes(': keep-alive\n\n') && Date.now() < end) text += new TextDecoder().decode((await reader.read()).value);
    abort.abort();
    expect(text).toMatch(/^retry: 3000\n\nevent: ready\ndata: \{"cursor":"v1\.\d+\.\d+\.\d+\.\d+"\}\n\n/);
    expect(text).toContain(': keep-alive\n\n');
  });

  it("a monitor receives each service's events in order, each id: the stream's exact position after it", async () => {
    const r = await listen(monitor);
    const start = cursorOf(await readyCursor(r));
    const probe = `order-${randomUUID()}`;
    const raised: { service: string; seq: number }[] = [];
    const plan: [string, Role[]][] = [
      ['milestones', ['MONITOR']],
      ['corridors', ['MONITOR', 'AGENCY']],
      ['guarantors', ['GUARANTOR']], // not for a monitor: it moves the position all the same
      ['milestones', ['MONITOR', 'MEDIATOR']],
      ['guarantors', ['MONITOR']],
      ['corridors', ['MONITOR']],
    ];
    for (const [i, [service, audience]] of plan.entries()) raised.push({ service, seq: await raise(service, probe, { audience, n: i }) });
    const got = await until(r, probed(probe), 5);
    await settle();
    expect(r.events.filter(probed(probe))).toHaveLength(5);
    const position = [...start];
    const expected: { id: string; dataId: string; n: number }[] = [];
    raised.forEach(({ service, seq }, n) => {
      position[SERVICE_INDEX[service]!] = seq;
      if (plan[n]![1].includes('MONITOR')) expected.push({ id: `v1.${position.join('.')}`, dataId: `${service}:${seq}`, n });
    });
    expect(got.map((e) => ({ id: e.id, dataId: payload(e).id, n: payload(e).data.n }))).toEqual(expected);
    expect(payload(got[0]!)).toEqual({ id: expected[0]!.dataId, type: 'incident.reported', service: 'milestones', agreementId: demo.agreementId, occurredAt: expect.any(String), recordedAt: expect.any(String), data: { probe, n: 0 } });
    expect(await metric(f.gateway.port, /^treaty_alert_events_delivered_total\{[^}]*type="incident\.reported"/)).toBeGreaterThanOrEqual(5);
    expect(await metric(f.gateway.port, /^treaty_alert_streams(\{[^}]*\})? /)).toBe(1);
  });

  it('a monitor sees a material violation the moment it is verified, after its report', async () => {
    const r = await listen(monitor);
    await readyCursor(r);
    const id = await reportIncident(demo.agreementId, 1);
    await ok(`mutation ($input: VerifyIncidentInput!) { verifyIncident(input: $input) { id } }`, { input: { incidentId: id, state: 'UNDER_REVIEW' } }, monitor);
    await ok(
      `mutation ($input: VerifyIncidentInput!) { verifyIncident(input: $input) { id } }`,
      { input: { incidentId: id, state: 'VERIFIED', confidence: 'HIGH', attributedPartyId: demo.partyIds.movement, findings: 'Confirmed by two patrols.' } },
      monitor,
    );
    const [verified] = await until(r, is('incident.verified', (d) => d.incidentId === id));
    expect(payload(verified!)).toMatchObject({ type: 'incident.verified', service: 'corridors', agreementId: demo.agreementId, data: { incidentId: id, material: true, attributedPartyId: demo.partyIds.movement } });
    expect(payload(verified!).id).toMatch(/^corridors:\d+$/);
    expect(verified!.data).not.toContain('patrols');
    const order = r.events.filter((e) => e.event.startsWith('incident.') && payload(e).data.incidentId === id).map((e) => e.event);
    expect(order).toEqual(['incident.reported', 'incident.verified']);
  });

  it('reconnecting with Last-Event-ID gives exactly what was missed, none twice, at this gateway and at another replica', async () => {
    const probe = `resume-${randomUUID()}`;
    const first = await listen(monitor);
    await readyCursor(first);
    await raise('corridors', probe, { n: 0 });
    const [seen] = await until(first, probed(probe));
    first.stream.close();
    const missed = [await raise('milestones', probe, { n: 1 }), await raise('corridors', probe, { n: 2 }), await raise('guarantors', probe, { n: 3 })];
    for (const [label, resume] of [
      ['same gateway, header', (id: string) => listen(monitor, { lastEventId: id })],
      ['second replica, header', (id: string) => listen(monitor, { port: second.port, lastEventId: id })],
      ['second replica, ?lastEventId=', (id: string) => listen(monitor, { port: second.port, query: `?lastEventId=${id}` })],
    ] as const) {
      const again = await resume(seen!.id!);
      expect(JSON.parse((await until(again, (e) => e.event === 'ready'))[0]!.data).cursor, label).toBe(seen!.id);
      await until(again, probed(probe), 3);
      await settle();
      expect(again.events.filter(probed(probe)).map((e) => payload(e).data.n), label).toEqual([1, 2, 3]);
      expect(again.events.filter(probed(probe)).map((e) => payload(e).id), label).toEqual([`milestones:${missed[0]}`, `corridors:${missed[1]}`, `guarantors:${missed[2]}`]);
      again.stream.close();
    }
    // Resumed, a stream goes live: what comes next arrives once, after what was missed.
    const resumed = await listen(monitor, { port: second.port, lastEventId: seen!.id! });
    await until(resumed, probed(probe), 3);
    await raise('milestones', probe, { n: 4 });
    await until(resumed, probed(probe), 4);
    await settle();
    expect(resumed.events.filter(probed(probe)).map((e) => payload(e).data.n)).toEqual([1, 2, 3, 4]);
  });

  it("a PARTY sees its own agreement's events and never another's; a role outside the audience sees nothing", async () => {
    const government = await listen(await token({ roles: ['PARTY'], partyId: demo.partyIds.government, agency: 'Delegation of the Republic of Veltria' }));
    const marren = await listen(await token({ roles: ['PARTY'], partyId: otherAgreement.parties[0]!.id, agency: 'Delegation of the Duchy of Marren' }));
    const agency = await listen(await token({ roles: ['AGENCY'], agency: 'Relief Consortium' }));
    const cell = await listen(monitor);
    await Promise.all([government, marren, agency, cell].map(readyCursor));
    const elsewhere = await reportIncident(otherAgreement.id, 6);
    const here = await reportIncident(demo.agreementId, 7);
    // Only the monitors and the mediator may receive this one.
    const probe = `audience-${randomUUID()}`;
    await raise('milestones', probe, { type: 'confidential_report.received', audience: ['MONITOR', 'MEDIATOR'], n: 1 });
    // For the parties only, of an agreement, and of an agreement nobody knows (fail closed).
    await raise('guarantors', probe, { audience: ['PARTY'], agreementId: otherAgreement.id, n: 2 });
    await raise('guarantors', probe, { audience: ['PARTY'], agreementId: randomUUID(), n: 3 });
    await raise('corridors', probe, { audience: ['PARTY'], agreementId: demo.agreementId, n: 4 });
    await until(cell, probed(probe));
    await until(government, probed(probe));
    await until(marren, probed(probe));
    await until(agency, is('incident.reported', (d) => d.incidentId === here));
    await settle();
    const incidents = (r: Received) => r.events.filter((e) => e.event === 'incident.reported' && !payload(e).data.probe).map((e) => payload(e).data.incidentId);
    const probes = (r: Received) => r.events.filter(probed(probe)).map((e) => payload(e).data.n);
    expect(incidents(government)).toEqual([here]);
    expect(incidents(marren)).toEqual([elsewhere]);
    expect(incidents(agency)).toEqual([elsewhere, here]);
    expect(incidents(cell)).toEqual([elsewhere, here]);
    expect(probes(cell)).toEqual([1]);
    expect(probes(government)).toEqual([4]);
    expect(probes(marren)).toEqual([2]);
    expect(probes(agency)).toEqual([]);
    expect(government.events.some((e) => e.event.includes('.') && payload(e).agreementId === otherAgreement.id)).toBe(false);
  });

  it('filters by type and agreement when asked', async () => {
    const r = await listen(monitor, { query: `?types=incident.reported&agreement=${otherAgreement.id}` });
    await readyCursor(r);
    await reportIncident(demo.agreementId, 8);
    const probe = `filter-${randomUUID()}`;
    await raise('milestones', probe, { type: 'milestone.missed', agreementId: otherAgreement.id });
    await raise('milestones', probe, { agreementId: null });
    const mine = await reportIncident(otherAgreement.id, 9);
    const got = await until(r, is('incident.reported', (d) => d.incidentId === mine));
    await settle();
    expect(got).toHaveLength(1);
    expect(r.events.filter((e) => e.event !== 'ready').map((e) => payload(e).data.incidentId)).toEqual([mine]);
  });

  it('says when a resumed position was purged by retention, and goes on from what is kept', async () => {
    const db = f.databases.prisoners!.db;
    const old = new Date('2026-01-01T00:00:00Z');
    const probe = `purged-${randomUUID()}`;
    const gone = [];
    for (const n of [1, 2]) gone.push(await db.transaction((m) => raiseAlert(m, { key: `test:purged:${probe}:${n}`, type: 'incident.reported', agreementId: null, occurredAt: old, recordedAt: old, audience: ['MONITOR'], data: { probe, n } })));
    await db.query(`DELETE FROM alert_outbox WHERE event_key LIKE $1`, [`test:purged:${probe}:%`]);
    const kept = await raise('prisoners', probe, { n: 3 });
    const before = cursorOf((await readyCursor(await listen(monitor))));
    const from = [...before];
    from[SERVICE_INDEX.prisoners!] = gone[0]! - 1;
    const r = await listen(monitor, { lastEventId: `v1.${from.join('.')}` });
    const [gap] = await until(r, (e) => e.event === 'gap');
    expect(JSON.parse(gap!.data)).toEqual({ service: 'prisoners', missedAfter: gone[0]! - 1, resumedAt: kept });
    const after = [...from];
    after[SERVICE_INDEX.prisoners!] = kept - 1;
    expect(gap!.id).toBe(`v1.${after.join('.')}`);
    const [next] = await until(r, probed(probe));
    expect(payload(next!)).toMatchObject({ id: `prisoners:${kept}`, data: { n: 3 } });
    expect(r.events.filter(probed(probe))).toHaveLength(1);
  });

  it('tells a stream whose token expired to reauthenticate, then ends it', async () => {
    const r = await listen(await token({ roles: ['MONITOR'], agency: 'Short-lived Cell' }, '2s'));
    await readyCursor(r);
    const [told] = await until(r, (e) => e.event === 'reauthenticate');
    expect(JSON.parse(told!.data).message).toMatch(/token has expired: reconnect with a new one/);
    await r.stream.done;
  });
});

describe('a service that stops answering', () => {
  it('delays its events and loses none: the others go on, and its own follow once it is back', async () => {
    flaky.down = true;
    try {
      // The third replica has no stream open, so it cannot know where "now" is for guarantors.
      const fresh = await listen(monitor, { port: third.port });
      expect(fresh.stream.status).toBe(503);
      expect(JSON.parse(fresh.stream.refusal!).errors[0]).toMatchObject({ extensions: { code: 'SERVICE_UNAVAILABLE' } });
      expect(fresh.stream.refusal).toMatch(/the guarantors service does not answer\. Retry in a few seconds, or resume with the Last-Event-ID you have/);
      expect(fresh.stream.refusal).not.toMatch(/127\.0\.0\.1|localhost|http:/);

      // A client resuming there (it was reading the first gateway) opens all the same.
      const at = await readyCursor(await listen(monitor));
      const r = await listen(monitor, { port: third.port, lastEventId: at });
      expect(r.stream.status).toBe(200);
      const [down] = await until(r, (e) => e.event === 'service_unavailable');
      expect(JSON.parse(down!.data)).toMatchObject({ service: 'guarantors' });
      expect(down!.data).not.toMatch(/127\.0\.0\.1|http:/);
      const probe = `outage-${randomUUID()}`;
      const g1 = await raise('guarantors', probe, { n: 1 });
      const m1 = await raise('milestones', probe, { n: 2 });
      const [live] = await until(r, probed(probe));
      await settle();
      expect(r.events.filter(probed(probe)).map((e) => payload(e).id)).toEqual([`milestones:${m1}`]);
      expect(r.events.filter((e) => e.event === 'service_unavailable')).toHaveLength(1);
      // Its id keeps guarantors where the stream stood: the missed event is still ahead of it.
      expect(cursorOf(live!.id!)[SERVICE_INDEX.guarantors!]).toBe(cursorOf(at)[SERVICE_INDEX.guarantors!]);

      flaky.down = false;
      await until(r, (e) => e.event === 'service_available');
      const [late] = await until(r, probed(probe), 2).then((all) => all.filter((e) => payload(e).service === 'guarantors'));
      expect(payload(late!)).toMatchObject({ id: `guarantors:${g1}`, data: { n: 1 } });
      const position = cursorOf(late!.id!);
      expect(position[SERVICE_INDEX.guarantors!]).toBe(g1);
      expect(position[SERVICE_INDEX.milestones!]).toBe(m1);
      const g2 = await raise('guarantors', probe, { n: 3 });
      await until(r, probed(probe), 3);
      await settle();
      expect(r.events.filter(probed(probe)).map((e) => payload(e).id)).toEqual([`milestones:${m1}`, `guarantors:${g1}`, `guarantors:${g2}`]);
      expect(r.events.filter((e) => e.event === 'service_available')).toHaveLength(1);
    } finally {
      flaky.down = false;
    }
  });
});
