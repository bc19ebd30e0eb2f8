import type { MigrationInterface, QueryRunner } from 'typeorm';

export class AddDisputesAndSnapBack1795234000000 implements MigrationInterface {
  name = 'AddDisputesAndSnapBack1795234000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE dispute_tier (
        agreement_id uuid NOT NULL REFERENCES agreement (id) ON DELETE CASCADE,
        ordinal integer NOT NULL CHECK (ordinal >= 1),
        name text NOT NULL CHECK (length(btrim(name)) > 0),
        hours integer NOT NULL CHECK (hours BETWEEN 1 AND 720),
        ruling_role text NOT NULL CHECK (ruling_role IN ('MEDIATOR', 'GUARANTOR', 'MONITOR')),
        PRIMARY KEY (agreement_id, ordinal)
      )`);
    // Agreements created before disputes existed get the default ladder.
    await q.query(`
      INSERT INTO dispute_tier (agreement_id, ordinal, name, hours, ruling_role)
      SELECT id, 1, 'Joint commission', 48, 'MEDIATOR' FROM agreement
      UNION ALL SELECT id, 2, 'Guarantor panel', 72, 'GUARANTOR' FROM agreement`);
    await q.query(`
      CREATE TABLE dispute (
        id uuid PRIMARY KEY,
        agreement_id uuid NOT NULL REFERENCES agreement (id) ON DELETE CASCADE,
        milestone_id uuid REFERENCES milestone (id),
        incident_id uuid,
        allegation text NOT NULL CHECK (length(btrim(allegation)) > 0),
        accused_party_id uuid REFERENCES party (id),
        filed_by text NOT NULL,
        filed_by_subject text,
        filed_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL,
        CHECK (filed_at <= recorded_at),
        CHECK ((milestone_id IS NULL) <> (incident_id IS NULL))
      )`);
    await q.query(`CREATE INDEX dispute_agreement_idx ON dispute (agreement_id, filed_at)`);
    await q.query(`CREATE INDEX dispute_milestone_idx ON dispute (milestone_id)`);
    await q.query(`
      CREATE TABLE dispute_ruling (
        dispute_id uuid PRIMARY KEY REFERENCES dispute (id) ON DELETE CASCADE,
        outcome text NOT NULL CHECK (outcome IN ('BREACH_CONFIRMED', 'NO_BREACH', 'SETTLED')),
        reasoning text NOT NULL CHECK (length(btrim(reasoning)) > 0),
        tier_ordinal integer NOT NULL,
        ruled_by text NOT NULL,
        ruled_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE snap_back_clause (
        id uuid PRIMARY KEY,
        agreement_id uuid NOT NULL REFERENCES agreement (id) ON DELETE CASCADE,
        trigger text NOT NULL CHECK (trigger IN ('MILESTONE_MISSED', 'VIOLATIONS_THRESHOLD', 'RULING_CONFIRMS_BREACH')),
        milestone_id uuid REFERENCES milestone (id),
        threshold integer CHECK (threshold >= 1),
        window_hours integer CHECK (window_hours BETWEEN 1 AND 8760),
        reverts text NOT NULL CHECK (length(btrim(reverts)) > 0),
        created_at timestamptz NOT NULL,
        CHECK (trigger <> 'VIOLATIONS_THRESHOLD' OR (threshold IS NOT NULL AND window_hours IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX snap_back_clause_agreement_idx ON snap_back_clause (agreement_id)`);
    await q.query(`
      CREATE TABLE snap_back_lift (
        id uuid PRIMARY KEY,
        agreement_id uuid NOT NULL REFERENCES agreement (id) ON DELETE CASCADE,
        reason text NOT NULL CHECK (length(btrim(reason)) > 0),
        lifted_by text NOT NULL,
        lifted_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX snap_back_lift_agreement_idx ON snap_back_lift (agreement_id, lifted_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['snap_back_lift', 'snap_back_clause', 'dispute_ruling', 'dispute', 'dispute_tier']) await q.query(`DROP TABLE ${t}`);
  }
}
