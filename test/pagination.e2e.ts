import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAllDemos, type DemoResult } from '@treaty/launcher';
import { startFederation, type Federation } from '@treaty/testing';
import { ALL_SERVICES } from './services.js';

/**
 * Cursor pagination on every list that can grow (DESIGN §12, issue 18): walking a `…Page` field page by
 * page gives exactly the list beside it, in its order; the page size has a default and a maximum; a
 * cursor is opaque and checked; an item added between two pages neither repeats nor pushes one out.
 */
const NOW = '2026-06-15T09:30:00.000Z';
let f: Federation;
let demo: DemoResult;
let tokens: Record<string, string>;

async function ok<T = any>(query: string, variables: Record<string, unknown>, token?: string, headers: Record<string, string> = {}): Promise<T> {
  const r = await f.request<T>(query, variables, token, headers);
  expect(r.body.errors, JSON.stringify(r.body.errors)).toBeUndefined();
  return r.body.data as T;
}

/** Every page of a paged field, `first` at a time, through `pick` (which returns the page object). */
async function walk(query: string, variables: Record<string, unknown>, pick: (data: any) => any, first: number, token?: string, headers?: Record<string, string>) {
  const nodes: any[] = [];
  let after: string | null = null;
  for (let pages = 0; pages < 200; pages += 1) {
    const page = pick(await ok(query, { ...variables, first, after }, token, headers));
    nodes.push(...page.nodes);
    if (!page.pageInfo.hasNextPage) return { nodes, pages: pages + 1 };
    expect(page.nodes).toHaveLength(first);
    after = page.pageInfo.endCursor;
  }
  throw new Error('more than 200 pages');
}

beforeAll(async () => {
  f = await startFederation(ALL_SERVICES, { now: NOW });
  demo = await loadAllDemos(f.url, (claims) => f.token(claims), () => {}, f.clock.now());
  tokens = {
    mediator: await f.token({ roles: ['MEDIATOR'], agency: 'Office of the Envoy' }),
    monitor: await f.token({ roles: ['MONITOR'], agency: 'Joint Monitoring Cell' }),
    intermediary: await f.token({ roles: ['INTERMEDIARY'], agency: 'Neutral Intermediary' }),
  };
});
afterAll(() => f?.stop());

describe('walking every page gives the list, in its order', () => {
  it('agreements and guarantors (public)', async () => {
    const mediator = tokens.mediator!;
    await ok(`mutation { createAgreement(input: { title: "Second Accord", entryIntoForceAt: "2026-06-01T00:00:00Z", parties: [{ name: "Republic of Tessaly", kind: GOVERNMENT }, { name: "Coastal Front", kind: NON_STATE_ARMED_GROUP }], phases: [{ ordinal: 1, name: "One", startDay: 0, endDay: 30, permittedCargo: [HUMANITARIAN_AID] }] }) { id } }`, {}, mediator);
    await ok(`mutation { createAgreement(input: { title: "Third Accord", entryIntoForceAt: "2026-06-01T00:00:00Z", parties: [{ name: "Free State of Orvane", kind: GOVERNMENT }, { name: "Ardent Hills Movement", kind: NON_STATE_ARMED_GROUP }], phases: [{ ordinal: 1, name: "One", startDay: 0, endDay: 30, permittedCargo: [HUMANITARIAN_AID] }] }) { id } }`, {}, mediator);
    const all = (await ok(`{ agreements { id } }`, {})).agreements.map((a: any) => a.id);
    expect(all.length).toBeGreaterThanOrEqual(3);
    const paged = await walk(`query ($first: Int, $after: String) { agreementsPage(first: $first, after: $after) { nodes { id } pageInfo { endCursor hasNextPage } } }`, {}, (d) => d.agreementsPage, 1);
    expect(paged.nodes.map((a) => a.id)).toEqual(all);
    expect(paged.pages).toBe(all.length);
    const guarantors = (await ok(`{ guarantors { id } }`, {})).guarantors.map((g: any) => g.id);
    const gp = await walk(`query ($first: Int, $after: String) { guarantorsPage(first: $first, after: $after) { nodes { id } pageInfo { endCursor hasNextPage } } }`, {}, (d) => d.guarantorsPage, 1);
    expect(gp.nodes.map((g) => g.id)).toEqual(guarantors);
  });

  it("an agreement's commitments and incidents, a corridor's convoys, a convoy's positions", async () => {
    const id = demo.agreementId;
    const monitor = tokens.monitor!;
    const commitments = (await ok(`query ($id: ID!) { agreement(id: $id) { commitments { id } } }`, { id })).agreement.commitments.map((c: any) => c.id);
    const cp = await walk(`query ($id: ID!, $first: Int, $after: String) { agreement(id: $id) { commitmentsPage(first: $first, after: $after) { nodes { id } pageInfo { endCursor hasNextPage } } } }`, { id }, (d) => d.agreement.commitmentsPage, 1);
    expect(cp.nodes.map((c) => c.id)).toEqual(commitments);

    const incidents = (await ok(`query ($id: ID!) { agreement(id: $id) { incidents { id } } }`, { id }, monitor)).agreement.incidents.map((i: any) => i.id);
    const ip = await walk(`query ($id: ID!, $first: Int, $after: String) { agreement(id: $id) { incidentsPage(first: $first, after: $after) { nodes { id } pageInfo { endCursor hasNextPage } } } }`, { id }, (d) => d.agreement.incidentsPage, 2, monitor);
    expect(ip.nodes.map((i) => i.id)).toEqual(incidents);

    const { agreement } = await ok(`query ($id: ID!) { agreement(id: $id) { corridors { name convoys { id telemetryGaps { ongoing } } } } }`, { id }, monitor);
    const corridor = agreement.corridors.find((c: any) => c.convoys.length > 3);
    const vp = await walk(
      `query ($id: ID!, $first: Int, $after: String) { agreement(id: $id) { corridors { name convoysPage(first: $first, after: $after) { nodes { id } pageInfo { endCursor hasNextPage } } } } }`,
      { id },
      (d) => d.agreement.corridors.find((c: any) => c.name === corridor.name).convoysPage,
      3,
      monitor,
    );
    expect(vp.nodes.map((v) => v.id)).toEqual(corridor.convoys.map((v: any) => v.id));

    let tracked: { id: string; positions: unknown[] } | undefined;
    for (const v of agreement.corridors.flatMap((c: any) => c.convoys)) {
      const { convoy } = await ok(`query ($c: ID!) { convoy(id: $c) { id positions(last: 300) { deviceId sequence } } }`, { c: v.id }, monitor);
      if (convoy.positions.length > 5) {
        tracked = convoy;
        break;
      }
    }
    expect(tracked, 'the demo has a convoy with positions').toBeDefined();
    expect(tracked!.positions.length, 'the list holds all of them, so the pages can be compared with it').toBeLessThan(300);
    const pp = await walk(
      `query ($c: ID!, $first: Int, $after: String) { convoy(id: $c) { positionsPage(first: $first, after: $after) { nodes { deviceId sequence } pageInfo { endCursor hasNextPage } } } }`,
      { c: tracked!.id },
      (d) => d.convoy.positionsPage,
      2,
      monitor,
    );
    expect(pp.nodes).toEqual(tracked!.positions);
  });

  it('detainees (with the same rights and filters) and the access log', async () => {
    const id = demo.agreementId;
    const intermediary = tokens.intermediary!;
    const detainees = (await ok(`query ($id: ID!) { detainees(agreementId: $id, first: 500) { id } }`, { id }, intermediary)).detainees.map((d: any) => d.id);
    expect(detainees.length).toBeGreaterThan(5);
    const dp = await walk(`query ($id: ID!, $first: Int, $after: String) { detaineesPage(agreementId: $id, first: $first, after: $after) { nodes { id } pageInfo { endCursor hasNextPage } } }`, { id }, (d) => d.detaineesPage, 4, intermediary);
    expect(dp.nodes.map((d) => d.id)).toEqual(detainees);
    // A party sees only its own, page by page as in the list.
    const party = await f.token({ roles: ['PARTY'], agency: 'Veltria delegation', partyId: demo.partyIds.government });
    const own = (await ok(`query ($id: ID!) { detainees(agreementId: $id, first: 500) { id } }`, { id }, party)).detainees.map((d: any) => d.id);
    const ownPaged = await walk(`query ($id: ID!, $first: Int, $after: String) { detaineesPage(agreementId: $id, first: $first, after: $after) { nodes { id } pageInfo { endCursor hasNextPage } } }`, { id }, (d) => d.detaineesPage, 3, party);
    expect(ownPaged.nodes.map((d) => d.id)).toEqual(own);
    // And with a filter, as the list.
    const children = (await ok(`query ($id: ID!) { detainees(agreementId: $id, category: CHILD, first: 500) { id } }`, { id }, intermediary)).detainees.map((d: any) => d.id);
    const childPages = await walk(`query ($id: ID!, $first: Int, $after: String) { detaineesPage(agreementId: $id, category: CHILD, first: $first, after: $after) { nodes { id } pageInfo { endCursor hasNextPage } } }`, { id }, (d) => d.detaineesPage, 1, intermediary);
    expect(childPages.nodes.map((d) => d.id)).toEqual(children);
    expect(children.length).toBeGreaterThan(0);
    expect(children.length).toBeLessThan(detainees.length);

    // Reads of personal data to fill the access log, then the log page by page.
    for (const d of detainees.slice(0, 5)) await ok(`query ($d: ID!) { detainee(id: $d) { name } }`, { d }, intermediary, { 'x-purpose': 'audit' });
    const mediator = tokens.mediator!;
    const log = (await ok(`{ personalDataAccessLog(first: 500) { id } }`, {}, mediator)).personalDataAccessLog.map((e: any) => e.id);
    expect(log.length).toBeGreaterThanOrEqual(5);
    const lp = await walk(`query ($first: Int, $after: String) { personalDataAccessLogPage(first: $first, after: $after) { nodes { id } pageInfo { endCursor hasNextPage } } }`, {}, (d) => d.personalDataAccessLogPage, 2, mediator);
    expect(lp.nodes.map((e) => e.id)).toEqual(log);
  });
});

describe('the cursor, the bounds and the rights', () => {
  it('an incident reported between two pages neither repeats an item nor pushes one out of the next page', async () => {
    const id = demo.agreementId;
    const monitor = tokens.monitor!;
    const Q = `query ($id: ID!, $first: Int, $after: String) { agreement(id: $id) { incidentsPage(first: $first, after: $after) { nodes { id } pageInfo { endCursor hasNextPage } } } }`;
    const before = (await ok(`query ($id: ID!) { agreement(id: $id) { incidents { id } } }`, { id }, monitor)).agreement.incidents.map((i: any) => i.id);
    const first = (await ok(Q, { id, first: 2 }, monitor)).agreement.incidentsPage;
    await ok(
      `mutation ($input: ReportIncidentInput!) { reportIncident(input: $input) { id } }`,
      { input: { agreementId: id, category: 'OTHER', occurredAt: '2026-06-15T09:00:00Z', latitude: 1, longitude: 1, placeDescription: 'km 2', severity: 'MINOR', description: 'A newer report' } },
      monitor,
    );
    const second = (await ok(Q, { id, first: 2, after: first.pageInfo.endCursor }, monitor)).agreement.incidentsPage;
    expect([...first.nodes, ...second.nodes].map((i: any) => i.id)).toEqual(before.slice(0, 4));
  });

  it('refuses a page size out of bounds and a cursor it did not give, saying how to ask', async () => {
    for (const first of [0, 501]) {
      const r = await f.request(`query ($first: Int) { agreementsPage(first: $first) { nodes { id } } }`, { first });
      expect(r.body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
      expect(r.body.errors![0]!.message).toBe('first: must be a whole number from 1 to 500 (50 when omitted); ask for the next page with after: pageInfo.endCursor.');
    }
    for (const after of ['not-a-cursor!', Buffer.from('["x"]').toString('base64url'), Buffer.from('{"a":1}').toString('base64url'), 'A'.repeat(600)]) {
      const r = await f.request(`query ($after: String) { guarantorsPage(after: $after) { nodes { id } } }`, { after });
      expect(r.body.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
      expect(r.body.errors![0]!.message).toMatch(/^after: is not a cursor of this list; pass the pageInfo.endCursor of the page before/);
    }
    const positions = await f.request(`query ($c: ID!) { convoy(id: $c) { positionsPage(after: "WyJ4IiwxLDJd") { nodes { sequence } } } }`, { c: '00000000-0000-4000-8000-000000000000' }, tokens.monitor);
    expect(positions.body.data.convoy).toBeNull();
  });

  it('keeps each page behind the rights of its list: convoys, incidents, detainees and the access log need their tokens', async () => {
    const id = demo.agreementId;
    const anonymous = await f.request(`query ($id: ID!) { agreement(id: $id) { incidentsPage { nodes { id } } corridors { convoysPage { nodes { id } } } } }`, { id });
    expect(anonymous.body.errors!.map((e: any) => e.extensions.code)).toEqual(expect.arrayContaining(['FORBIDDEN']));
    expect(anonymous.body.data.agreement.incidentsPage).toBeNull();
    const log = await f.request(`{ personalDataAccessLogPage { nodes { id } } }`, {}, tokens.monitor);
    expect(log.body.errors![0]!.extensions!.code).toBe('FORBIDDEN');
  });
});
