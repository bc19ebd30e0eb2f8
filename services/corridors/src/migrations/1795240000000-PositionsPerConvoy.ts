import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A position is identified by (convoy, device, sequence), no longer by (device, sequence) alone: a tracker
 * moved to the next convoy, or another agency's tracker with the same id, starts its numbering again and
 * its points are new positions, not duplicates. A resent point that disagrees with the one on record is
 * kept in convoy_position_conflict, append-only, instead of being dropped.
 */
export class PositionsPerConvoy1795240000000 implements MigrationInterface {
  name = 'PositionsPerConvoy1795240000000';

  async up(q: QueryRunner): Promise<void> {
    // Every existing key stays unique: adding convoy_id to a unique key cannot create a collision.
    await q.query(`ALTER TABLE convoy_position DROP CONSTRAINT convoy_position_pkey`);
    await q.query(`ALTER TABLE convoy_position ADD CONSTRAINT convoy_position_pkey PRIMARY KEY (convoy_id, device_id, sequence)`);

    // One row per distinct disagreeing version of a point: a retried batch reports the conflict again
    // but does not log it twice. The point of record is the referenced convoy_position row, never changed.
    await q.query(`
      CREATE TABLE convoy_position_conflict (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        convoy_id uuid NOT NULL,
        device_id text NOT NULL,
        sequence integer NOT NULL,
        device_time timestamptz NOT NULL,
        latitude double precision NOT NULL CHECK (latitude BETWEEN -90 AND 90),
        longitude double precision NOT NULL CHECK (longitude BETWEEN -180 AND 180),
        received_at timestamptz NOT NULL,
        sent_by text NOT NULL CHECK (length(btrim(sent_by)) > 0),
        sent_by_subject text,
        FOREIGN KEY (convoy_id, device_id, sequence) REFERENCES convoy_position (convoy_id, device_id, sequence) ON DELETE CASCADE,
        CHECK (device_time <= received_at + interval '5 minutes')
      )`);
    await q.query(`
      CREATE UNIQUE INDEX convoy_position_conflict_version_key
      ON convoy_position_conflict (convoy_id, device_id, sequence, device_time, latitude, longitude)`);
    await q.query(`CREATE INDEX convoy_position_conflict_convoy_idx ON convoy_position_conflict (convoy_id, received_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Going back to (device, sequence) would have to delete one of two positions that now share a device
    // and sequence on different convoys, often another agency's. Refuse rather than choose silently.
    const [clash]: { device_id: string; sequence: number; convoys: number; pairs: number }[] = await q.query(`
      SELECT device_id, sequence, convoys, count(*) OVER ()::int AS pairs
      FROM (SELECT device_id, sequence, count(*)::int AS convoys FROM convoy_position GROUP BY device_id, sequence HAVING count(*) > 1) s
      ORDER BY device_id, sequence
      LIMIT 1`);
    if (clash) {
      throw new Error(
        `Cannot restore the (device_id, sequence) key of convoy_position: ${clash.pairs} device and sequence pair(s) are on more than one convoy ` +
          `(first: device "${clash.device_id}" sequence ${clash.sequence} on ${clash.convoys} convoys). Delete or renumber those positions first, then run the down migration again.`,
      );
    }
    await q.query(`DROP TABLE convoy_position_conflict`);
    await q.query(`ALTER TABLE convoy_position DROP CONSTRAINT convoy_position_pkey`);
    await q.query(`ALTER TABLE convoy_position ADD CONSTRAINT convoy_position_pkey PRIMARY KEY (device_id, sequence)`);
  }
}
