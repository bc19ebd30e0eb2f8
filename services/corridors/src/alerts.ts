import { PARTNER_ROLES, type AlertInput, type AlertScan } from '@treaty/service-kit';
import type { DataSource } from 'typeorm';
import type { Incident, IncidentVerification } from './entities/index.js';
import { END_OF_MOVEMENT, MOVING_STATUSES } from './domain/convoy-status.js';

/**
 * What this service puts in the alert stream (DESIGN §12). Incidents and convoys are readable by any
 * partner agency, so every event here is for every role (a PARTY only for its own agreements). Events
 * carry ids, categories, severities and times, never a description, a place's text or who reported.
 *
 * - `incident.reported`, in reportIncident's transaction;
 * - `incident.verified`, in the transaction of a VERIFIED verification step (one per such step);
 * - `telemetry.gap_opened`, raised by the clock: a convoy on the move whose trackers have been silent
 *   longer than its corridor's telemetryGapMinutes. One event per silence (keyed by when it began), so a
 *   convoy that reports again and falls silent again raises a new one.
 */
export function incidentReported(i: Incident, windowIds: readonly string[]): AlertInput {
  return {
    key: `incident.reported:${i.id}`,
    type: 'incident.reported',
    agreementId: i.agreementId,
    occurredAt: i.occurredAt,
    recordedAt: i.reportedAt,
    audience: PARTNER_ROLES,
    data: { incidentId: i.id, category: i.category, severity: i.severity, corridorId: i.corridorId, convoyId: i.convoyId, insideWindow: windowIds.length > 0, windowIds: windowIds.length ? windowIds.join(',') : null },
  };
}

export function incidentVerified(step: IncidentVerification, i: Incident): AlertInput {
  return {
    key: `incident.verified:${i.id}:${step.sequence}`,
    type: 'incident.verified',
    agreementId: i.agreementId,
    occurredAt: step.at,
    recordedAt: step.at,
    audience: PARTNER_ROLES,
    data: {
      incidentId: i.id,
      category: i.category,
      severity: step.severity,
      material: step.severity === 'MATERIAL',
      attributedPartyId: step.attributedPartyId,
      incidentOccurredAt: i.occurredAt.toISOString(),
      corridorId: i.corridorId,
      insideWindow: step.windowIds.length > 0,
      windowIds: step.windowIds.length ? step.windowIds.join(',') : null,
    },
  };
}

const list = (xs: readonly string[]) => xs.map((x) => `'${x}'`).join(', ');

/**
 * Convoys on the move now and the start of their current silence: the later of the movement's start
 * and their last position (device time) up to now. One statement; only convoys that reached a crossing
 * and have not ended their movement are considered.
 */
const MOVING_CONVOYS_SQL = `
  WITH moving AS (
    SELECT s.convoy_id, min(s.at) AS since
    FROM convoy_event s
    WHERE s.to_status IN (${list(MOVING_STATUSES)}) AND s.at <= $1
      AND NOT EXISTS (SELECT 1 FROM convoy_event e WHERE e.convoy_id = s.convoy_id AND e.to_status IN (${list(END_OF_MOVEMENT)}) AND e.at <= $1)
    GROUP BY s.convoy_id
  )
  SELECT m.convoy_id, c.corridor_id, k.agreement_id, k.telemetry_gap_minutes AS threshold,
         greatest(m.since, (SELECT max(p.device_time) FROM convoy_position p WHERE p.convoy_id = m.convoy_id AND p.device_time <= $1)) AS silent_since
  FROM moving m JOIN convoy c ON c.id = m.convoy_id JOIN corridor k ON k.id = c.corridor_id`;

/** The clock-driven events: telemetry gaps that have opened on moving convoys by `now`. */
export function corridorsAlertScan(db: DataSource): AlertScan {
  return async (now) => {
    const rows = (await db.query(MOVING_CONVOYS_SQL, [now])) as { convoy_id: string; corridor_id: string; agreement_id: string; threshold: number; silent_since: Date }[];
    return rows
      .filter((r) => now.getTime() - r.silent_since.getTime() > r.threshold * 60_000)
      .map((r) => ({
        key: `telemetry.gap_opened:${r.convoy_id}:${r.silent_since.toISOString()}`,
        type: 'telemetry.gap_opened',
        agreementId: r.agreement_id,
        occurredAt: new Date(r.silent_since.getTime() + r.threshold * 60_000),
        recordedAt: now,
        audience: PARTNER_ROLES,
        data: { convoyId: r.convoy_id, corridorId: r.corridor_id, silentSince: r.silent_since.toISOString(), thresholdMinutes: r.threshold },
      }));
  };
}
