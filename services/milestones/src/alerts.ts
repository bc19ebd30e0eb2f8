import { HOUR_MS, PARTNER_ROLES, PUBLIC_CALLER, type AlertInput, type AlertScan, type Logger } from '@treaty/service-kit';
import type { DataSource } from 'typeorm';
import type { Context } from './context.js';
import type { Agreement, SnapBackLift } from './entities/index.js';
import { endOfDay, startOfDay } from './domain/calendar.js';
import { DEFAULT_TIERS, tierDeadlines, type TierRule } from './domain/disputes.js';
import { snapBackOf } from './resolvers/snap-back.js';
import { redressAlerts } from './redress-alerts.js';

/**
 * What this service puts in the alert stream (DESIGN §12). Milestones, their status and snap-back are
 * public and disputes are for partner agencies, so every event here is for every partner role (a PARTY
 * only for its own agreements). Events carry ids, numbers, times and the public titles; never an
 * allegation, a ruling's reasoning or a lift's reason.
 *
 * Raised in the transaction of the fact: `snapback.lifted` (liftSnapBack). Raised by the clock (the
 * watcher asks `milestonesAlertScan` each tick; each event's key makes it once, whichever replica sees it
 * first): `milestone.due_today`, `milestone.missed`, `dispute.tier_due`, `dispute.escalated`,
 * `snapback.triggered`, and redress cases' `redress.due` and `redress.overdue` (redress-alerts.ts). Statuses stay derived at read time; these events only say when the clock passed
 * a line, and a reader re-reads the status itself.
 */

/** How far back a restarted service still raises what the clock passed while it was down: the outbox's retention. */
export const ALERT_LOOKBACK_MS = 7 * 24 * HOUR_MS;

/** How long before a dispute tier's deadline `dispute.tier_due` is raised (TREATY_ALERT_DISPUTE_HORIZON_HOURS). */
export const DISPUTE_HORIZON_MS = 12 * HOUR_MS;

export function snapBackLifted(lift: SnapBackLift): AlertInput {
  return {
    key: `snapback.lifted:${lift.id}`,
    type: 'snapback.lifted',
    agreementId: lift.agreementId,
    occurredAt: lift.liftedAt,
    recordedAt: lift.liftedAt,
    audience: PARTNER_ROLES,
    data: { liftId: lift.id, liftedBy: lift.liftedBy },
  };
}

export interface MilestoneRow {
  id: string;
  agreement_id: string;
  title: string;
  due_day: number;
  obligated_party_id: string | null;
  entry_into_force_at: Date;
  settled: boolean;
}

/**
 * Milestones whose due day has begun within the lookback and that are neither certified nor waived:
 * one statement, whatever the number of agreements.
 */
const OPEN_DUE_MILESTONES_SQL = `
  SELECT m.id, m.agreement_id, m.title, m.due_day, m.obligated_party_id, a.entry_into_force_at,
         (EXISTS (SELECT 1 FROM certification c WHERE c.milestone_id = m.id) OR EXISTS (SELECT 1 FROM waiver w WHERE w.milestone_id = m.id)) AS settled
  FROM milestone m JOIN agreement a ON a.id = m.agreement_id
  WHERE a.entry_into_force_at + m.due_day * interval '1 day' <= $1
    AND a.entry_into_force_at + (m.due_day + 1) * interval '1 day' > $2`;

export function milestoneEvents(rows: MilestoneRow[], now: Date): AlertInput[] {
  const out: AlertInput[] = [];
  for (const r of rows) {
    if (r.settled) continue;
    const opens = startOfDay(r.entry_into_force_at, r.due_day);
    const deadline = endOfDay(r.entry_into_force_at, r.due_day);
    const data = { milestoneId: r.id, title: r.title, dueDay: r.due_day, dueAt: deadline.toISOString(), obligatedPartyId: r.obligated_party_id };
    if (now < deadline) {
      out.push({ key: `milestone.due_today:${r.id}`, type: 'milestone.due_today', agreementId: r.agreement_id, occurredAt: opens, recordedAt: now, audience: PARTNER_ROLES, data });
    } else {
      out.push({ key: `milestone.missed:${r.id}`, type: 'milestone.missed', agreementId: r.agreement_id, occurredAt: deadline, recordedAt: now, audience: PARTNER_ROLES, data });
    }
  }
  return out;
}

export interface DisputeRow {
  id: string;
  agreement_id: string;
  milestone_id: string | null;
  incident_id: string | null;
  filed_at: Date;
  tiers: { ordinal: number; name: string; hours: number; ruling_role: TierRule['rulingRole'] }[] | null;
}

/** Disputes without a ruling, each with its agreement's ladder: one statement. */
const OPEN_DISPUTES_SQL = `
  SELECT d.id, d.agreement_id, d.milestone_id, d.incident_id, d.filed_at,
         (SELECT json_agg(json_build_object('ordinal', t.ordinal, 'name', t.name, 'hours', t.hours, 'ruling_role', t.ruling_role) ORDER BY t.ordinal)
            FROM dispute_tier t WHERE t.agreement_id = d.agreement_id) AS tiers
  FROM dispute d
  WHERE NOT EXISTS (SELECT 1 FROM dispute_ruling r WHERE r.dispute_id = d.id) AND d.filed_at <= $1`;

export function disputeEvents(rows: DisputeRow[], now: Date, horizonMs: number): AlertInput[] {
  const out: AlertInput[] = [];
  const t = now.getTime();
  for (const d of rows) {
    const tiers = d.tiers?.length ? d.tiers.map((x) => ({ ordinal: x.ordinal, name: x.name, hours: x.hours, rulingRole: x.ruling_role })) : DEFAULT_TIERS;
    const ladder = tierDeadlines(d.filed_at, tiers);
    ladder.forEach((step, i) => {
      const deadline = step.deadline.getTime();
      const base = { disputeId: d.id, milestoneId: d.milestone_id, incidentId: d.incident_id, tier: step.tier.ordinal, tierName: step.tier.name, deadline: step.deadline.toISOString() };
      if (deadline <= t) {
        if (deadline < t - ALERT_LOOKBACK_MS) return;
        const next = ladder[i + 1]?.tier ?? null;
        out.push({
          key: `dispute.escalated:${d.id}:${step.tier.ordinal}`,
          type: 'dispute.escalated',
          agreementId: d.agreement_id,
          occurredAt: step.deadline,
          recordedAt: now,
          audience: PARTNER_ROLES,
          data: { ...base, toTier: next?.ordinal ?? null, toTierName: next?.name ?? null, exhausted: next === null },
        });
      } else if (step.opensAt.getTime() <= t && deadline - horizonMs <= t) {
        out.push({
          key: `dispute.tier_due:${d.id}:${step.tier.ordinal}`,
          type: 'dispute.tier_due',
          agreementId: d.agreement_id,
          occurredAt: new Date(Math.max(step.opensAt.getTime(), deadline - horizonMs)),
          recordedAt: now,
          audience: PARTNER_ROLES,
          data: { ...base, hoursLeft: Math.round(((deadline - t) / HOUR_MS) * 100) / 100 },
        });
      }
    });
  }
  return out;
}

/**
 * Snap-back in force now under each agreement that has a clause: derived exactly as `Agreement.snapBack`
 * is (resolvers/snap-back.ts), in one context, so violation times are asked of corridors in one call.
 * One event per firing (keyed by when it fired); a lift and a later firing raise a new one.
 */
async function snapBackEvents(db: DataSource, context: () => Context, now: Date): Promise<AlertInput[]> {
  const agreements = (await db.query(
    `SELECT a.id, a.title, a.entry_into_force_at FROM agreement a WHERE EXISTS (SELECT 1 FROM snap_back_clause c WHERE c.agreement_id = a.id AND c.created_at <= $1)`,
    [now],
  )) as { id: string; title: string; entry_into_force_at: Date }[];
  if (!agreements.length) return [];
  const ctx = context();
  const states = await Promise.all(agreements.map((a) => snapBackOf({ id: a.id, title: a.title, entryIntoForceAt: a.entry_into_force_at } as Agreement, ctx)));
  const out: AlertInput[] = [];
  agreements.forEach((a, i) => {
    const s = states[i]!;
    if (!s.active || !s.triggeredAt) return;
    out.push({
      key: `snapback.triggered:${a.id}:${s.triggeredAt.toISOString()}`,
      type: 'snapback.triggered',
      agreementId: a.id,
      occurredAt: s.triggeredAt,
      recordedAt: now,
      audience: PARTNER_ROLES,
      data: { triggeredAt: s.triggeredAt.toISOString(), reason: s.reason ?? null },
    });
  });
  return out;
}

/**
 * The clock-driven events of this service, with each part on its own: corridors being down delays the
 * snap-back events (logged, tried again next tick) but never the milestone and dispute ones.
 */
export function milestonesAlertScan(db: DataSource, context: () => Context, logger: Logger, horizonMs = DISPUTE_HORIZON_MS): AlertScan {
  // What each part last failed with: an outage is logged when it starts and when it ends, not every tick.
  const failing: (string | null)[] = [null, null, null, null];
  const PARTS = ['milestones', 'disputes', 'snap-back', 'redress'];
  return async (now) => {
    const since = new Date(now.getTime() - ALERT_LOOKBACK_MS);
    const parts = await Promise.allSettled([
      db.query(OPEN_DUE_MILESTONES_SQL, [now, since]).then((rows: MilestoneRow[]) => milestoneEvents(rows, now)),
      db.query(OPEN_DISPUTES_SQL, [now]).then((rows: DisputeRow[]) => disputeEvents(rows, now, horizonMs)),
      snapBackEvents(db, context, now),
      redressAlerts(db, now, horizonMs),
    ]);
    const out: AlertInput[] = [];
    parts.forEach((p, i) => {
      if (p.status === 'fulfilled') {
        out.push(...p.value);
        if (failing[i] !== null) logger.info('part of the alert scan works again', { part: PARTS[i] });
        failing[i] = null;
        return;
      }
      const error = (p.reason as Error).message;
      if (failing[i] !== error) logger.warn('part of the alert scan failed; it is tried again every tick', { part: PARTS[i], error });
      failing[i] = error;
    });
    return out;
  };
}

/** The caller the scan derives snap-back as: the service itself, with no partner agency's rights. */
export const WATCHER_CALLER = { ...PUBLIC_CALLER, subject: 'alert-watcher' };
