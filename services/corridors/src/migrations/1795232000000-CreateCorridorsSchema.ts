import type { MigrationInterface, QueryRunner } from 'typeorm';

const CARGO = `'HUMANITARIAN_AID', 'MEDICAL_EVACUATION', 'COMMERCIAL', 'FUEL', 'CIVILIAN_MOVEMENT'`;
const CONVOY_STATUS = `'REQUESTED', 'CLEARED', 'DENIED', 'AT_CROSSING', 'INSPECTED', 'IN_TRANSIT', 'DELIVERED', 'INTERCEPTED', 'RETURNED'`;

export class CreateCorridorsSchema1795232000000 implements MigrationInterface {
  name = 'CreateCorridorsSchema1795232000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE corridor (
        id uuid PRIMARY KEY,
        agreement_id uuid NOT NULL,
        name text NOT NULL CHECK (length(btrim(name)) > 0),
        kind text NOT NULL CHECK (kind IN ('LAND_CROSSING', 'SEA_CORRIDOR', 'AIR_BRIDGE')),
        latitude double precision NOT NULL CHECK (latitude BETWEEN -90 AND 90),
        longitude double precision NOT NULL CHECK (longitude BETWEEN -180 AND 180),
        handles text[] NOT NULL CHECK (cardinality(handles) > 0 AND handles <@ ARRAY[${CARGO}]),
        telemetry_gap_minutes integer NOT NULL DEFAULT 30 CHECK (telemetry_gap_minutes BETWEEN 1 AND 1440),
        created_at timestamptz NOT NULL DEFAULT now(),
        created_by text NOT NULL
      )`);
    await q.query(`CREATE INDEX corridor_agreement_idx ON corridor (agreement_id)`);
    await q.query(`CREATE UNIQUE INDEX corridor_agreement_name_key ON corridor (agreement_id, lower(btrim(name)))`);

    await q.query(`
      CREATE TABLE corridor_closure (
        id uuid PRIMARY KEY,
        corridor_id uuid NOT NULL REFERENCES corridor (id),
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        cause text NOT NULL CHECK (cause IN ('SECURITY', 'WEATHER', 'INSPECTION_BACKLOG', 'POLITICAL', 'OTHER')),
        note text,
        recorded_by text NOT NULL,
        recorded_by_subject text,
        recorded_at timestamptz NOT NULL,
        CHECK (ends_at > starts_at AND ends_at <= starts_at + interval '90 days'),
        CHECK (cause <> 'OTHER' OR length(btrim(note)) > 0)
      )`);
    await q.query(`CREATE INDEX corridor_closure_corridor_idx ON corridor_closure (corridor_id, starts_at)`);

    await q.query(`
      CREATE TABLE convoy (
        id uuid PRIMARY KEY,
        corridor_id uuid NOT NULL REFERENCES corridor (id),
        agency text NOT NULL CHECK (length(btrim(agency)) > 0),
        requested_by text NOT NULL,
        requested_by_subject text,
        requested_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL,
        note text,
        CHECK (requested_at <= recorded_at)
      )`);
    await q.query(`CREATE INDEX convoy_corridor_idx ON convoy (corridor_id, requested_at)`);
    await q.query(`CREATE INDEX convoy_agency_idx ON convoy (agency)`);

    await q.query(`
      CREATE TABLE convoy_cargo_line (
        convoy_id uuid NOT NULL REFERENCES convoy (id) ON DELETE CASCADE,
        cargo_class text NOT NULL CHECK (cargo_class IN (${CARGO})),
        position integer NOT NULL CHECK (position >= 0),
        tonnes numeric(12, 3) NOT NULL CHECK (tonnes >= 0),
        trucks integer NOT NULL CHECK (trucks BETWEEN 1 AND 500),
        PRIMARY KEY (convoy_id, cargo_class),
        CHECK (tonnes <= trucks * 40)
      )`);

    // Each transition is a row; the status is the latest row's to_status. The pairs below are the
    // status machine of src/domain/convoy-status.ts, kept here as a backstop.
    await q.query(`
      CREATE TABLE convoy_event (
        id uuid PRIMARY KEY,
        convoy_id uuid NOT NULL REFERENCES convoy (id) ON DELETE CASCADE,
        sequence integer NOT NULL CHECK (sequence >= 1),
        from_status text CHECK (from_status IN (${CONVOY_STATUS})),
        to_status text NOT NULL CHECK (to_status IN (${CONVOY_STATUS})),
        at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL,
        by_agency text NOT NULL,
        by_subject text,
        note text,
        CHECK ((sequence = 1) = (from_status IS NULL)),
        CHECK (
          (from_status IS NULL AND to_status = 'REQUESTED')
          OR (from_status, to_status) IN (
            ('REQUESTED', 'CLEARED'), ('REQUESTED', 'DENIED'), ('CLEARED', 'AT_CROSSING'), ('AT_CROSSING', 'INSPECTED'),
            ('INSPECTED', 'IN_TRANSIT'), ('INSPECTED', 'RETURNED'),
            ('IN_TRANSIT', 'DELIVERED'), ('IN_TRANSIT', 'INTERCEPTED'), ('IN_TRANSIT', 'RETURNED')
          )
        )
      )`);
    await q.query(`CREATE UNIQUE INDEX convoy_event_convoy_sequence_key ON convoy_event (convoy_id, sequence)`);
    await q.query(`CREATE INDEX convoy_event_to_at_idx ON convoy_event (to_status, at)`);

    await q.query(`
      CREATE TABLE inspection (
        id uuid PRIMARY KEY,
        convoy_id uuid NOT NULL REFERENCES convoy (id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('PRIMARY', 'SECONDARY')),
        team text[] NOT NULL CHECK (cardinality(team) >= 2),
        started_at timestamptz NOT NULL,
        ended_at timestamptz NOT NULL,
        result text NOT NULL CHECK (result IN ('PASSED', 'PARTIAL', 'REJECTED')),
        recorded_by text NOT NULL,
        recorded_by_subject text,
        recorded_at timestamptz NOT NULL,
        notes text,
        CHECK (ended_at > started_at AND ended_at <= started_at + interval '7 days')
      )`);
    await q.query(`CREATE UNIQUE INDEX inspection_primary_key ON inspection (convoy_id) WHERE kind = 'PRIMARY'`);
    await q.query(`CREATE INDEX inspection_convoy_idx ON inspection (convoy_id, started_at)`);
    await q.query(`CREATE INDEX inspection_started_idx ON inspection (started_at)`);

    await q.query(`
      CREATE TABLE inspection_rejected_item (
        inspection_id uuid NOT NULL REFERENCES inspection (id) ON DELETE CASCADE,
        position integer NOT NULL CHECK (position >= 0),
        cargo_class text NOT NULL CHECK (cargo_class IN (${CARGO})),
        description text NOT NULL CHECK (length(btrim(description)) > 0),
        reason text NOT NULL CHECK (length(btrim(reason)) > 0),
        trucks integer NOT NULL DEFAULT 0 CHECK (trucks >= 0),
        tonnes numeric(12, 3) NOT NULL DEFAULT 0 CHECK (tonnes >= 0),
        PRIMARY KEY (inspection_id, position)
      )`);

    // What a convoy delivers: its cargo lines, net of what inspections turned back.
    await q.query(`
      CREATE VIEW convoy_net_cargo AS
      SELECT cv.id AS convoy_id,
        (SELECT coalesce(sum(l.trucks), 0) FROM convoy_cargo_line l WHERE l.convoy_id = cv.id)
          - (SELECT coalesce(sum(r.trucks), 0) FROM inspection_rejected_item r JOIN inspection i ON i.id = r.inspection_id WHERE i.convoy_id = cv.id) AS trucks,
        (SELECT coalesce(sum(l.tonnes), 0) FROM convoy_cargo_line l WHERE l.convoy_id = cv.id)
          - (SELECT coalesce(sum(r.tonnes), 0) FROM inspection_rejected_item r JOIN inspection i ON i.id = r.inspection_id WHERE i.convoy_id = cv.id) AS tonnes
      FROM convoy cv`);

    // Append-only position reports; (device_id, sequence) identifies a report, so a resent one is a no-op.
    await q.query(`
      CREATE TABLE convoy_position (
        device_id text NOT NULL CHECK (length(device_id) BETWEEN 1 AND 100),
        sequence integer NOT NULL CHECK (sequence >= 0),
        convoy_id uuid NOT NULL REFERENCES convoy (id) ON DELETE CASCADE,
        device_time timestamptz NOT NULL,
        received_at timestamptz NOT NULL,
        latitude double precision NOT NULL CHECK (latitude BETWEEN -90 AND 90),
        longitude double precision NOT NULL CHECK (longitude BETWEEN -180 AND 180),
        PRIMARY KEY (device_id, sequence),
        CHECK (device_time <= received_at + interval '5 minutes')
      )`);
    await q.query(`CREATE INDEX convoy_position_convoy_time_idx ON convoy_position (convoy_id, device_time)`);

    await q.query(`
      CREATE TABLE incident (
        id uuid PRIMARY KEY,
        agreement_id uuid NOT NULL,
        corridor_id uuid REFERENCES corridor (id),
        convoy_id uuid REFERENCES convoy (id),
        category text NOT NULL CHECK (category IN ('CEASEFIRE_VIOLATION', 'SHELLING', 'SMALL_ARMS_FIRE', 'MOVEMENT_RESTRICTION', 'CONVOY_OBSTRUCTION', 'OTHER')),
        occurred_at timestamptz NOT NULL,
        latitude double precision NOT NULL CHECK (latitude BETWEEN -90 AND 90),
        longitude double precision NOT NULL CHECK (longitude BETWEEN -180 AND 180),
        place_description text NOT NULL CHECK (length(btrim(place_description)) > 0),
        severity text NOT NULL CHECK (severity IN ('MATERIAL', 'MINOR')),
        description text NOT NULL CHECK (length(btrim(description)) > 0),
        reported_by text NOT NULL,
        reported_by_subject text,
        reported_at timestamptz NOT NULL,
        CHECK (occurred_at <= reported_at)
      )`);
    await q.query(`CREATE INDEX incident_agreement_occurred_idx ON incident (agreement_id, occurred_at)`);

    await q.query(`
      CREATE TABLE incident_verification (
        id uuid PRIMARY KEY,
        incident_id uuid NOT NULL REFERENCES incident (id) ON DELETE CASCADE,
        sequence integer NOT NULL CHECK (sequence >= 1),
        state text NOT NULL CHECK (state IN ('UNDER_REVIEW', 'VERIFIED', 'FALSE', 'INCONCLUSIVE')),
        confidence text CHECK (confidence IN ('LOW', 'MEDIUM', 'HIGH')),
        severity text CHECK (severity IN ('MATERIAL', 'MINOR')),
        attributed_party_id uuid,
        findings text,
        verified_by text NOT NULL,
        verified_by_subject text,
        at timestamptz NOT NULL,
        CHECK ((state = 'UNDER_REVIEW') = (confidence IS NULL)),
        CHECK ((state = 'VERIFIED') = (severity IS NOT NULL)),
        CHECK (state = 'VERIFIED' OR attributed_party_id IS NULL),
        CHECK ((state = 'UNDER_REVIEW') = (sequence = 1))
      )`);
    await q.query(`CREATE UNIQUE INDEX incident_verification_sequence_key ON incident_verification (incident_id, sequence)`);
    await q.query(`CREATE UNIQUE INDEX incident_verification_state_key ON incident_verification (incident_id, state)`);
    await q.query(`CREATE INDEX incident_verification_party_idx ON incident_verification (attributed_party_id) WHERE attributed_party_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP VIEW convoy_net_cargo`);
    for (const table of ['incident_verification', 'incident', 'convoy_position', 'inspection_rejected_item', 'inspection', 'convoy_event', 'convoy_cargo_line', 'convoy', 'corridor_closure', 'corridor']) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
