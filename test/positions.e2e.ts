import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFederation, type Federation } from '@treaty/testing';
import { ALL_SERVICES } from './services.js';

/**
 * GPS positions through the real gateway in both shapes recordConvoyPositions takes: one object per
 * point, and compact tracks of rows. The gateway checks a track's rows itself (the supergraph's
 * PositionRows has no behaviour of its own), so a malformed one never reaches corridors; a retried
 * batch with its Idempotency-Key is answered from the first time and stores nothing again.
 */
const NOW = '2026-03-20T10:00:00.000Z';
const RECORD = `mutation ($input: RecordConvoyPositionsInput!) {
  recordConvoyPositions(input: $input) { accepted new duplicates conflicts rejected { index sequence reasons } }
}`;

let f: Federation;
let agency: string;
let convoyId: string;

const positions = async () => (await f.databases.corridors!.db.query('SELECT count(*)::int AS n FROM convoy_position WHERE convoy_id = $1', [convoyId]))[0].n as number;
/** Internal credentials corridors has accepted: each gateway call to it claims one, so this counts calls. */
const callsToCorridors = async () => (await f.databases.corridors!.db.query('SELECT count(*)::int AS n FROM internal_credential_use'))[0].n as number;

async function ok(query: string, variables: Record<string, unknown>, token: string, headers: Record<string, string> = {}) {
  const r = await f.request(query, variables, token, headers);
  expect(r.body.errors, JSON.stringify(r.body.errors)).toBeUndefined();
  return r;
}

/** `n` rows a minute apart from sequence `from`, ending before NOW. */
const rows = (from: number, n: number) => Array.from({ length: n }, (_, i) => [from + i, new Date(Date.parse(NOW) - (60 - from - i) * 60_000).toISOString(), 31.5 + i / 1000, 34.25]);

beforeAll(async () => {
  f = await startFederation(ALL_SERVICES, { now: NOW });
  const mediator = await f.token({ roles: ['MEDIATOR'], agency: 'Office of the Envoy' });
  agency = await f.token({ roles: ['AGENCY'], agency: 'Relief Logistics of Marrow' });
  const agreement = await ok(
    `mutation ($input: CreateAgreementInput!) { createAgreement(input: $input) { id } }`,
    {
      input: {
        title: 'Marrow Accord on Tracked Convoys',
        entryIntoForceAt: '2026-03-01T00:00:00Z',
        parties: [
          { name: 'Republic of Marrow', kind: 'GOVERNMENT' },
          { name: 'Highland Front', kind: 'NON_STATE_ARMED_GROUP' },
        ],
        phases: [{ ordinal: 1, name: 'Phase one', startDay: 0, endDay: 90, permittedCargo: ['HUMANITARIAN_AID'] }],
      },
    },
    mediator,
  );
  const corridor = await ok(
    `mutation ($input: CreateCorridorInput!) { createCorridor(input: $input) { id } }`,
    { input: { agreementId: agreement.body.data.createAgreement.id, name: 'Wren crossing', kind: 'LAND_CROSSING', latitude: 31.5, longitude: 34.25 } },
    mediator,
  );
  const convoy = await ok(
    `mutation ($input: RequestConvoyInput!) { requestConvoy(input: $input) { id } }`,
    { input: { corridorId: corridor.body.data.createCorridor.id, cargo: [{ cargoClass: 'HUMANITARIAN_AID', tonnes: 40, trucks: 2 }] } },
    agency,
  );
  convoyId = convoy.body.data.requestConvoy.id;
}, 120_000);
afterAll(async () => {
  await f?.stop();
});

describe('recordConvoyPositions through the gateway', () => {
  it('stores tracks and points in one batch, and a retry with the same Idempotency-Key is the first answer, stored once', async () => {
    const input = {
      points: [{ convoyId, deviceId: 'WREN-1', sequence: 0, deviceTime: '2026-03-20T09:00:00Z', latitude: 31.5, longitude: 34.25 }],
      tracks: [{ convoyId, deviceId: 'WREN-1', rows: rows(1, 50) }, { convoyId, deviceId: 'WREN-2', rows: [...rows(0, 9), [9, '2026-03-20T09:59:00Z', 95, 34]] }],
    };
    const key = randomUUID();
    const first = await ok(RECORD, { input }, agency, { 'idempotency-key': key });
    expect(first.body.data.recordConvoyPositions).toEqual({ accepted: 60, new: 60, duplicates: 0, conflicts: 0, rejected: [{ index: 60, sequence: 9, reasons: ['COORDINATES_OUT_OF_RANGE'] }] });
    expect(await positions()).toBe(60);
    const retry = await ok(RECORD, { input }, agency, { 'idempotency-key': key });
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect(await positions()).toBe(60);
    // The same key with other rows is another request.
    const other = await f.request(RECORD, { input: { tracks: [{ convoyId, deviceId: 'WREN-3', rows: rows(0, 2) }] } }, agency, { 'idempotency-key': key });
    expect(other.body.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await positions()).toBe(60);
  });

  it.each([
    ['a row of three values', [[0, '2026-03-20T09:00:00Z', 31.5]], /PositionRows row 0 must be \[sequence, deviceTime, latitude, longitude\]/],
    ['30 February', [...rows(0, 3), [3, '2026-02-30T09:00:00Z', 31.5, 34]], /PositionRows row 3: the device time \(second\): DateTime "2026-02-30T09:00:00Z" is not a real date and time/],
    ['a latitude as text', [[0, '2026-03-20T09:00:00Z', 'north', 34]], /PositionRows row 0: the latitude \(third\) must be a number; got a string/],
  ])('refuses a track holding %s at the gateway: 400, BAD_USER_INPUT naming the row, corridors never called, nothing stored', async (_, bad, message) => {
    const [stored, calls] = [await positions(), await callsToCorridors()];
    const r = await f.request(RECORD, { input: { tracks: [{ convoyId, deviceId: 'WREN-9', rows: rows(20, 5) }, { convoyId, deviceId: 'WREN-9', rows: bad }] } }, agency);
    expect(r.status).toBe(400);
    expect(r.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.body.errors?.[0]?.message).toMatch(message);
    expect(r.body.errors?.[0]?.message).toContain('"input.tracks[1].rows"');
    expect(await callsToCorridors()).toBe(calls);
    expect(await positions()).toBe(stored);
  });

  it('refuses malformed rows written inline in the document the same way, before corridors', async () => {
    const calls = await callsToCorridors();
    const r = await f.request(`mutation { recordConvoyPositions(input: { tracks: [{ convoyId: "${convoyId}", deviceId: "WREN-9", rows: [[0, "yesterday", 31.5, 34]] }] }) { new } }`, {}, agency);
    expect(r.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(r.body.errors?.[0]?.message).toMatch(/PositionRows row 0: the device time \(second\)/);
    expect(r.body.data ?? null).toBeNull();
    expect(await callsToCorridors()).toBe(calls);
  });
});
