import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Device ids are compared byte by byte (COLLATE "C"), not by the database's locale.
 *
 * A device id is an opaque identifier: no reader sorts them as words. Under a linguistic collation every
 * comparison of two ids goes through the C library's strcoll, and a batch of 5,000 positions makes
 * tens of thousands of them: sorting the batch into key order before inserting, and descending the
 * primary key for each row. (EXPLAIN ANALYZE of one such batch under C.UTF-8: the sort went from about
 * 8 ms to 3.5 ms; the statement's total varies too much on the benchmark machine to quote one figure.)
 * Byte order is also the same on every machine, whatever locale its database was created with, so the
 * order of a convoy's positions between two devices at the same instant no longer depends on it.
 * Every comparison of these columns is made in SQL, against the column's own collation.
 */
export class DeviceIdsInByteOrder1795310000000 implements MigrationInterface {
  name = 'DeviceIdsInByteOrder1795310000000';

  async up(q: QueryRunner): Promise<void> {
    // The conflict log's key refers to the position's; both change together, the indexes are rebuilt.
    await q.query(`ALTER TABLE convoy_position_conflict ALTER COLUMN device_id TYPE text COLLATE "C"`);
    await q.query(`ALTER TABLE convoy_position ALTER COLUMN device_id TYPE text COLLATE "C"`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE convoy_position ALTER COLUMN device_id TYPE text COLLATE "default"`);
    await q.query(`ALTER TABLE convoy_position_conflict ALTER COLUMN device_id TYPE text COLLATE "default"`);
  }
}
