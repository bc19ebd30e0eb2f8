import type { EntityManager } from 'typeorm';
import { BadUserInputError, isUniqueViolation, isUuid, type Caller } from '@treaty/service-kit';
import {
  FUTURE_TOLERANCE_MS,
  MAX_POINTS_PER_BATCH,
  batchPoints,
  classifyPoints,
  conflictMessage,
  differences,
  firstOfEach,
  ownReasons,
  type PointDraft,
  type RejectedPoint,
} from '../../domain/positions.js';
import type { MutationRecordConvoyPositionsArgs } from '../../generated/graphql.js';
import type { Context } from '../../context.js';

/** The point of record a resent point was compared with, and whether this same batch stored it. */
interface Comparison {
  index: number;
  same: boolean;
  recordTime: Date;
  recordLatitude: number;
  recordLongitude: number;
  recordReceivedAt: Date;
  storedNow: boolean;
}

/** Element type oids of PostgreSQL's int4 and float8, as its binary array format names them. */
const INT4 = { oid: 23, width: 4 } as const;
const FLOAT8 = { oid: 701, width: 8 } as const;

/**
 * A one-dimensional array in PostgreSQL's binary format (what array_recv reads: dimensions, element type,
 * then each element with its length), sent as a binary parameter. A batch's numeric columns go this way:
 * no number is printed here or parsed there (the text form cost about twice the CPU on both sides), and a
 * float8 arrives as the exact double that was sent. -0 is sent as 0, as its text form would be.
 */
function binaryArray(type: typeof INT4 | typeof FLOAT8, values: readonly number[]): Buffer {
  const buf = Buffer.allocUnsafe(20 + values.length * (4 + type.width));
  buf.writeInt32BE(1, 0);
  buf.writeInt32BE(0, 4);
  buf.writeInt32BE(type.oid, 8);
  buf.writeInt32BE(values.length, 12);
  buf.writeInt32BE(1, 16);
  let at = 20;
  for (const v of values) {
    buf.writeInt32BE(type.width, at);
    if (type.width === 4) buf.writeInt32BE(v, at + 4);
    else buf.writeDoubleBE(v === 0 ? 0 : v, at + 4);
    at += 4 + type.width;
  }
  return buf;
}

/** A PostgreSQL array literal of text, each element quoted (device ids may hold any character but NUL). */
const texts = (values: readonly string[]) => `{${values.map((v) => `"${v.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;

/**
 * The batch as the statement takes it. Points are offered in storage order, the first of each identity
 * (in batch order), then the repeats (in batch order): `ord` n in the statement is `order[n - 1]` here.
 * Convoys and (convoy, device) pairs are sent once each and referred to by position, so a point is five
 * numbers, and PostgreSQL parses no UUID, text or timestamp per point (device times go as milliseconds
 * since the epoch, exact in float8, and become timestamptz in SQL). Each pair carries the lowest and
 * highest sequence of its firsts, for the statement's probe of what is already on record.
 */
function statementInput(points: readonly PointDraft[], first: readonly number[], repeats: readonly number[], convoyIds: readonly string[]) {
  const convoyRef = new Map(convoyIds.map((id, i) => [id, i + 1]));
  const pairs = new Map<number, Map<string, number>>();
  const pairConvoy: number[] = [];
  const pairDevice: string[] = [];
  const pairLow: number[] = [];
  const pairHigh: number[] = [];
  const order = first.length === 0 ? repeats : repeats.length === 0 ? first : [...first, ...repeats];
  const pair: number[] = new Array(order.length);
  const sequence: number[] = new Array(order.length);
  const time: number[] = new Array(order.length);
  const latitude: number[] = new Array(order.length);
  const longitude: number[] = new Array(order.length);
  for (let n = 0; n < order.length; n++) {
    const p = points[order[n]!]!;
    const convoy = convoyRef.get(p.convoyId.toLowerCase())!;
    let devices = pairs.get(convoy);
    if (devices === undefined) pairs.set(convoy, (devices = new Map()));
    let ref = devices.get(p.deviceId);
    if (ref === undefined) {
      pairConvoy.push(convoy);
      pairDevice.push(p.deviceId);
      pairLow.push(p.sequence);
      pairHigh.push(p.sequence);
      devices.set(p.deviceId, (ref = pairConvoy.length));
    } else if (n < first.length) {
      if (p.sequence < pairLow[ref - 1]!) pairLow[ref - 1] = p.sequence;
      if (p.sequence > pairHigh[ref - 1]!) pairHigh[ref - 1] = p.sequence;
    }
    pair[n] = ref;
    sequence[n] = p.sequence;
    time[n] = p.deviceTime.getTime();
    latitude[n] = p.latitude;
    longitude[n] = p.longitude;
  }
  return {
    order,
    params: [
      binaryArray(INT4, pairConvoy),
      texts(pairDevice),
      binaryArray(INT4, pairLow),
      binaryArray(INT4, pairHigh),
      binaryArray(INT4, pair),
      binaryArray(INT4, sequence),
      binaryArray(FLOAT8, time),
      binaryArray(FLOAT8, latitude),
      binaryArray(FLOAT8, longitude),
    ],
  };
}

/**
 * One statement stores a batch and accounts for every point in it. The convoys named are looked up
 * (which exist, and whose they are, for the refusals); the points of the caller's own convoys are
 * joined to them, so no other agency's convoy can be written whatever the caller sent. The first point of
 * each identity is inserted, in key order so that two batches sharing points take their locks in the
 * same order and cannot deadlock.
 *
 * How it is inserted depends on one probe: whether anything is on record within the sequence range of
 * any device of the batch (one index range scan per device). Live trackers send points never seen, and
 * then a plain INSERT stores them (`fresh`); a resend, or a batch whose range overlaps what is on record,
 * goes through INSERT … ON CONFLICT DO NOTHING (`careful`), where a key held by a concurrent batch waits
 * for it, then counts as on record. ON CONFLICT costs PostgreSQL about a fifth more per row, hence the
 * probe. Should a concurrent batch store one of these keys after the probe, the plain INSERT fails on the
 * primary key and the batch is run again with $15 set, the careful way (see recordConvoyPositions).
 *
 * Every point not stored now (a repeat inside the batch, or a first whose key was on record) is compared
 * with the point of record: the one this statement stored (from RETURNING, as a statement cannot see its
 * own inserts), or the one on record before it; each that disagrees is logged in convoy_position_conflict.
 * A key stored by a batch that committed after this statement began is not in its snapshot: such points
 * come back as `unresolved`, for `compareAndLog`.
 *
 * $1 convoy ids; $2 to $5 per (convoy, device) pair: convoy (position in $1), device, lowest and highest
 * sequence of its firsts; $6 to $10 per point: pair (position in $2), sequence, device time in ms,
 * latitude, longitude; $11 how many leading points are firsts; $12 receipt time; $13 the caller's agency;
 * $14 the caller's subject; $15 whether to insert the careful way whatever the probe finds.
 */
const STORE = `
WITH convoy_of AS (
  SELECT c.ord::int AS ord, c.id, v.agency
  FROM unnest($1::uuid[]) WITH ORDINALITY AS c(id, ord) JOIN convoy v ON v.id = c.id
),
pair AS (
  SELECT p.ord::int AS ord, c.id AS convoy_id, p.device_id, p.low, p.high
  FROM unnest($2::int[], $3::text[], $4::int[], $5::int[]) WITH ORDINALITY AS p(convoy, device_id, low, high, ord)
  JOIN convoy_of c ON c.ord = p.convoy AND c.agency = $13::text
),
sent AS (
  SELECT s.ord::int AS ord, p.convoy_id, p.device_id, s.sequence, to_timestamp(s.ms / 1000) AS device_time, s.latitude, s.longitude
  FROM unnest($6::int[], $7::int[], $8::float8[], $9::float8[], $10::float8[]) WITH ORDINALITY AS s(pair, sequence, ms, latitude, longitude, ord)
  JOIN pair p ON p.ord = s.pair
),
probe AS (
  SELECT $15::boolean OR EXISTS (
    SELECT FROM pair p JOIN convoy_position r ON r.convoy_id = p.convoy_id AND r.device_id = p.device_id AND r.sequence BETWEEN p.low AND p.high
  ) AS careful
),
fresh AS (
  INSERT INTO convoy_position (convoy_id, device_id, sequence, device_time, received_at, latitude, longitude)
  SELECT convoy_id, device_id, sequence, device_time, $12::timestamptz, latitude, longitude
  FROM sent WHERE ord <= $11::int AND NOT (SELECT careful FROM probe)
  ORDER BY convoy_id, device_id, sequence
  RETURNING convoy_id, device_id, sequence, device_time, latitude, longitude
),
careful AS (
  INSERT INTO convoy_position (convoy_id, device_id, sequence, device_time, received_at, latitude, longitude)
  SELECT convoy_id, device_id, sequence, device_time, $12::timestamptz, latitude, longitude
  FROM sent WHERE ord <= $11::int AND (SELECT careful FROM probe)
  ORDER BY convoy_id, device_id, sequence
  ON CONFLICT (convoy_id, device_id, sequence) DO NOTHING
  RETURNING convoy_id, device_id, sequence, device_time, latitude, longitude
),
stored AS (SELECT * FROM fresh UNION ALL SELECT * FROM careful),
stored_count AS (SELECT count(*)::int AS n FROM stored),
resent AS (
  SELECT s.* FROM sent s
  WHERE s.ord > $11::int
     OR ((SELECT n FROM stored_count) < $11::int
         AND NOT EXISTS (SELECT FROM stored t WHERE t.convoy_id = s.convoy_id AND t.device_id = s.device_id AND t.sequence = s.sequence))
),
compared AS (
  SELECT r.*,
         coalesce(t.device_time, p.device_time) AS record_time,
         coalesce(t.latitude, p.latitude) AS record_latitude,
         coalesce(t.longitude, p.longitude) AS record_longitude,
         CASE WHEN t.convoy_id IS NULL THEN p.received_at ELSE $12::timestamptz END AS record_received_at,
         t.convoy_id IS NOT NULL AS stored_now,
         (coalesce(t.device_time, p.device_time) = r.device_time AND coalesce(t.latitude, p.latitude) = r.latitude
          AND coalesce(t.longitude, p.longitude) = r.longitude) AS same
  FROM resent r
  LEFT JOIN stored t ON t.convoy_id = r.convoy_id AND t.device_id = r.device_id AND t.sequence = r.sequence
  -- Lateral, so each resent point is one primary-key probe whatever the planner guesses of their number.
  LEFT JOIN LATERAL (
    SELECT p.device_time, p.latitude, p.longitude, p.received_at FROM convoy_position p
    WHERE p.convoy_id = r.convoy_id AND p.device_id = r.device_id AND p.sequence = r.sequence
  ) p ON true
),
logged AS (
  INSERT INTO convoy_position_conflict (convoy_id, device_id, sequence, device_time, latitude, longitude, received_at, sent_by, sent_by_subject)
  SELECT convoy_id, device_id, sequence, device_time, latitude, longitude, $12::timestamptz, $13::text, $14::text
  FROM compared WHERE NOT same ORDER BY convoy_id, device_id, sequence, ord
  ON CONFLICT (convoy_id, device_id, sequence, device_time, latitude, longitude) DO NOTHING
)
SELECT
  (SELECT coalesce(array_agg(ord ORDER BY ord), '{}') FROM convoy_of) AS found,
  (SELECT coalesce(array_agg(agency ORDER BY ord), '{}') FROM convoy_of) AS agencies,
  (SELECT count(*)::int FROM sent) AS accepted,
  (SELECT n FROM stored_count) AS stored,
  (SELECT count(*)::int FROM compared WHERE same) AS duplicates,
  (SELECT json_agg(json_build_array(ord, record_time, record_latitude, record_longitude, record_received_at, stored_now))
     FROM compared WHERE NOT same) AS conflicts,
  (SELECT coalesce(array_agg(ord ORDER BY ord), '{}') FROM compared WHERE same IS NULL) AS unresolved`;

interface StoreRow {
  found: number[];
  accepted: number;
  agencies: string[];
  stored: number;
  duplicates: number;
  /** [ord, record device time, latitude, longitude, received at, stored now] per disagreeing point. */
  conflicts: [number, string, number, number, string, boolean][] | null;
  unresolved: number[];
}

/**
 * Compares points whose key a concurrent batch stored after `STORE` began with the point of record, and
 * logs each that disagrees. A statement of its own, in the same transaction, so it takes a new snapshot
 * and sees that batch's rows. Only a race between batches sharing points comes here.
 */
async function compareAndLog(m: EntityManager, points: readonly PointDraft[], indexes: readonly number[], now: Date, caller: Caller): Promise<Comparison[]> {
  const rows: { idx: number; same: boolean; record_time: Date; record_latitude: number; record_longitude: number; record_received_at: Date }[] = await m.query(
    `WITH sent AS (
       SELECT u.idx, u.convoy_id, u.device_id, u.sequence, to_timestamp(u.ms / 1000) AS device_time, u.latitude, u.longitude
       FROM unnest($1::int[], $2::uuid[], $3::text[], $4::int[], $5::float8[], $6::float8[], $7::float8[]) AS u(idx, convoy_id, device_id, sequence, ms, latitude, longitude)
     ),
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
    [
      binaryArray(INT4, indexes),
      `{${indexes.map((i) => points[i]!.convoyId.toLowerCase()).join(',')}}`,
      texts(indexes.map((i) => points[i]!.deviceId)),
      binaryArray(INT4, indexes.map((i) => points[i]!.sequence)),
      binaryArray(FLOAT8, indexes.map((i) => points[i]!.deviceTime.getTime())),
      binaryArray(FLOAT8, indexes.map((i) => points[i]!.latitude)),
      binaryArray(FLOAT8, indexes.map((i) => points[i]!.longitude)),
      now.toISOString(),
      caller.agency,
      caller.subject,
    ],
  );
  if (rows.length !== indexes.length) throw new Error(`recordConvoyPositions: ${indexes.length - rows.length} point(s) not stored have no point of record`);
  return rows.map((r) => ({
    index: r.idx,
    same: r.same,
    recordTime: r.record_time,
    recordLatitude: r.record_latitude,
    recordLongitude: r.record_longitude,
    recordReceivedAt: r.record_received_at,
    storedNow: false,
  }));
}

export const positionMutations = {
  /**
   * One statement stores the batch, whatever its size and however many points were resent, in one
   * transaction (see STORE); only a concurrent batch storing some of the same points meanwhile costs
   * more (the careful retry, or compareAndLog). The per-point work here is kept to the checks and one pass building the columns: the
   * refusals and their messages are worked out only for a batch that has any.
   */
  async recordConvoyPositions(_: unknown, { input }: MutationRecordConvoyPositionsArgs, ctx: Context) {
    // Counted before the tracks are spread into points, so an oversized batch costs no copying.
    const sent = (input.points?.length ?? 0) + (input.tracks ?? []).reduce((n, t) => n + t.rows.length, 0);
    if (sent === 0 || sent > MAX_POINTS_PER_BATCH) {
      const field = input.tracks?.length ? (input.points?.length ? 'input' : 'input.tracks') : 'input.points';
      throw BadUserInputError.one(
        field,
        `A batch holds 1 to ${MAX_POINTS_PER_BATCH} points, in points and tracks together; got ${sent}. ${sent === 0 ? 'Send at least one point.' : 'Split larger uploads into several batches.'}`,
      );
    }
    const points = batchPoints(input.points, input.tracks);
    const now = ctx.clock.now();
    const limit = now.getTime() + FUTURE_TOLERANCE_MS;
    // Every well-formed convoy id is looked up (a refused point still names an unknown convoy as such);
    // the points that pass their own checks are the candidates for storage.
    const convoyIds = new Set<string>();
    const known = new Map<string, boolean>();
    const candidates: number[] = [];
    for (let i = 0; i < points.length; i++) {
      const p = points[i]!;
      let uuid = known.get(p.convoyId);
      if (uuid === undefined) {
        uuid = isUuid(p.convoyId);
        known.set(p.convoyId, uuid);
        if (uuid) convoyIds.add(p.convoyId.toLowerCase());
      }
      if (uuid && ownReasons(p, limit) === null) candidates.push(i);
    }
    const ids = [...convoyIds];
    const { first, repeatOf } = firstOfEach(points, candidates);
    const { order, params } = statementInput(points, first, [...repeatOf.keys()], ids);

    // Should a concurrent batch store one of these keys between the probe and the plain
    // INSERT, that INSERT fails on the primary key and the whole transaction (a savepoint inside a keyed
    // request's) rolls back; it then runs again the careful way, which waits for that batch's key.
    const store = (careful: boolean) => ctx.db.transaction(async (m) => {
      const [row]: StoreRow[] = await m.query(STORE, [`{${ids.join(',')}}`, ...params, first.length, now.toISOString(), ctx.caller.agency, ctx.caller.subject, careful]);
      const { accepted } = row!;
      let rejected: RejectedPoint[] = [];
      if (accepted !== points.length) {
        const owners = new Map(row!.found.map((ord, k) => [ids[ord - 1]!, row!.agencies[k]!]));
        const classified = classifyPoints(points, owners, ctx.caller.agency, now);
        // The statement and the domain rules must agree on which points were the caller's to store.
        if (classified.valid.length !== accepted) throw new Error(`recordConvoyPositions: the statement took ${accepted} points, the rules accept ${classified.valid.length}`);
        rejected = classified.rejected;
      }

      const compared: Comparison[] = (row!.conflicts ?? []).map(([ord, time, lat, lon, received, storedNow]) => ({
        index: order[ord - 1]!,
        same: false,
        recordTime: new Date(time),
        recordLatitude: lat,
        recordLongitude: lon,
        recordReceivedAt: new Date(received),
        storedNow,
      }));
      let duplicates = row!.duplicates;
      if (row!.unresolved.length) {
        for (const c of await compareAndLog(m, points, row!.unresolved.map((ord) => order[ord - 1]!), now, ctx.caller)) {
          if (c.same) duplicates += 1;
          else compared.push(c);
        }
      }
      if (row!.stored + duplicates + compared.length !== accepted) {
        throw new Error(`recordConvoyPositions: ${accepted} points accepted but ${row!.stored} stored, ${duplicates} duplicates and ${compared.length} conflicts`);
      }
      compared.sort((a, b) => a.index - b.index);

      const conflicting = compared.map((c) => {
        const pt = points[c.index]!;
        const onRecord = {
          convoyId: pt.convoyId.toLowerCase(),
          deviceId: pt.deviceId,
          sequence: pt.sequence,
          deviceTime: c.recordTime,
          receivedAt: c.recordReceivedAt,
          latitude: c.recordLatitude,
          longitude: c.recordLongitude,
        };
        const storedFromIndex = c.storedNow ? repeatOf.get(c.index)! : null;
        return {
          index: c.index,
          convoyId: onRecord.convoyId,
          deviceId: pt.deviceId,
          sequence: pt.sequence,
          onRecord,
          sent: { deviceTime: pt.deviceTime, latitude: pt.latitude, longitude: pt.longitude },
          differences: differences(onRecord, pt),
          storedFromIndex,
          message: conflictMessage(pt, onRecord, storedFromIndex),
        };
      });
      return { accepted, new: row!.stored, duplicates, conflicts: conflicting.length, conflicting, rejected };
    });
    try {
      return await store(false);
    } catch (e) {
      if (!isUniqueViolation(e, 'convoy_position_pkey')) throw e;
      return store(true);
    }
  },
};
