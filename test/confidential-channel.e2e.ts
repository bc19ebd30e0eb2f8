import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, OPERATIONS_DIR } from '@treaty/gateway';
import { loadAllDemos, openEventStream, type DemoResult, type OpenStream, type StreamEvent } from '@treaty/launcher';
import { startFederation, type Federation } from '@treaty/testing';
import { ALL_SERVICES } from './services.js';

/**
 * The confidential channel through the gateway as a person without an account uses it (issue 19): the
 * published operations, in production mode, without a token; the abuse limits at the gateway, which
 * refuse before anything is written; answers never kept by the dashboard cache; the handlers told in the
 * alert stream, without the content; and a redress case's deadline reaching the stream as the clock passes.
 */
const NOW = '2026-06-15T09:30:00.000Z';
const HOUR = 3_600_000;
let f: Federation;
let demo: DemoResult;
let monitor: string;
const streams: OpenStream[] = [];

const op = (file: string) => readFile(path.join(OPERATIONS_DIR, file), 'utf8');
const reports = async () => Number((await f.databases.milestones!.db.query('SELECT count(*)::int AS n FROM confidential_report'))[0].n);

async function listen(token: string) {
  const events: StreamEvent[] = [];
  const stream = await openEventStream(f.url.replace(/\/graphql$/, '/alerts'), { authorization: `Bearer ${token}` }, (e) => events.push(e));
  streams.push(stream);
  const end = Date.now() + 5_000;
  while (!events.some((e) => e.event === 'ready') && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  return events;
}
async function until(events: StreamEvent[], type: string) {
  const end = Date.now() + 5_000;
  while (!events.some((e) => e.event === type) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  return events.filter((e) => e.event === type).map((e) => JSON.parse(e.data));
}

beforeAll(async () => {
  f = await startFederation(ALL_SERVICES, {
    now: NOW,
    alertTickMs: 200,
    gateway: {
      production: true,
      responseCache: true,
      confidentialLimits: { submissions: 3, lookups: 50, failures: 2, globalSubmissions: 100 },
      alertStream: { ...DEFAULT_SETTINGS.alertStream, pollMs: 100 },
    },
  });
  demo = await loadAllDemos(f.url, (claims) => f.token(claims), () => {}, f.clock.now());
  monitor = await f.token({ roles: ['MONITOR'], agency: 'Joint Monitoring Cell' });
}, 120_000);
afterAll(async () => {
  for (const s of streams) s.close();
  await f?.stop();
});

describe('a person without an account', () => {
  it('reports, follows the report with the receipt alone, and adds to it; the handlers are told without the content', async () => {
    const cell = await listen(monitor);
    const party = await listen(await f.token({ roles: ['PARTY'], partyId: demo.partyIds.government, agency: 'Delegation of the Republic of Veltria' }));
    const submit = await f.request(await op('confidential-report-submit.graphql'), { input: { what: 'Men in uniform took my brother from the Orchard road checkpoint at night.', agreementId: demo.agreementId, contact: 'Ask for Ilsa at the Lakeside clinic' } });
    expect(submit.body.errors).toBeUndefined();
    const { receipt, report } = submit.body.data.submitConfidentialReport;
    expect(receipt).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(report.status).toBe('RECEIVED');

    const follow = await f.request(await op('confidential-report-follow.graphql'), { receipt });
    expect(follow.body.errors).toBeUndefined();
    expect(follow.body.data.confidentialReportByReceipt).toMatchObject({ reference: report.reference, status: 'RECEIVED', thread: [] });
    expect(follow.headers.get('x-treaty-cache')).toBe('bypass');
    expect(JSON.stringify(follow.body)).not.toContain('Orchard road');

    const add = await f.request(await op('confidential-report-add.graphql'), { receipt, text: 'It was the night of the market fire.' });
    expect(add.body.errors).toBeUndefined();
    expect(add.body.data.addToConfidentialReport.thread).toEqual([expect.objectContaining({ from: 'REPORTER', text: 'It was the night of the market fire.' })]);

    const [told] = await until(cell, 'confidential_report.received');
    expect(told).toMatchObject({ service: 'milestones', agreementId: demo.agreementId, data: { reportId: expect.any(String) } });
    expect(JSON.stringify(cell)).not.toMatch(/uniform|Ilsa|brother/);
    await new Promise((r) => setTimeout(r, 300));
    expect(party.some((e) => e.event === 'confidential_report.received')).toBe(false);
  });

  it('is refused a fourth report from the same network within the hour, with nothing written', async () => {
    const before = await reports();
    const submit = await op('confidential-report-submit.graphql');
    // The demo's report (submitted through this gateway, from this address) and the first test's used two of the three.
    expect((await f.request(submit, { input: { what: 'The third report this hour' } })).body.errors).toBeUndefined();
    const refused = await f.request(submit, { input: { what: 'One too many' } });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(refused.body.errors![0]!.extensions!.code).toBe('RATE_LIMITED');
    expect(refused.body.errors![0]!.message).toMatch(/Too many confidential reports from this network this hour \(3\); nothing was recorded/);
    expect(await reports()).toBe(before + 1);
  });

  it('after two receipts that open nothing, this network is refused receipts for the hour, even a good one', async () => {
    const follow = await op('confidential-report-follow.graphql');
    for (const wrong of ['A'.repeat(43), 'not-a-receipt']) {
      const r = await f.request(follow, { receipt: wrong });
      expect(r.body.errors![0]!.extensions!.code).toBe('NOT_FOUND');
      expect(r.body.errors![0]!.message).toMatch(/No report matches this receipt/);
    }
    const locked = await f.request(follow, { receipt: demo.confidentialReceipt });
    expect(locked.status).toBe(429);
    expect(locked.body.errors![0]!.message).toMatch(/Too many receipts that match no report were tried from this network this hour/);
  });
});

describe("a redress case's deadline in the stream", () => {
  it('is due within the horizon, then overdue, each raised once', async () => {
    const cell = await listen(monitor);
    const { agreement } = (
      await f.request(`query ($id: ID!) { agreement(id: $id) { redressCases { id dueAt status } } }`, { id: demo.agreementId }, monitor)
    ).body.data;
    const c = agreement.redressCases[0];
    const due = new Date(c.dueAt).getTime();
    f.clock.set(new Date(due - 6 * HOUR));
    const [soon] = await until(cell, 'redress.due');
    expect(soon).toMatchObject({ data: { caseId: c.id } });
    f.clock.set(new Date(due + HOUR));
    const [late] = await until(cell, 'redress.overdue');
    expect(late).toMatchObject({ data: { caseId: c.id } });
    await new Promise((r) => setTimeout(r, 600));
    expect(cell.filter((e) => e.event === 'redress.due')).toHaveLength(1);
    expect(cell.filter((e) => e.event === 'redress.overdue')).toHaveLength(1);
  });
});
