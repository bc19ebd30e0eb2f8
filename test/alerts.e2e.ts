import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAllDemos, type DemoResult } from '@treaty/launcher';
import { startFederation, type Federation } from '@treaty/testing';
import { PUBLIC_CALLER, purgeAlerts, raiseAlert, readAlerts, signInternal } from '@treaty/service-kit';
import { ALL_SERVICES } from './services.js';

/**
 * The alert outbox of each service (DESIGN §12, issue 19): events are written by the service that owns
 * the fact, in the fact's own transaction (a refused write leaves none), and the clock-driven ones are
 * raised by the owning service when its clock passes the line, once, even with two replicas of it
 * watching the same database. The stream the gateway serves from these is tested in alerts-stream.e2e.ts.
 */
const NOW = '2026-06-15T09:30:00.000Z';
const DAY = 86_400_000;
let f: Federation;
let demo: DemoResult;
let mediator: string;
let monitor: string;

interface Row {
  seq: string;
  event_key: string;
  type: string;
  agreement_id: string | null;
  occurred_at: Date;
  audience: string[];
  data: Record<string, unknown>;
}

const outbox = async (service: string, type?: string): Promise<Row[]> =>
  (await f.databases[service]!.db.query(`SELECT * FROM alert_outbox ${type ? 'WHERE type = $1' : ''} ORDER BY seq`, type ? [type] : [])) as Row[];

/** Waits (up to 5 s, a few watcher ticks) until `probe` holds. */
async function eventually<T>(probe: () => Promise<T>, holds: (t: T) => boolean): Promise<T> {
  const until = Date.now() + 5_000;
  for (;;) {
    const v = await probe();
    if (holds(v) || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function ok<T = any>(query: string, variables: Record<string, unknown>, token: string): Promise<T> {
  const r = await f.request<T>(query, variables, token);
  expect(r.body.errors, JSON.stringify(r.body.errors)).toBeUndefined();
  return r.body.data as T;
}

beforeAll(async () => {
  // Two replicas of milestones and of corridors: both watchers see every deadline pass.
  f = await startFederation(ALL_SERVICES, { now: NOW, alertTickMs: 100, replicas: { milestones: 2, corridors: 2 } });
  demo = await loadAllDemos(f.url, (claims) => f.token(claims), () => {}, f.clock.now());
  mediator = await f.token({ roles: ['MEDIATOR'], agency: 'Office of the Envoy', subject: 'envoy-1' });
  monitor = await f.token({ roles: ['MONITOR'], agency: 'Joint Monitoring Cell', subject: 'monitor-1' });
}, 120_000);
afterAll(() => f?.stop());

describe('events written with their facts', () => {
  it('an incident reported and then verified raises one event each, without its free text', async () => {
    const before = (await outbox('corridors')).length;
    const { reportIncident } = await ok(
      `mutation ($input: ReportIncidentInput!) { reportIncident(input: $input) { id } }`,
      {
        input: {
          agreementId: demo.agreementId,
          category: 'CEASEFIRE_VIOLATION',
          occurredAt: '2026-06-15T08:00:00.000Z',
          latitude: 41.6,
          longitude: 22.5,
          placeDescription: 'Quarry road near Lake Tessen',
          severity: 'MATERIAL',
          description: 'Small-arms fire across the line for twenty minutes.',
        },
      },
      monitor,
    );
    const reported = (await outbox('corridors', 'incident.reported')).filter((r) => r.data.incidentId === reportIncident.id);
    expect(reported).toHaveLength(1);
    expect(reported[0]!.agreement_id).toBe(demo.agreementId);
    expect(reported[0]!.data).toMatchObject({ category: 'CEASEFIRE_VIOLATION', severity: 'MATERIAL' });
    expect(JSON.stringify(reported[0])).not.toContain('Small-arms');
    expect(JSON.stringify(reported[0])).not.toContain('Quarry road');
    expect(reported[0]!.audience).not.toContain('PUBLIC');

    await ok(`mutation ($input: VerifyIncidentInput!) { verifyIncident(input: $input) { id } }`, { input: { incidentId: reportIncident.id, state: 'UNDER_REVIEW' } }, monitor);
    expect((await outbox('corridors', 'incident.verified')).filter((r) => r.data.incidentId === reportIncident.id)).toHaveLength(0);
    await ok(
      `mutation ($input: VerifyIncidentInput!) { verifyIncident(input: $input) { id } }`,
      { input: { incidentId: reportIncident.id, state: 'VERIFIED', confidence: 'HIGH', attributedPartyId: demo.partyIds.movement, findings: 'Two patrols heard and located the fire.' } },
      monitor,
    );
    const verified = (await outbox('corridors', 'incident.verified')).filter((r) => r.data.incidentId === reportIncident.id);
    expect(verified).toHaveLength(1);
    expect(verified[0]!.data).toMatchObject({ material: true, severity: 'MATERIAL', attributedPartyId: demo.partyIds.movement });
    expect(JSON.stringify(verified[0])).not.toContain('patrols');
    // Numbers are handed out in commit order, one after the other.
    const seqs = (await outbox('corridors')).map((r) => Number(r.seq));
    expect(seqs.length).toBeGreaterThanOrEqual(before + 2);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  });

  it('a refused report writes no event', async () => {
    const before = (await outbox('corridors')).length;
    const r = await f.request(
      `mutation ($input: ReportIncidentInput!) { reportIncident(input: $input) { id } }`,
      { input: { agreementId: demo.agreementId, category: 'SHELLING', occurredAt: '2026-06-15T08:00:00.000Z', latitude: 123, longitude: 22.5, placeDescription: 'Nowhere', severity: 'MINOR', description: 'x' } },
      monitor,
    );
    expect(r.body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(r.body.errors![0]!.message).toMatch(/latitude/i);
    expect(await outbox('corridors')).toHaveLength(before);
  });

  it('concurrent facts on two replicas are numbered without a gap, in commit order', async () => {
    const before = (await outbox('corridors')).length;
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        ok(
          `mutation ($input: ReportIncidentInput!) { reportIncident(input: $input) { id } }`,
          { input: { agreementId: demo.agreementId, category: 'MOVEMENT_RESTRICTION', occurredAt: '2026-06-15T07:00:00.000Z', latitude: 41.5, longitude: 22.4 + i / 100, placeDescription: `Checkpoint ${i}`, severity: 'MINOR', description: 'Held for an hour.' } },
          monitor,
        ),
      ),
    );
    const rows = await outbox('corridors');
    expect(rows.length).toBe(before + 12);
    expect(rows.map((r) => Number(r.seq))).toEqual(rows.map((_, i) => i + 1));
  });

  it('the tranche the demo released raised tranche.released with its amount', async () => {
    const released = await outbox('guarantors', 'tranche.released');
    expect(released).toHaveLength(1);
    expect(released[0]!.agreement_id).toBe(demo.agreementId);
    expect(released[0]!.data).toMatchObject({ milestoneId: demo.milestoneIds.lists, currency: 'USD' });
    expect(released[0]!.data.amount).toMatch(/^\d+\.\d{2}$/);
  });
});

describe('events raised by the clock, once', () => {
  it("a dispute tier reaching its deadline within the horizon: the demo's dispute, 8 hours from its deadline", async () => {
    const due = await eventually(() => outbox('milestones', 'dispute.tier_due'), (r) => r.length > 0);
    expect(due).toHaveLength(1);
    expect(due[0]!.data).toMatchObject({ tier: 1, tierName: 'Joint commission' });
    expect(due[0]!.data.hoursLeft).toBeCloseTo(8, 0);
    expect(JSON.stringify(due[0])).not.toMatch(/Ridge checkpoint/);
  });

  it('Day 30 opens: its milestones are due today; after it ends they are missed, snap-back fires, the dispute escalates to exhaustion', async () => {
    const day30 = demo.day0.getTime() + 30 * DAY;
    f.clock.set(new Date(day30 + 3_600_000));
    const dueToday = await eventually(() => outbox('milestones', 'milestone.due_today'), (r) => r.length >= 2);
    expect(dueToday.map((r) => r.data.milestoneId).sort()).toEqual([demo.milestoneIds.firstRelease, demo.milestoneIds.aidCorridor].sort());
    expect(dueToday.every((r) => new Date(r.occurred_at).getTime() === day30)).toBe(true);
    expect(await outbox('milestones', 'milestone.missed')).toHaveLength(0);

    f.clock.set(new Date(day30 + DAY + 60_000));
    const missed = await eventually(() => outbox('milestones', 'milestone.missed'), (r) => r.length >= 2);
    expect(missed.map((r) => r.data.milestoneId).sort()).toEqual([demo.milestoneIds.firstRelease, demo.milestoneIds.aidCorridor].sort());
    const triggered = await eventually(() => outbox('milestones', 'snapback.triggered'), (r) => r.length >= 1);
    expect(triggered).toHaveLength(1);
    expect(new Date(triggered[0]!.occurred_at).getTime()).toBe(day30 + DAY);
    const escalated = await eventually(() => outbox('milestones', 'dispute.escalated'), (r) => r.length >= 2);
    expect(escalated.map((r) => [r.data.tier, r.data.toTier, r.data.exhausted])).toEqual([
      [1, 2, false],
      [2, null, true],
    ]);

    // Ticks go on, on both replicas: nothing is raised twice.
    await new Promise((r) => setTimeout(r, 600));
    const keys = (await outbox('milestones')).map((r) => r.event_key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(await outbox('milestones', 'milestone.missed')).toHaveLength(2);
    expect(await outbox('milestones', 'snapback.triggered')).toHaveLength(1);
  });

  it('lifting the snap-back raises snapback.lifted in the same transaction', async () => {
    await ok(`mutation ($input: LiftSnapBackInput!) { liftSnapBack(input: $input) { id } }`, { input: { agreementId: demo.agreementId, reason: 'The parties agreed a new release schedule at the joint commission.' } }, mediator);
    const lifted = await outbox('milestones', 'snapback.lifted');
    expect(lifted).toHaveLength(1);
    expect(JSON.stringify(lifted[0])).not.toContain('new release schedule');
    // A second lift is refused and writes nothing.
    const again = await f.request(`mutation ($input: LiftSnapBackInput!) { liftSnapBack(input: $input) { id } }`, { input: { agreementId: demo.agreementId, reason: 'Again, for good measure.' } }, mediator);
    expect(again.body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    expect(await outbox('milestones', 'snapback.lifted')).toHaveLength(1);
  });

  it('convoys on the move that fall silent raise one telemetry gap each', async () => {
    const gaps = await eventually(() => outbox('corridors', 'telemetry.gap_opened'), (r) => r.length > 0);
    expect(gaps.length).toBeGreaterThan(0);
    const byConvoy = new Map<string, number>();
    for (const g of gaps) byConvoy.set(`${g.data.convoyId}:${g.data.silentSince}`, (byConvoy.get(`${g.data.convoyId}:${g.data.silentSince}`) ?? 0) + 1);
    expect([...byConvoy.values()].every((n) => n === 1)).toBe(true);
    for (const g of gaps) {
      expect(new Date(g.occurred_at).getTime() - new Date(String(g.data.silentSince)).getTime()).toBe(Number(g.data.thresholdMinutes) * 60_000);
    }
  });
});

describe('the outbox itself', () => {
  const route = (service: string) => f.subgraphUrls[service]!.replace(/\/graphql$/, '/internal/alerts');
  const post = (service: string, body: string, token?: string) =>
    fetch(route(service), { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { 'x-treaty-internal-token': token } : {}) }, body });
  const asGateway = (service: string, body: string) => signInternal(f.gatewaySigner, service, { ...PUBLIC_CALLER, subject: 'alert-stream' }, body);

  it('is read by the gateway only: no credential 401, a sibling 403, a bad cursor 400', async () => {
    const body = JSON.stringify({ after: 0 });
    const none = await post('guarantors', body);
    expect(none.status).toBe(401);
    expect(await none.text()).not.toMatch(/127\.0\.0\.1|localhost/);
    const sibling = await post('guarantors', body, signInternal(f.serviceSigner('milestones'), 'guarantors', null, body));
    expect(sibling.status).toBe(403);
    const forged = await post('guarantors', body, asGateway('guarantors', JSON.stringify({ after: 1 })));
    expect(forged.status).toBe(401);
    for (const bad of [{ after: -1 }, { after: 'x' }, { after: 1.5 }, {}]) {
      const b = JSON.stringify(bad);
      const r = await post('guarantors', b, asGateway('guarantors', b));
      expect(r.status, b).toBe(400);
      expect((await r.json()).error).toMatch(/"after" must be a whole number/);
    }
    const good = await post('guarantors', body, asGateway('guarantors', body));
    expect(good.status).toBe(200);
    const batch = await good.json();
    expect(batch.head).toBe(batch.events.length);
    expect(batch.events[0]).toMatchObject({ seq: 1, type: 'tranche.released', agreementId: demo.agreementId });
  });

  it('keeps an event once per key, loses a rolled-back one with its number, and keeps numbering after a purge', async () => {
    const db = f.databases.prisoners!.db;
    const event = (key: string, at: string) => ({ key, type: 'incident.reported' as const, agreementId: null, occurredAt: new Date(at), recordedAt: new Date(at), audience: ['MONITOR' as const], data: { n: 1 } });
    expect(await db.transaction((m) => raiseAlert(m, event('test:a', '2026-01-01T00:00:00Z')))).toBe(1);
    expect(await db.transaction((m) => raiseAlert(m, event('test:a', '2026-01-01T00:00:00Z')))).toBeNull();
    await expect(
      db.transaction(async (m) => {
        await raiseAlert(m, event('test:b', '2026-01-01T00:00:00Z'));
        throw new Error('the fact failed');
      }),
    ).rejects.toThrow('the fact failed');
    expect(await db.transaction((m) => raiseAlert(m, event('test:c', NOW)))).toBe(2);
    // The old one is past the 7-day retention at the federation's clock; the new one is kept, and so is the count.
    expect(await purgeAlerts(db, f.clock)).toBe(1);
    const batch = await readAlerts(db, 0);
    expect(batch).toMatchObject({ head: 2, oldest: 2 });
    expect(batch.events.map((e) => e.key)).toEqual(['test:c']);
    expect(await db.transaction((m) => raiseAlert(m, event('test:d', NOW)))).toBe(3);
    await db.query(`DELETE FROM alert_outbox WHERE event_key LIKE 'test:%'`);
  });
});
