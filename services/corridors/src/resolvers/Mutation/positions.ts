import type { EntityManager } from 'typeorm';
import { BadUserInputError, isUuid, type Caller } from '@treaty/service-kit';
import { MAX_POINTS_PER_BATCH, classifyPoints, conflictMessage, differences, firstOfEach, type PointDraft } from '../../domain/positions.js';
import type { MutationRecordConvoyPositionsArgs } from '../../generated/graphql.js';
import type { Context } from '../../context.js';

/** The point of record for a resend, as read back after this batch's own inserts. */
interface Comparison {
  idx: number;
  same: boolean;
  record_time: Date;
  record_latitude: number;
  record_longitude: number;
  record_received_at: Date;
}

/** Column arrays of the points at `indexes`, for `unnest`: one parameter per column, whatever the count. */
function columns(points: readonly PointDraft[], indexes: readonly number[]) {
  const c = { idx: [] as number[], convoy: [] as string[], device: [] as string[], sequence: [] as number[], time: [] as string[], lat: [] as number[], lon: [] as number[] };
  for (const i of indexes) {
    const pt = points[i]!;
    c.idx.push(i);
    c.convoy.push(pt.convoyId.toLowerCase());
    c.device.push(pt.deviceId);
    c.sequence.push(pt.sequence);
    c.time.push(pt.deviceTime.toISOString());
    c.lat.push(pt.latitude);
    c.lon.push(pt.longitude);
  }
  return [c.idx, c.convoy, c.device, c.sequence, c.time, c.lat, c.lon];
}

const SENT = `unnest($1::integer[], $2::uuid[], $3::text[], $4::integer[], $5::timestamptz[], $6::float8[], $7::float8[])
  AS u(idx, convoy_id, device_id, sequence, device_time, latitude, longitude)`;

/**
 * Offers the first point of each (convoy, device, sequence) for storage; returns the indexes of those
 * stored now. Rows go in key order so that two batches sharing points take their locks in the same order
 * and cannot deadlock. A key held by a concurrent batch waits for it, then counts as already on record.
 */
async function store(m: EntityManager, points: readonly PointDraft[], first: readonly number[], now: Date): Promise<number[]> {
  const [row]: { stored: number[] }[] = await m.query(
    `WITH sent AS (SELECT * FROM ${SENT}),
     stored AS (
       INSERT INTO convoy_position (convoy_id, device_id, sequence, device_time, received_at, latitude, longitude)
       SELECT convoy_id, device_id, sequence, device_time, $8::timestamptz, latitude, longitude
       FROM sent ORDER BY convoy_id, device_id, sequence
       ON CONFLICT (convoy_id, device_id, sequence) DO NOTHING
       RETURNING convoy_id, device_id, sequence
     )
     SELECT coalesce(array_agg(s.idx ORDER BY s.idx), '{}')::integer[] AS stored FROM stored JOIN sent s USING (convoy_id, device_id, sequence)`,
    [...columns(points, first), now.toISOString()],
  );
  return row!.stored;
}

/**
 * Compares every point not stored now with the point of record for its key, and logs each that disagrees
 * in convoy_position_conflict, in one statement. It runs after `store` in the same transaction, so it
 * sees this batch's own rows (a repeat inside the batch meets its first) and any a concurrent batch
 * committed while `store` waited for it: every point compared has a point of record.
 */
async function compareAndLog(m: EntityManager, points: readonly PointDraft[], indexes: readonly number[], now: Date, caller: Caller): Promise<Map<number, Comparison>> {
  const rows: Comparison[] = await m.query(
    `WITH sent AS (SELECT * FROM ${SENT}),
     compared AS (
       SELECT s.*, p.device_time AS record_time, p.latitude AS record_latitude, p.longitude AS record_longitude, p.received_at AS record_received_at,
              (p.device_time = s.device_time AND p.latitude = s.latitude AND p.longitude = s.longitude) AS same
       FROM sent s JOIN convoy_position p USING (convoy_id, device_id, sequence)
     ),
     logged AS (
       INSERT INTO convoy_position_conflict (convoy_id, device_id, sequence, device_time, latitude, longitude, received_at, sent_by, sent_by_subject)
       SELECT convoy_id, device_id, sequence, device_time, latitude, longitude, $8::timestamptz, $9::text, $10::text
       FROM compared WHERE NOT same ORDER BY convoy_id, device_id, sequence, idx
       ON CONFLICT (convoy_id, device_id, sequence, device_time, latitude, longitude) DO NOTHING
     )
     SELECT idx, same, record_time, record_latitude, record_longitude, record_received_at FROM compared`,
    [...columns(points, indexes), now.toISOString(), caller.agency, caller.subject],
  );
  const byIndex = new Map(rows.map((r) => [r.idx, r]));
  if (byIndex.size !== indexes.length) throw new Error(`recordConvoyPositions: ${indexes.length - byIndex.size} point(s) not stored have no point of record`);
  return byIndex;
}

export const positionMutations = {
  /**
   * A fixed number of statements whatever the size of the batch, in one transaction: one SELECT of the
   * convoys named, one INSERT … ON CONFLICT DO NOTHING of the first point of each key, and, only when some
   * points were already on record, one statement comparing them with it and logging the conflicts.
   */
  async recordConvoyPositions(_: unknown, { input }: MutationRecordConvoyPositionsArgs, ctx: Context) {
    const points = input.points;
    if (points.length === 0 || points.length > MAX_POINTS_PER_BATCH) {
      throw BadUserInputError.one('input.points', `A batch holds 1 to ${MAX_POINTS_PER_BATCH} points; got ${points.length}. Split larger uploads into several batches.`);
    }
    const now = ctx.clock.now();
    const ids = [...new Set(points.map((pt) => pt.convoyId).filter(isUuid).map((id) => id.toLowerCase()))];
    return ctx.db.transaction(async (m) => {
      const rows: { id: string; agency: string }[] = ids.length ? await m.query('SELECT id, agency FROM convoy WHERE id = ANY($1::uuid[])', [ids]) : [];
      const { valid, rejected } = classifyPoints(points, new Map(rows.map((r) => [r.id, r.agency])), ctx.caller.agency, now);
      const { first, repeatOf } = firstOfEach(points, valid);
      const stored = new Set(first.length ? await store(m, points, first, now) : []);
      const resent = valid.filter((i) => !stored.has(i));
      const compared = resent.length ? await compareAndLog(m, points, resent, now, ctx.caller) : new Map<number, Comparison>();

      const conflicting = [];
      for (const index of resent) {
        const c = compared.get(index)!;
        if (c.same) continue;
        const pt = points[index]!;
        const onRecord = {
          convoyId: pt.convoyId.toLowerCase(),
          deviceId: pt.deviceId,
          sequence: pt.sequence,
          deviceTime: c.record_time,
          receivedAt: c.record_received_at,
          latitude: c.record_latitude,
          longitude: c.record_longitude,
        };
        const firstIndex = repeatOf.get(index);
        const storedFromIndex = firstIndex !== undefined && stored.has(firstIndex) ? firstIndex : null;
        conflicting.push({
          index,
          convoyId: onRecord.convoyId,
          deviceId: pt.deviceId,
          sequence: pt.sequence,
          onRecord,
          sent: { deviceTime: pt.deviceTime, latitude: pt.latitude, longitude: pt.longitude },
          differences: differences(onRecord, pt),
          storedFromIndex,
          message: conflictMessage(pt, onRecord, storedFromIndex),
        });
      }
      return {
        accepted: valid.length,
        new: stored.size,
        duplicates: resent.length - conflicting.length,
        conflicts: conflicting.length,
        conflicting,
        rejected,
      };
    });
  },
};
