import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Localised windows (issue 20): a time and an area in which movement is expected, their early closures,
 * and on each incident verification step the windows the incident was inside when the step was taken.
 *
 * Its timestamp puts it before the kit's LogFactsRecordedBefore (1795270000002), which reads every table
 * named by this service's evidence facts: on a fresh database these tables must exist by then. On a
 * database already past that step this migration runs next (TypeORM applies any migration not yet
 * applied), and the tables start empty, so there is nothing recorded earlier to log.
 */
export class LocalisedWindows1795265000000 implements MigrationInterface {
  name = 'LocalisedWindows1795265000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE localised_window (
        id uuid PRIMARY KEY,
        agreement_id uuid NOT NULL,
        corridor_id uuid REFERENCES corridor (id),
        purpose text NOT NULL CHECK (purpose IN ('REPAIR', 'EVACUATION', 'DEMINING', 'RECOVERY_OF_REMAINS', 'AID_DISTRIBUTION', 'OTHER')),
        description text NOT NULL CHECK (length(btrim(description)) > 0),
        from_at timestamptz NOT NULL,
        until_at timestamptz NOT NULL,
        area_kind text NOT NULL CHECK (area_kind IN ('POLYGON', 'CIRCLE')),
        vertex_latitudes double precision[],
        vertex_longitudes double precision[],
        centre_latitude double precision,
        centre_longitude double precision,
        radius_metres double precision,
        min_latitude double precision NOT NULL,
        max_latitude double precision NOT NULL,
        min_longitude double precision NOT NULL,
        max_longitude double precision NOT NULL,
        created_by text NOT NULL,
        created_by_subject text,
        created_at timestamptz NOT NULL,
        CHECK (until_at > from_at AND until_at <= from_at + interval '30 days'),
        CHECK (
          (area_kind = 'POLYGON'
            AND cardinality(vertex_latitudes) BETWEEN 3 AND 200 AND cardinality(vertex_longitudes) = cardinality(vertex_latitudes)
            AND -90 <= ALL (vertex_latitudes) AND 90 >= ALL (vertex_latitudes) AND -180 <= ALL (vertex_longitudes) AND 180 >= ALL (vertex_longitudes)
            AND centre_latitude IS NULL AND centre_longitude IS NULL AND radius_metres IS NULL)
          OR (area_kind = 'CIRCLE'
            AND vertex_latitudes IS NULL AND vertex_longitudes IS NULL
            AND centre_latitude BETWEEN -90 AND 90 AND centre_longitude BETWEEN -180 AND 180 AND radius_metres BETWEEN 10 AND 50000)
        ),
        CHECK (min_latitude <= max_latitude AND min_longitude <= max_longitude)
      )`);
    await q.query(`CREATE INDEX localised_window_agreement_idx ON localised_window (agreement_id, from_at)`);

    // At most one closure per window (its primary key): a window is closed once, and never reopened.
    await q.query(`
      CREATE TABLE localised_window_closure (
        window_id uuid PRIMARY KEY REFERENCES localised_window (id),
        closed_at timestamptz NOT NULL,
        reason text NOT NULL CHECK (length(btrim(reason)) > 0),
        closed_by text NOT NULL,
        closed_by_subject text
      )`);

    // Steps recorded before windows existed were inside none: the default says so.
    await q.query(`ALTER TABLE incident_verification ADD COLUMN window_ids uuid[] NOT NULL DEFAULT '{}'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE incident_verification DROP COLUMN window_ids`);
    await q.query(`DROP TABLE localised_window_closure`);
    await q.query(`DROP TABLE localised_window`);
  }
}
