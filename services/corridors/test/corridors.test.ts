import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymous, codes } from '@treaty/testing';
import { CREATE_CORRIDOR, RECORD_CLOSURE, mediator, monitor, relief, startCorridors, type Harness } from './harness.js';

let h: Harness;
let agreement: { id: string; title: string };

beforeAll(async () => {
  h = await startCorridors();
  agreement = await h.createAgreement();
});
afterAll(async () => {
  await h?.stop();
});

const input = (overrides: Record<string, unknown> = {}) => ({
  agreementId: agreement.id,
  name: `Sorrel crossing ${Math.random().toString(36).slice(2, 8)}`,
  kind: 'LAND_CROSSING',
  latitude: 31.25,
  longitude: 34.29,
  ...overrides,
});

describe('createCorridor', () => {
  it('registers a corridor under an agreement confirmed with milestones, handling every class by default', async () => {
    const data = await h.ok(mediator, CREATE_CORRIDOR, { input: input({ name: 'Sorrel crossing', telemetryGapMinutes: 45 }) });
    expect(data.createCorridor).toMatchObject({
      name: 'Sorrel crossing',
      kind: 'LAND_CROSSING',
      latitude: 31.25,
      longitude: 34.29,
      telemetryGapMinutes: 45,
      statusToday: 'OPEN',
      agreement: { id: agreement.id },
      handles: ['HUMANITARIAN_AID', 'MEDICAL_EVACUATION', 'COMMERCIAL', 'FUEL', 'CIVILIAN_MOVEMENT'],
    });
    const read = await h.run(anonymous, `query ($id: ID!) { corridor(id: $id) { name telemetryGapMinutes } }`, { id: data.createCorridor.id });
    expect(read.data!.corridor).toEqual({ name: 'Sorrel crossing', telemetryGapMinutes: 45 });
  });

  it('keeps the classes a crossing handles in a fixed order and defaults the gap threshold to 30 minutes', async () => {
    const data = await h.ok(mediator, CREATE_CORRIDOR, { input: input({ kind: 'SEA_CORRIDOR', handles: ['FUEL', 'HUMANITARIAN_AID'] }) });
    expect(data.createCorridor.handles).toEqual(['HUMANITARIAN_AID', 'FUEL']);
    expect(data.createCorridor.telemetryGapMinutes).toBe(30);
  });

  it('refuses a name already used under the agreement, whatever its case, naming the existing corridor', async () => {
    const first = await h.ok(mediator, CREATE_CORRIDOR, { input: input({ name: 'Harbour Gate' }) });
    await h.expectRefused(
      () => h.run(mediator, CREATE_CORRIDOR, { input: input({ name: '  harbour gate ' }) }),
      'BAD_USER_INPUT',
      new RegExp(`already has a corridor named "Harbour Gate" \\(id ${first.createCorridor.id}\\)`),
    );
  });

  it('allows the same name under another agreement', async () => {
    const other = await h.createAgreement();
    await h.ok(mediator, CREATE_CORRIDOR, { input: input({ name: 'Olive Gate' }) });
    await h.ok(mediator, CREATE_CORRIDOR, { input: input({ agreementId: other.id, name: 'Olive Gate' }) });
  });

  it('registers the name once under concurrent requests', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, () => h.run(mediator, CREATE_CORRIDOR, { input: input({ name: 'Race Point' }) })));
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    expect(results.filter((r) => r.errors).map((r) => codes(r)[0])).toEqual(Array(5).fill('BAD_USER_INPUT'));
  });

  it('refuses out-of-range coordinates, an empty name, no handled class and a bad gap threshold, all at once', async () => {
    const r = await h.expectRefused(
      () => h.run(mediator, CREATE_CORRIDOR, { input: input({ name: ' ', latitude: 91, longitude: -180.5, handles: [], telemetryGapMinutes: 0 }) }),
      'BAD_USER_INPUT',
    );
    const paths = (r.errors![0]!.extensions!.details as any).problems.map((p: any) => p.path);
    expect(paths).toEqual(['input.name', 'input.latitude', 'input.longitude', 'input.handles', 'input.telemetryGapMinutes']);
  });

  it('refuses an agreement unknown to the milestones service, and a malformed id, with NOT_FOUND', async () => {
    await h.expectRefused(() => h.run(mediator, CREATE_CORRIDOR, { input: input({ agreementId: '00000000-0000-4000-8000-000000000001' }) }), 'NOT_FOUND', /No agreement has id/);
    await h.expectRefused(() => h.run(mediator, CREATE_CORRIDOR, { input: input({ agreementId: 'agreement-1' }) }), 'NOT_FOUND');
  });

  it('needs the MEDIATOR role', async () => {
    await h.expectRefused(() => h.run(relief, CREATE_CORRIDOR, { input: input() }), 'FORBIDDEN', /needs the MEDIATOR role/);
    await h.expectRefused(() => h.run(anonymous, CREATE_CORRIDOR, { input: input() }), 'FORBIDDEN');
  });
});

describe('closures and daily status', () => {
  const DAYS = /* GraphQL */ `query ($id: ID!, $from: DateTime!, $days: Int) {
    corridor(id: $id) { statusToday dailyStatus(from: $from, days: $days) { date status closures { cause } } }
  }`;

  it('derives OPEN, RESTRICTED and CLOSED per UTC day from closures, and today from the clock', async () => {
    const c = await h.createCorridor(agreement.id);
    // Closed from 18:00 on the 19th through the whole of the 20th to 06:00 on the 21st, for security;
    // the weather closes it again on the 22nd from 10:00 to 14:00.
    await h.ok(monitor, RECORD_CLOSURE, { input: { corridorId: c.id, startsAt: '2026-03-19T18:00:00Z', endsAt: '2026-03-20T12:00:00Z', cause: 'SECURITY' } });
    const r = await h.ok(mediator, RECORD_CLOSURE, {
      input: { corridorId: c.id, startsAt: '2026-03-20T12:00:00Z', endsAt: '2026-03-21T06:00:00Z', cause: 'SECURITY', note: 'Shelling reported near the access road' },
    });
    expect(r.recordCorridorClosure.statusToday).toBe('CLOSED');
    expect(r.recordCorridorClosure.closures[0]).toMatchObject({ cause: 'SECURITY', recordedBy: 'Office of the Envoy', note: 'Shelling reported near the access road' });
    await h.ok(monitor, RECORD_CLOSURE, { input: { corridorId: c.id, startsAt: '2026-03-22T10:00:00Z', endsAt: '2026-03-22T14:00:00Z', cause: 'WEATHER' } });

    const days = await h.run(anonymous, DAYS, { id: c.id, from: '2026-03-18T15:00:00Z', days: 6 });
    expect(days.errors).toBeUndefined();
    expect(days.data!.corridor.dailyStatus.map((d: any) => [d.date, d.status, d.closures.length])).toEqual([
      ['2026-03-18', 'OPEN', 0],
      ['2026-03-19', 'RESTRICTED', 1],
      ['2026-03-20', 'CLOSED', 2],
      ['2026-03-21', 'RESTRICTED', 1],
      ['2026-03-22', 'RESTRICTED', 1],
      ['2026-03-23', 'OPEN', 0],
    ]);
    h.clock.set('2026-03-23T09:00:00Z');
    expect((await h.run(anonymous, DAYS, { id: c.id, from: '2026-03-23T00:00:00Z' })).data!.corridor.statusToday).toBe('OPEN');
    h.clock.set('2026-03-20T10:00:00Z');
  });

  it('shows closure notes to partner agencies only', async () => {
    const c = await h.createCorridor(agreement.id);
    await h.ok(monitor, RECORD_CLOSURE, { input: { corridorId: c.id, startsAt: '2026-03-10T00:00:00Z', endsAt: '2026-03-11T00:00:00Z', cause: 'OTHER', note: 'Bridge repairs' } });
    const q = `query ($id: ID!) { corridor(id: $id) { closures { cause note } } }`;
    expect(codes(await h.run(anonymous, q, { id: c.id }))).toEqual(['FORBIDDEN']);
    expect((await h.run(anonymous, `query ($id: ID!) { corridor(id: $id) { closures { cause } } }`, { id: c.id })).data!.corridor.closures).toEqual([{ cause: 'OTHER' }]);
    expect((await h.run(relief, q, { id: c.id })).data!.corridor.closures).toEqual([{ cause: 'OTHER', note: 'Bridge repairs' }]);
  });

  it('refuses a closure that ends before it starts, lasts over 90 days, or has cause OTHER without a note', async () => {
    const c = await h.createCorridor(agreement.id);
    const close = (extra: Record<string, unknown>) => () => h.run(monitor, RECORD_CLOSURE, { input: { corridorId: c.id, startsAt: '2026-03-10T00:00:00Z', endsAt: '2026-03-11T00:00:00Z', cause: 'SECURITY', ...extra } });
    await h.expectRefused(close({ endsAt: '2026-03-09T00:00:00Z' }), 'BAD_USER_INPUT', /not after startsAt/);
    await h.expectRefused(close({ endsAt: '2026-07-01T00:00:00Z' }), 'BAD_USER_INPUT', /at most 90 days/);
    await h.expectRefused(close({ cause: 'OTHER' }), 'BAD_USER_INPUT', /cause OTHER needs a note/);
  });

  it('refuses an unknown corridor, and callers without the MEDIATOR or MONITOR role', async () => {
    const c = await h.createCorridor(agreement.id);
    const closure = { startsAt: '2026-03-10T00:00:00Z', endsAt: '2026-03-11T00:00:00Z', cause: 'WEATHER' };
    await h.expectRefused(() => h.run(monitor, RECORD_CLOSURE, { input: { corridorId: '00000000-0000-4000-8000-0000000000aa', ...closure } }), 'NOT_FOUND');
    await h.expectRefused(() => h.run(relief, RECORD_CLOSURE, { input: { corridorId: c.id, ...closure } }), 'FORBIDDEN', /one of the roles MEDIATOR, MONITOR/);
  });

  it('refuses more than 92 days of status at once', async () => {
    const c = await h.createCorridor(agreement.id);
    const r = await h.run(anonymous, `query ($id: ID!) { corridor(id: $id) { dailyStatus(from: "2026-03-01T00:00:00Z", days: 93) { date } } }`, { id: c.id });
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
  });
});
