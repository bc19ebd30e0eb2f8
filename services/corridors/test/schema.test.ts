import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { QueryRunner } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '@treaty/testing';
import { EVIDENCE_LOG_TABLES, EXACTLY_ONCE_TABLES } from '@treaty/service-kit';
import { TABLES, entities, migrations } from './harness.js';
import { PositionsPerConvoy1795240000000 } from '../src/migrations/1795240000000-PositionsPerConvoy.js';
import { PositionsConvoyCheckedPerStatement1795300000000 } from '../src/migrations/1795300000000-PositionsConvoyCheckedPerStatement.js';

/** The migration's constraints hold the rules even against writes that bypass the service. */
let t: TestDatabase;
const corridorId = randomUUID();
const convoyId = randomUUID();
const nextConvoyId = randomUUID();
const incidentId = randomUUID();
const windowId = randomUUID();

beforeAll(async () => {
  // The refused statements below are expected; keep the data source's error log out of the output.
  vi.spyOn(console, 'error').mockImplementation(() => {});
  t = await createTestDatabase('corridors', { entities, migrations });
  await t.db.query(`INSERT INTO corridor (id, agreement_id, name, kind, latitude, longitude, handles, created_by)
    VALUES ($1, $2, 'Sorrel', 'LAND_CROSSING', 31, 34, ARRAY['HUMANITARIAN_AID'], 'x')`, [corridorId, randomUUID()]);
  for (const id of [convoyId, nextConvoyId]) {
    await t.db.query(`INSERT INTO convoy (id, corridor_id, agency, requested_by, requested_at, recorded_at) VALUES ($1, $2, 'A', 'A', now(), now())`, [id, corridorId]);
  }
  await t.db.query(`INSERT INTO convoy_event (id, convoy_id, sequence, from_status, to_status, at, recorded_at, by_agency) VALUES ($1, $2, 1, NULL, 'REQUESTED', now(), now(), 'A')`, [randomUUID(), convoyId]);
  await t.db.query(`INSERT INTO incident (id, agreement_id, category, occurred_at, latitude, longitude, place_description, severity, description, reported_by, reported_at)
    VALUES ($1, $2, 'SHELLING', now(), 31, 34, 'road', 'MATERIAL', 'impacts', 'A', now())`, [incidentId, randomUUID()]);
});
afterAll(async () => {
  vi.restoreAllMocks();
  await t?.drop();
});

const fails = (sql: string, params: unknown[]) => expect(t.db.query(sql, params)).rejects.toThrow();

describe('constraints', () => {
  it('admits only the transitions of the status machine, in sequence', async () => {
    const event = `INSERT INTO convoy_event (id, convoy_id, sequence, from_status, to_status, at, recorded_at, by_agency) VALUES ($1, $2, $3, $4, $5, now(), now(), 'A')`;
    await fails(event, [randomUUID(), convoyId, 2, 'REQUESTED', 'DELIVERED']);
    await fails(event, [randomUUID(), convoyId, 1, 'REQUESTED', 'CLEARED']);
    await t.db.query(event, [randomUUID(), convoyId, 2, 'REQUESTED', 'CLEARED']);
    await fails(event, [randomUUID(), convoyId, 2, 'REQUESTED', 'DENIED']);
  });

  it('keeps cargo within 40 t a truck and one line per class', async () => {
    const line = `INSERT INTO convoy_cargo_line (convoy_id, cargo_class, position, tonnes, trucks) VALUES ($1, $2, 0, $3, $4)`;
    await fails(line, [convoyId, 'FUEL', 81, 2]);
    await fails(line, [convoyId, 'WEAPONS', 1, 1]);
    await t.db.query(line, [convoyId, 'FUEL', 80, 2]);
    await fails(line, [convoyId, 'FUEL', 1, 1]);
  });

  it('stores a position once per convoy, device and sequence, on the map, not from the future', async () => {
    const point = `INSERT INTO convoy_position (device_id, sequence, convoy_id, device_time, received_at, latitude, longitude) VALUES ('D', $1, $2, $3, now(), $4, 10)`;
    await t.db.query(point, [1, convoyId, new Date(), 10]);
    await fails(point, [1, convoyId, new Date(), 11]);
    await t.db.query(point, [1, nextConvoyId, new Date(), 10]);
    await fails(point, [2, convoyId, new Date(), 91]);
    await fails(point, [3, convoyId, new Date(Date.now() + 10 * 60_000), 10]);
  });

  describe('a position belongs to a convoy on record (checked per statement, not per row)', () => {
    const position = (device: string, convoy: string, sequence = 1) =>
      t.db.query(`INSERT INTO convoy_position (device_id, sequence, convoy_id, device_time, received_at, latitude, longitude) VALUES ($1, $2, $3, now(), now(), 1, 1)`, [device, sequence, convoy]);
    const positionsOf = async (device: string) => (await t.db.query(`SELECT count(*)::int AS n FROM convoy_position WHERE device_id = $1`, [device]))[0].n;
    const newConvoy = async () => {
      const id = randomUUID();
      await t.db.query(`INSERT INTO convoy (id, corridor_id, agency, requested_by, requested_at, recorded_at) VALUES ($1, $2, 'A', 'A', now(), now())`, [id, corridorId]);
      return id;
    };
    const ghost = randomUUID();

    it('refuses a whole statement when one of its rows names a convoy not on record, and writes none of it', async () => {
      const rows = `INSERT INTO convoy_position (device_id, sequence, convoy_id, device_time, received_at, latitude, longitude)
        SELECT 'G', g, CASE WHEN g = 3 THEN $2::uuid ELSE $1::uuid END, now(), now(), 0, 0 FROM generate_series(1, 5) g`;
      await expect(t.db.query(rows, [convoyId, ghost])).rejects.toMatchObject({ code: '23503', message: expect.stringContaining(`convoy ${ghost} does not exist`) });
      expect(await positionsOf('G')).toBe(0);
      await t.db.query(rows, [convoyId, convoyId]);
      expect(await positionsOf('G')).toBe(5);
    });

    it('refuses moving a position to a convoy not on record', async () => {
      await position('M', convoyId);
      await expect(t.db.query(`UPDATE convoy_position SET convoy_id = $1 WHERE device_id = 'M'`, [ghost])).rejects.toMatchObject({ code: '23503' });
      expect(await t.db.query(`SELECT convoy_id FROM convoy_position WHERE device_id = 'M'`)).toEqual([{ convoy_id: convoyId }]);
    });

    it("refuses changing a convoy's id while it has positions, and allows it without", async () => {
      const id = await newConvoy();
      await position('I', id);
      await expect(t.db.query(`UPDATE convoy SET id = $1 WHERE id = $2`, [ghost, id])).rejects.toMatchObject({ code: '23503', message: expect.stringContaining(`convoy ${id} has positions`) });
      const bare = await newConvoy();
      const renamed = randomUUID();
      await t.db.query(`UPDATE convoy SET id = $1 WHERE id = $2`, [renamed, bare]);
      await t.db.query(`DELETE FROM convoy WHERE id = $1`, [renamed]);
    });

    it('deletes a convoy\'s positions, and their conflict log, with the convoy', async () => {
      const id = await newConvoy();
      await position('X', id, 1);
      await position('X', id, 2);
      await t.db.query(`INSERT INTO convoy_position_conflict (convoy_id, device_id, sequence, device_time, latitude, longitude, received_at, sent_by) VALUES ($1, 'X', 1, now(), 2, 2, now(), 'A')`, [id]);
      await t.db.query(`DELETE FROM convoy WHERE id = $1`, [id]);
      expect(await positionsOf('X')).toBe(0);
      expect(await t.db.query(`SELECT count(*)::int AS n FROM convoy_position_conflict WHERE convoy_id = $1`, [id])).toEqual([{ n: 0 }]);
    });

    /** Waits until some backend of this database is waiting for a lock. */
    const someoneWaits = async () => {
      for (let i = 0; i < 250; i++) {
        const [w] = await t.db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
        if (w.n > 0) return;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error('no statement came to wait for the lock');
    };

    it('holds a convoy against deletion until a writer of its positions commits, then deletes them too', async () => {
      const id = await newConvoy();
      const writer = t.db.createQueryRunner();
      await writer.connect();
      try {
        await writer.startTransaction();
        await writer.query(`INSERT INTO convoy_position (device_id, sequence, convoy_id, device_time, received_at, latitude, longitude) VALUES ('W', 1, $1, now(), now(), 1, 1)`, [id]);
        const deleting = t.db.query(`DELETE FROM convoy WHERE id = $1`, [id]);
        await someoneWaits();
        await writer.commitTransaction();
        await deleting;
      } finally {
        await writer.release();
      }
      expect(await positionsOf('W')).toBe(0);
    });

    it('refuses positions for a convoy whose deletion commits while they are written', async () => {
      const id = await newConvoy();
      const deleter = t.db.createQueryRunner();
      await deleter.connect();
      try {
        await deleter.startTransaction();
        await deleter.query(`DELETE FROM convoy WHERE id = $1`, [id]);
        const writing = position('D2', id).then(() => 'written', (e) => e);
        await someoneWaits();
        await deleter.commitTransaction();
        expect(await writing).toMatchObject({ code: '23503', message: expect.stringContaining(`convoy ${id} does not exist`) });
      } finally {
        await deleter.release();
      }
      expect(await positionsOf('D2')).toBe(0);
    });
  });

  it('logs a conflict only against a position on record, once per version sent', async () => {
    const conflict = `INSERT INTO convoy_position_conflict (convoy_id, device_id, sequence, device_time, latitude, longitude, received_at, sent_by) VALUES ($1, 'D', $2, $3, $4, 10, now(), $5)`;
    const at = new Date('2026-03-20T09:00:00Z');
    await fails(conflict, [convoyId, 99, at, 12, 'A']);
    await t.db.query(conflict, [convoyId, 1, at, 12, 'A']);
    await fails(conflict, [convoyId, 1, at, 12, 'A']);
    await t.db.query(conflict, [convoyId, 1, at, 13, 'A']);
    await fails(conflict, [convoyId, 1, at, 14, ' ']);
    await fails(conflict, [convoyId, 1, at, -91, 'A']);
    await fails(conflict, [convoyId, 1, new Date(Date.now() + 10 * 60_000), 12, 'A']);
  });

  it('keeps attribution, severity and confidence to the verification steps they belong to', async () => {
    const step = `INSERT INTO incident_verification (id, incident_id, sequence, state, confidence, severity, attributed_party_id, verified_by, at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'M', now())`;
    await fails(step, [randomUUID(), incidentId, 1, 'UNDER_REVIEW', null, null, randomUUID()]);
    await fails(step, [randomUUID(), incidentId, 1, 'VERIFIED', 'HIGH', 'MATERIAL', null]);
    await t.db.query(step, [randomUUID(), incidentId, 1, 'UNDER_REVIEW', null, null, null]);
    await fails(step, [randomUUID(), incidentId, 2, 'FALSE', 'HIGH', null, randomUUID()]);
    await fails(step, [randomUUID(), incidentId, 2, 'VERIFIED', null, 'MATERIAL', null]);
    await t.db.query(step, [randomUUID(), incidentId, 2, 'VERIFIED', 'HIGH', 'MATERIAL', randomUUID()]);
  });

  it('needs two agencies in an inspection team, and an end after the start', async () => {
    const inspection = `INSERT INTO inspection (id, convoy_id, kind, team, started_at, ended_at, result, recorded_by, recorded_at) VALUES ($1, $2, 'PRIMARY', $3, $4, $5, 'PASSED', 'M', now())`;
    await fails(inspection, [randomUUID(), convoyId, ['M'], '2026-03-20T08:00:00Z', '2026-03-20T09:00:00Z']);
    await fails(inspection, [randomUUID(), convoyId, ['M', 'N'], '2026-03-20T08:00:00Z', '2026-03-20T08:00:00Z']);
  });

  it('keeps a window to one area (a polygon of 3 to 200 vertices on the map, or a circle of 10 m to 50 km), within 30 days', async () => {
    const window = `INSERT INTO localised_window (id, agreement_id, purpose, description, from_at, until_at, area_kind, vertex_latitudes, vertex_longitudes, centre_latitude, centre_longitude, radius_metres,
      min_latitude, max_latitude, min_longitude, max_longitude, created_by, created_at)
      VALUES ($1, $2, 'REPAIR', 'Water main', '2026-03-20T06:00:00Z', $3, $4, $5, $6, $7, $8, $9, 0, 1, 0, 1, 'M', now())`;
    const square = [[0, 0, 1, 1], [0, 1, 1, 0]];
    const ok = (id: string) => [id, randomUUID(), '2026-03-21T06:00:00Z'];
    await t.db.query(window, [...ok(windowId), 'POLYGON', [0, 0, 1], [0, 1, 1], null, null, null]);
    await t.db.query(window, [...ok(randomUUID()), 'CIRCLE', null, null, 0.5, 0.5, 50_000]);
    await fails(window, [...ok(randomUUID()), 'POLYGON', [0, 1], [0, 1], null, null, null]);
    await fails(window, [...ok(randomUUID()), 'POLYGON', square[0], [0, 1, 1], null, null, null]);
    await fails(window, [...ok(randomUUID()), 'POLYGON', [0, 0, 91], [0, 1, 1], null, null, null]);
    await fails(window, [...ok(randomUUID()), 'POLYGON', square[0], square[1], 0.5, 0.5, 100]);
    await fails(window, [...ok(randomUUID()), 'CIRCLE', null, null, 0.5, 0.5, 50_001]);
    await fails(window, [...ok(randomUUID()), 'CIRCLE', null, null, 0.5, 0.5, 5]);
    await fails(window, [...ok(randomUUID()), 'CIRCLE', square[0], square[1], 0.5, 0.5, 100]);
    await fails(window, [randomUUID(), randomUUID(), '2026-03-20T06:00:00Z', 'CIRCLE', null, null, 0.5, 0.5, 100]);
    await fails(window, [randomUUID(), randomUUID(), '2026-04-20T06:00:00Z', 'CIRCLE', null, null, 0.5, 0.5, 100]);
  });

  it('closes a window at most once, with a reason', async () => {
    const closure = `INSERT INTO localised_window_closure (window_id, closed_at, reason, closed_by) VALUES ($1, now(), $2, 'M')`;
    await fails(closure, [windowId, ' ']);
    await fails(closure, [randomUUID(), 'Done']);
    await t.db.query(closure, [windowId, 'Done']);
    await fails(closure, [windowId, 'Done again']);
  });

  it('names corridors uniquely per agreement, whatever the case', async () => {
    const [{ agreement_id }] = await t.db.query('SELECT agreement_id FROM corridor WHERE id = $1', [corridorId]);
    await fails(`INSERT INTO corridor (id, agreement_id, name, kind, latitude, longitude, handles, created_by) VALUES ($1, $2, ' SORREL', 'SEA_CORRIDOR', 1, 1, ARRAY['FUEL'], 'x')`, [randomUUID(), agreement_id]);
  });
});

describe('migration', () => {
  const PRIMARY_KEY = `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'convoy_position_pkey'`;
  const primaryKey = async (q: { query(sql: string): Promise<any> } = t.db) => ((await q.query(PRIMARY_KEY)) as { def: string }[]).map((r) => r.def);
  /** Runs `fn` on a query runner inside a transaction that is always rolled back. */
  const rolledBack = async (fn: (q: QueryRunner) => Promise<void>) => {
    const q = t.db.createQueryRunner();
    await q.startTransaction();
    try {
      await fn(q);
    } finally {
      await q.rollbackTransaction();
      await q.release();
    }
  };
  const positionsPerConvoy = new PositionsPerConvoy1795240000000();

  it('keys positions by convoy, device and sequence', async () => {
    expect(await primaryKey()).toEqual(['PRIMARY KEY (convoy_id, device_id, sequence)']);
    // The time index of the first migration is kept for reading a convoy's track in order.
    expect(await t.db.query(`SELECT indexdef FROM pg_indexes WHERE indexname = 'convoy_position_convoy_time_idx'`)).toEqual([
      { indexdef: 'CREATE INDEX convoy_position_convoy_time_idx ON public.convoy_position USING btree (convoy_id, device_time)' },
    ]);
  });

  it('refuses to go back to (device, sequence) while a device and sequence are on two convoys', async () => {
    await rolledBack(async (q) => {
      await expect(positionsPerConvoy.down(q)).rejects.toThrow(
        /Cannot restore the \(device_id, sequence\) key of convoy_position: 1 device and sequence pair\(s\) are on more than one convoy \(first: device "D" sequence 1 on 2 convoys\)\. Delete or renumber those positions first/,
      );
    });
    expect(await primaryKey()).toEqual(['PRIMARY KEY (convoy_id, device_id, sequence)']);
  });

  it('goes back to (device, sequence) without the conflict log when no positions clash, and forward again', async () => {
    await rolledBack(async (q) => {
      await q.query('DELETE FROM convoy_position WHERE convoy_id = $1', [nextConvoyId]);
      await positionsPerConvoy.down(q);
      expect(await q.query(`SELECT to_regclass('convoy_position_conflict') AS t`)).toEqual([{ t: null }]);
      expect(await primaryKey(q)).toEqual(['PRIMARY KEY (device_id, sequence)']);
      await positionsPerConvoy.up(q);
      expect(await primaryKey(q)).toEqual(['PRIMARY KEY (convoy_id, device_id, sequence)']);
    });
  });

  it('checks a position\'s convoy with statement triggers, not a per-row FOREIGN KEY, and goes back to the key on down', async () => {
    const foreignKeys = async (q: { query(sql: string): Promise<any> }) =>
      (await q.query(`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'convoy_position'::regclass AND contype = 'f' ORDER BY 1`)).map((r: any) => r.def);
    const triggers = async (q: { query(sql: string): Promise<any> }) =>
      (await q.query(`SELECT tgname FROM pg_trigger WHERE tgrelid IN ('convoy_position'::regclass, 'convoy'::regclass) AND NOT tgisinternal ORDER BY 1`)).map((r: any) => r.tgname);
    expect(await foreignKeys(t.db)).toEqual([]);
    expect(await triggers(t.db)).toEqual(['convoy_delete_positions', 'convoy_id_kept', 'convoy_position_convoy_on_insert', 'convoy_position_convoy_on_update']);
    const perStatement = new PositionsConvoyCheckedPerStatement1795300000000();
    await rolledBack(async (q) => {
      await perStatement.down(q);
      expect(await foreignKeys(q)).toEqual(['FOREIGN KEY (convoy_id) REFERENCES convoy(id) ON DELETE CASCADE']);
      expect(await triggers(q)).toEqual([]);
      await perStatement.up(q);
      expect(await foreignKeys(q)).toEqual([]);
      expect(await triggers(q)).toHaveLength(4);
    });
  });

  it('compares device ids byte by byte, whatever the locale the database was created with', async () => {
    const collations = await t.db.query(
      `SELECT table_name, collation_name FROM information_schema.columns WHERE column_name = 'device_id' AND table_name IN ('convoy_position', 'convoy_position_conflict') ORDER BY 1`,
    );
    expect(collations).toEqual([
      { table_name: 'convoy_position', collation_name: 'C' },
      { table_name: 'convoy_position_conflict', collation_name: 'C' },
    ]);
    await rolledBack(async (q) => {
      for (const [i, device] of ['a', 'B', 'é', 'Z', 'ab'].entries()) {
        await q.query(`INSERT INTO convoy_position (device_id, sequence, convoy_id, device_time, received_at, latitude, longitude) VALUES ($1, $2, $3, now(), now(), 1, 1)`, [`ORDER-${device}`, i, convoyId]);
      }
      const order = await q.query(`SELECT device_id FROM convoy_position WHERE device_id LIKE 'ORDER-%' ORDER BY device_id`);
      expect(order.map((r: any) => r.device_id)).toEqual(['ORDER-B', 'ORDER-Z', 'ORDER-a', 'ORDER-ab', 'ORDER-é']);
    });
  });

  it('drops everything on down and recreates it on up', async () => {
    // The positions above share a device and sequence across convoys, which the down migration refuses.
    await t.db.query('DELETE FROM convoy_position WHERE convoy_id = $1', [nextConvoyId]);
    // The kit's alert outbox (AlertOutbox1795280000000) has no exported list of tables; named here.
    const ALERT_TABLES = ['alert_outbox', 'alert_outbox_head'];
    const tables = async () =>
      (await t.db.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations' ORDER BY 1`)).map((r: any) => r.table_name);
    expect(await tables()).toEqual([...TABLES, 'convoy_net_cargo', ...EXACTLY_ONCE_TABLES, ...EVIDENCE_LOG_TABLES, ...ALERT_TABLES].sort());
    for (let i = 0; i < migrations.length; i++) await t.db.undoLastMigration();
    expect(await tables()).toEqual([]);
    await t.db.runMigrations();
    expect(await tables()).toEqual([...TABLES, 'convoy_net_cargo', ...EXACTLY_ONCE_TABLES, ...EVIDENCE_LOG_TABLES, ...ALERT_TABLES].sort());
  });
});
