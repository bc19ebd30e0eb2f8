import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymous, caller, codes } from '@treaty/testing';
import { statements } from '@treaty/service-kit';
import { startMilestones } from './harness.js';

/**
 * confidentialReports, keyset-paged in SQL, takes back only cursors it gave out: a forged or damaged one
 * is BAD_USER_INPUT before any statement runs, never a failing statement (INTERNAL_SERVER_ERROR).
 */

const NOW = '2026-03-20T10:00:00.000Z';
const monitor = caller('MONITOR', { agency: 'Joint Monitoring Cell', subject: 'jmc-analyst-3' });
let h: Awaited<ReturnType<typeof startMilestones>>;
const references: string[] = [];

const SUBMIT = `mutation ($input: SubmitConfidentialReportInput!) { submitConfidentialReport(input: $input) { report { reference } } }`;
beforeAll(async () => {
  h = await startMilestones(NOW);
  for (let i = 0; i < 3; i++) {
    const r = await h.run(anonymous, SUBMIT, { input: { what: `Paging report ${i}: the carts were turned back at the mill`, where: 'Ridgeway mill', when: '2026-03-18T21:30:00.000Z' } });
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    references.push(r.data!.submitConfidentialReport.report.reference);
    h.clock.advance(60_000);
  }
});
afterAll(async () => {
  await h?.drop();
});

const UUID = '00000000-0000-0000-0000-000000000000';
const REFUSAL = 'after: is not a cursor of this list; pass the pageInfo.endCursor of the page before, or omit it for the first page.';
const cursor = (json: string) => Buffer.from(json, 'utf8').toString('base64url');
const LIST = `query ($first: Int, $after: String) { confidentialReports(first: $first, after: $after) { nodes { id } pageInfo { endCursor hasNextPage } } }`;

describe('confidentialReports', () => {
  it.each([
    ['a time before year 1, which timestamptz does not read', `["-271821-04-20T00:00:00.000Z","${UUID}"]`],
    ['a time in another form', `["2026-03-20","${UUID}"]`],
    ['a day no month has', `["2026-02-30T00:00:00.000Z","${UUID}"]`],
    ['a time in milliseconds', `[1773999000000,"${UUID}"]`],
    ['an id that is not a uuid', '["2026-03-20T10:00:00.000Z","x"]'],
    ['a part too many', `["2026-03-20T10:00:00.000Z","${UUID}",1]`],
  ])('refuses a cursor with %s as BAD_USER_INPUT', async (_, json) => {
    const m = await statements.measure(() => h.run(monitor, LIST, { first: 2, after: cursor(json) }), true);
    expect(codes(m.result), JSON.stringify(m.result.errors)).toEqual(['BAD_USER_INPUT']);
    expect(m.result.errors![0]!.message).toBe(REFUSAL);
    expect(m.statements).toEqual([]);
  });

  it('still pages with the cursors it gives out, newest first', async () => {
    const first = (await h.run(monitor, LIST, { first: 2 })).data!.confidentialReports;
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = (await h.run(monitor, LIST, { first: 2, after: first.pageInfo.endCursor })).data!.confidentialReports;
    expect(second.pageInfo.hasNextPage).toBe(false);
    expect([...first.nodes, ...second.nodes].map((n: { id: string }) => n.id)).toEqual([...references].reverse());
  });
});
