import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, type TestDatabase } from '@treaty/testing';
import { TABLES, entities, migrations } from './harness.js';

/** The migration's constraints hold the rules even against writes that bypass the service. */
let t: TestDatabase;
const corridorId = randomUUID();
const convoyId = randomUUID();
const incidentId = randomUUID();

beforeAll(async () => {
  // The refused statements below are expected; keep the data source's error log out of the output.
  vi.spyOn(console, 'error').mockImplementation(() => {});
  t = await createTestDatabase('corridors', { entities, migrations });
  await t.db.query(`INSERT INTO corridor (id, agreement_id, name, kind, latitude, longitude, handles, created_by)
    VALUES ($1, $2, 'Sorrel', 'LAND_CROSSING', 31, 34, ARRAY['HUMANITARIAN_AID'], 'x')`, [corridorId, randomUUID()]);
  await t.db.query(`INSERT INTO convoy (id, corridor_id, agency, requested_by, requested_at, recorded_at) VALUES ($1, $2, 'A', 'A', now(), now())`, [convoyId, corridorId]);
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

  it('stores a position once per device and sequence, on the map, not from the future', async () => {
    const point = `INSERT INTO convoy_position (device_id, sequence, convoy_id, device_time, received_at, latitude, longitude) VALUES ('D', $1, $2, $3, now(), $4, 10)`;
    await t.db.query(point, [1, convoyId, new Date(), 10]);
    await fails(point, [1, convoyId, new Date(), 10]);
    await fails(point, [2, convoyId, new Date(), 91]);
    await fails(point, [3, convoyId, new Date(Date.now() + 10 * 60_000), 10]);
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

  it('names corridors uniquely per agreement, whatever the case', async () => {
    const [{ agreement_id }] = await t.db.query('SELECT agreement_id FROM corridor WHERE id = $1', [corridorId]);
    await fails(`INSERT INTO corridor (id, agreement_id, name, kind, latitude, longitude, handles, created_by) VALUES ($1, $2, ' SORREL', 'SEA_CORRIDOR', 1, 1, ARRAY['FUEL'], 'x')`, [randomUUID(), agreement_id]);
  });
});

describe('migration', () => {
  it('drops everything on down and recreates it on up', async () => {
    const tables = async () =>
      (await t.db.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations' ORDER BY 1`)).map((r: any) => r.table_name);
    expect(await tables()).toEqual([...TABLES, 'convoy_net_cargo'].sort());
    await t.db.undoLastMigration();
    expect(await tables()).toEqual([]);
    await t.db.runMigrations();
    expect(await tables()).toEqual([...TABLES, 'convoy_net_cargo'].sort());
  });
});
