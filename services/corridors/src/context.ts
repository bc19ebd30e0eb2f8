import { In, type DataSource } from 'typeorm';
import { baseContext, preparedQuery, manyByKey, oneByKey, valueByKey, withReads, type BaseContext, type Caller, type ContextDeps } from '@treaty/service-kit';
import {
  Convoy,
  ConvoyCargoLine,
  ConvoyEvent,
  ConvoyPosition,
  Corridor,
  CorridorClosure,
  Incident,
  IncidentVerification,
  Inspection,
  LocalisedWindow,
  RejectedItem,
  type InspectionResult,
} from './entities/index.js';
import { parseWindowKey, tonnes } from './domain/metrics.js';
import { differences, type Fix, type PositionField } from './domain/positions.js';
import type { Point } from './domain/geometry.js';
import { createPeers, type Peers } from './peers.js';

export interface DeliveryTotals {
  convoys: number;
  trucks: number;
  tonnes: number;
}

export interface DeliveryDayRow extends DeliveryTotals {
  date: string;
}

export interface InspectionStats {
  inspections: number;
  passed: number;
  partial: number;
  rejected: number;
  rejectionRate: number | null;
  averageDwellMinutes: number | null;
  longestDwellMinutes: number | null;
}

/** A convoy's positions within its movement, as far as telemetry gaps need them. */
export interface Telemetry {
  /** Device time of the first and the last position within the movement; null when there is none. */
  first: Date | null;
  last: Date | null;
  /** [from, to] device times of each silence between consecutive positions longer than the threshold, oldest first. */
  between: [Date, Date][];
  /** Where the convoy was at `first` and at `last`, and on either side of each silence of `between` (same order). */
  places: { first: Point | null; last: Point | null; between: [Point, Point][] };
}

const NO_TELEMETRY = (): Telemetry => ({ first: null, last: null, between: [], places: { first: null, last: null, between: [] } });

/** A position of a convoy that may be inside a window: in its bounding box, within its agreed times. */
export interface WindowCandidate extends Point {
  windowId: string;
  deviceTime: Date;
}

/** A logged conflict with the position of record it disagrees with. */
export interface PositionConflictRow {
  convoyId: string;
  deviceId: string;
  sequence: number;
  sent: Fix;
  onRecord: ConvoyPosition;
  differences: PositionField[];
  receivedAt: Date;
  sentBy: string;
}

/** Metrics are scoped to an agreement (through its corridors) or to one corridor. */
export type Scope = 'agreement' | 'corridor';

const SCOPE_JOIN: Record<Scope, string> = {
  agreement: 'JOIN corridor c ON c.agreement_id = k.scope_id JOIN convoy cv ON cv.corridor_id = c.id',
  corridor: 'JOIN convoy cv ON cv.corridor_id = k.scope_id',
};

/**
 * Keys of windowed metrics (scope id, from, until, filter) become parallel arrays; `unnest … WITH
 * ORDINALITY` turns them into a key table, so a whole batch of keys, windows included, is one statement.
 */
function keyTable(keys: readonly string[]) {
  const parsed = keys.map(parseWindowKey);
  return {
    params: [parsed.map((k) => k.id), parsed.map((k) => k.from), parsed.map((k) => k.until), parsed.map((k) => k.extra)],
    sql: `unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], $4::text[]) WITH ORDINALITY AS k(scope_id, from_at, until_at, extra, idx)`,
  };
}

function byIndex<V>(keys: readonly string[], rows: { idx: string | number }[], value: (row: any) => V): Map<string, V> {
  const out = new Map<string, V>();
  for (const row of rows) out.set(keys[Number(row.idx) - 1]!, value(row));
  return out;
}

/** `v` is the incident's latest verification step: an incident's state is that of its latest step. */
const LATEST_STEP = 'NOT EXISTS (SELECT 1 FROM incident_verification later WHERE later.incident_id = v.incident_id AND later.sequence > v.sequence)';

const NO_DELIVERIES: DeliveryTotals = { convoys: 0, trucks: 0, tonnes: 0 };
const NO_INSPECTIONS: InspectionStats = { inspections: 0, passed: 0, partial: 0, rejected: 0, rejectionRate: null, averageDwellMinutes: null, longestDwellMinutes: null };

/** Per-request DataLoaders: every lookup a list or `_entities` fans out to is one statement per batch. */
export function createLoaders(db: DataSource) {
  const ids = (keys: readonly string[]) => In([...keys]);

  const deliveries = (scope: Scope) =>
    valueByKey<string, DeliveryTotals>(async (keys) => {
      const t = keyTable(keys);
      const rows = await preparedQuery(db, 
        `SELECT k.idx, count(*)::int AS convoys, coalesce(sum(n.trucks), 0)::int AS trucks, coalesce(sum(n.tonnes), 0)::text AS tonnes
         FROM ${t.sql} ${SCOPE_JOIN[scope]}
         JOIN convoy_event e ON e.convoy_id = cv.id AND e.to_status = 'DELIVERED' AND e.at >= k.from_at AND e.at < k.until_at
         JOIN convoy_net_cargo n ON n.convoy_id = cv.id
         GROUP BY k.idx`,
        t.params,
      );
      return byIndex(keys, rows, (r) => ({ convoys: r.convoys, trucks: r.trucks, tonnes: tonnes(r.tonnes) }));
    }, NO_DELIVERIES);

  const deliveriesByDay = (scope: Scope) =>
    valueByKey<string, DeliveryDayRow[]>(async (keys) => {
      const t = keyTable(keys);
      const rows: { idx: string; date: string; convoys: number; trucks: number; tonnes: string }[] = await preparedQuery(db, 
        `SELECT k.idx, to_char(e.at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS date,
                count(*)::int AS convoys, coalesce(sum(n.trucks), 0)::int AS trucks, coalesce(sum(n.tonnes), 0)::text AS tonnes
         FROM ${t.sql} ${SCOPE_JOIN[scope]}
         JOIN convoy_event e ON e.convoy_id = cv.id AND e.to_status = 'DELIVERED' AND e.at >= k.from_at AND e.at < k.until_at
         JOIN convoy_net_cargo n ON n.convoy_id = cv.id
         GROUP BY k.idx, 2
         ORDER BY k.idx, 2`,
        t.params,
      );
      const out = new Map<string, DeliveryDayRow[]>();
      for (const r of rows) {
        const key = keys[Number(r.idx) - 1]!;
        const list = out.get(key) ?? [];
        list.push({ date: r.date, convoys: r.convoys, trucks: r.trucks, tonnes: tonnes(r.tonnes) });
        out.set(key, list);
      }
      return out;
    }, []);

  const inspectionStats = (scope: Scope) =>
    valueByKey<string, InspectionStats>(async (keys) => {
      const t = keyTable(keys);
      const rows = await preparedQuery(db, 
        `SELECT k.idx, count(*)::int AS inspections,
                count(*) FILTER (WHERE i.result = 'PASSED')::int AS passed,
                count(*) FILTER (WHERE i.result = 'PARTIAL')::int AS partial,
                count(*) FILTER (WHERE i.result = 'REJECTED')::int AS rejected,
                avg(extract(epoch FROM i.ended_at - i.started_at) / 60)::float8 AS average,
                max(extract(epoch FROM i.ended_at - i.started_at) / 60)::float8 AS longest
         FROM ${t.sql} ${SCOPE_JOIN[scope]}
         JOIN inspection i ON i.convoy_id = cv.id AND i.started_at >= k.from_at AND i.started_at < k.until_at
         GROUP BY k.idx`,
        t.params,
      );
      return byIndex(keys, rows, (r) => ({
        inspections: r.inspections,
        passed: r.passed,
        partial: r.partial,
        rejected: r.rejected,
        rejectionRate: r.inspections ? Math.round(((r.partial + r.rejected) / r.inspections) * 10_000) / 10_000 : null,
        averageDwellMinutes: r.average === null ? null : Math.round(r.average * 100) / 100,
        longestDwellMinutes: r.longest === null ? null : Math.round(r.longest * 100) / 100,
      }));
    }, NO_INSPECTIONS);

  /**
   * VERIFIED incidents that occurred in a window, by agreement or by the party they are attributed to;
   * `extra` is a severity, or empty for all. An incident counts when its latest step is VERIFIED.
   */
  const verifiedViolations = (by: 'agreement' | 'party') =>
    valueByKey<string, number>(async (keys) => {
      const t = keyTable(keys);
      const scope = by === 'agreement' ? 'i.agreement_id = k.scope_id' : 'v.attributed_party_id = k.scope_id';
      const rows = await preparedQuery(db, 
        `SELECT k.idx, count(*)::int AS n
         FROM ${t.sql}
         JOIN incident_verification v ON v.state = 'VERIFIED' AND (k.extra = '' OR v.severity = k.extra)
         JOIN incident i ON i.id = v.incident_id AND i.occurred_at >= k.from_at AND i.occurred_at < k.until_at
         WHERE ${scope} AND ${LATEST_STEP}
         GROUP BY k.idx`,
        t.params,
      );
      return byIndex(keys, rows, (r) => r.n as number);
    }, 0);

  return {
    corridor: oneByKey((keys: readonly string[]) => db.getRepository(Corridor).findBy({ id: ids(keys) }), (c) => c.id),
    corridorsOfAgreement: manyByKey(
      (keys: readonly string[]) => db.getRepository(Corridor).find({ where: { agreementId: ids(keys) }, order: { name: 'ASC' } }),
      (c) => c.agreementId,
    ),
    closuresOfCorridor: manyByKey(
      (keys: readonly string[]) => db.getRepository(CorridorClosure).find({ where: { corridorId: ids(keys) }, order: { startsAt: 'DESC' } }),
      (c) => c.corridorId,
    ),
    convoy: oneByKey((keys: readonly string[]) => db.getRepository(Convoy).findBy({ id: ids(keys) }), (c) => c.id),
    convoysOfCorridor: manyByKey(
      (keys: readonly string[]) => db.getRepository(Convoy).find({ where: { corridorId: ids(keys) }, order: { requestedAt: 'DESC', id: 'ASC' } }),
      (c) => c.corridorId,
    ),
    cargoOfConvoy: manyByKey(
      (keys: readonly string[]) => db.getRepository(ConvoyCargoLine).find({ where: { convoyId: ids(keys) }, order: { position: 'ASC' } }),
      (l) => l.convoyId,
    ),
    eventsOfConvoy: manyByKey(
      (keys: readonly string[]) => db.getRepository(ConvoyEvent).find({ where: { convoyId: ids(keys) }, order: { sequence: 'ASC' } }),
      (e) => e.convoyId,
    ),
    inspectionsOfConvoy: manyByKey(
      (keys: readonly string[]) => db.getRepository(Inspection).find({ where: { convoyId: ids(keys) }, order: { startedAt: 'ASC' } }),
      (i) => i.convoyId,
    ),
    rejectedItemsOfInspection: manyByKey(
      (keys: readonly string[]) => db.getRepository(RejectedItem).find({ where: { inspectionId: ids(keys) }, order: { position: 'ASC' } }),
      (r) => r.inspectionId,
    ),
    /**
     * The positions of each convoy within its movement, keyed by windowKey(convoy id, movement, threshold
     * in minutes): the first and last, and the silences between consecutive ones longer than the
     * threshold. One window-function statement per batch; the span is inclusive at both ends.
     */
    telemetry: valueByKey<string, Telemetry>(
      async (keys) => {
        const t = keyTable(keys);
        const rows: {
          idx: string;
          prev_time: Date | null;
          prev_latitude: number | null;
          prev_longitude: number | null;
          device_time: Date;
          latitude: number;
          longitude: number;
          is_first: boolean;
          is_last: boolean;
          is_gap: boolean;
        }[] = await preparedQuery(db, 
          `SELECT s.idx, s.prev_time, s.prev_latitude, s.prev_longitude, s.device_time, s.latitude, s.longitude, s.prev_time IS NULL AS is_first, s.is_last,
                  coalesce(s.device_time - s.prev_time > make_interval(mins => s.extra::int), false) AS is_gap
           FROM (
             SELECT k.idx, k.extra, p.device_time, p.latitude, p.longitude,
                    lag(p.device_time) OVER w AS prev_time,
                    lag(p.latitude) OVER w AS prev_latitude,
                    lag(p.longitude) OVER w AS prev_longitude,
                    lead(p.device_time) OVER w IS NULL AS is_last
             FROM ${t.sql}
             JOIN convoy_position p ON p.convoy_id = k.scope_id AND p.device_time >= k.from_at AND p.device_time <= k.until_at
             WINDOW w AS (PARTITION BY k.idx ORDER BY p.device_time, p.device_id, p.sequence)
           ) s
           WHERE s.prev_time IS NULL OR s.is_last OR s.device_time - s.prev_time > make_interval(mins => s.extra::int)
           ORDER BY s.idx, s.device_time`,
          t.params,
        );
        const out = new Map<string, Telemetry>();
        for (const r of rows) {
          const key = keys[Number(r.idx) - 1]!;
          const t = out.get(key) ?? NO_TELEMETRY();
          const here = { latitude: r.latitude, longitude: r.longitude };
          if (r.is_first) [t.first, t.places.first] = [r.device_time, here];
          if (r.is_gap && r.prev_time) {
            t.between.push([r.prev_time, r.device_time]);
            t.places.between.push([{ latitude: r.prev_latitude!, longitude: r.prev_longitude! }, here]);
          }
          if (r.is_last) [t.last, t.places.last] = [r.device_time, here];
          out.set(key, t);
        }
        return out;
      },
      NO_TELEMETRY(),
    ),
    /** The latest `limit` positions of each convoy, one statement per batch and limit. */
    latestPositions: memo((limit: number) =>
      manyByKey(
        async (keys: readonly string[]) => {
          const rows: Record<string, any>[] = await preparedQuery(db, 
            `SELECT device_id, sequence, convoy_id, device_time, received_at, latitude, longitude
             FROM (
               SELECT p.*, row_number() OVER (PARTITION BY p.convoy_id ORDER BY p.device_time DESC, p.device_id, p.sequence DESC) AS rn
               FROM convoy_position p WHERE p.convoy_id = ANY($1::uuid[])
             ) s
             WHERE s.rn <= $2
             ORDER BY s.convoy_id, s.rn`,
            [[...keys], limit],
          );
          return rows.map(positionOfRow);
        },
        (p) => p.convoyId,
      ),
    ),
    /**
     * A page of each convoy's positions of record after a cursor (device time, device, sequence: the
     * order of `positions`), one statement for every convoy of the request asking the same page.
     * `page` is the JSON of [size] for a first page, or [size, deviceTimeMs, deviceId, sequence].
     */
    positionsPage: memo((page: string) =>
      manyByKey(
        async (keys: readonly string[]) => {
          const [size, time, device, sequence] = JSON.parse(page) as [number, number?, string?, number?];
          const after = time === undefined ? null : { time: new Date(time), device: device!, sequence: sequence! };
          const rows: Record<string, any>[] = await preparedQuery(
            db,
            `SELECT p.device_id, p.sequence, p.convoy_id, p.device_time, p.received_at, p.latitude, p.longitude
               FROM unnest($1::uuid[]) AS c(id)
               CROSS JOIN LATERAL (
                 SELECT * FROM convoy_position q
                  WHERE q.convoy_id = c.id
                    AND ($3::timestamptz IS NULL
                         OR q.device_time < $3 OR (q.device_time = $3 AND (q.device_id > $4 OR (q.device_id = $4 AND q.sequence < $5))))
                  ORDER BY q.device_time DESC, q.device_id, q.sequence DESC
                  LIMIT $2
               ) p
              ORDER BY p.convoy_id, p.device_time DESC, p.device_id, p.sequence DESC`,
            [[...keys], size + 1, after?.time ?? null, after?.device ?? null, after?.sequence ?? null],
          );
          return rows.map(positionOfRow);
        },
        (p) => p.convoyId,
      ),
    ),
    /**
     * The latest `limit` logged conflicts of each convoy with the position of record they disagree with,
     * one statement per batch and limit.
     */
    latestPositionConflicts: memo((limit: number) =>
      manyByKey(
        async (keys: readonly string[]) => {
          const rows: Record<string, any>[] = await preparedQuery(db, 
            `SELECT k.convoy_id, k.device_id, k.sequence, k.device_time, k.latitude, k.longitude, k.received_at, k.sent_by,
                    p.device_time AS record_time, p.latitude AS record_latitude, p.longitude AS record_longitude, p.received_at AS record_received_at
             FROM (
               SELECT c.*, row_number() OVER (PARTITION BY c.convoy_id ORDER BY c.received_at DESC, c.device_id, c.sequence, c.id) AS rn
               FROM convoy_position_conflict c WHERE c.convoy_id = ANY($1::uuid[])
             ) k
             JOIN convoy_position p USING (convoy_id, device_id, sequence)
             WHERE k.rn <= $2
             ORDER BY k.convoy_id, k.rn`,
            [[...keys], limit],
          );
          return rows.map((r): PositionConflictRow => {
            const sent: Fix = { deviceTime: r.device_time, latitude: r.latitude, longitude: r.longitude };
            const onRecord = Object.assign(new ConvoyPosition(), {
              convoyId: r.convoy_id,
              deviceId: r.device_id,
              sequence: r.sequence,
              deviceTime: r.record_time,
              receivedAt: r.record_received_at,
              latitude: r.record_latitude,
              longitude: r.record_longitude,
            });
            return { convoyId: r.convoy_id, deviceId: r.device_id, sequence: r.sequence, sent, onRecord, differences: differences(onRecord, sent), receivedAt: r.received_at, sentBy: r.sent_by };
          });
        },
        (c) => c.convoyId,
      ),
    ),
    /** The result of each convoy's latest inspection (null when it has none). */
    latestInspectionResult: valueByKey<string, InspectionResult | null>(async (keys) => {
      const rows: { convoy_id: string; result: InspectionResult }[] = await preparedQuery(db, 
        `SELECT DISTINCT ON (convoy_id) convoy_id, result FROM inspection WHERE convoy_id = ANY($1::uuid[]) ORDER BY convoy_id, started_at DESC, ended_at DESC`,
        [[...keys]],
      );
      return new Map(rows.map((r) => [r.convoy_id, r.result]));
    }, null),
    incident: oneByKey((keys: readonly string[]) => db.getRepository(Incident).findBy({ id: ids(keys) }), (i) => i.id),
    incidentsOfAgreement: manyByKey(
      (keys: readonly string[]) => db.getRepository(Incident).find({ where: { agreementId: ids(keys) }, order: { occurredAt: 'DESC', id: 'ASC' } }),
      (i) => i.agreementId,
    ),
    verificationsOfIncident: manyByKey(
      (keys: readonly string[]) => db.getRepository(IncidentVerification).find({ where: { incidentId: ids(keys) }, order: { sequence: 'ASC' } }),
      (v) => v.incidentId,
    ),
    /** When each VERIFIED MATERIAL violation of each agreement occurred, oldest first. */
    materialViolationTimes: manyByKey(
      async (keys: readonly string[]) => {
        const rows: { agreement_id: string; occurred_at: Date }[] = await preparedQuery(db, 
          `SELECT i.agreement_id, i.occurred_at
           FROM incident i
           JOIN incident_verification v ON v.incident_id = i.id AND v.state = 'VERIFIED' AND v.severity = 'MATERIAL'
           WHERE i.agreement_id = ANY($1::uuid[]) AND ${LATEST_STEP}
           ORDER BY i.agreement_id, i.occurred_at, i.id`,
          [[...keys]],
        );
        return rows.map((r) => ({ agreementId: r.agreement_id, occurredAt: r.occurred_at }));
      },
      (r) => r.agreementId,
    ),
    /** Localised windows by id, each with its closure if it has one. */
    localisedWindow: oneByKey(
      (keys: readonly string[]) => db.getRepository(LocalisedWindow).find({ where: { id: ids(keys) }, relations: { closure: true } }),
      (w) => w.id,
    ),
    /**
     * Every localised window of each agreement, with its closure, oldest opening first: what incidents,
     * positions and gaps of a whole request are tested against (windows are few next to positions).
     */
    windowsOfAgreement: manyByKey(
      (keys: readonly string[]) =>
        db.getRepository(LocalisedWindow).find({ where: { agreementId: ids(keys) }, relations: { closure: true }, order: { from: 'ASC', id: 'ASC' } }),
      (w) => w.agreementId,
    ),
    /**
     * The positions of each convoy that may be inside one of the windows covering it (of its agreement,
     * for its corridor or every corridor): within the window's bounding box and agreed times. The
     * database only narrows; src/domain/windows.ts decides (exact area, early closure). One statement.
     */
    windowCandidatesOfConvoy: manyByKey(
      async (keys: readonly string[]) => {
        const rows: { convoy_id: string; window_id: string; device_time: Date; latitude: number; longitude: number }[] = await preparedQuery(
          db,
          `SELECT DISTINCT cv.id AS convoy_id, w.id AS window_id, p.device_time, p.latitude, p.longitude
             FROM unnest($1::uuid[]) AS k(id)
             JOIN convoy cv ON cv.id = k.id
             JOIN corridor c ON c.id = cv.corridor_id
             JOIN localised_window w ON w.agreement_id = c.agreement_id AND (w.corridor_id IS NULL OR w.corridor_id = cv.corridor_id)
             JOIN convoy_position p ON p.convoy_id = cv.id
              AND p.device_time >= w.from_at AND p.device_time < w.until_at
              AND p.latitude BETWEEN w.min_latitude AND w.max_latitude AND p.longitude BETWEEN w.min_longitude AND w.max_longitude
            ORDER BY cv.id, w.id, p.device_time`,
          [[...keys]],
        );
        return rows.map((r) => ({ convoyId: r.convoy_id, windowId: r.window_id, deviceTime: r.device_time, latitude: r.latitude, longitude: r.longitude }));
      },
      (c) => c.convoyId,
    ),
    /**
     * The incidents that may be inside each window (same agreement, within its agreed times and bounding
     * box), oldest first; the domain decides. One statement per batch of windows.
     */
    incidentCandidatesOfWindow: manyByKey(
      async (keys: readonly string[]) => {
        const rows: { window_id: string; incident_id: string }[] = await preparedQuery(
          db,
          `SELECT w.id AS window_id, i.id AS incident_id
             FROM localised_window w
             JOIN incident i ON i.agreement_id = w.agreement_id
              AND i.occurred_at >= w.from_at AND i.occurred_at < w.until_at
              AND i.latitude BETWEEN w.min_latitude AND w.max_latitude AND i.longitude BETWEEN w.min_longitude AND w.max_longitude
            WHERE w.id = ANY($1::uuid[])
            ORDER BY w.id, i.occurred_at, i.id`,
          [[...keys]],
        );
        return rows.map((r) => ({ windowId: r.window_id, incidentId: r.incident_id }));
      },
      (r) => r.windowId,
    ),
    /**
     * The ids of the incidents `verifiedViolations` counts for each key (agreement, since, until,
     * severity): those whose latest step is VERIFIED. One statement per batch of keys.
     */
    verifiedIncidentIds: manyByKey(
      async (keys: readonly string[]) => {
        const t = keyTable(keys);
        const rows: { idx: string; incident_id: string }[] = await preparedQuery(
          db,
          `SELECT k.idx, i.id AS incident_id
             FROM ${t.sql}
             JOIN incident_verification v ON v.state = 'VERIFIED' AND (k.extra = '' OR v.severity = k.extra)
             JOIN incident i ON i.id = v.incident_id AND i.occurred_at >= k.from_at AND i.occurred_at < k.until_at
            WHERE i.agreement_id = k.scope_id AND ${LATEST_STEP}
            ORDER BY k.idx, i.occurred_at, i.id`,
          t.params,
        );
        return rows.map((r) => ({ key: keys[Number(r.idx) - 1]!, incidentId: r.incident_id }));
      },
      (r) => r.key,
    ),
    deliveries: { agreement: deliveries('agreement'), corridor: deliveries('corridor') },
    deliveriesByDay: { agreement: deliveriesByDay('agreement'), corridor: deliveriesByDay('corridor') },
    inspectionStats: { agreement: inspectionStats('agreement'), corridor: inspectionStats('corridor') },
    verifiedViolations: { agreement: verifiedViolations('agreement'), party: verifiedViolations('party') },
  };
}

/** One instance per argument, made on first use (a loader per `last:` value, for example). */
/** A convoy_position row read by raw SQL, as the entity. */
function positionOfRow(r: Record<string, any>): ConvoyPosition {
  return Object.assign(new ConvoyPosition(), {
    deviceId: r.device_id,
    sequence: r.sequence,
    convoyId: r.convoy_id,
    deviceTime: r.device_time,
    receivedAt: r.received_at,
    latitude: r.latitude,
    longitude: r.longitude,
  });
}

function memo<A, R>(make: (arg: A) => R): (arg: A) => R {
  const made = new Map<A, R>();
  return (arg) => {
    let r = made.get(arg);
    if (r === undefined) {
      r = make(arg);
      made.set(arg, r);
    }
    return r;
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

export interface Context extends BaseContext {
  loaders: Loaders;
  /** The typed clients of the sibling services (milestones), called as this service itself. */
  peers: Peers;
}

export function createContext(deps: ContextDeps, caller: Caller, requestId?: string): Context {
  return withReads({ ...baseContext(deps.db, deps.clock, caller, requestId, deps.evidence), peers: createPeers(deps.peers) }, () => ({ loaders: createLoaders(deps.db) }));
}

export type { ContextDeps };
