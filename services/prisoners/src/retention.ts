import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { DAY_MS, PERSONAL_DATA_ACCESS_KIND, accessFact, type Clock, type EvidenceLog, type Logger } from '@treaty/service-kit';

export { DEFAULT_RETENTION_DAYS } from '@treaty/service-kit';

/**
 * Retention of personal data (DESIGN §10). A person's case closes when their release is confirmed at a
 * handover (the manifest entry's outcome CONSENTS with a confirmation time), or, for remains, when their
 * handover is (REPATRIATED): they are home, and the record's purpose is spent. `retentionDays` after that,
 * their name, date of birth and medical notes (the detainee's and every handover's), and for remains the
 * identifications' evidence references and findings, are erased, the record is marked
 * `personal_data_purged_at`, and the access log says who did it and why. Nothing else changes: the detainee row, its category, parties,
 * list entries, manifest entries and outcomes stay, so every count, ratio, wave and compliance verdict
 * is the same afterwards. Agreements have no closed state yet (milestones does not model one), so an
 * agreement's end is not a trigger; a case that never closes (a detainee who refused transfer) is kept.
 */

/** Who the access log names for an erasure: the service itself, never a person. */
export const RETENTION_ACTOR = { subject: 'retention-job', agency: 'prisoners service', purpose: 'retention: erasure after the case closed' } as const;

/** The personal fields an erasure clears, as the access log names them: of the detainee, and of an identification of remains. */
const ERASED_FIELDS = ['dateOfBirth', 'medicalNotes', 'name'];
const ERASED_IDENTIFICATION_FIELDS = ['evidenceReference', 'findings'];

export interface PurgeResult {
  purged: number;
  /** Detainee ids purged, for the command's report and tests. */
  ids: string[];
}

/**
 * Erases the personal fields of every case closed more than `retentionDays` before `clock.now()` and not
 * yet purged, `batchSize` records per transaction. Safe to interrupt and to run again (and on several
 * replicas at once: rows are claimed with SKIP LOCKED); a run with nothing due issues one statement.
 */
export async function purgeExpired(db: DataSource, clock: Clock, retentionDays: number, evidence: EvidenceLog, opts: { batchSize?: number; logger?: Logger } = {}): Promise<PurgeResult> {
  const cutoff = new Date(clock.now().getTime() - retentionDays * DAY_MS);
  const batchSize = opts.batchSize ?? 200;
  const ids: string[] = [];
  const runId = randomUUID();
  for (;;) {
    const batch: string[] = await db.transaction(async (m) => {
      const due: { id: string }[] = await m.query(
        `SELECT d.id FROM detainee d
          WHERE d.personal_data_purged_at IS NULL
            AND EXISTS (SELECT 1 FROM manifest_entry e WHERE e.detainee_id = d.id AND e.outcome IN ('CONSENTS', 'REPATRIATED') AND e.confirmed_at IS NOT NULL AND e.confirmed_at <= $1)
          ORDER BY d.id LIMIT $2 FOR UPDATE OF d SKIP LOCKED`,
        [cutoff.toISOString(), batchSize],
      );
      if (due.length === 0) return [];
      const batchIds = due.map((r) => r.id);
      const now = clock.now().toISOString();
      await m.query(
        `UPDATE detainee SET name = NULL, date_of_birth = NULL, medical_notes = NULL, person_index = NULL, personal_data_purged_at = $2 WHERE id = ANY($1::uuid[])`,
        [batchIds, now],
      );
      await m.query(`UPDATE manifest_entry SET medical_check_notes = NULL WHERE detainee_id = ANY($1::uuid[])`, [batchIds]);
      // In a CTE, so that the driver answers with the rows (a top-level UPDATE comes back as rows and count).
      const identifications: { id: string }[] = await m.query(
        `WITH erased AS (UPDATE remains_identification SET evidence_reference = NULL, findings = NULL WHERE detainee_id = ANY($1::uuid[]) RETURNING id)
         SELECT id FROM erased ORDER BY id`,
        [batchIds],
      );
      // One access-log row per record: erasure is a use of personal data like any read, and is logged as evidence with them.
      const batch = randomUUID();
      const insert = (recordType: string, recordIds: string[], fields: string[]) =>
        m.query(
          `INSERT INTO personal_data_access (at, subject, agency, roles, record_type, record_id, fields, purpose, request_id, evidence_batch)
           SELECT $2::timestamptz, $3, $4, '{}'::text[], $9, id, $7::text[], $5, $6, $8 FROM unnest($1::uuid[]) AS id`,
          [recordIds, now, RETENTION_ACTOR.subject, RETENTION_ACTOR.agency, RETENTION_ACTOR.purpose, runId, fields, batch, recordType],
        );
      await insert('Detainee', batchIds, ERASED_FIELDS);
      if (identifications.length) await insert('RemainsIdentification', identifications.map((i) => i.id), ERASED_IDENTIFICATION_FIELDS);
      const row = (recordType: string, fields: string[]) => (recordId: string) => ({ at: new Date(now), agency: RETENTION_ACTOR.agency, purpose: RETENTION_ACTOR.purpose, recordType, recordId, fields });
      const rows = [...batchIds.map(row('Detainee', ERASED_FIELDS)), ...identifications.map((i) => row('RemainsIdentification', ERASED_IDENTIFICATION_FIELDS)(i.id))];
      await evidence.append(m, { kind: PERSONAL_DATA_ACCESS_KIND, subject: batch, fact: accessFact(batch, rows), by: null });
      return batchIds;
    });
    if (batch.length === 0) break;
    ids.push(...batch);
    opts.logger?.info('personal data erased after retention', { records: batch.length, total: ids.length, retentionDays });
    if (batch.length < batchSize) break;
  }
  return { purged: ids.length, ids };
}

/** Runs `purgeExpired` every `everyMs` (hourly by default); returns a stop function. Failures are logged and retried next time. */
export function scheduleRetention(db: DataSource, clock: Clock, retentionDays: number, evidence: EvidenceLog, logger: Logger, everyMs = 60 * 60 * 1000): () => void {
  const run = () => void purgeExpired(db, clock, retentionDays, evidence, { logger }).catch((e: Error) => logger.error('retention run failed; it will be retried', { error: e.message }));
  const timer = setInterval(run, everyMs);
  timer.unref();
  const first = setTimeout(run, 5_000);
  first.unref();
  return () => {
    clearInterval(timer);
    clearTimeout(first);
  };
}
