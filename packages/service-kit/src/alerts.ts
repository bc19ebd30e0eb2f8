import type { DataSource, EntityManager, MigrationInterface, QueryRunner } from 'typeorm';
import type { Role } from './caller.js';
import type { Clock } from './clock.js';
import { DAY_MS } from './clock.js';
import type { Logger } from './log.js';

/**
 * The alert outbox of one service (DESIGN §12, the incident-response cell's stream).
 *
 * An event is written by the service that owns its fact, in the transaction that records the fact
 * (`raiseAlert`), so an event exists exactly when its fact does. Each event takes the next number of the
 * service's sequence from one counter row that the insert locks until its transaction ends: numbers are
 * handed out in commit order, so a reader that has seen number n has seen every event committed before
 * it, and a reader resuming after n misses nothing. (A plain sequence would not do: a transaction that
 * drew 10 could commit after one that drew 11, and a reader already past 11 would never see 10.)
 *
 * Every event has a key that names what happened ("incident.verified:<id>:<step>"); the key is unique, so
 * an event raised twice (two replicas whose clocks pass the same deadline, a retried job) is kept once.
 * Clock-driven events (a deadline passing) are raised by the service's watcher (`startAlertWatcher`),
 * which asks the service each tick which events the clock now calls for.
 *
 * The gateway reads the outbox over the internal route `POST /internal/alerts` and serves it as
 * Server-Sent Events at `GET /alerts`, filtered by each subscriber's roles (gateway/src/alerts.ts).
 */

/** The internal route the gateway reads a service's alert outbox through. */
export const ALERTS_ROUTE = '/internal/alerts';

/** Every type of event the stream carries, and what it means, as the gateway documents it. */
export const ALERT_TYPES = {
  'incident.reported': 'An incident was reported to the corridors service (not yet verified).',
  'incident.verified': 'A monitor verified an incident; `material` says whether it is a material violation.',
  'dispute.tier_due': "A dispute's current tier reaches its deadline within the configured horizon without a ruling.",
  'dispute.escalated': "A dispute tier's deadline passed without a ruling: the dispute moved to the next tier, or past the last (exhausted).",
  'milestone.due_today': 'A milestone falls due today (its due day began) and is neither met nor waived.',
  'milestone.missed': "A milestone's deadline passed with no certification of it being met and no waiver.",
  'snapback.triggered': 'A snap-back clause of the agreement fired: what it reverts is withheld from now on.',
  'snapback.lifted': 'The mediator lifted the snap-back in force.',
  'telemetry.gap_opened': 'A convoy that is moving has sent no position for longer than the telemetry gap threshold.',
  'tranche.released': 'A tranche was released from escrow to its beneficiary.',
  'confidential_report.received': 'Someone submitted a confidential report. The stream never carries its content.',
  'redress.opened': 'A redress case was opened on a validated violation: a remedy is owed, by whom and by when.',
  'redress.due': 'A redress case reaches its deadline within the configured horizon and the remedy is not delivered.',
  'redress.overdue': "A redress case's deadline passed and the remedy was not delivered.",
  'redress.delivered': 'The remedy of a redress case was recorded as delivered.',
} as const;

export type AlertType = keyof typeof ALERT_TYPES;

/** What an event may carry: ids, statuses, numbers and times. Never free text or personal data. */
export type AlertData = Record<string, string | number | boolean | null>;

export interface AlertInput {
  /** Names what happened, once: raising the same key again keeps the first event and adds nothing. */
  key: string;
  type: AlertType;
  /** The agreement the event is about; a PARTY subscriber receives only its own agreements' events. */
  agreementId: string | null;
  /** When it happened: the fact's time, or the deadline that passed. */
  occurredAt: Date;
  /** When the service recorded it (its clock). */
  recordedAt: Date;
  /**
   * The roles that may receive it, as the service's read rules give them. PARTY in this list means the
   * parties to `agreementId` only; PUBLIC (no token) never receives anything.
   */
  audience: readonly Role[];
  data: AlertData;
}

/** An event as the outbox returns it: with the number the service gave it. */
export interface StoredAlert extends Omit<AlertInput, 'occurredAt' | 'recordedAt'> {
  seq: number;
  occurredAt: string;
  recordedAt: string;
}

/** Every authenticated role: for events about facts any partner agency may read. */
export const PARTNER_ROLES: readonly Role[] = ['MEDIATOR', 'MONITOR', 'INTERMEDIARY', 'GUARANTOR', 'AGENCY', 'PARTY'];

const KEY_MAX = 300;

/**
 * Writes an event in the caller's transaction `m`; returns its number, or null when an event with this
 * key already exists (nothing is written then). One statement; it holds the counter row until `m`
 * commits or rolls back, so events of one service are numbered in commit order, and a rolled-back fact
 * takes its event (and its number) with it.
 */
export async function raiseAlert(m: EntityManager, e: AlertInput): Promise<number | null> {
  if (!e.key || e.key.length > KEY_MAX) throw new Error(`alert key must be 1 to ${KEY_MAX} characters, got ${e.key.length}`);
  if (!(e.type in ALERT_TYPES)) throw new Error(`unknown alert type ${e.type}`);
  const rows: { seq: string }[] = await m.query(
    `WITH head AS (SELECT seq FROM alert_outbox_head WHERE singleton FOR UPDATE),
          added AS (
            INSERT INTO alert_outbox (seq, event_key, type, agreement_id, occurred_at, recorded_at, audience, data)
            SELECT head.seq + 1, $1, $2, $3, $4, $5, $6, $7 FROM head
            ON CONFLICT (event_key) DO NOTHING
            RETURNING seq),
          bumped AS (UPDATE alert_outbox_head SET seq = added.seq FROM added WHERE singleton RETURNING added.seq AS seq)
     SELECT seq FROM bumped`,
    [e.key, e.type, e.agreementId, e.occurredAt, e.recordedAt, [...e.audience], JSON.stringify(e.data)],
  );
  return rows.length ? Number(rows[0]!.seq) : null;
}

/** Raises each event in its own statement of one transaction; returns how many were new. */
export async function raiseAlerts(db: DataSource, events: readonly AlertInput[]): Promise<number> {
  if (!events.length) return 0;
  return db.transaction(async (m) => {
    let added = 0;
    for (const e of events) if ((await raiseAlert(m, e)) !== null) added += 1;
    return added;
  });
}

/** What one read of the outbox returns. */
export interface AlertBatch {
  /** The number of the newest event the service holds (0 when none). */
  head: number;
  /** The number of the oldest event still kept (retention), or null when none is kept. */
  oldest: number | null;
  /** Events numbered after `after`, in order, at most `limit`. */
  events: StoredAlert[];
}

export const ALERT_BATCH_MAX = 500;

/** Events after number `after`, oldest first; two statements whatever the number of events. */
export async function readAlerts(db: DataSource, after: number, limit = ALERT_BATCH_MAX): Promise<AlertBatch> {
  const n = Math.max(1, Math.min(ALERT_BATCH_MAX, Math.floor(limit)));
  const [head] = (await db.query(`SELECT h.seq, (SELECT min(seq) FROM alert_outbox) AS oldest FROM alert_outbox_head h WHERE singleton`)) as { seq: string; oldest: string | null }[];
  const rows = (await db.query(
    `SELECT seq, event_key, type, agreement_id, occurred_at, recorded_at, audience, data FROM alert_outbox WHERE seq > $1 ORDER BY seq LIMIT $2`,
    [after, n],
  )) as { seq: string; event_key: string; type: AlertType; agreement_id: string | null; occurred_at: Date; recorded_at: Date; audience: Role[]; data: AlertData }[];
  return {
    head: Number(head?.seq ?? 0),
    oldest: head?.oldest == null ? null : Number(head.oldest),
    events: rows.map((r) => ({
      seq: Number(r.seq),
      key: r.event_key,
      type: r.type,
      agreementId: r.agreement_id,
      occurredAt: r.occurred_at.toISOString(),
      recordedAt: r.recorded_at.toISOString(),
      audience: r.audience,
      data: r.data,
    })),
  };
}

/** How long events are kept for resumption (Last-Event-ID) by default: 7 days. */
export const ALERT_RETENTION_MS = 7 * DAY_MS;

/** Deletes events recorded more than `retentionMs` before the clock's now; the counter never goes back. */
export async function purgeAlerts(db: DataSource, clock: Clock, retentionMs = ALERT_RETENTION_MS): Promise<number> {
  const [row] = (await db.query(`WITH gone AS (DELETE FROM alert_outbox WHERE recorded_at < $1 RETURNING 1) SELECT count(*)::int AS n FROM gone`, [
    new Date(clock.now().getTime() - retentionMs),
  ])) as { n: number }[];
  return row?.n ?? 0;
}

/** What a service's watcher asks it each tick: the clock-driven events that are due by `now`. */
export type AlertScan = (now: Date) => Promise<AlertInput[]>;

export interface AlertWatcherOptions {
  name: string;
  db: DataSource;
  clock: Clock;
  scan: AlertScan;
  logger: Logger;
  /** How often the clock is checked (TREATY_ALERT_TICK_MS); 1 s by default. */
  tickMs?: number;
  retentionMs?: number;
}

export const ALERT_TICK_MS = 1_000;

/**
 * Checks the clock every tick and raises the events it now calls for. Every replica runs one; the
 * unique key keeps each event once however many raise it. A tick never overlaps the one before, and a
 * failing tick is logged and tried again at the next. Returns a function that stops it (and waits for
 * a tick under way).
 */
/**
 * The keys a watcher knows to be in the outbox. A scan returns every event still due within its lookback
 * (a milestone missed yesterday is "missed" on every tick for a week), so without this each tick would
 * try to insert them all again, each an INSERT under the outbox's counter lock, only for the unique key
 * to refuse it. Only keys the last scan returned are kept, so the set stays the size of one scan; a key
 * that leaves and comes back is tried again, and the unique key still decides, across replicas too.
 */
export class RaisedKeys {
  private known = new Set<string>();

  /** The events of this scan not known to be in the outbox. */
  fresh(due: readonly AlertInput[]): AlertInput[] {
    return due.filter((e) => !this.known.has(e.key));
  }

  /** After every event of `due` is in the outbox (raised now or before): these are the keys known. */
  settle(due: readonly AlertInput[]): void {
    this.known = new Set(due.map((e) => e.key));
  }
}

export function startAlertWatcher(o: AlertWatcherOptions): () => Promise<void> {
  let running: Promise<void> | null = null;
  let stopped = false;
  let lastPurge = 0;
  let failing: string | null = null;
  const raised = new RaisedKeys();
  const tick = async () => {
    const now = o.clock.now();
    const due = await o.scan(now);
    const added = await raiseAlerts(o.db, raised.fresh(due));
    raised.settle(due);
    if (added) o.logger.debug?.('alerts raised by the clock', { added });
    if (Date.now() - lastPurge > 60_000) {
      lastPurge = Date.now();
      await purgeAlerts(o.db, o.clock, o.retentionMs);
    }
  };
  const timer = setInterval(() => {
    if (running || stopped || !o.db.isInitialized) return;
    running = tick()
      .then(() => {
        if (failing !== null) o.logger.info('alert watcher works again', { service: o.name });
        failing = null;
      })
      .catch((e: Error) => {
        // Logged when an outage starts (or its cause changes), not on every tick of it.
        if (!stopped && failing !== e.message) o.logger.warn('alert watcher tick failed; trying again every tick', { service: o.name, error: e.message });
        failing = e.message;
      })
      .finally(() => (running = null));
  }, o.tickMs ?? ALERT_TICK_MS);
  timer.unref();
  return async () => {
    stopped = true;
    clearInterval(timer);
    await running;
  };
}

/** The outbox tables, shared by the four services (each lists this migration). */
export class AlertOutbox1795280000000 implements MigrationInterface {
  name = 'AlertOutbox1795280000000';
  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE alert_outbox_head (singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton), seq bigint NOT NULL CHECK (seq >= 0))`);
    await q.query(`INSERT INTO alert_outbox_head (singleton, seq) VALUES (true, 0)`);
    await q.query(`
      CREATE TABLE alert_outbox (
        seq bigint PRIMARY KEY CHECK (seq > 0),
        event_key text NOT NULL UNIQUE CHECK (length(event_key) BETWEEN 1 AND ${KEY_MAX}),
        type text NOT NULL,
        agreement_id uuid,
        occurred_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL,
        audience text[] NOT NULL,
        data jsonb NOT NULL
      )`);
    await q.query(`CREATE INDEX alert_outbox_recorded_idx ON alert_outbox (recorded_at)`);
  }
  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE alert_outbox`);
    await q.query(`DROP TABLE alert_outbox_head`);
  }
}
