import { ALERT_RETENTION_MS, type AlertInput } from '@treaty/service-kit';
import type { DataSource } from 'typeorm';
import type { RedressBasis } from './entities/index.js';
import { redressEvents } from './domain/redress.js';

/**
 * The undelivered redress cases whose deadline falls in (now − lookback, now + horizon]: one statement,
 * on the index of deadlines, whatever the number of cases. The lookback is the outbox's retention: a
 * deadline that passed longer ago than that (while the service was down) is no longer announced.
 */
const CASES_NEAR_DEADLINE_SQL = `
  SELECT c.id, c.agreement_id, c.basis, c.due_at, c.owed_by_party_id, c.opened_at
  FROM redress_case c
  WHERE c.due_at > $1 AND c.due_at <= $2
    AND NOT EXISTS (SELECT 1 FROM redress_delivery d WHERE d.case_id = c.id)`;

interface CaseRow {
  id: string;
  agreement_id: string;
  basis: RedressBasis;
  due_at: Date;
  owed_by_party_id: string;
  opened_at: Date;
}

/**
 * The clock-driven redress events the milestones watcher raises (its `alertScan` calls this each
 * tick): `redress.due` (key `redress.due:<caseId>`) for a deadline within `horizonMs`, and
 * `redress.overdue` (key `redress.overdue:<caseId>`) for one that passed, both only while the remedy is
 * not delivered. The keys make each event once, whichever replica's watcher sees it first.
 */
export async function redressAlerts(db: DataSource, now: Date, horizonMs: number): Promise<AlertInput[]> {
  const rows = (await db.query(CASES_NEAR_DEADLINE_SQL, [new Date(now.getTime() - ALERT_RETENTION_MS), new Date(now.getTime() + horizonMs)])) as CaseRow[];
  return redressEvents(
    rows.map((r) => ({ id: r.id, agreementId: r.agreement_id, basis: r.basis, dueAt: r.due_at, owedByPartyId: r.owed_by_party_id, openedAt: r.opened_at })),
    now,
    horizonMs,
  );
}
