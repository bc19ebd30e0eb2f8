import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statements } from '@treaty/service-kit';
import { codes } from '@treaty/testing';
import { NOW, RECORD_POSITIONS, medics, relief, startCorridors, type Harness } from './harness.js';

/**
 * A convoy's positionsPage, read in SQL, takes back only cursors it gave out: a forged or damaged one is
 * BAD_USER_INPUT before the positions are read, never a failing statement (INTERNAL_SERVER_ERROR).
 */

let h: Harness;
let convoy: { id: string };
beforeAll(async () => {
  h = await startCorridors();
  const agreement = await h.createAgreement();
  const corridor = await h.createCorridor(agreement.id);
  convoy = await h.convoyAt(corridor.id, 'IN_TRANSIT');
  // Two devices, with two reports at the same device time, so the page order's every part counts.
  const points = ['TRK-A', 'TRK-B'].flatMap((deviceId, d) =>
    [0, 1, 2].map((sequence) => ({
      convoyId: convoy.id,
      deviceId,
      sequence,
      deviceTime: new Date(Date.parse('2026-03-20T09:50:00Z') + (sequence + (d && sequence === 2 ? 0 : d)) * 60_000).toISOString(),
      latitude: 31.2 + sequence * 0.001,
      longitude: 34.3 + d * 0.001,
    })),
  );
  const r = await h.run(relief, RECORD_POSITIONS, { input: { points } });
  expect(r.data?.recordConvoyPositions, JSON.stringify(r.errors)).toMatchObject({ new: 6 });
});
afterAll(async () => {
  await h?.stop();
});

const REFUSAL = 'after: is not a cursor of this list; pass the pageInfo.endCursor of the page before, or omit it for the first page.';
const cursor = (json: string) => Buffer.from(json, 'utf8').toString('base64url');
const PAGE = `query ($c: ID!, $first: Int, $after: String) { convoy(id: $c) { positionsPage(first: $first, after: $after) { nodes { deviceId sequence deviceTime } pageInfo { endCursor hasNextPage } } } }`;

describe('positionsPage', () => {
  it.each([
    ['a fractional sequence', '[0,"x",1.5]'],
    ['a device with NUL', '[0,"\\u0000",1]'],
    ['a device time beyond a Date', '[9e15,"x",1]'],
    ['a sequence beyond int4', '[0,"x",1e20]'],
    ['a fractional device time', '[0.5,"x",1]'],
    ['a number for the device', '[0,7,1]'],
    ['a part too few', '[0,"x"]'],
  ])('refuses a cursor with %s as BAD_USER_INPUT', async (_, json) => {
    const variables = { c: convoy.id, first: 2, after: cursor(json) };
    const r = await h.run(medics, PAGE, variables);
    expect(codes(r), JSON.stringify(r.errors)).toEqual(['BAD_USER_INPUT']);
    expect(r.errors![0]!.message).toBe(REFUSAL);
    expect(r.errors![0]!.path).toEqual(['convoy', 'positionsPage']);
    // Refused before the positions are read: no statement on them runs.
    const m = await statements.measure(() => h.local(medics, PAGE, variables), true);
    expect(codes(m.result)).toEqual(['BAD_USER_INPUT']);
    expect(m.statements.filter((sql) => /convoy_position/.test(sql))).toEqual([]);
  });

  it('still pages with the cursors it gives out, in the order of positions', async () => {
    h.clock.set(NOW);
    const all = (await h.ok(medics, `query ($c: ID!) { convoy(id: $c) { positions(last: 100) { deviceId sequence deviceTime } } }`, { c: convoy.id })).convoy.positions;
    expect(all).toHaveLength(6);
    const paged: unknown[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < all.length; pages++) {
      const page: any = (await h.ok(medics, PAGE, { c: convoy.id, first: 2, after })).convoy.positionsPage;
      paged.push(...page.nodes);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(paged).toEqual(all);
  });
});
