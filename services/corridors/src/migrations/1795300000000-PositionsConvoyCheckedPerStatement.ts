import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * convoy_position's reference to its convoy is checked once per statement instead of once per row.
 *
 * A FOREIGN KEY in PostgreSQL runs a trigger and a lookup of the convoy for every inserted row: for a
 * batch of 5,000 GPS points from four convoys that is 5,000 lookups of four rows, about 40 % of the
 * database's work per point (measured with 100,000-row inserts into a copy of this table, with and
 * without the key). The same rule is now held by triggers that work on the whole statement:
 *
 * - after an INSERT or UPDATE of positions, the distinct convoys of the new rows are locked FOR KEY SHARE,
 *   as the foreign key's own lookup does, so no convoy can be deleted until the writer commits, and the
 *   statement is refused with foreign_key_violation (23503) if any of them does not exist;
 * - deleting a convoy deletes its positions (ON DELETE CASCADE before; the conflict log follows them by
 *   its own foreign key), and changing a convoy's id while it has positions is refused, as NO ACTION did.
 *
 * Rows are checked in the statement's own terms: an insert of 5,000 rows for one unknown convoy is refused
 * whole, as it was. TRUNCATE of convoy alone is no longer refused; the service never truncates.
 */
export class PositionsConvoyCheckedPerStatement1795300000000 implements MigrationInterface {
  name = 'PositionsConvoyCheckedPerStatement1795300000000';

  async up(q: QueryRunner): Promise<void> {
    const [fk]: { conname: string }[] = await q.query(
      `SELECT conname FROM pg_constraint WHERE conrelid = 'convoy_position'::regclass AND confrelid = 'convoy'::regclass AND contype = 'f'`,
    );
    if (fk) await q.query(`ALTER TABLE convoy_position DROP CONSTRAINT "${fk.conname}"`);

    await q.query(`
      CREATE FUNCTION convoy_position_convoy_exists() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE missing uuid;
      BEGIN
        -- Lock first, then look: a convoy deleted by a transaction that committed meanwhile is not
        -- returned by FOR KEY SHARE, so it counts as missing rather than slipping through.
        WITH wanted AS (SELECT DISTINCT convoy_id AS id FROM written),
             held AS (SELECT c.id FROM convoy c JOIN wanted w ON w.id = c.id FOR KEY SHARE OF c)
        SELECT w.id INTO missing FROM wanted w WHERE NOT EXISTS (SELECT FROM held h WHERE h.id = w.id) LIMIT 1;
        IF missing IS NOT NULL THEN
          RAISE EXCEPTION 'insert or update on table "convoy_position" violates its reference to convoy: convoy % does not exist', missing
            USING ERRCODE = 'foreign_key_violation', TABLE = 'convoy_position';
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER convoy_position_convoy_on_insert AFTER INSERT ON convoy_position
      REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION convoy_position_convoy_exists()`);
    await q.query(`CREATE TRIGGER convoy_position_convoy_on_update AFTER UPDATE ON convoy_position
      REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION convoy_position_convoy_exists()`);

    await q.query(`
      CREATE FUNCTION convoy_deleted_positions_follow() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM convoy_position p USING gone g WHERE p.convoy_id = g.id;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER convoy_delete_positions AFTER DELETE ON convoy
      REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION convoy_deleted_positions_follow()`);

    await q.query(`
      CREATE FUNCTION convoy_id_kept_while_positioned() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT FROM convoy_position p WHERE p.convoy_id = OLD.id) THEN
          RAISE EXCEPTION 'update on table "convoy" would leave positions without their convoy: convoy % has positions', OLD.id
            USING ERRCODE = 'foreign_key_violation', TABLE = 'convoy';
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`CREATE TRIGGER convoy_id_kept AFTER UPDATE OF id ON convoy
      FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION convoy_id_kept_while_positioned()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER convoy_id_kept ON convoy`);
    await q.query(`DROP FUNCTION convoy_id_kept_while_positioned()`);
    await q.query(`DROP TRIGGER convoy_delete_positions ON convoy`);
    await q.query(`DROP FUNCTION convoy_deleted_positions_follow()`);
    await q.query(`DROP TRIGGER convoy_position_convoy_on_update ON convoy_position`);
    await q.query(`DROP TRIGGER convoy_position_convoy_on_insert ON convoy_position`);
    await q.query(`DROP FUNCTION convoy_position_convoy_exists()`);
    await q.query(`ALTER TABLE convoy_position ADD CONSTRAINT convoy_position_convoy_id_fkey FOREIGN KEY (convoy_id) REFERENCES convoy (id) ON DELETE CASCADE`);
  }
}
