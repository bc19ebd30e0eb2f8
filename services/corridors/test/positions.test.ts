import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { statements } from '@treaty/service-kit';
import { codes } from '@treaty/testing';
import { NOW, RECORD_POSITIONS, medics, monitor, relief, startCorridors, type Harness } from './harness.js';

let h: Harness;
let corridor: { id: string };
let device = 0;

beforeAll(async () => {
  h = await startCorridors();
  const agreement = await h.createAgreement();
  corridor = await h.createCorridor(agreement.id, { telemetryGapMinutes: 30 });
});
afterAll(async () => {
  await h?.stop();
});
beforeEach(() => {
  h.clock.set(NOW);
});

/** A track of `n` points one minute apart for a convoy, from a fresh device, ending at `end`. */
function track(convoyId: string, n: number, end = '2026-03-20T09:59:00Z', spacingMinutes = 1) {
  device += 1;
  const deviceId = `TRK-${device}`;
  const last = Date.parse(end);
  return Array.from({ length: n }, (_, i) => ({
    convoyId,
    deviceId,
    sequence: i,
    deviceTime: new Date(last - (n - 1 - i) * spacingMinutes * 60_000).toISOString(),
    latitude: 31.2 + i * 0.001,
    longitude: 34.3 + i * 0.001,
  }));
}

const send = (points: unknown[], who = relief) => h.run(who, RECORD_POSITIONS, { input: { points } });
const stored = async (convoyId: string) => (await h.db.query('SELECT count(*)::int AS n FROM convoy_position WHERE convoy_id = $1', [convoyId]))[0].n as number;

describe('recordConvoyPositions', () => {
  it('stores a batch for several convoys of the caller’s agency, keeping device time and receipt time apart', async () => {
    const a = await h.convoyAt(corridor.id, 'IN_TRANSIT');
    const b = await h.convoyAt(corridor.id, 'IN_TRANSIT');
    const points = [...track(a.id, 20), ...track(b.id, 5)];
    const r = await send(points);
    expect(r.errors).toBeUndefined();
    expect(r.data!.recordConvoyPositions).toEqual({ accepted: 25, new: 25, duplicates: 0, rejected: [] });
    expect(await stored(a.id)).toBe(20);
    const read = await h.run(medics, `query ($id: ID!) { convoy(id: $id) { positions(last: 2) { deviceId sequence deviceTime receivedAt latitude longitude } } }`, { id: a.id });
    expect(read.data!.convoy.positions).toEqual([
      { deviceId: points[19]!.deviceId, sequence: 19, deviceTime: '2026-03-20T09:59:00.000Z', receivedAt: NOW, latitude: points[19]!.latitude, longitude: points[19]!.longitude },
      { deviceId: points[18]!.deviceId, sequence: 18, deviceTime: '2026-03-20T09:58:00.000Z', receivedAt: NOW, latitude: points[18]!.latitude, longitude: points[18]!.longitude },
    ]);
  });

  it('accepts a resent batch without storing anything twice, and says how many were new', async () => {
    const c = await h.convoyAt(corridor.id, 'IN_TRANSIT');
    const points = track(c.id, 30);
    expect((await send(points.slice(0, 20))).data!.recordConvoyPositions).toMatchObject({ accepted: 20, new: 20, duplicates: 0 });
    const before = await h.counts();
    expect((await send(points.slice(0, 20))).data!.recordConvoyPositions).toMatchObject({ accepted: 20, new: 0, duplicates: 20 });
    expect(await h.counts()).toEqual(before);
    // An overlapping batch stores only the new points; a point repeated inside one batch is stored once.
    const overlapping = [...points.slice(10, 30), points[29]!];
    expect((await send(overlapping)).data!.recordConvoyPositions).toEqual({ accepted: 21, new: 10, duplicates: 11, rejected: [] });
    expect(await stored(c.id)).toBe(30);
  });

  it('refuses bad points one by one with their index and reasons, and keeps the valid ones', async () => {
    const mine = await h.convoyAt(corridor.id, 'IN_TRANSIT');
    const theirs = await h.convoyAt(corridor.id, 'IN_TRANSIT', medics);
    const good = track(mine.id, 4);
    const points = [
      good[0],
      { ...good[1], latitude: 91 },
      { ...good[2], deviceTime: '2026-03-20T10:05:01Z' },
      { ...good[3], convoyId: '00000000-0000-4000-8000-00000000dead' },
      { ...good[3], convoyId: 'not-a-convoy', sequence: 100 },
      { ...track(theirs.id, 1)[0] },
      { ...good[3], sequence: -1, deviceId: '', longitude: 200 },
      { ...good[3], deviceTime: '2026-03-20T10:04:00Z' },
    ];
    const r = await send(points);
    expect(r.errors).toBeUndefined();
    const result = r.data!.recordConvoyPositions;
    expect(result).toMatchObject({ accepted: 2, new: 2, duplicates: 0 });
    expect(result.rejected.map((x: any) => [x.index, x.reasons])).toEqual([
      [1, ['COORDINATES_OUT_OF_RANGE']],
      [2, ['DEVICE_TIME_IN_FUTURE']],
      [3, ['UNKNOWN_CONVOY']],
      [4, ['UNKNOWN_CONVOY']],
      [5, ['NOT_YOUR_CONVOY']],
      [6, ['COORDINATES_OUT_OF_RANGE', 'INVALID_DEVICE_ID', 'INVALID_SEQUENCE']],
    ]);
    expect(result.rejected[0].message).toMatch(/coordinates \(91, .*\) are out of range/);
    expect(result.rejected[1].message).toMatch(/more than 5 minutes ahead of the service clock/);
    expect(result.rejected[4].message).toMatch(/run by another agency/);
    const rows = await h.db.query('SELECT convoy_id, sequence, device_time FROM convoy_position WHERE device_id = $1 ORDER BY sequence', [good[0]!.deviceId]);
    expect(rows.map((x: any) => [x.convoy_id, x.sequence, x.device_time.toISOString()])).toEqual([
      [mine.id, 0, good[0]!.deviceTime],
      [mine.id, 3, '2026-03-20T10:04:00.000Z'],
    ]);
    expect(await stored(theirs.id)).toBe(0);
  });

  it('stores nothing when every point is refused', async () => {
    const theirs = await h.convoyAt(corridor.id, 'IN_TRANSIT', medics);
    const before = await h.counts();
    const r = await send(track(theirs.id, 3));
    expect(r.data!.recordConvoyPositions).toMatchObject({ accepted: 0, new: 0, duplicates: 0 });
    expect(r.data!.recordConvoyPositions.rejected).toHaveLength(3);
    expect(await h.counts()).toEqual(before);
  });

  it('refuses an empty or oversized batch, and callers without the AGENCY role', async () => {
    const c = await h.convoyAt(corridor.id, 'IN_TRANSIT');
    await h.expectRefused(() => send([]), 'BAD_USER_INPUT', /1 to 5000 points; got 0/);
    await h.expectRefused(() => send(track(c.id, 5001)), 'BAD_USER_INPUT', /got 5001/);
    await h.expectRefused(() => send(track(c.id, 3), monitor), 'FORBIDDEN', /needs the AGENCY role/);
  });

  it('runs the same number of SQL statements for 10 or 2,000 points', async () => {
    const c = await h.convoyAt(corridor.id, 'IN_TRANSIT');
    const measure = async (n: number) => {
      const m = await statements.measure(() => h.local(relief, RECORD_POSITIONS, { input: { points: track(c.id, n) } }));
      expect(m.result.errors).toBeUndefined();
      expect(m.result.data!.recordConvoyPositions.new).toBe(n);
      return m.count;
    };
    const few = await measure(10);
    const many = await measure(2000);
    expect(few).toBe(2);
    expect(many).toBe(few);
  });
});

describe('telemetry gaps', () => {
  const GAPS = `query ($id: ID!) { convoy(id: $id) { status telemetryGaps { from to minutes ongoing } } }`;

  it('flags a silence longer than the corridor’s threshold between consecutive points, from any device', async () => {
    const c = await h.convoyAt(corridor.id, 'IN_TRANSIT');
    // Device A reports 08:00–08:10, device B 08:25–08:30 (a 15-minute silence: not a gap), then
    // device A again 09:05–09:10 after a 35-minute silence: a gap.
    const a = track(c.id, 11, '2026-03-20T08:10:00Z');
    const b = track(c.id, 6, '2026-03-20T08:30:00Z');
    const a2 = track(c.id, 6, '2026-03-20T09:10:00Z').map((p, i) => ({ ...p, deviceId: a[0]!.deviceId, sequence: 100 + i }));
    await send([...a, ...b, ...a2]);
    h.clock.set('2026-03-20T09:30:00Z');
    const r = await h.run(relief, GAPS, { id: c.id });
    expect(r.data!.convoy.telemetryGaps).toEqual([{ from: '2026-03-20T08:30:00.000Z', to: '2026-03-20T09:05:00.000Z', minutes: 35, ongoing: false }]);
  });

  it('flags an ongoing silence while the convoy is on the move, and not once it has arrived', async () => {
    const c = await h.convoyAt(corridor.id, 'IN_TRANSIT');
    await send(track(c.id, 5, '2026-03-20T09:50:00Z'));
    expect((await h.run(relief, GAPS, { id: c.id })).data!.convoy.telemetryGaps).toEqual([]);
    h.clock.set('2026-03-20T10:35:00Z');
    expect((await h.run(relief, GAPS, { id: c.id })).data!.convoy.telemetryGaps).toEqual([
      { from: '2026-03-20T09:50:00.000Z', to: null, minutes: 45, ongoing: true },
    ]);
    await h.advance(relief, c.id, 'DELIVERED', { at: '2026-03-20T10:00:00Z' });
    expect((await h.run(relief, GAPS, { id: c.id })).data!.convoy.telemetryGaps).toEqual([]);
  });

  it('counts a convoy at the crossing that never reported as silent since it arrived', async () => {
    const c = await h.convoyAt(corridor.id, 'AT_CROSSING'); // at the crossing since 07:00
    expect((await h.run(relief, GAPS, { id: c.id })).data!.convoy.telemetryGaps).toEqual([
      { from: '2026-03-20T07:00:00.000Z', to: null, minutes: 180, ongoing: true },
    ]);
  });

  it('uses the threshold of the convoy’s corridor', async () => {
    const agreement = await h.createAgreement();
    const lenient = await h.createCorridor(agreement.id, { telemetryGapMinutes: 60 });
    const c = await h.convoyAt(lenient.id, 'IN_TRANSIT');
    await send([...track(c.id, 2, '2026-03-20T08:01:00Z'), ...track(c.id, 2, '2026-03-20T08:51:00Z'), ...track(c.id, 2, '2026-03-20T09:59:00Z')]);
    expect((await h.run(relief, GAPS, { id: c.id })).data!.convoy.telemetryGaps.map((g: any) => g.minutes)).toEqual([67]);
  });

  it('derives gaps for a list of convoys with a fixed number of statements', async () => {
    const agreement = await h.createAgreement();
    const busy = await h.createCorridor(agreement.id);
    const query = `query ($id: ID!) { corridor(id: $id) { convoys { status telemetryGaps { minutes } positions(last: 3) { sequence } cargo { trucks } events { to } inspections { result rejectedItems { reason } } } } }`;
    const measure = async () => {
      const m = await statements.measure(() => h.local(relief, query, { id: busy.id }));
      expect(m.result.errors).toBeUndefined();
      return m;
    };
    const addConvoys = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const c = await h.convoyAt(busy.id, 'IN_TRANSIT');
        await send([...track(c.id, 3, '2026-03-20T08:00:00Z'), ...track(c.id, 3, '2026-03-20T09:00:00Z')]);
      }
    };
    await addConvoys(2);
    const few = await measure();
    await addConvoys(10);
    const many = await measure();
    expect(many.result.data!.corridor.convoys).toHaveLength(12);
    expect(many.result.data!.corridor.convoys[0].telemetryGaps).toEqual([{ minutes: 58 }, { minutes: 60 }]); // the second is ongoing
    expect(many.count).toBe(few.count);
  });
});

describe('reading positions', () => {
  it('refuses an out-of-range `last`', async () => {
    const c = await h.convoyAt(corridor.id, 'CLEARED');
    expect(codes(await h.run(relief, `query ($id: ID!) { convoy(id: $id) { positions(last: 0) { sequence } } }`, { id: c.id }))).toEqual(['BAD_USER_INPUT']);
  });
});
