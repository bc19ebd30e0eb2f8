import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Statements and domestic steps (DESIGN §13): a milestone's kind and its terms, and the evidence of its
 * kind a certification carries. Numbered before the evidence log's backfill (logFactsRecordedBefore),
 * which reads certifications through their entity, so on a fresh database the column exists when it runs.
 * Existing milestones are OBLIGATIONs, with no terms; existing certifications carry no evidence of kind.
 */
export class MilestoneKinds1795266000000 implements MigrationInterface {
  name = 'MilestoneKinds1795266000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE milestone ADD COLUMN kind text NOT NULL DEFAULT 'OBLIGATION' CHECK (kind IN ('OBLIGATION', 'STATEMENT', 'DOMESTIC_STEP'))`);
    // The terms are checked by the service (domain/communications.ts); the database keeps them with their kind.
    await q.query(`ALTER TABLE milestone ADD COLUMN terms jsonb`);
    await q.query(`
      ALTER TABLE milestone ADD CONSTRAINT milestone_kind_terms CHECK (
        (kind = 'OBLIGATION' AND terms IS NULL)
        OR (kind = 'STATEMENT' AND jsonb_typeof(terms -> 'statement') = 'object')
        OR (kind = 'DOMESTIC_STEP' AND jsonb_typeof(terms -> 'domesticStep') = 'object'))`);
    await q.query(`
      ALTER TABLE certification ADD COLUMN kind_evidence jsonb CHECK (
        kind_evidence IS NULL OR jsonb_typeof(kind_evidence -> 'issuances') = 'array' OR jsonb_typeof(kind_evidence -> 'record') = 'object')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE certification DROP COLUMN kind_evidence`);
    await q.query(`ALTER TABLE milestone DROP CONSTRAINT milestone_kind_terms`);
    await q.query(`ALTER TABLE milestone DROP COLUMN terms`);
    await q.query(`ALTER TABLE milestone DROP COLUMN kind`);
  }
}
