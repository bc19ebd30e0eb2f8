import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statements } from '@treaty/service-kit';
import { codes } from '@treaty/testing';
import { intermediary, mediator, startPrisoners, type Harness, type World } from './harness.js';

/**
 * The keyset pages read in SQL (detaineesPage, personalDataAccessLogPage) take back only cursors they
 * gave out: a forged or damaged one is BAD_USER_INPUT before any statement runs, never a failing
 * statement (INTERNAL_SERVER_ERROR).
 */

let h: Harness;
let w: World;
const detainees: string[] = [];
beforeAll(async () => {
  h = await startPrisoners();
  w = await h.world();
  for (let i = 0; i < 3; i++) detainees.push(await h.register(w, w.gov, 'OTHER'));
  // Reads of personal data, each logged: the access log has entries to page through.
  for (const d of detainees) await h.ok(intermediary, `query ($d: ID!) { detainee(id: $d) { name } }`, { d });
});
afterAll(async () => {
  await h?.stop();
});

const UUID = '00000000-0000-0000-0000-000000000000';
const REFUSAL = 'after: is not a cursor of this list; pass the pageInfo.endCursor of the page before, or omit it for the first page.';
const cursor = (json: string) => Buffer.from(json, 'utf8').toString('base64url');

const DETAINEES = `query ($a: ID!, $first: Int, $after: String) { detaineesPage(agreementId: $a, first: $first, after: $after) { nodes { id } pageInfo { endCursor hasNextPage } } }`;
const LOG = `query ($first: Int, $after: String) { personalDataAccessLogPage(first: $first, after: $after) { nodes { id } pageInfo { endCursor hasNextPage } } }`;

/** Refused over HTTP as the gateway would see it, and in process without a single SQL statement. */
async function expectForgedRefused(who: typeof mediator, query: string, variables: Record<string, unknown>) {
  const r = await h.run(who, query, variables);
  expect(codes(r), JSON.stringify(r.errors)).toEqual(['BAD_USER_INPUT']);
  expect(r.errors![0]!.message).toBe(REFUSAL);
  expect(r.data).toBeNull();
  const m = await statements.measure(() => h.local(who, query, variables), true);
  expect(codes(m.result)).toEqual(['BAD_USER_INPUT']);
  expect(m.statements).toEqual([]);
}

describe('detaineesPage', () => {
  it.each([
    ['a rank beyond int4', `[99999999999,0,"${UUID}"]`],
    ['a fractional rank', `[1.5,0,"${UUID}"]`],
    ['a registration time beyond timestamptz', `[0,-1e20,"${UUID}"]`],
    ['a fractional registration time', `[0,0.5,"${UUID}"]`],
    ['an id that is not a uuid', '[0,0,"x"]'],
    ['a part too few', '[0,0]'],
  ])('refuses a cursor with %s as BAD_USER_INPUT', async (_, json) => {
    await expectForgedRefused(intermediary, DETAINEES, { a: w.agreementId, first: 2, after: cursor(json) });
  });

  it('still pages with the cursors it gives out', async () => {
    const all = (await h.ok(intermediary, `query ($a: ID!) { detainees(agreementId: $a) { id } }`, { a: w.agreementId })).detainees.map((d: { id: string }) => d.id);
    expect(all.sort()).toEqual([...detainees].sort());
    const first = (await h.ok(intermediary, DETAINEES, { a: w.agreementId, first: 2 })).detaineesPage;
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = (await h.ok(intermediary, DETAINEES, { a: w.agreementId, first: 2, after: first.pageInfo.endCursor })).detaineesPage;
    expect(second.pageInfo.hasNextPage).toBe(false);
    expect([...first.nodes, ...second.nodes].map((d: { id: string }) => d.id)).toEqual(all);
  });
});

describe('personalDataAccessLogPage', () => {
  it.each([
    ['a time beyond timestamptz', `[-1e20,"${UUID}"]`],
    ['a fractional time', `[1.5,"${UUID}"]`],
    ['a time given as text', `["2026-03-20T10:00:00.000Z","${UUID}"]`],
    ['an id that is not a uuid', '[0,"x"]'],
    ['a part too many', `[0,"${UUID}",1]`],
  ])('refuses a cursor with %s as BAD_USER_INPUT', async (_, json) => {
    await expectForgedRefused(mediator, LOG, { first: 2, after: cursor(json) });
  });

  it('still pages with the cursors it gives out', async () => {
    const log = (await h.ok(mediator, `{ personalDataAccessLog(first: 500) { id } }`)).personalDataAccessLog.map((e: { id: string }) => e.id);
    expect(log.length).toBeGreaterThanOrEqual(3);
    const paged: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < log.length; pages++) {
      const page: any = (await h.ok(mediator, LOG, { first: 2, after })).personalDataAccessLogPage;
      paged.push(...page.nodes.map((e: { id: string }) => e.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(paged).toEqual(log);
  });
});
