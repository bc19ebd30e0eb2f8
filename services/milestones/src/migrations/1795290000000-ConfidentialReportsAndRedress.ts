import type { MigrationInterface, QueryRunner } from 'typeorm';
import { PersonalDataAccessEvidence1795270000001, PersonalDataAccessLog1795200000000 } from '@treaty/service-kit';

/** The longest thread a report may have (REPORT_LIMITS.messages in domain/confidential.ts). */
const MAX_MESSAGES = 100;
const sealed = (column: string, nullable = true) => `CHECK (${nullable ? `${column} IS NULL OR ` : ''}${column} LIKE 'enc:v1:%')`;

/**
 * Confidential reports and redress (issue 19). This is the first personal data the milestones service
 * holds, so it also gets what the prisoners service has for it: the kit's access log (tied to the
 * evidence log, as there) and the table of wrapped data keys. A migration holds no keys: the service
 * makes its first data key when it starts. Every sealed column must hold a sealed value (CHECK), so a
 * write that forgot to seal fails instead of leaving plain text on disk.
 */
export class ConfidentialReportsAndRedress1795290000000 implements MigrationInterface {
  name = 'ConfidentialReportsAndRedress1795290000000';

  async up(q: QueryRunner): Promise<void> {
    await new PersonalDataAccessLog1795200000000().up(q);
    await new PersonalDataAccessEvidence1795270000001().up(q);
    await q.query(`
      CREATE TABLE data_key (
        id uuid PRIMARY KEY,
        kek_id text NOT NULL CHECK (length(kek_id) BETWEEN 1 AND 64),
        wrapped text NOT NULL,
        purpose text NOT NULL CHECK (purpose IN ('field', 'blind-index')),
        created_at timestamptz NOT NULL DEFAULT now(),
        retired_at timestamptz,
        CHECK (purpose = 'field' OR retired_at IS NULL)
      )`);
    // One current key per purpose, even when several replicas start on an empty table at once.
    await q.query(`CREATE UNIQUE INDEX data_key_current_key ON data_key (purpose) WHERE retired_at IS NULL`);
    await q.query(`
      CREATE TABLE confidential_report (
        id uuid PRIMARY KEY,
        receipt_sha256 text NOT NULL UNIQUE CHECK (receipt_sha256 ~ '^[0-9a-f]{64}$'),
        agreement_id uuid REFERENCES agreement (id),
        what text NOT NULL ${sealed('what', false)},
        place text ${sealed('place')},
        occurred_at text ${sealed('occurred_at')},
        when_text text ${sealed('when_text')},
        contact text ${sealed('contact')},
        submitted_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX confidential_report_submitted_idx ON confidential_report (submitted_at, id)`);
    await q.query(`CREATE INDEX confidential_report_agreement_idx ON confidential_report (agreement_id) WHERE agreement_id IS NOT NULL`);
    await q.query(`
      CREATE TABLE confidential_report_message (
        id uuid PRIMARY KEY,
        report_id uuid NOT NULL REFERENCES confidential_report (id) ON DELETE CASCADE,
        position integer NOT NULL CHECK (position BETWEEN 1 AND ${MAX_MESSAGES}),
        author text NOT NULL CHECK (author IN ('REPORTER', 'HANDLER')),
        handler text,
        body text NOT NULL ${sealed('body', false)},
        written_at timestamptz NOT NULL,
        UNIQUE (report_id, position),
        CHECK ((author = 'HANDLER') = (handler IS NOT NULL))
      )`);
    await q.query(`
      CREATE TABLE confidential_report_review (
        id uuid PRIMARY KEY,
        report_id uuid NOT NULL REFERENCES confidential_report (id) ON DELETE CASCADE,
        position integer NOT NULL CHECK (position >= 1),
        status text NOT NULL CHECK (status IN ('UNDER_REVIEW', 'VALIDATED', 'NOT_VALIDATED', 'CLOSED')),
        incident_id uuid,
        dispute_id uuid REFERENCES dispute (id),
        reviewed_by text NOT NULL,
        reviewed_at timestamptz NOT NULL,
        UNIQUE (report_id, position)
      )`);
    await q.query(`
      CREATE TABLE redress_case (
        id uuid PRIMARY KEY,
        agreement_id uuid NOT NULL REFERENCES agreement (id) ON DELETE CASCADE,
        basis text NOT NULL CHECK (basis IN ('INCIDENT', 'RULING')),
        incident_id uuid,
        dispute_id uuid REFERENCES dispute (id),
        remedy text NOT NULL CHECK (length(btrim(remedy)) BETWEEN 1 AND 2000),
        owed_by_party_id uuid NOT NULL REFERENCES party (id),
        due_at timestamptz NOT NULL,
        opened_by text NOT NULL,
        opened_at timestamptz NOT NULL,
        CHECK (due_at > opened_at),
        CHECK ((basis = 'INCIDENT' AND incident_id IS NOT NULL AND dispute_id IS NULL) OR (basis = 'RULING' AND dispute_id IS NOT NULL AND incident_id IS NULL))
      )`);
    await q.query(`CREATE INDEX redress_case_agreement_idx ON redress_case (agreement_id, opened_at)`);
    await q.query(`CREATE INDEX redress_case_incident_idx ON redress_case (incident_id)`);
    await q.query(`CREATE INDEX redress_case_dispute_idx ON redress_case (dispute_id)`);
    // The clock's scan (redress-alerts.ts) reads only cases whose deadline is near or just past.
    await q.query(`CREATE INDEX redress_case_due_idx ON redress_case (due_at)`);
    await q.query(`
      CREATE TABLE redress_delivery (
        case_id uuid PRIMARY KEY REFERENCES redress_case (id) ON DELETE CASCADE,
        delivered_at timestamptz NOT NULL,
        evidence jsonb NOT NULL CHECK (jsonb_typeof(evidence) = 'array' AND jsonb_array_length(evidence) >= 1),
        recorded_by text NOT NULL,
        recorded_at timestamptz NOT NULL,
        CHECK (delivered_at <= recorded_at)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    // The reports are sealed with keys only the running service holds: dropping them loses them for good.
    for (const t of ['redress_delivery', 'redress_case', 'confidential_report_review', 'confidential_report_message', 'confidential_report', 'data_key']) await q.query(`DROP TABLE ${t}`);
    await new PersonalDataAccessEvidence1795270000001().down(q);
    await new PersonalDataAccessLog1795200000000().down(q);
  }
}
