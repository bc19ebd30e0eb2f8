import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAllDemos, type DemoResult } from '@treaty/launcher';
import { startFederation, type Federation } from '@treaty/testing';
import { ALL_SERVICES } from './services.js';

/**
 * The public pages and the exports (DESIGN §12) through the real gateway, over HTTP, on the demo
 * scenario: pages without a token show what PUBLIC may read and nothing else; exports honour the
 * caller's token; hostile input (an id, a week, a title, a place typed by a reporter) stays inert.
 */
const NOW = '2026-06-15T09:30:00.000Z';

let f: Federation;
let demo: DemoResult;
let base: string;
let personalNames: string[];

const get = async (path: string, headers: Record<string, string> = {}) => {
  const res = await fetch(`${base}${path}`, { headers, redirect: 'manual' });
  return { status: res.status, headers: res.headers, text: await res.text() };
};

beforeAll(async () => {
  f = await startFederation(ALL_SERVICES, { now: NOW });
  demo = await loadAllDemos(f.url, (claims) => f.token(claims), () => {}, f.clock.now());
  base = f.url.replace(/\/graphql$/, '');
  const intermediary = await f.token({ roles: ['INTERMEDIARY'], agency: 'Neutral Intermediary' });
  const r = await f.request(`query ($a: ID!) { detainees(agreementId: $a) { name medicalNotes } }`, { a: demo.agreementId }, intermediary, { 'x-purpose': 'audit' });
  personalNames = r.body.data.detainees.flatMap((d: any) => [d.name, d.medicalNotes]).filter((s: string | null) => !!s && s.length > 3);
  expect(personalNames.length).toBeGreaterThan(3);
});
afterAll(() => f?.stop());

describe('the public pages, without a token', () => {
  it('lists the agreements at /public/, each linked to its page', async () => {
    const r = await get('/public/');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(r.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    expect(r.text).toContain('Veltria Ceasefire and Phased Exchange Framework');
    expect(r.text).toContain(`href="/public/agreements/${demo.agreementId}"`);
    expect((await get('/public')).headers.get('location')).toBe('/public/');
  });

  it("shows an agreement's scorecard, milestones, quiet hours, deliveries and violations, as the graph gives them to PUBLIC", async () => {
    const r = await get(`/public/agreements/${demo.agreementId}`);
    expect(r.status).toBe(200);
    const { agreement } = (await f.request(`query ($id: ID!) { agreement(id: $id) { quietHours scorecard { party { name } missed } milestones { title status } } }`, { id: demo.agreementId })).body.data;
    for (const m of agreement.milestones) expect(r.text).toContain(m.title);
    for (const s of agreement.scorecard) expect(r.text).toContain(s.party.name);
    expect(r.text).toContain('Who is behind');
    expect(r.text).toContain(`<b>${Number(agreement.quietHours).toLocaleString('en', { maximumFractionDigits: 1 })}</b>`);
    expect((r.text.match(/<svg class="chart"/g) ?? []).length).toBe(3);
    expect(r.text).toContain('Day 24');
    // No personal data, whatever the page is built from.
    for (const p of personalNames) expect(r.text).not.toContain(p);
  });

  it("gives the week's bulletin, with what was due, met, released, delivered, verified, disputed and ruled", async () => {
    const redirect = await get(`/public/agreements/${demo.agreementId}/bulletin`);
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe(`/public/agreements/${demo.agreementId}/bulletin/2026-W25`);
    // Day 7, when the lists were due and certified and the tranche released, fell in week 22.
    const r = await get(`/public/agreements/${demo.agreementId}/bulletin/2026-W22`);
    expect(r.status).toBe(200);
    expect(r.text).toContain('Weekly bulletin 2026-W22');
    for (const section of ['Due this week', 'Met, missed and waived', 'Released', 'Delivered', 'Verified violations', 'Disputed and ruled']) expect(r.text).toContain(`<h2>${section}</h2>`);
    expect(r.text).toMatch(/<strong>Met<\/strong>: Exchange of complete detainee lists \([^)]+\) on 2026-05-2\d/);
    for (const p of personalNames) expect(r.text).not.toContain(p);
    // The tranche on the lists was released in the demo's own week, 25.
    const now = await get(`/public/agreements/${demo.agreementId}/bulletin/2026-W25`);
    expect(now.text).toMatch(/250000\.00 USD for Exchange of complete detainee lists \(of 250000\.00 USD held\), released 2026-06-1\d/);
    expect(now.text).toContain('the week is not over');
    // Seven days in the week's deliveries, Monday to Sunday.
    expect(now.text).toContain('<td>2026-06-21</td>');
    expect(now.text).not.toContain('<td>2026-06-22</td>');
  });

  it('answers a bad id or week with a page that says what is wrong and where to go, and refuses writes', async () => {
    const notUuid = await get('/public/agreements/%3Cscript%3Ealert(1)%3C%2Fscript%3E');
    expect(notUuid.status).toBe(404);
    expect(notUuid.text).toContain('is not an agreement id');
    expect(notUuid.text).not.toContain('<script>alert(1)');
    const unknown = await get('/public/agreements/00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain('No agreement has id 00000000-0000-4000-8000-000000000000.');
    const week = await get(`/public/agreements/${demo.agreementId}/bulletin/2025-W53`);
    expect(week.status).toBe(400);
    expect(week.text).toContain('2025 has ISO weeks W01 to W52; W53 does not exist. This week is 2026-W25.');
    const post = await fetch(`${base}/public/`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('escapes what partners typed: a title with markup is shown as text', async () => {
    const mediator = await f.token({ roles: ['MEDIATOR'], agency: 'Office of the Envoy' });
    const r = await f.request(
      `mutation ($input: CreateAgreementInput!) { createAgreement(input: $input) { id } }`,
      { input: { title: '<img src=x onerror=alert(1)> Accord', entryIntoForceAt: '2026-06-01T00:00:00Z', parties: [{ name: 'Republic of Tessaly', kind: 'GOVERNMENT' }, { name: '<b>Coastal</b> Front', kind: 'NON_STATE_ARMED_GROUP' }], phases: [{ ordinal: 1, name: 'One', startDay: 0, endDay: 30, permittedCargo: ['HUMANITARIAN_AID'] }] } },
      mediator,
    );
    const page = await get(`/public/agreements/${r.body.data.createAgreement.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('&lt;img src=x onerror=alert(1)&gt; Accord');
    expect(page.text).not.toContain('<img');
    expect(page.text).not.toContain('<b>Coastal');
  });
});

describe('the exports, with the caller\'s rights', () => {
  const lines = (text: string) => text.trimEnd().split('\r\n');

  it('incidents.csv: refused to the public (as in the graph), HXL-tagged for a partner agency, one row per incident', async () => {
    const anonymous = await get(`/exports/agreements/${demo.agreementId}/incidents.csv`);
    expect(anonymous.status).toBe(403);
    expect(anonymous.text).toMatch(/Agreement\.incidents needs a token from a partner agency/);
    const monitor = await f.token({ roles: ['MONITOR'], agency: 'Joint Monitoring Cell' });
    const r = await get(`/exports/agreements/${demo.agreementId}/incidents.csv`, { authorization: `Bearer ${monitor}` });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present');
    expect(r.headers.get('content-disposition')).toBe(`attachment; filename="incidents-${demo.agreementId}.csv"`);
    const [header, tags, ...rows] = lines(r.text);
    expect(header!.split(',')[0]).toBe('Incident');
    expect(tags!.split(',')).toEqual(expect.arrayContaining(['#event+id', '#date+occurred', '#event+type', '#geo+lat', '#geo+lon', '#status+verification']));
    const { agreement } = (await f.request(`query ($id: ID!) { agreement(id: $id) { incidents { id } } }`, { id: demo.agreementId }, monitor)).body.data;
    expect(rows.map((l) => l.split(',')[0]).sort()).toEqual(agreement.incidents.map((i: any) => i.id).sort());
  });

  it('keeps a formula typed into a report inert in the CSV', async () => {
    const agency = await f.token({ roles: ['AGENCY'], agency: 'Relief Logistics' });
    const reported = await f.request(
      `mutation ($input: ReportIncidentInput!) { reportIncident(input: $input) { id } }`,
      { input: { agreementId: demo.agreementId, category: 'CONVOY_OBSTRUCTION', occurredAt: '2026-06-15T08:00:00Z', latitude: 1.5, longitude: 2.5, placeDescription: '=HYPERLINK("http://evil.example","km 4")', severity: 'MINOR', description: 'Roadblock' } },
      agency,
    );
    expect(reported.body.errors, JSON.stringify(reported.body.errors)).toBeUndefined();
    const r = await get(`/exports/agreements/${demo.agreementId}/incidents.csv`, { authorization: `Bearer ${agency}` });
    const row = lines(r.text).find((l) => l.startsWith(reported.body.data.reportIncident.id))!;
    expect(row).toContain(`"'=HYPERLINK(""http://evil.example"",""km 4"")"`);
  });

  it('deliveries.csv is public, like deliveries in the graph: one row per corridor and day since entry into force', async () => {
    const r = await get(`/exports/agreements/${demo.agreementId}/deliveries.csv`);
    expect(r.status).toBe(200);
    const [, tags, ...rows] = lines(r.text);
    expect(tags).toBe('#date,#loc+name+corridor,#indicator+convoys+delivered+num,#indicator+trucks+delivered+num,#indicator+tonnes+delivered+num');
    const { agreement } = (await f.request(`query ($id: ID!) { agreement(id: $id) { entryIntoForceAt corridors { name } deliveries { trucks } } }`, { id: demo.agreementId })).body.data;
    // Day 0 to day 24, each corridor each day.
    expect(rows).toHaveLength(25 * agreement.corridors.length);
    expect(rows[0]!.startsWith(agreement.entryIntoForceAt.slice(0, 10))).toBe(true);
    const trucks = rows.reduce((s, l) => s + Number(l.split(',')[3]), 0);
    expect(trucks).toBe(agreement.deliveries.trucks);
  });

  it('convoys.csv needs a partner token; iati.xml lists commitments and disbursements', async () => {
    expect((await get(`/exports/agreements/${demo.agreementId}/convoys.csv`)).status).toBe(403);
    const agency = await f.token({ roles: ['AGENCY'], agency: 'Relief Logistics' });
    const convoys = await get(`/exports/agreements/${demo.agreementId}/convoys.csv`, { authorization: `Bearer ${agency}` });
    expect(convoys.status).toBe(200);
    expect(lines(convoys.text)[1]).toContain('#activity+id+convoy');
    expect(lines(convoys.text).length).toBeGreaterThan(10);
    const iati = await get(`/exports/agreements/${demo.agreementId}/iati.xml`);
    expect(iati.status).toBe(200);
    expect(iati.headers.get('content-type')).toBe('application/xml; charset=utf-8');
    expect(iati.text).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<iati-activities version="2.03"/);
    expect(iati.text).toContain('<transaction-type code="3"/>');
    expect(iati.text).toContain('250000.00</value>');
  });

  it('refuses a bad token, an unknown export and an id that is not one, saying what to do', async () => {
    const bad = await get(`/exports/agreements/${demo.agreementId}/deliveries.csv`, { authorization: 'Bearer not-a-token' });
    expect(bad.status).toBe(401);
    expect(bad.text).toMatch(/Send the same bearer token as for \/graphql/);
    const unknown = await get(`/exports/agreements/${demo.agreementId}/secrets.csv`);
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain('the exports are /exports/agreements/{id}/incidents.csv, convoys.csv, deliveries.csv and iati.xml');
    expect((await get('/exports/agreements/1;DROP/deliveries.csv')).status).toBe(404);
  });
});

describe('with a service down (last: it stops the corridors service)', () => {
  it('still serves the page, without that service\'s figures and saying so; an export that needs it is refused whole', async () => {
    await f.running.corridors!.close();
    const page = await get(`/public/agreements/${demo.agreementId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('The corridors service did not answer in time; its figures are missing below.');
    expect(page.text).toContain('Exchange of complete detainee lists');
    expect(page.text).toContain('Deliveries are not available right now.');
    const monitor = await f.token({ roles: ['MONITOR'], agency: 'Joint Monitoring Cell' });
    const csv = await get(`/exports/agreements/${demo.agreementId}/incidents.csv`, { authorization: `Bearer ${monitor}` });
    expect(csv.status).toBe(503);
    expect(csv.text).toContain('The corridors service did not answer in time');
    expect(csv.text).toContain('nothing partial is exported');
  });
});
