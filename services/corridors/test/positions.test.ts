import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
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
    expect(r.data!.recordConvoyPositions).toEqual({ accepted: 25, new: 25, duplicates: 0, conflicts: 0, conflicting: [], rejected: [] });
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
    expect((await send(points.slice(0, 20))).data!.recordConvoyPositions).toMatchObject({ accepted: 20, new: 20, duplicates: 0, conflicts: 0 });
    const before = await h.counts();
    expect((await send(points.slice(0, 20))).data!.recordConvoyPositions).toMatchObject({ accepted: 20, new: 0, duplicates: 20, conflicts: 0 });
    expect(await h.counts()).toEqual(before);
    // An overlapping batch stores only the new points; a point repeated inside one batch is stored once.
    const overlapping = [...points.slice(10, 30), points[29]!];
    expect((await send(overlapping)).data!.recordConvoyPositions).toEqual({ accepted: 21, new: 10, duplicates: 11, conflicts: 0, conflicting: [], rejected: [] });
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
    expect(result).toMatchObject({ accepted: 2, new: 2, duplicates: 0, conflicts: 0 });
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
    expect(r.data!.recordConvoyPositions).toMatchObject({ accepted: 0, new: 0, duplicates: 0, conflicts: 0 });
    expect(r.data!.recordConvoyPositions.rejected).toHaveLength(3);
    expect(await h.counts()).toEqual(before);
  });

  it('refuses an empty or oversized batch, and callers without the AGENCY role', async () => {
    const c = await h.convoyAt(corridor.id, 'IN_TRANSIT');
    await h.expectRefused(() => send([]), 'BAD_USER_INPUT', /1 to 5000 points, in points and tracks together; got 0/);
    await h.expectRefused(() => send(track(c.id, 5001)), 'BAD_USER_INPUT', /got 5001/);
    await h.expectRefused(() => send(track(c.id, 3), monitor), 'FORBIDDEN', /needs the AGENCY role/);
  });

  it('stores a batch of 10 or 2,000 points, new or resent, in one statement inside one transaction', async () => {
    const c = await h.convoyAt(corridor.id, 'IN_TRANSIT');
    const measure = async (points: unknown[]) => {
      const m = await statements.measure(() => h.local(relief, RECORD_POSITIONS, { input: { points } }), true);
      expect(m.result.errors).toBeUndefined();
      // START TRANSACTION, the statement that looks up the convoys, stores, compares and logs, COMMIT.
      expect(m.statements.map((sql) => (/^\s*WITH convoy_of AS/.test(sql) ? 'STORE' : sql))).toEqual(['START TRANSACTION', 'STORE', 'COMMIT']);
      return m.result.data!.recordConvoyPositions;
    };
    const fewNew = track(c.id, 10);
    const manyNew = track(c.id, 2000);
    expect((await measure(fewNew)).new).toBe(10);
    expect((await measure(manyNew)).new).toBe(2000);
    // Resent, half exactly and half moved, with a point of another agency's convoy: still the one statement.
    const theirs = await h.convoyAt(corridor.id, 'IN_TRANSIT', medics);
    const moved = (points: typeof fewNew) => [...points.map((p, i) => (i % 2 ? { ...p, latitude: p.latitude + 0.5 } : p)), track(theirs.id, 1)[0]];
    expect(await measure(moved(fewNew))).toMatchObject({ accepted: 10, new: 0, duplicates: 5, conflicts: 5, rejected: [{ index: 10, reasons: ['NOT_YOUR_CONVOY'] }] });
    expect(await measure(moved(manyNew))).toMatchObject({ accepted: 2000, new: 0, duplicates: 1000, conflicts: 1000 });
    expect(await stored(theirs.id)).toBe(0);
  });
});

/** Points as the compact form sends them: one track per (convoy, device), rows in the order given. */
function asTracks(points: ReturnType<typeof track>) {
  const tracks: { convoyId: string; deviceId: string; rows: unknown[][] }[] = [];
  for (const p of points) {
    let t = tracks.at(-1);
    if (!t || t.convoyId !== p.convoyId || t.deviceId !== p.deviceId) tracks.push((t = { convoyId: p.convoyId, deviceId: p.deviceId, rows: [] }));
    t.rows.push([p.sequence, p.deviceTime, p.latitude, p.longitude]);
  }
  return tracks;
}
const sendInput = (input: Record<string, unknown>, who = relief) => h.run(who, RECORD_POSITIONS, { input });

describe('recordConvoyPositions with tracks (the compact form)', () => {
  it('stores rows as it stores points, numbering points first and then each track\'s rows', async () => {
    const c = await h.convoyAt(corridor.id, 'IN_TRANSIT');
    const points = track(c.id, 6);
    const r = await sendInput({ points: points.slice(0, 2), tracks: asTracks(points.slice(2)) });
    expect(r.errors).toBeUndefined();
    expect(r.data!.recordConvoyPositions).toEqual({ accepted: 6, new: 6, duplicates: 0, conflicts: 0, conflicting: [], rejected: [] });
    const rows = await h.db.query('SELECT sequence, device_time, received_at, latitude, longitude FROM convoy_position WHERE device_id = $1 ORDER BY sequence', [points[0]!.deviceId]);
    expect(rows.map((x: any) => [x.sequence, x.device_time.toISOString(), x.received_at.toISOString(), x.latitude, x.longitude])).toEqual(
      points.map((p) => [p.sequence, new Date(p.deviceTime).toISOString(), NOW, p.latitude, p.longitude]),
    );

    // Resent as tracks only, one point moved: the others are duplicates, the moved one a conflict at its row's index.
    const moved = points.map((p, i) => (i === 4 ? { ...p, latitude: p.latitude + 0.5 } : p));
    const again = (await sendInput({ tracks: asTracks(moved) })).data!.recordConvoyPositions;
    expect(again).toMatchObject({ accepted: 6, new: 0, duplicates: 5, conflicts: 1, rejected: [] });
    expect(again.conflicting.map((x: any) => [x.index, x.sequence, x.differences, x.storedFromIndex])).toEqual([[4, 4, ['LATITUDE'], null]]);
    expect(await stored(c.id)).toBe(6);
  });

  it('refuses bad points of a track one by one, with their index in the batch, and keeps the valid ones', async () => {
    const mine = await h.convoyAt(corridor.id, 'IN_TRANSIT');
    const theirs = await h.convoyAt(corridor.id, 'IN_TRANSIT', medics);
    const good = track(mine.id, 3);
    const deviceId = good[0]!.deviceId;
    const r = await sendInput({
      points: [good[0]],
      tracks: [
        { convoyId: mine.id, deviceId, rows: [[1, good[1]!.deviceTime, 91, 34], [2, '2026-03-20T10:05:01Z', 31, 34], [3, good[2]!.deviceTime, 31, 34]] },
        { convoyId: '00000000-0000-4000-8000-00000000dead', deviceId, rows: [[4, good[2]!.deviceTime, 31, 34]] },
        { convoyId: theirs.id, deviceId, rows: [[5, good[2]!.deviceTime, 31, 34]] },
        { convoyId: mine.id, deviceId: '', rows: [[-1, good[2]!.deviceTime, 31, 34]] },
      ],
    });
    expect(r.errors).toBeUndefined();
    const result = r.data!.recordConvoyPositions;
    expect(result).toMatchObject({ accepted: 2, new: 2, duplicates: 0, conflicts: 0 });
    expect(result.rejected.map((x: any) => [x.index, x.deviceId, x.sequence, x.reasons])).toEqual([
      [1, deviceId, 1, ['COORDINATES_OUT_OF_RANGE']],
      [2, deviceId, 2, ['DEVICE_TIME_IN_FUTURE']],
      [4, deviceId, 4, ['UNKNOWN_CONVOY']],
      [5, deviceId, 5, ['NOT_YOUR_CONVOY']],
      [6, '', -1, ['INVALID_DEVICE_ID', 'INVALID_SEQUENCE']],
    ]);
    expect((await h.db.query('SELECT sequence FROM convoy_position WHERE device_id = $1 ORDER BY sequence', [deviceId])).map((x: any) => x.sequence)).toEqual([0, 3]);
    expect(await stored(theirs.id)).toBe(0);
  });

  it.each([
    ['rows that are not a list', 'not rows', /"input\.tracks\[1\]\.rows".*PositionRows must be a list of rows \[sequence, deviceTime, latitude, longitude\]/],
    ['a row of three values', [[0, '2026-03-20T09:00:00Z', 31]], /PositionRows row 0 must be \[sequence, deviceTime, latitude, longitude\].*got a list of 3/],
    ['a sequence as text', [[0, '2026-03-20T09:00:00Z', 31, 34], ['1', '2026-03-20T09:01:00Z', 31, 34]], /PositionRows row 1: the sequence \(first\) must be a whole number/],
    ['30 February', [[0, '2026-02-30T09:00:00Z', 31, 34]], /PositionRows row 0: the device time \(second\): DateTime "2026-02-30T09:00:00Z" is not a real date and time/],
    ['a latitude as text', [[0, '2026-03-20T09:00:00Z', '31', 34]], /PositionRows row 0: the latitude \(third\) must be a number; got a string/],
    ['5,001 rows', Array.from({ length: 5001 }, (_, i) => [i, '2026-03-20T09:00:00Z', 31, 34]), /PositionRows holds at most 5000 rows; got 5001/],
  ])('refuses a request whose track holds %s, names the row, and writes nothing, not even the good track', async (_, rows, message) => {
    const c = await h.convoyAt(corridor.id, 'IN_TRANSIT');
    const good = asTracks(track(c.id, 3));
    await h.expectRefused(() => sendInput({ tracks: [...good, { convoyId: c.id, deviceId: 'BAD', rows }] }), 'BAD_USER_INPUT', message);
    expect(await stored(c.id)).toBe(0);
  });

  it('counts points and rows together against the 5,000 a batch holds, and refuses an empty batch', async () => {
    const c = await h.convoyAt(corridor.id, 'IN_TRANSIT');
    const points = track(c.id, 5001);
    await h.expectRefused(() => sendInput({ points: points.slice(0, 3000), tracks: asTracks(points.slice(3000)) }), 'BAD_USER_INPUT', /1 to 5000 points, in points and tracks together; got 5001\. Split larger uploads/);
    await h.expectRefused(() => sendInput({ tracks: [...asTracks(points.slice(0, 2600)), ...asTracks(points.slice(2600))] }), 'BAD_USER_INPUT', /got 5001/);
    await h.expectRefused(() => sendInput({}), 'BAD_USER_INPUT', /1 to 5000 points, in points and tracks together; got 0\. Send at least one point\./);
    await h.expectRefused(() => sendInput({ tracks: [{ convoyId: c.id, deviceId: 'E', rows: [] }] }), 'BAD_USER_INPUT', /got 0/);
    expect(await stored(c.id)).toBe(0);
    expect((await sendInput({ points: points.slice(0, 2500), tracks: asTracks(points.slice(2500, 5000)) })).data!.recordConvoyPositions).toMatchObject({ accepted: 5000, new: 5000 });
  });

  it('takes rows written inline in the document, and stores a batch of tracks in the one statement', async () => {
    const c = await h.convoyAt(corridor.id, 'IN_TRANSIT');
    const inline = `mutation { recordConvoyPositions(input: { tracks: [{ convoyId: "${c.id}", deviceId: "INLINE", rows: [[0, "2026-03-20T09:00:00Z", 31.5, 34.25], [1, "2026-03-20T09:01:00Z", 31.5, 34.5]] }] }) { accepted new } }`;
    expect((await h.run(relief, inline)).data!.recordConvoyPositions).toEqual({ accepted: 2, new: 2 });
    const m = await statements.measure(() => h.local(relief, RECORD_POSITIONS, { input: { tracks: asTracks(track(c.id, 1000)) } }), true);
    expect(m.result.errors).toBeUndefined();
    expect(m.statements.map((sql) => (/^\s*WITH convoy_of AS/.test(sql) ? 'STORE' : sql))).toEqual(['START TRANSACTION', 'STORE', 'COMMIT']);
    expect(await stored(c.id)).toBe(1002);
  });
});

describe('positions per convoy, duplicates and conflicts', () => {
  const POSITIONS = `query ($id: ID!) { convoy(id: $id) { positions { deviceId sequence deviceTime receivedAt latitude longitude } } }`;
  const CONFLICTS = `query ($id: ID!, $last: Int) { convoy(id: $id) {
    positionConflicts(last: $last) { deviceId sequence differences receivedAt sentBy onRecord { deviceTime receivedAt latitude longitude } sent { deviceTime latitude longitude } }
  } }`;
  const conflictRows = async (convoyId: string) =>
    (
      await h.db.query(
        'SELECT device_id, sequence, device_time, latitude, longitude, received_at, sent_by, sent_by_subject FROM convoy_position_conflict WHERE convoy_id = $1 ORDER BY sequence, device_time, latitude',
        [convoyId],
      )
    ).map((r: any) => ({ ...r, device_time: r.device_time.toISOString(), received_at: r.received_at.toISOString() }));
  const positionsOf = async (convoyId: string) => (await h.ok(relief, POSITIONS, { id: convoyId })).convoy.positions as any[];

  it('stores the same tracker and sequence on two convoys, of one agency or of two, each on its own convoy', async () => {
    const a = await h.convoyAt(corridor.id, 'IN_TRANSIT');
    const b = await h.convoyAt(corridor.id, 'IN_TRANSIT');
    const theirs = await h.convoyAt(corridor.id, 'IN_TRANSIT', medics);
    const [pa] = track(a.id, 1);
    const pb = { ...pa!, convoyId: b.id, latitude: 31.7, longitude: 34.8 };
    const r = await send([pa, pb]);
    expect(r.data!.recordConvoyPositions).toEqual({ accepted: 2, new: 2, duplicates: 0, conflicts: 0, conflicting: [], rejected: [] });
    // Another agency's tracker with the same id and numbering is its own too.
    const theirPoint = { ...pa!, convoyId: theirs.id, latitude: 31.9 };
    expect((await send([theirPoint], medics)).data!.recordConvoyPositions).toMatchObject({ accepted: 1, new: 1, duplicates: 0, conflicts: 0 });
    const read = (p: { deviceId: string; sequence: number; deviceTime: string; latitude: number; longitude: number }) => [
      { deviceId: p.deviceId, sequence: p.sequence, deviceTime: new Date(p.deviceTime).toISOString(), receivedAt: NOW, latitude: p.latitude, longitude: p.longitude },
    ];
    expect(await positionsOf(a.id)).toEqual(read(pa!));
    expect(await positionsOf(b.id)).toEqual(read(pb));
    expect((await h.ok(medics, POSITIONS, { id: theirs.id })).convoy.positions).toEqual(read(theirPoint));
  });

  it('tracks a tracker reused on the next convoy, numbering again from 0, with that convoy’s own telemetry gaps', async () => {
    const GAPS = `query ($id: ID!) { convoy(id: $id) { telemetryGaps { from to minutes ongoing kind } } }`;
    const first = await h.convoyAt(corridor.id, 'IN_TRANSIT');
    const next = await h.convoyAt(corridor.id, 'IN_TRANSIT');
    const earlier = track(first.id, 11, '2026-03-20T08:10:00Z');
    // The same device on the next convoy, 08:00–08:10 and 09:20–09:30 (a 70-minute silence), from sequence 0.
    const later = [...track(next.id, 11, '2026-03-20T08:10:00Z'), ...track(next.id, 11, '2026-03-20T09:30:00Z')].map((p, i) => ({
      ...p,
      deviceId: earlier[0]!.deviceId,
      sequence: i,
      latitude: 31.5 + i * 0.001,
    }));
    expect((await send(earlier)).data!.recordConvoyPositions).toMatchObject({ new: 11, duplicates: 0, conflicts: 0 });
    expect((await send(later)).data!.recordConvoyPositions).toMatchObject({ accepted: 22, new: 22, duplicates: 0, conflicts: 0 });
    expect(await stored(next.id)).toBe(22);
    // Both convoys reached the crossing at 07:00 and first reported at 08:00.
    const arrival = { from: '2026-03-20T07:00:00.000Z', to: '2026-03-20T08:00:00.000Z', minutes: 60, ongoing: false, kind: 'BEFORE_FIRST_POSITION' };
    expect((await h.ok(relief, GAPS, { id: next.id })).convoy.telemetryGaps).toEqual([
      arrival,
      { from: '2026-03-20T08:10:00.000Z', to: '2026-03-20T09:20:00.000Z', minutes: 70, ongoing: false, kind: 'BETWEEN_POSITIONS' },
    ]);
    // The first convoy's track is untouched: silent since 08:10, and still on the move at 10:00.
    expect((await h.ok(relief, GAPS, { id: first.id })).convoy.telemetryGaps).toEqual([
      arrival,
      { from: '2026-03-20T08:10:00.000Z', to: null, minutes: 110, ongoing: true, kind: 'AFTER_LAST_POSITION' },
    ]);
  });

  it('reports a resend with other coordinates or device time as a conflict, logs it, and keeps the position of record', async () => {
    const c = await h.convoyAt(corridor.id, 'IN_TRANSIT');
    const points = track(c.id, 3);
    await send(points);
    const before = await positionsOf(c.id);
    h.clock.set('2026-03-20T10:20:00Z');
    const moved = { ...points[0]!, latitude: 31.25 };
    const retimed = { ...points[1]!, deviceTime: '2026-03-20T10:15:00.000Z', longitude: 34.35 };
    const r = await send([moved, retimed, points[2]]);
    expect(r.errors).toBeUndefined();
    const result = r.data!.recordConvoyPositions;
    expect(result).toMatchObject({ accepted: 3, new: 0, duplicates: 1, conflicts: 2, rejected: [] });
    expect(result.conflicting.map(({ message, ...rest }: any) => rest)).toEqual([
      {
        index: 0,
        convoyId: c.id,
        deviceId: points[0]!.deviceId,
        sequence: 0,
        differences: ['LATITUDE'],
        storedFromIndex: null,
        onRecord: { deviceId: points[0]!.deviceId, sequence: 0, deviceTime: points[0]!.deviceTime, receivedAt: NOW, latitude: points[0]!.latitude, longitude: points[0]!.longitude },
        sent: { deviceTime: points[0]!.deviceTime, latitude: 31.25, longitude: points[0]!.longitude },
      },
      {
        index: 1,
        convoyId: c.id,
        deviceId: points[1]!.deviceId,
        sequence: 1,
        differences: ['DEVICE_TIME', 'LONGITUDE'],
        storedFromIndex: null,
        onRecord: { deviceId: points[1]!.deviceId, sequence: 1, deviceTime: points[1]!.deviceTime, receivedAt: NOW, latitude: points[1]!.latitude, longitude: points[1]!.longitude },
        sent: { deviceTime: '2026-03-20T10:15:00.000Z', latitude: points[1]!.latitude, longitude: 34.35 },
      },
    ]);
    expect(result.conflicting[0].message).toBe(
      `Convoy ${c.id} already has device "${points[0]!.deviceId}" sequence 0 on record as ${points[0]!.deviceTime} at (${points[0]!.latitude}, ${points[0]!.longitude}) (received ${NOW}); ` +
        `this point says ${points[0]!.deviceTime} at (31.25, ${points[0]!.longitude}). The point on record stays and this one is logged as a conflict for review. ` +
        'A device must not reuse a sequence number on one convoy: if it restarted its count, continue from its last sequence or report under a new deviceId.',
    );
    // The positions of record are as first received; the conflict log holds what was sent, when and by whom.
    expect(await positionsOf(c.id)).toEqual(before);
    const logged = [
      { device_id: moved.deviceId, sequence: 0, device_time: moved.deviceTime, latitude: 31.25, longitude: moved.longitude, received_at: '2026-03-20T10:20:00.000Z', sent_by: relief.agency, sent_by_subject: relief.subject },
      { device_id: retimed.deviceId, sequence: 1, device_time: retimed.deviceTime, latitude: retimed.latitude, longitude: 34.35, received_at: '2026-03-20T10:20:00.000Z', sent_by: relief.agency, sent_by_subject: relief.subject },
    ];
    expect(await conflictRows(c.id)).toEqual(logged);

    // A retry of the same batch is reported the same way but logged once.
    h.clock.set('2026-03-20T10:30:00Z');
    const counts = await h.counts();
    expect((await send([moved, retimed, points[2]])).data!.recordConvoyPositions).toMatchObject({ accepted: 3, new: 0, duplicates: 1, conflicts: 2 });
    expect(await h.counts()).toEqual(counts);

    // A monitor sees the log on the convoy, latest first.
    h.clock.set('2026-03-20T10:40:00Z');
    const third = { ...points[0]!, latitude: 31.3 };
    expect((await send([third])).data!.recordConvoyPositions).toMatchObject({ conflicts: 1 });
    const seen = (await h.ok(monitor, CONFLICTS, { id: c.id })).convoy.positionConflicts;
    expect(seen.map((x: any) => [x.sequence, x.sent.latitude, x.receivedAt, x.sentBy])).toEqual([
      [0, 31.3, '2026-03-20T10:40:00.000Z', relief.agency],
      // The two of 10:20, by device and sequence.
      [0, 31.25, '2026-03-20T10:20:00.000Z', relief.agency],
      [1, retimed.latitude, '2026-03-20T10:20:00.000Z', relief.agency],
    ]);
    expect(seen[2]).toEqual({
      deviceId: retimed.deviceId,
      sequence: 1,
      differences: ['DEVICE_TIME', 'LONGITUDE'],
      receivedAt: '2026-03-20T10:20:00.000Z',
      sentBy: relief.agency,
      onRecord: { deviceTime: points[1]!.deviceTime, receivedAt: NOW, latitude: points[1]!.latitude, longitude: points[1]!.longitude },
      sent: { deviceTime: '2026-03-20T10:15:00.000Z', latitude: retimed.latitude, longitude: 34.35 },
    });
    expect((await h.ok(monitor, CONFLICTS, { id: c.id, last: 1 })).convoy.positionConflicts.map((x: any) => x.sent.latitude)).toEqual([31.3]);
    expect(codes(await h.run(monitor, CONFLICTS, { id: c.id, last: 1001 }))).toEqual(['BAD_USER_INPUT']);
  });

  it('resolves a point repeated inside one batch without error: the first wins, the others are duplicates or conflicts against it', async () => {
    const c = await h.convoyAt(corridor.id, 'IN_TRANSIT');
    const [p0, p1, p2] = track(c.id, 3);
    const batch = [p0, p0, { ...p0!, longitude: 35.1 }, p1, { ...p1!, deviceTime: '2026-03-20T09:00:00.000Z' }, { ...p1!, deviceTime: '2026-03-20T09:00:00.000Z' }];
    const r = await send(batch);
    expect(r.errors).toBeUndefined();
    const result = r.data!.recordConvoyPositions;
    expect(result).toMatchObject({ accepted: 6, new: 2, duplicates: 1, conflicts: 3, rejected: [] });
    expect(result.conflicting.map((x: any) => [x.index, x.storedFromIndex, x.differences, x.onRecord.longitude, x.onRecord.deviceTime])).toEqual([
      [2, 0, ['LONGITUDE'], p0!.longitude, p0!.deviceTime],
      [4, 3, ['DEVICE_TIME'], p1!.longitude, p1!.deviceTime],
      [5, 3, ['DEVICE_TIME'], p1!.longitude, p1!.deviceTime],
    ]);
    expect(result.conflicting[0].message).toMatch(/\(stored from index 0 of this batch\)/);
    expect((await positionsOf(c.id)).map((p) => [p.sequence, p.deviceTime, p.longitude])).toEqual([
      [1, p1!.deviceTime, p1!.longitude],
      [0, p0!.deviceTime, p0!.longitude],
    ]);
    // The same disagreeing version twice in a batch is logged once.
    expect((await conflictRows(c.id)).map((x: any) => [x.sequence, x.device_time, x.longitude])).toEqual([
      [0, p0!.deviceTime, 35.1],
      [1, '2026-03-20T09:00:00.000Z', p1!.longitude],
    ]);

    // When the point was on record before the batch, every repeat is compared with that one.
    const r2 = await send([{ ...p2!, latitude: 30 }, p2, { ...p2!, latitude: 30.5 }, { ...p0!, latitude: 30 }]);
    expect(r2.data!.recordConvoyPositions).toMatchObject({ accepted: 4, new: 1, duplicates: 0, conflicts: 3 });
    expect(r2.data!.recordConvoyPositions.conflicting.map((x: any) => [x.index, x.storedFromIndex, x.onRecord.latitude])).toEqual([
      [1, 0, 30],
      [2, 0, 30],
      [3, null, p0!.latitude],
    ]);
  });

  // A batch new to the store goes in with a plain INSERT, which meets the other batch's key, fails and is
  // run again the careful way; a batch partly on record goes in with ON CONFLICT, which waits for that key
  // and finds its row missing from the statement's snapshot, so the points are compared in a second look.
  it.each([
    ['all new to the store', false],
    ['partly on record already', true],
  ])('waits for a concurrent batch holding the same points, then counts them against its rows (%s)', async (_, partlyOnRecord) => {
    const c = await h.convoyAt(corridor.id, 'IN_TRANSIT');
    const points = track(c.id, 4);
    const [p0, p1, , p3] = points;
    if (partlyOnRecord) expect((await send([p3])).data!.recordConvoyPositions).toMatchObject({ new: 1 });
    // Another batch has stored sequence 0 as sent here and sequence 1 elsewhere, and not committed yet.
    const other = h.db.createQueryRunner();
    await other.connect();
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      await other.startTransaction();
      await other.query(
        `INSERT INTO convoy_position (convoy_id, device_id, sequence, device_time, received_at, latitude, longitude)
         VALUES ($1, $2, 0, $3, $4, $5, $6), ($1, $2, 1, $7, $4, 30, $8)`,
        [c.id, p0!.deviceId, p0!.deviceTime, '2026-03-20T09:59:30.000Z', p0!.latitude, p0!.longitude, p1!.deviceTime, p1!.longitude],
      );
      const pending = send([...points, p1]);
      // This batch's statement began before the other committed, so it cannot see those two rows.
      for (let i = 0; i < 250; i++) {
        const [w] = await h.db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
        if (w.n > 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await other.commitTransaction();
      const result = (await pending).data!.recordConvoyPositions;
      expect(result).toMatchObject({ accepted: 5, new: partlyOnRecord ? 1 : 2, duplicates: partlyOnRecord ? 2 : 1, conflicts: 2, rejected: [] });
      expect(result.conflicting.map((x: any) => [x.index, x.storedFromIndex, x.differences, x.onRecord.receivedAt])).toEqual([
        [1, null, ['LATITUDE'], '2026-03-20T09:59:30.000Z'],
        [4, null, ['LATITUDE'], '2026-03-20T09:59:30.000Z'],
      ]);
      // Only the plain INSERT fails (and its failure is logged as a failed statement).
      expect(logged.mock.calls.some(([line]) => /convoy_position_pkey/.test(String(line)))).toBe(!partlyOnRecord);
    } finally {
      logged.mockRestore();
      if (other.isTransactionActive) await other.rollbackTransaction();
      await other.release();
    }
    expect(await stored(c.id)).toBe(4);
    expect((await conflictRows(c.id)).map((x: any) => [x.sequence, x.latitude])).toEqual([[1, p1!.latitude]]);
  });

  it('answers a batch retried with its Idempotency-Key from the first response, writing nothing again', async () => {
    const c = await h.convoyAt(corridor.id, 'IN_TRANSIT');
    const points = track(c.id, 3);
    const key = `positions-${c.id}`;
    const first = await h.call('corridors', relief, RECORD_POSITIONS, { input: { points } }, { idempotencyKey: key });
    expect(first.body.data!.recordConvoyPositions).toMatchObject({ accepted: 3, new: 3 });
    const before = await h.counts();
    const retry = await h.call('corridors', relief, RECORD_POSITIONS, { input: { points } }, { idempotencyKey: key });
    expect(retry.replayed).toBe(true);
    expect(retry.body).toEqual(first.body);
    const other = await h.call('corridors', relief, RECORD_POSITIONS, { input: { points: track(c.id, 2) } }, { idempotencyKey: key });
    expect(codes(other.body)).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    expect(await h.counts()).toEqual(before);
  });

  it('stores a whole batch or nothing of it', async () => {
    const c = await h.convoyAt(corridor.id, 'IN_TRANSIT');
    const [old] = track(c.id, 1);
    await send([old]);
    // Make the conflict log refuse its next row; the new points of the same batch must not stay behind.
    await h.db.query(`CREATE FUNCTION refuse_conflict() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'conflict log unavailable'; END $$`);
    await h.db.query(`CREATE TRIGGER refuse_conflict BEFORE INSERT ON convoy_position_conflict FOR EACH ROW EXECUTE FUNCTION refuse_conflict()`);
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const before = await h.counts();
      const r = await send([...track(c.id, 5, '2026-03-20T09:30:00Z'), { ...old!, latitude: 30 }]);
      expect(codes(r)).toEqual(['INTERNAL_SERVER_ERROR']);
      expect(r.errors![0]!.message).not.toMatch(/conflict log unavailable|INSERT|convoy_position/);
      expect(await h.counts()).toEqual(before);
    } finally {
      quiet.mockRestore();
      await h.db.query('DROP TRIGGER refuse_conflict ON convoy_position_conflict');
      await h.db.query('DROP FUNCTION refuse_conflict()');
    }
  });
});

describe('telemetry gaps', () => {
  const GAPS = `query ($id: ID!) { convoy(id: $id) { status telemetryGaps { from to minutes ongoing kind } } }`;
  const gaps = async (id: string) => (await h.ok(relief, GAPS, { id })).convoy.telemetryGaps;

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
    expect(r.data!.convoy.telemetryGaps).toEqual([
      { from: '2026-03-20T07:00:00.000Z', to: '2026-03-20T08:00:00.000Z', minutes: 60, ongoing: false, kind: 'BEFORE_FIRST_POSITION' },
      { from: '2026-03-20T08:30:00.000Z', to: '2026-03-20T09:05:00.000Z', minutes: 35, ongoing: false, kind: 'BETWEEN_POSITIONS' },
    ]);
  });

  it('flags an ongoing silence while the convoy is on the move, and measures it to the delivery once it has arrived', async () => {
    const c = await h.convoyAt(corridor.id, 'IN_TRANSIT'); // at the crossing since 07:00
    await send([...track(c.id, 2, '2026-03-20T07:20:00Z'), ...track(c.id, 5, '2026-03-20T07:45:00Z'), ...track(c.id, 5, '2026-03-20T09:50:00Z')]);
    const between = { from: '2026-03-20T07:45:00.000Z', to: '2026-03-20T09:46:00.000Z', minutes: 121, ongoing: false, kind: 'BETWEEN_POSITIONS' };
    expect(await gaps(c.id)).toEqual([between]);
    h.clock.set('2026-03-20T10:35:00Z');
    expect(await gaps(c.id)).toEqual([between, { from: '2026-03-20T09:50:00.000Z', to: null, minutes: 45, ongoing: true, kind: 'AFTER_LAST_POSITION' }]);
    await h.advance(relief, c.id, 'DELIVERED', { at: '2026-03-20T10:15:00Z' });
    expect(await gaps(c.id)).toEqual([between]);
    h.clock.set('2026-03-20T12:00:00Z');
    expect(await gaps(c.id)).toEqual([between]);
  });

  it('counts a convoy at the crossing that never reported as silent since it arrived', async () => {
    const c = await h.convoyAt(corridor.id, 'AT_CROSSING'); // at the crossing since 07:00
    expect(await gaps(c.id)).toEqual([{ from: '2026-03-20T07:00:00.000Z', to: null, minutes: 180, ongoing: true, kind: 'NO_POSITION' }]);
  });

  it('flags the silence from arrival at the crossing to the first position, and from the last position to the end state', async () => {
    const c = await h.convoyAt(corridor.id, 'IN_TRANSIT'); // at the crossing since 07:00, in transit from 10:00
    // Points before the arrival (06:40–06:50) and after the delivery (11:40–11:50) are outside the movement:
    // they neither shorten its silences nor make gaps of their own.
    await send([...track(c.id, 11, '2026-03-20T06:50:00Z'), ...track(c.id, 11, '2026-03-20T08:10:00Z')]);
    h.clock.set('2026-03-20T12:00:00Z');
    await h.advance(relief, c.id, 'DELIVERED', { at: '2026-03-20T11:30:00Z' });
    await send(track(c.id, 11, '2026-03-20T11:50:00Z'));
    expect(await gaps(c.id)).toEqual([
      { from: '2026-03-20T07:00:00.000Z', to: '2026-03-20T08:00:00.000Z', minutes: 60, ongoing: false, kind: 'BEFORE_FIRST_POSITION' },
      { from: '2026-03-20T08:10:00.000Z', to: '2026-03-20T11:30:00.000Z', minutes: 200, ongoing: false, kind: 'AFTER_LAST_POSITION' },
    ]);
  });

  it('counts a convoy that reached its end state without any position as one gap over its whole movement', async () => {
    const delivered = await h.convoyAt(corridor.id, 'DELIVERED'); // at the crossing 07:00, delivered 10:00
    expect(await gaps(delivered.id)).toEqual([{ from: '2026-03-20T07:00:00.000Z', to: '2026-03-20T10:00:00.000Z', minutes: 180, ongoing: false, kind: 'NO_POSITION' }]);
    const intercepted = await h.convoyAt(corridor.id, 'IN_TRANSIT');
    await h.advance(relief, intercepted.id, 'INTERCEPTED');
    expect(await gaps(intercepted.id)).toEqual([{ from: '2026-03-20T07:00:00.000Z', to: '2026-03-20T10:00:00.000Z', minutes: 180, ongoing: false, kind: 'NO_POSITION' }]);
    // A short movement without positions is no gap; a convoy that never moved has none.
    h.clock.set('2026-03-20T07:20:00Z');
    const quick = await h.requestConvoy(corridor.id, relief, { requestedAt: '2026-03-20T06:00:00Z' });
    await h.advance(monitor, quick.id, 'CLEARED', { at: '2026-03-20T06:30:00Z' });
    await h.advance(relief, quick.id, 'AT_CROSSING', { at: '2026-03-20T07:00:00Z' });
    expect(await gaps(quick.id)).toEqual([]);
    h.clock.set(NOW);
    expect(await gaps((await h.convoyAt(corridor.id, 'CLEARED')).id)).toEqual([]);
    const denied = await h.requestConvoy(corridor.id);
    await h.advance(monitor, denied.id, 'DENIED');
    expect(await gaps(denied.id)).toEqual([]);
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
    const query = `query ($id: ID!) { corridor(id: $id) { convoys { status telemetryGaps { minutes } positions(last: 3) { sequence } positionConflicts { sequence onRecord { latitude } } cargo { trucks } events { to } inspections { result rejectedItems { reason } } } } }`;
    const measure = async () => {
      const m = await statements.measure(() => h.local(relief, query, { id: busy.id }));
      expect(m.result.errors).toBeUndefined();
      return m;
    };
    const addConvoys = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const c = await h.convoyAt(busy.id, 'IN_TRANSIT');
        const points = [...track(c.id, 3, '2026-03-20T08:00:00Z'), ...track(c.id, 3, '2026-03-20T09:00:00Z')];
        await send([...points, { ...points[0]!, latitude: 30 }]);
      }
    };
    await addConvoys(2);
    const few = await measure();
    await addConvoys(10);
    const many = await measure();
    expect(many.result.data!.corridor.convoys).toHaveLength(12);
    // From the arrival at 07:00 to the first point at 07:58, between 08:00 and 08:58, and ongoing since 09:00.
    expect(many.result.data!.corridor.convoys[0].telemetryGaps).toEqual([{ minutes: 58 }, { minutes: 58 }, { minutes: 60 }]);
    expect(many.result.data!.corridor.convoys.map((c: any) => c.positionConflicts.length)).toEqual(Array(12).fill(1));
    expect(many.count).toBe(few.count);
  });
});

describe('reading positions', () => {
  it('refuses an out-of-range `last`', async () => {
    const c = await h.convoyAt(corridor.id, 'CLEARED');
    expect(codes(await h.run(relief, `query ($id: ID!) { convoy(id: $id) { positions(last: 0) { sequence } } }`, { id: c.id }))).toEqual(['BAD_USER_INPUT']);
  });
});
