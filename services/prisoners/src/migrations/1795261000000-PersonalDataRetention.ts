import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Retention (src/retention.ts): after erasure a record keeps no name, date of birth or notes, so those
 * columns may be empty, and the time of erasure is kept.
 */
export class PersonalDataRetention1795261000000 implements MigrationInterface {
  name = 'PersonalDataRetention1795261000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE detainee ALTER COLUMN name DROP NOT NULL, ALTER COLUMN date_of_birth DROP NOT NULL`);
    await q.query(`ALTER TABLE detainee ADD COLUMN personal_data_purged_at timestamptz`);
    // A purged record has none of them; a live one has both name and date of birth.
    await q.query(`ALTER TABLE detainee ADD CONSTRAINT detainee_personal_data_present CHECK (personal_data_purged_at IS NOT NULL OR (name IS NOT NULL AND date_of_birth IS NOT NULL))`);
  }

  async down(q: QueryRunner): Promise<void> {
    const [purged] = await q.query(`SELECT count(*)::int AS n FROM detainee WHERE personal_data_purged_at IS NOT NULL`);
    if (purged.n > 0) {
      throw new Error(`${purged.n} detainee records have had their personal data erased under retention; the columns cannot be made required again. Erased data is not restored.`);
    }
    await q.query(`ALTER TABLE detainee DROP CONSTRAINT detainee_personal_data_present`);
    await q.query(`ALTER TABLE detainee DROP COLUMN personal_data_purged_at`);
    await q.query(`ALTER TABLE detainee ALTER COLUMN name SET NOT NULL, ALTER COLUMN date_of_birth SET NOT NULL`);
  }
}
