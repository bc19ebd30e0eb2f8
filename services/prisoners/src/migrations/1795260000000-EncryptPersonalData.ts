import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Encryption at rest of personal fields (src/crypto/): every personal column becomes text so that it can
 * hold a sealed value, the wrapped data keys get their table, and detainees get a blind index for
 * duplicate detection. A migration holds no keys, so it encrypts nothing: the service seals any value
 * still in plain text, and fills in the blind index, when it starts.
 */
export class EncryptPersonalData1795260000000 implements MigrationInterface {
  name = 'EncryptPersonalData1795260000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE detainee ALTER COLUMN date_of_birth TYPE text USING to_char(date_of_birth, 'YYYY-MM-DD')`);
    await q.query(`ALTER TABLE detainee ADD COLUMN person_index text`);
    await q.query(`CREATE INDEX detainee_person_index_idx ON detainee (agreement_id, person_index)`);
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
  }

  async down(q: QueryRunner): Promise<void> {
    const [{ n }] = await q.query(`
      SELECT (SELECT count(*) FROM detainee WHERE name LIKE 'enc:%' OR date_of_birth LIKE 'enc:%' OR medical_notes LIKE 'enc:%')
           + (SELECT count(*) FROM manifest_entry WHERE medical_check_notes LIKE 'enc:%') AS n`);
    if (Number(n) > 0) {
      throw new Error(
        `${n} records hold encrypted personal data, which a migration cannot decrypt (it has no keys). To roll back, stop the ` +
          'service, run `npm run rotate-keys -- --decrypt` with TREATY_DATA_KEYS set, then migrate down.',
      );
    }
    await q.query(`DROP TABLE data_key`);
    await q.query(`DROP INDEX detainee_person_index_idx`);
    await q.query(`ALTER TABLE detainee DROP COLUMN person_index`);
    await q.query(`ALTER TABLE detainee ALTER COLUMN date_of_birth TYPE date USING date_of_birth::date`);
  }
}
