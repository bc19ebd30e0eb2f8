import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import { csvCell, hxlCsv } from '../src/reports/hxl.js';
import { escapeHtml, html } from '../src/reports/html.js';
import { iatiActivities, xmlEscape, type IatiAgreement } from '../src/reports/iati.js';
import { addWeeks, formatIsoWeek, isoWeekOf, parseIsoWeek, weekRange, weeksInYear } from '../src/reports/iso-week.js';
import { renderAgreement, renderBulletin, type AgreementPage, type BulletinData } from '../src/reports/pages.js';
import { CONVOY_COLUMNS, DELIVERY_COLUMNS, INCIDENT_COLUMNS } from '../src/reports/routes.js';
import { barChart, cumulativeSteps, niceMax, stackedBars } from '../src/reports/svg.js';

/** The pieces of the public pages and exports (DESIGN §12), each on its own, with data made up here. */

describe('ISO weeks', () => {
  it('numbers weeks as ISO 8601 does, across year ends and 53-week years', () => {
    // 1 January 2026 is a Thursday: week 1 of 2026 starts on Monday 29 December 2025, and 2026 has 53 weeks.
    expect(weekRange({ year: 2026, week: 1 }).from.toISOString()).toBe('2025-12-29T00:00:00.000Z');
    expect(weeksInYear(2026)).toBe(53);
    expect(weeksInYear(2025)).toBe(52);
    expect(isoWeekOf(new Date('2025-12-31T12:00:00Z'))).toEqual({ year: 2026, week: 1 });
    expect(isoWeekOf(new Date('2027-01-03T23:59:59Z'))).toEqual({ year: 2026, week: 53 });
    expect(isoWeekOf(new Date('2026-06-15T09:30:00Z'))).toEqual({ year: 2026, week: 25 });
    const { from, until } = weekRange({ year: 2026, week: 25 });
    expect([from.toISOString(), until.toISOString()]).toEqual(['2026-06-15T00:00:00.000Z', '2026-06-22T00:00:00.000Z']);
    expect(formatIsoWeek(addWeeks({ year: 2026, week: 53 }, 1))).toBe('2027-W01');
    expect(formatIsoWeek(addWeeks({ year: 2026, week: 1 }, -1))).toBe('2025-W52');
  });

  it('refuses what is not a week, saying how to write one', () => {
    expect(parseIsoWeek('2026-W24')).toEqual({ year: 2026, week: 24 });
    expect(parseIsoWeek('2026-W53')).toEqual({ year: 2026, week: 53 });
    expect(parseIsoWeek('2025-W53')).toEqual({ problem: '2025 has ISO weeks W01 to W52; W53 does not exist.' });
    expect(parseIsoWeek('2026-W00')).toMatchObject({ problem: expect.stringContaining('W00 does not exist') });
    expect(parseIsoWeek('2026-24')).toEqual({ problem: '"2026-24" is not an ISO week; write it as YYYY-Www, e.g. 2026-W24.' });
    expect(parseIsoWeek('<script>')).toMatchObject({ problem: expect.stringContaining('write it as YYYY-Www') });
  });
});

describe('HXL-tagged CSV', () => {
  it('puts the hashtag row under the header row, and quotes as RFC 4180 does', () => {
    const csv = hxlCsv([{ header: 'Day', tag: '#date', value: (r: { d: string; n: number; s: string }) => r.d }, { header: 'Trucks', tag: '#indicator+trucks+num', value: (r) => r.n }, { header: 'Note', tag: '#description', value: (r) => r.s }], [
      { d: '2026-06-01', n: 12, s: 'plain' },
      { d: '2026-06-02', n: 0, s: 'with "quotes", a comma\nand a line break' },
    ]);
    expect(csv.split('\r\n')).toEqual(['Day,Trucks,Note', '#date,#indicator+trucks+num,#description', '2026-06-01,12,plain', '2026-06-02,0,"with ""quotes"", a comma\nand a line break"', '']);
  });

  it('never lets a cell run as a spreadsheet formula, but keeps negative numbers numbers', () => {
    expect(csvCell('=HYPERLINK("http://x.example","click")')).toBe(`"'=HYPERLINK(""http://x.example"",""click"")"`);
    expect(csvCell('+1 555')).toBe("'+1 555");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('-12.5')).toBe('-12.5');
    expect(csvCell(-12.5)).toBe('-12.5');
    expect(csvCell(null)).toBe('');
  });

  it('tags every export column with a standard HXL hashtag and lowercase attributes', () => {
    for (const columns of [INCIDENT_COLUMNS, CONVOY_COLUMNS, DELIVERY_COLUMNS]) {
      for (const c of columns) expect(c.tag).toMatch(/^#(date|event|severity|status|org|loc|geo|activity|item|indicator)(\+[a-z][a-z0-9_]*)*$/);
      expect(new Set(columns.map((c) => c.tag)).size).toBe(columns.length);
    }
    expect(INCIDENT_COLUMNS.map((c) => c.tag)).toEqual(expect.arrayContaining(['#date+occurred', '#event+type', '#geo+lat', '#geo+lon', '#org+attributed']));
    expect(DELIVERY_COLUMNS.map((c) => c.tag)).toEqual(expect.arrayContaining(['#date', '#indicator+trucks+delivered+num']));
  });
});

describe('SVG charts', () => {
  it('scale bars to a nice axis, label them, and escape every label', () => {
    expect([niceMax(0), niceMax(7), niceMax(12), niceMax(240), niceMax(1000)]).toEqual([1, 10, 20, 500, 1000]);
    const svg = barChart({ title: 'Trucks <per> day', unit: 'trucks', bars: [{ label: '06-01', value: 10 }, { label: '06-02', value: 5 }, { label: '<b>', value: 0 }] });
    expect(svg).toMatch(/^<svg class="chart" xmlns="http:\/\/www.w3.org\/2000\/svg" viewBox="0 0 640 220" role="img" aria-labelledby="(chart-\d+)-t \1-d">/);
    expect(svg).toContain('<title id="');
    expect(svg).toContain('Trucks &lt;per&gt; day');
    expect(svg).not.toContain('<b>');
    expect(svg).toContain('15 trucks over 3 days, at most 10 in a day.');
    const heights = [...svg.matchAll(/<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(heights[0]).toBeCloseTo(heights[1]! * 2, 0);
    expect(heights[2]).toBe(0);
  });

  it('draw one stacked bar per party with its counts, and a running count as steps', () => {
    const svg = stackedBars({ title: 'Milestones', rows: [{ label: 'Republic of Veltria', segments: [{ name: 'met', value: 3, color: '#1b7f4b' }, { name: 'missed', value: 1, color: '#b3261e' }] }] });
    expect(svg).toContain('Republic of Veltria: 3 met, 1 missed');
    expect((svg.match(/<rect /g) ?? []).length).toBe(2 + 2); // two legend swatches, two segments
    const steps = cumulativeSteps({ title: 'Violations', unit: 'violations', times: [new Date('2026-06-03T00:00:00Z'), new Date('2026-06-01T00:00:00Z')], from: new Date('2026-05-30T00:00:00Z'), until: new Date('2026-06-10T00:00:00Z') });
    expect(steps).toContain('2 violations between 2026-05-30 and 2026-06-10, the last on 2026-06-03.');
    expect((steps.match(/<circle /g) ?? []).length).toBe(2);
  });
});

describe('HTML', () => {
  it('escapes every value put into a page', () => {
    const name = '<img src=x onerror=alert(1)>"\'&';
    expect(html`<p title="${name}">${name}</p>`.text).toBe('<p title="&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;">&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;</p>');
    expect(escapeHtml(undefined)).toBe('');
  });

  const hostile = '<script>alert("x")</script>';
  const agreement: AgreementPage = {
    id: '0a1b2c3d-0000-4000-8000-000000000001',
    title: `Accord of ${hostile}`,
    mediator: 'Office of the Envoy',
    entryIntoForceAt: '2026-05-22T00:00:00.000Z',
    currentDay: 24,
    currentPhase: { ordinal: 1, name: 'Stabilisation' },
    parties: [{ name: 'Republic of Veltria', kind: 'GOVERNMENT' }, { name: hostile, kind: 'NON_STATE_ARMED_GROUP' }],
    quietHours: 101.5,
    snapBack: { active: false, triggeredAt: null, reason: null },
    scorecard: [
      { party: { name: 'Republic of Veltria' }, met: 2, metLate: 0, missed: 1, pending: 3, waived: 0, score: 0.67 },
      { party: { name: hostile }, met: 1, metLate: 1, missed: 0, pending: 2, waived: 0, score: 0.75 },
    ],
    milestones: [{ title: 'Exchange of lists', dueDay: 7, dueAt: '2026-05-30T00:00:00.000Z', status: 'MISSED', obligatedParty: { name: 'Republic of Veltria' }, phase: { ordinal: 1 } }],
    deliveriesByDay: [{ date: '2026-06-14', convoys: 2, trucks: 30, tonnes: 410.5 }],
    verifiedMaterialViolationTimes: ['2026-06-01T03:00:00.000Z'],
  };

  it('renders the agreement page: who is behind, milestones, deliveries and violations, charts and tables, nothing unescaped', () => {
    const out = renderAgreement(agreement, { from: new Date('2026-05-18T00:00:00Z'), until: new Date('2026-06-16T00:00:00Z') }, new Date('2026-06-15T09:30:00Z'));
    expect(out).not.toContain('<script>');
    expect(out).toContain('Accord of &lt;script&gt;');
    expect(out).toContain('Most milestones missed: <strong>Republic of Veltria</strong> (1)');
    expect(out).toContain('<span class="status status-MISSED">Missed</span>');
    expect((out.match(/<svg class="chart"/g) ?? []).length).toBe(3);
    expect(out).toContain('/public/agreements/0a1b2c3d-0000-4000-8000-000000000001/bulletin/2026-W25');
    expect(out).toMatch(/<meta name="viewport" content="width=device-width, initial-scale=1">/);
    expect(out).toContain('@page { size: A4;');
  });

  it('renders a bulletin of the week: due, met, missed, released, delivered, verified, disputed and ruled', () => {
    const bulletin: BulletinData = {
      id: agreement.id,
      title: agreement.title,
      entryIntoForceAt: agreement.entryIntoForceAt,
      currentDay: 24,
      parties: agreement.parties,
      quietHours: 101.5,
      snapBack: { active: true, triggeredAt: '2026-06-09T00:00:00.000Z', reason: `Milestone ${hostile} missed` },
      scorecard: agreement.scorecard,
      milestones: [
        { title: 'Due and missed', dueDay: 18, dueAt: '2026-06-09T00:00:00.000Z', status: 'MISSED', obligatedParty: { name: 'Republic of Veltria' }, certifications: [], waivers: [], tranches: [] },
        { title: 'Certified this week', dueDay: 30, dueAt: '2026-06-21T00:00:00.000Z', status: 'MET', obligatedParty: { name: 'Republic of Veltria' }, certifications: [{ metAt: '2026-06-10T00:00:00.000Z', recordedAt: '2026-06-10T12:00:00.000Z', verifier: 'Joint Monitoring Cell' }], waivers: [], tranches: [{ status: 'RELEASED', amount: { amount: '250000.00', currency: 'USD' }, released: { amount: '125000.00', currency: 'USD' }, release: { releasedAt: '2026-06-11T09:00:00.000Z' } }] },
      ],
      deliveriesByDay: [{ date: '2026-06-08', convoys: 1, trucks: 12, tonnes: 150 }],
      deliveries: { convoys: 1, trucks: 12, tonnes: 150 },
      verifiedViolations: 2,
      materialViolations: 1,
      verifiedMaterialViolationTimes: ['2026-06-09T03:00:00.000Z'],
      disputeActivity: { filed: 2, ruled: 1, breachesConfirmed: 1, escalated: 1 },
    };
    const out = renderBulletin(bulletin, { year: 2026, week: 24 }, new Date('2026-06-15T09:30:00Z'));
    expect(out).not.toContain('<script>');
    expect(out).toContain('Weekly bulletin 2026-W24');
    expect(out).toContain('Monday 2026-06-08 to Sunday 2026-06-14');
    expect(out).toContain('<strong>Missed</strong>: Due and missed (Republic of Veltria)');
    expect(out).toContain('<strong>Met</strong>: Certified this week (Republic of Veltria) on 2026-06-10, as certified by Joint Monitoring Cell on 2026-06-10.');
    // What the release paid (a variable tranche may pay less than it holds), then what the tranche held.
    expect(out).toContain('125000.00 USD for Certified this week (of 250000.00 USD held), released 2026-06-11 09:00 UTC.');
    expect(out).toContain('2 disputes filed, 1 moved up the dispute ladder when a deadline passed, 1 ruled on (1 confirming a breach).');
    expect(out).toContain('Snap-back in force');
    expect((out.match(/<svg class="chart"/g) ?? []).length).toBe(3);
    expect(out).toContain('Milestones of each party by outcome, as of now');
  });
});

describe('IATI 2.03 activity XML', () => {
  const schemaDir = new URL('./iati-2.03/', import.meta.url);
  const files = ['iati-activities-schema.xsd', 'iati-common.xsd', 'xml.xsd'];
  const validate = async (xml: string) => {
    const [main, ...rest] = await Promise.all(files.map(async (f) => ({ fileName: f, contents: await readFile(new URL(f, schemaDir), 'utf8') })));
    return validateXML({ xml: { fileName: 'iati.xml', contents: xml }, schema: main!, preload: rest });
  };
  const funding: IatiAgreement = {
    id: '0a1b2c3d-0000-4000-8000-000000000001',
    title: 'Veltria Framework & <Phase> "One"',
    mediator: 'Office of the Envoy',
    entryIntoForceAt: '2026-05-22T00:00:00.000Z',
    currentPhase: { name: 'Stabilisation' },
    parties: [{ id: 'p1', name: 'Republic of Veltria' }],
    commitments: [
      { id: 'c1', kind: 'FUNDING_PLEDGE', status: 'PAID', amount: { amount: '500000.00', currency: 'USD' }, pledgedAt: '2026-05-01T00:00:00.000Z', committedAt: '2026-05-03T00:00:00.000Z', paidAt: '2026-05-05T00:00:00.000Z', guarantor: { id: 'g1', name: 'Treasury of Valmere', kind: 'STATE' } },
      { id: 'c2', kind: 'FUNDING_PLEDGE', status: 'PLEDGED', amount: { amount: '90.00', currency: 'USD' }, pledgedAt: '2026-05-01T00:00:00.000Z', committedAt: null, paidAt: null, guarantor: { id: 'g1', name: 'Treasury of Valmere', kind: 'STATE' } },
      { id: 'c3', kind: 'SECURITY_ASSURANCE', status: 'COMMITTED', amount: null, pledgedAt: '2026-05-01T00:00:00.000Z', committedAt: '2026-05-02T00:00:00.000Z', paidAt: null, guarantor: { id: 'g2', name: 'Regional Council', kind: 'REGIONAL_ORGANISATION' } },
    ],
    escrowAccounts: [
      { id: 'e1', currency: 'USD', beneficiary: { name: 'Republic of Veltria' }, tranches: [{ id: 't1', status: 'RELEASED', guarantor: { id: 'g1', name: 'Treasury of Valmere' }, released: { amount: '250000.00', currency: 'USD' }, release: { releasedAt: '2026-06-11T09:00:00.000Z' }, milestone: { title: 'Lists exchanged' } }] },
    ],
  };

  it('is valid against the IATI 2.03 activity schema, with commitments (type 2) and disbursements (type 3) in the ledger\'s amounts', async () => {
    const xml = iatiActivities(funding, new Date('2026-06-15T09:30:00.000Z'));
    const result = await validate(xml);
    expect(result.errors).toEqual([]);
    expect(result.valid).toBe(true);
    expect(xml).toContain('<transaction-type code="2"/>');
    expect(xml).toContain('<value currency="USD" value-date="2026-05-03">500000.00</value>');
    expect(xml).toContain('<transaction-type code="3"/>');
    expect(xml).toContain('<value currency="USD" value-date="2026-06-11">250000.00</value>');
    expect(xml).toContain('<receiver-org><narrative>Republic of Veltria</narrative></receiver-org>');
    // A pledge not yet committed is no transaction; a security assurance has no amount.
    expect(xml).not.toContain('>90.00<');
    expect((xml.match(/<iati-activity /g) ?? []).length).toBe(1);
    expect(xml).toContain('Veltria Framework &amp; &lt;Phase&gt; &quot;One&quot;');
  });

  it('a broken document fails the same validation, so the check is real', async () => {
    const xml = iatiActivities(funding, new Date('2026-06-15T09:30:00.000Z')).replace(/<activity-status code="2"\/>\n/, '');
    const result = await validate(xml);
    expect(result.valid).toBe(false);
    expect(result.errors.map((e) => e.message).join(' ')).toMatch(/activity-status/);
  });

  it('escapes text and drops characters XML cannot carry', () => {
    expect(xmlEscape('a\u0000b\u0007c & <d> "e" \'f\'')).toBe('abc &amp; &lt;d&gt; &quot;e&quot; &apos;f&apos;');
  });
});
