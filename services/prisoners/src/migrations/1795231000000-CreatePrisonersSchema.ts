import type { MigrationInterface, QueryRunner } from 'typeorm';

const CATEGORIES = `('CHILD', 'WOMAN', 'MEDICAL', 'ELDERLY', 'OTHER')`;

export class CreatePrisonersSchema1795231000000 implements MigrationInterface {
  name = 'CreatePrisonersSchema1795231000000';

  async up(q: QueryRunner): Promise<void> {
    // Agreement, milestone and party ids name records owned by the milestones service: they are checked
    // with that service when written, and carry no foreign key here (no service reads another's database).
    await q.query(`
      CREATE TABLE detainee (
        id uuid PRIMARY KEY,
        agreement_id uuid NOT NULL,
        name text NOT NULL CHECK (length(btrim(name)) > 0),
        date_of_birth date NOT NULL,
        holding_party_id uuid NOT NULL,
        affiliated_party_id uuid NOT NULL,
        category text NOT NULL CHECK (category IN ${CATEGORIES}),
        medical_notes text,
        registered_at timestamptz NOT NULL,
        registered_by text NOT NULL,
        CHECK (holding_party_id <> affiliated_party_id)
      )`);
    await q.query(`CREATE INDEX detainee_agreement_holder_idx ON detainee (agreement_id, holding_party_id, category)`);
    await q.query(`CREATE INDEX detainee_holding_party_idx ON detainee (holding_party_id, category)`);
    await q.query(`CREATE INDEX detainee_affiliated_party_idx ON detainee (affiliated_party_id)`);

    await q.query(`
      CREATE TABLE proof_of_life (
        id uuid PRIMARY KEY,
        detainee_id uuid NOT NULL REFERENCES detainee (id),
        method text NOT NULL CHECK (method IN ('VISIT', 'VIDEO', 'LETTER', 'THIRD_PARTY')),
        observed_at timestamptz NOT NULL,
        verifier text NOT NULL CHECK (length(btrim(verifier)) > 0),
        recorded_at timestamptz NOT NULL,
        recorded_by text NOT NULL,
        CHECK (observed_at <= recorded_at)
      )`);
    await q.query(`CREATE INDEX proof_of_life_detainee_idx ON proof_of_life (detainee_id, observed_at)`);

    await q.query(`
      CREATE TABLE list_deadline (
        agreement_id uuid PRIMARY KEY,
        submission_due_at timestamptz NOT NULL,
        comment_due_at timestamptz NOT NULL,
        set_by text NOT NULL,
        set_at timestamptz NOT NULL,
        CHECK (comment_due_at > submission_due_at)
      )`);

    await q.query(`
      CREATE TABLE detainee_list (
        id uuid PRIMARY KEY,
        agreement_id uuid NOT NULL,
        submitting_party_id uuid NOT NULL,
        submitted_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL,
        recorded_by text NOT NULL,
        note text,
        CHECK (submitted_at <= recorded_at)
      )`);
    await q.query(`CREATE INDEX detainee_list_agreement_idx ON detainee_list (agreement_id, submitting_party_id, submitted_at)`);

    await q.query(`
      CREATE TABLE detainee_list_entry (
        id uuid PRIMARY KEY,
        list_id uuid NOT NULL REFERENCES detainee_list (id),
        detainee_id uuid NOT NULL REFERENCES detainee (id),
        position integer NOT NULL CHECK (position >= 0),
        contest_reason text CHECK (contest_reason IN ('UNKNOWN_PERSON', 'DUPLICATE', 'NOT_HELD', 'DECEASED', 'OTHER')),
        contest_note text,
        contesting_party_id uuid,
        contested_at timestamptz,
        contested_by text,
        resolution text CHECK (resolution IN ('AGREED', 'REMOVED')),
        resolution_note text,
        resolved_at timestamptz,
        resolved_by text,
        CHECK ((contest_reason IS NULL) = (contested_at IS NULL) AND (contested_at IS NULL) = (contesting_party_id IS NULL)),
        CHECK (contest_reason IS DISTINCT FROM 'OTHER' OR length(btrim(contest_note)) > 0),
        CHECK ((resolution IS NULL) = (resolved_at IS NULL))
      )`);
    await q.query(`CREATE INDEX detainee_list_entry_list_idx ON detainee_list_entry (list_id, position)`);
    await q.query(`CREATE INDEX detainee_list_entry_detainee_idx ON detainee_list_entry (detainee_id)`);
    // One live (not removed) entry per detainee: the two sides reconcile one name, not two copies of it.
    await q.query(`CREATE UNIQUE INDEX detainee_list_entry_live_key ON detainee_list_entry (detainee_id) WHERE resolution IS DISTINCT FROM 'REMOVED'`);

    await q.query(`
      CREATE TABLE exchange_wave (
        id uuid PRIMARY KEY,
        agreement_id uuid NOT NULL,
        milestone_id uuid NOT NULL,
        sequence integer NOT NULL CHECK (sequence >= 1),
        scheduled_at timestamptz NOT NULL,
        ratio_base_party_id uuid,
        exception_reason text,
        exception_by text,
        exception_at timestamptz,
        planned_by text NOT NULL,
        planned_at timestamptz NOT NULL,
        sealed_at timestamptz,
        sealed_by text,
        CHECK ((exception_reason IS NULL) = (exception_at IS NULL) AND (exception_at IS NULL) = (exception_by IS NULL)),
        CHECK (exception_reason IS NULL OR length(btrim(exception_reason)) > 0),
        CHECK ((sealed_at IS NULL) = (sealed_by IS NULL))
      )`);
    await q.query(`CREATE UNIQUE INDEX exchange_wave_agreement_sequence_key ON exchange_wave (agreement_id, sequence)`);
    await q.query(`CREATE INDEX exchange_wave_milestone_idx ON exchange_wave (milestone_id, sequence)`);

    await q.query(`
      CREATE TABLE exchange_wave_ratio (
        wave_id uuid NOT NULL REFERENCES exchange_wave (id) ON DELETE CASCADE,
        category text NOT NULL CHECK (category IN ${CATEGORIES}),
        counterpart_per_detainee integer NOT NULL CHECK (counterpart_per_detainee BETWEEN 1 AND 1000),
        PRIMARY KEY (wave_id, category)
      )`);

    await q.query(`
      CREATE TABLE manifest_entry (
        id uuid PRIMARY KEY,
        wave_id uuid NOT NULL REFERENCES exchange_wave (id),
        detainee_id uuid NOT NULL REFERENCES detainee (id),
        added_at timestamptz NOT NULL,
        added_by text NOT NULL,
        outcome text CHECK (outcome IN ('CONSENTS', 'REFUSES')),
        fit_to_travel boolean,
        medical_check_notes text,
        confirmed_at timestamptz,
        confirmed_by text,
        recorded_at timestamptz,
        CHECK (
          (outcome IS NULL) = (fit_to_travel IS NULL) AND (outcome IS NULL) = (confirmed_at IS NULL)
          AND (outcome IS NULL) = (confirmed_by IS NULL) AND (outcome IS NULL) = (recorded_at IS NULL)
        ),
        CHECK (outcome IS DISTINCT FROM 'CONSENTS' OR fit_to_travel),
        CHECK (medical_check_notes IS NULL OR outcome IS NOT NULL)
      )`);
    await q.query(`CREATE UNIQUE INDEX manifest_entry_wave_detainee_key ON manifest_entry (wave_id, detainee_id)`);
    await q.query(`CREATE INDEX manifest_entry_detainee_idx ON manifest_entry (detainee_id)`);
    // The service refuses both with ALREADY_RELEASED; these indexes keep them true under any concurrency:
    // a detainee is on at most one undecided manifest entry, and is released (CONSENTS) at most once.
    await q.query(`CREATE UNIQUE INDEX manifest_entry_open_key ON manifest_entry (detainee_id) WHERE outcome IS NULL`);
    await q.query(`CREATE UNIQUE INDEX manifest_entry_released_key ON manifest_entry (detainee_id) WHERE outcome = 'CONSENTS'`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['manifest_entry', 'exchange_wave_ratio', 'exchange_wave', 'detainee_list_entry', 'detainee_list', 'list_deadline', 'proof_of_life', 'detainee']) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
