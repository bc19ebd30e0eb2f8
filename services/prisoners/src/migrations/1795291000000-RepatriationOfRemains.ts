import type { MigrationInterface, QueryRunner } from 'typeorm';

const LIVING = `'CHILD', 'WOMAN', 'MEDICAL', 'ELDERLY', 'OTHER'`;

/**
 * Repatriation of remains (issue 20): REMAINS becomes a category of its own, with its own ratio term; a
 * ratio term says what the other side hands over in return (living detainees or remains); remains are
 * identified (a table of its own) instead of seen alive, and handed over with the outcome REPATRIATED, no
 * interview and no medical check, at most once, naming the identification it relied on. The constraints
 * named below are the ones PostgreSQL named when CreatePrisonersSchema made them without names.
 */
export class RepatriationOfRemains1795291000000 implements MigrationInterface {
  name = 'RepatriationOfRemains1795291000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE detainee DROP CONSTRAINT detainee_category_check`);
    await q.query(`ALTER TABLE detainee ADD CONSTRAINT detainee_category_check CHECK (category IN (${LIVING}, 'REMAINS'))`);
    // Remains may be registered without a date of birth, and have no medical notes.
    await q.query(`ALTER TABLE detainee DROP CONSTRAINT detainee_personal_data_present`);
    await q.query(`
      ALTER TABLE detainee ADD CONSTRAINT detainee_personal_data_present
        CHECK (personal_data_purged_at IS NOT NULL OR (name IS NOT NULL AND (date_of_birth IS NOT NULL OR category = 'REMAINS')))`);
    await q.query(`ALTER TABLE detainee ADD CONSTRAINT detainee_remains_no_medical_notes CHECK (category <> 'REMAINS' OR medical_notes IS NULL)`);

    await q.query(`ALTER TABLE exchange_wave_ratio DROP CONSTRAINT exchange_wave_ratio_category_check`);
    await q.query(`ALTER TABLE exchange_wave_ratio ADD CONSTRAINT exchange_wave_ratio_category_check CHECK (category IN (${LIVING}, 'REMAINS'))`);
    // Every term made before this version asked living detainees in return.
    await q.query(`ALTER TABLE exchange_wave_ratio ADD COLUMN counterpart text NOT NULL DEFAULT 'LIVING' CHECK (counterpart IN ('LIVING', 'REMAINS'))`);
    await q.query(`ALTER TABLE exchange_wave_ratio ALTER COLUMN counterpart DROP DEFAULT`);

    await q.query(`
      CREATE TABLE remains_identification (
        id uuid PRIMARY KEY,
        detainee_id uuid NOT NULL REFERENCES detainee (id),
        method text NOT NULL CHECK (method IN ('DNA', 'DENTAL', 'FINGERPRINTS', 'PERSONAL_EFFECTS', 'VISUAL')),
        identified_by text NOT NULL CHECK (length(btrim(identified_by)) > 0),
        identified_at timestamptz NOT NULL,
        evidence_reference text,
        findings text,
        recorded_at timestamptz NOT NULL,
        recorded_by text NOT NULL,
        CHECK (identified_at <= recorded_at)
      )`);
    await q.query(`CREATE INDEX remains_identification_detainee_idx ON remains_identification (detainee_id, identified_at)`);

    await q.query(`ALTER TABLE manifest_entry DROP CONSTRAINT manifest_entry_outcome_check`);
    await q.query(`ALTER TABLE manifest_entry ADD CONSTRAINT manifest_entry_outcome_check CHECK (outcome IN ('CONSENTS', 'REFUSES', 'REPATRIATED'))`);
    // A handover records its time and who confirmed it; only an interview's has a medical check.
    await q.query(`ALTER TABLE manifest_entry DROP CONSTRAINT manifest_entry_check`);
    await q.query(`
      ALTER TABLE manifest_entry ADD CONSTRAINT manifest_entry_check CHECK (
        (outcome IS NULL OR outcome = 'REPATRIATED') = (fit_to_travel IS NULL) AND (outcome IS NULL) = (confirmed_at IS NULL)
        AND (outcome IS NULL) = (confirmed_by IS NULL) AND (outcome IS NULL) = (recorded_at IS NULL)
      )`);
    await q.query(`ALTER TABLE manifest_entry ADD COLUMN remains_identification_id uuid REFERENCES remains_identification (id)`);
    await q.query(`
      ALTER TABLE manifest_entry ADD CONSTRAINT manifest_entry_repatriation_identified
        CHECK ((outcome IS NOT DISTINCT FROM 'REPATRIATED') = (remains_identification_id IS NOT NULL))`);
    // As for releases: the same remains are handed over once, whatever the concurrency.
    await q.query(`CREATE UNIQUE INDEX manifest_entry_repatriated_key ON manifest_entry (detainee_id) WHERE outcome = 'REPATRIATED'`);
  }

  async down(q: QueryRunner): Promise<void> {
    const [{ remains, terms }] = await q.query(`
      SELECT (SELECT count(*)::int FROM detainee WHERE category = 'REMAINS') AS remains,
             (SELECT count(*)::int FROM exchange_wave_ratio WHERE category = 'REMAINS' OR counterpart = 'REMAINS') AS terms`);
    if (remains > 0 || terms > 0) {
      throw new Error(
        `${remains} records are remains and ${terms} ratio terms concern remains, which the schema before this version cannot hold; ` +
          'a migration does not delete them. Remove them deliberately first if a rollback is really wanted.',
      );
    }
    await q.query(`DROP INDEX manifest_entry_repatriated_key`);
    await q.query(`ALTER TABLE manifest_entry DROP CONSTRAINT manifest_entry_repatriation_identified`);
    await q.query(`ALTER TABLE manifest_entry DROP COLUMN remains_identification_id`);
    await q.query(`ALTER TABLE manifest_entry DROP CONSTRAINT manifest_entry_check`);
    await q.query(`
      ALTER TABLE manifest_entry ADD CONSTRAINT manifest_entry_check CHECK (
        (outcome IS NULL) = (fit_to_travel IS NULL) AND (outcome IS NULL) = (confirmed_at IS NULL)
        AND (outcome IS NULL) = (confirmed_by IS NULL) AND (outcome IS NULL) = (recorded_at IS NULL)
      )`);
    await q.query(`ALTER TABLE manifest_entry DROP CONSTRAINT manifest_entry_outcome_check`);
    await q.query(`ALTER TABLE manifest_entry ADD CONSTRAINT manifest_entry_outcome_check CHECK (outcome IN ('CONSENTS', 'REFUSES'))`);
    await q.query(`DROP TABLE remains_identification`);
    await q.query(`ALTER TABLE exchange_wave_ratio DROP COLUMN counterpart`);
    await q.query(`ALTER TABLE exchange_wave_ratio DROP CONSTRAINT exchange_wave_ratio_category_check`);
    await q.query(`ALTER TABLE exchange_wave_ratio ADD CONSTRAINT exchange_wave_ratio_category_check CHECK (category IN (${LIVING}))`);
    await q.query(`ALTER TABLE detainee DROP CONSTRAINT detainee_remains_no_medical_notes`);
    await q.query(`ALTER TABLE detainee DROP CONSTRAINT detainee_personal_data_present`);
    await q.query(`ALTER TABLE detainee ADD CONSTRAINT detainee_personal_data_present CHECK (personal_data_purged_at IS NOT NULL OR (name IS NOT NULL AND date_of_birth IS NOT NULL))`);
    await q.query(`ALTER TABLE detainee DROP CONSTRAINT detainee_category_check`);
    await q.query(`ALTER TABLE detainee ADD CONSTRAINT detainee_category_check CHECK (category IN (${LIVING}))`);
  }
}
