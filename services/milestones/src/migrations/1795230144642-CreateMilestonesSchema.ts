import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateMilestonesSchema1795230144642 implements MigrationInterface {
  name = 'CreateMilestonesSchema1795230144642';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE agreement (
        id uuid PRIMARY KEY,
        title text NOT NULL CHECK (length(btrim(title)) > 0),
        mediator text,
        entry_into_force_at timestamptz NOT NULL,
        proof_of_life_max_age_days integer NOT NULL DEFAULT 14 CHECK (proof_of_life_max_age_days BETWEEN 1 AND 90),
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text
      )`);
    await q.query(`CREATE INDEX agreement_entry_into_force_idx ON agreement (entry_into_force_at)`);
    await q.query(`
      CREATE TABLE party (
        id uuid PRIMARY KEY,
        name text NOT NULL UNIQUE CHECK (length(btrim(name)) > 0),
        kind text NOT NULL CHECK (kind IN ('STATE', 'GOVERNMENT', 'NON_STATE_ARMED_GROUP', 'OTHER')),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE agreement_party (
        agreement_id uuid NOT NULL REFERENCES agreement (id) ON DELETE CASCADE,
        party_id uuid NOT NULL REFERENCES party (id),
        PRIMARY KEY (agreement_id, party_id)
      )`);
    await q.query(`CREATE INDEX agreement_party_party_idx ON agreement_party (party_id)`);
    await q.query(`
      CREATE TABLE phase (
        id uuid PRIMARY KEY,
        agreement_id uuid NOT NULL REFERENCES agreement (id) ON DELETE CASCADE,
        ordinal integer NOT NULL CHECK (ordinal >= 1),
        name text NOT NULL,
        start_day integer NOT NULL CHECK (start_day >= 0),
        end_day integer NOT NULL,
        permitted_cargo text[] NOT NULL,
        CHECK (end_day >= start_day)
      )`);
    await q.query(`CREATE UNIQUE INDEX phase_agreement_ordinal_key ON phase (agreement_id, ordinal)`);
    // Overlapping phases are refused by the service with a clear message; this constraint is the
    // backstop that keeps the rule true whatever writes the table.
    await q.query(`CREATE EXTENSION IF NOT EXISTS btree_gist`);
    await q.query(`
      ALTER TABLE phase ADD CONSTRAINT phase_no_overlap
        EXCLUDE USING gist (agreement_id WITH =, int4range(start_day, end_day, '[]') WITH &&)`);
    await q.query(`
      CREATE TABLE milestone (
        id uuid PRIMARY KEY,
        agreement_id uuid NOT NULL REFERENCES agreement (id) ON DELETE CASCADE,
        phase_id uuid NOT NULL REFERENCES phase (id),
        title text NOT NULL CHECK (length(btrim(title)) > 0),
        description text,
        obligated_party_id uuid NOT NULL REFERENCES party (id),
        due_day integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX milestone_agreement_due_idx ON milestone (agreement_id, due_day)`);
    await q.query(`CREATE INDEX milestone_phase_idx ON milestone (phase_id)`);
    await q.query(`CREATE INDEX milestone_party_idx ON milestone (obligated_party_id)`);
    await q.query(`
      CREATE TABLE benchmark (
        id uuid PRIMARY KEY,
        milestone_id uuid NOT NULL REFERENCES milestone (id) ON DELETE CASCADE,
        position integer NOT NULL,
        metric text NOT NULL,
        comparator text NOT NULL CHECK (comparator IN ('AT_LEAST', 'AT_MOST')),
        threshold double precision NOT NULL CHECK (threshold >= 0),
        description text
      )`);
    await q.query(`CREATE INDEX benchmark_milestone_idx ON benchmark (milestone_id, position)`);
    await q.query(`
      CREATE TABLE certification (
        id uuid PRIMARY KEY,
        milestone_id uuid NOT NULL UNIQUE REFERENCES milestone (id) ON DELETE CASCADE,
        verifier text NOT NULL,
        verifier_subject text,
        met_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL,
        evidence jsonb NOT NULL CHECK (jsonb_typeof(evidence) = 'array' AND jsonb_array_length(evidence) > 0),
        notes text
      )`);
    await q.query(`
      CREATE TABLE waiver (
        id uuid PRIMARY KEY,
        milestone_id uuid NOT NULL UNIQUE REFERENCES milestone (id) ON DELETE CASCADE,
        reason text NOT NULL CHECK (length(btrim(reason)) > 0),
        waived_by text NOT NULL,
        waived_at timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['waiver', 'certification', 'benchmark', 'milestone', 'phase', 'agreement_party', 'party', 'agreement']) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
