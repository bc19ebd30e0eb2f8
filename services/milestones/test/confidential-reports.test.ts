import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymous, caller, codes, startSubgraphs } from '@treaty/testing';
import { generateDataKeys, generateMasterSecret, silentLogger, type Caller } from '@treaty/service-kit';
import { CREATE_AGREEMENT, agreementInput, startMilestones } from './harness.js';
import { milestonesSignerForCorridors, startCorridorsStandIn, type StandInIncident } from './corridors-stand-in.js';
import { milestones } from '../src/server.js';

/**
 * The confidential channel (issue 19 part 2): anyone submits without a token and follows the report with
 * a receipt; what the report says is sealed at rest and read only by the handlers, with a purpose, each
 * read logged. Corridors (which owns incidents) is a stand-in on its own schema, on real HTTP.
 */

const NOW = '2026-03-20T10:00:00.000Z';
const mediator = caller('MEDIATOR', { agency: 'Office of the Envoy', subject: 'envoy-desk-2' });
const monitor = caller('MONITOR', { agency: 'Joint Monitoring Cell', subject: 'jmc-analyst-3' });
const investigating = (who: Caller): Caller => ({ ...who, purpose: 'incident-investigation' });
const outsiders: [string, Caller][] = [
  ['PARTY', caller('PARTY', { agency: 'Delegation of Norvale', partyId: '5d0c6f2e-3a41-4c7b-9f10-2b8e4d6a1c33', purpose: 'incident-investigation' })],
  ['GUARANTOR', caller('GUARANTOR', { agency: 'Regional Guarantor Council', purpose: 'incident-investigation' })],
  ['AGENCY', caller('AGENCY', { agency: 'Northgate Relief Consortium', purpose: 'incident-investigation' })],
  ['INTERMEDIARY', caller('INTERMEDIARY', { agency: 'Neutral Humanitarian Intermediary', purpose: 'incident-investigation' })],
  ['PUBLIC', { ...anonymous, purpose: 'incident-investigation' }],
];

const INCIDENT = '8a3f1c2e-6b7d-4e9a-b1c4-2d5e7f9a0b11';
const OTHER_AGREEMENTS_INCIDENT = '1c9e7a5b-3d2f-4a6c-8e0b-9f7d5c3a1e22';
const UNKNOWN = '00000000-0000-4000-8000-00000000beef';

const master = generateMasterSecret();
const peers: Record<string, string> = {};
const incidents: Record<string, StandInIncident> = {};
let h: Awaited<ReturnType<typeof startMilestones>>;
let corridors: Awaited<ReturnType<typeof startCorridorsStandIn>>;
let agreement: { id: string; title: string; parties: { id: string; name: string }[] };
let other: { id: string };

beforeAll(async () => {
  h = await startMilestones(NOW, { signer: milestonesSignerForCorridors(master), peers });
  agreement = (await h.run(mediator, CREATE_AGREEMENT, { input: agreementInput() })).data!.createAgreement;
  other = (await h.run(mediator, CREATE_AGREEMENT, { input: agreementInput() })).data!.createAgreement;
  incidents[INCIDENT] = { agreementId: agreement.id, verificationState: 'VERIFIED' };
  incidents[OTHER_AGREEMENTS_INCIDENT] = { agreementId: other.id, verificationState: 'VERIFIED' };
  corridors = await startCorridorsStandIn(incidents, master);
  peers.corridors = corridors.url;
});
afterAll(async () => {
  await corridors?.stop();
  await h?.drop();
});

const SUBMIT = /* GraphQL */ `
  mutation ($input: SubmitConfidentialReportInput!) {
    submitConfidentialReport(input: $input) { receipt report { reference status submittedAt statusChangedAt thread { from text at } redressCases { status } } }
  }`;
const BY_RECEIPT = /* GraphQL */ `
  query ($receipt: String!) {
    confidentialReportByReceipt(receipt: $receipt) {
      reference status submittedAt statusChangedAt thread { from text at } redressCases { status openedAt dueAt deliveredAt owedByParty { name } }
    }
  }`;
const ADD = `mutation ($receipt: String!, $text: String!) { addToConfidentialReport(receipt: $receipt, text: $text) { reference status thread { from text } } }`;
const REPLY = `mutation ($input: ReplyToConfidentialReportInput!) { replyToConfidentialReport(input: $input) { id status } }`;
const REVIEW = `mutation ($input: ReviewConfidentialReportInput!) { reviewConfidentialReport(input: $input) { id status statusChangedAt incidentId dispute { id } agreement { id } reviews { status incidentId reviewedBy } } }`;
const CONTENT = `query ($id: ID!) { confidentialReport(id: $id) { id status submittedAt what where when whenText contact messages { id from handler text } } }`;
const LIST = `query ($status: ConfidentialReportState, $first: Int, $after: String) { confidentialReports(status: $status, first: $first, after: $after) { nodes { id status } pageInfo { endCursor hasNextPage } } }`;

const TABLES = ['confidential_report', 'confidential_report_message', 'confidential_report_review', 'alert_outbox', 'personal_data_access', 'evidence_entry', 'data_key', 'idempotency_key'];
async function counts(): Promise<Record<string, number>> {
  const rows = await h.db.query(TABLES.map((t) => `SELECT '${t}' AS t, count(*)::int AS n FROM ${t}`).join(' UNION ALL '));
  return Object.fromEntries(rows.map((r: { t: string; n: number }) => [r.t, r.n]));
}

/** Runs a refused request and checks its code, its message and that no table changed. */
async function expectRefused(send: () => Promise<any>, code: string, message?: RegExp | string) {
  const before = await counts();
  const r = await send();
  expect(codes(r), JSON.stringify(r.errors)).toEqual([code]);
  if (typeof message === 'string') expect(r.errors[0].message).toBe(message);
  else if (message) expect(r.errors[0].message).toMatch(message);
  expect(await counts()).toEqual(before);
  return r;
}

/** Every row of every table of the database as text: what a dump or a stolen backup would show. */
async function dump(): Promise<string> {
  const tables: { table_name: string }[] = await h.db.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`);
  const parts = await Promise.all(tables.map(async ({ table_name }) => (await h.db.query(`SELECT coalesce(string_agg(t::text, E'\\n'), '') AS rows FROM "${table_name}" t`))[0].rows as string));
  return parts.join('\n');
}

let counter = 0;
/** A report with every field, its words unique to this call so that no other report can contain them. */
function reportInput(extra: Record<string, unknown> = {}) {
  counter += 1;
  return {
    what: `Report ${counter}: two men in grey uniforms took the flour sacks from the Ridgeway mill and turned the carts back`,
    where: `Ridgeway mill ${counter}, by the old stone bridge`,
    when: '2026-03-18T21:30:00.000Z',
    whenText: `the night after the market closed (${counter})`,
    contact: `Ask for Tamsin at the bakery on Weir Lane (${counter})`,
    ...extra,
  };
}

async function submit(input: Record<string, unknown> = reportInput(), who: Caller = anonymous) {
  const r = await h.run(who, SUBMIT, { input });
  expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  return r.data!.submitConfidentialReport as { receipt: string; report: { reference: string; status: string } };
}

const ok = async (who: Caller, query: string, variables: Record<string, unknown>) => {
  const r = await h.run(who, query, variables);
  expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  return r.data as any;
};

describe('submitting a report', () => {
  it('needs no token, gives a 43-character receipt once, keeps only its SHA-256, and raises a contentless alert in the same transaction', async () => {
    const before = await counts();
    const input = reportInput({ agreementId: agreement.id });
    const { receipt, report } = await submit(input);
    expect(receipt).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(receipt, 'base64url')).toHaveLength(32);
    expect(report).toEqual({ reference: expect.any(String), status: 'RECEIVED', submittedAt: NOW, statusChangedAt: null, thread: [], redressCases: [] });
    expect(await counts()).toEqual({ ...before, confidential_report: before.confidential_report! + 1, alert_outbox: before.alert_outbox! + 1 });
    const [row] = await h.db.query('SELECT receipt_sha256, agreement_id FROM confidential_report WHERE id = $1', [report.reference]);
    expect(row).toEqual({ receipt_sha256: createHash('sha256').update(receipt).digest('hex'), agreement_id: agreement.id });
    const [alert] = await h.db.query(`SELECT event_key, type, agreement_id, audience, data, occurred_at FROM alert_outbox WHERE type = 'confidential_report.received' AND data->>'reportId' = $1`, [report.reference]);
    expect(alert).toEqual({
      event_key: `confidential_report.received:${report.reference}`,
      type: 'confidential_report.received',
      agreement_id: agreement.id,
      audience: ['MONITOR', 'MEDIATOR'],
      data: { reportId: report.reference },
      occurred_at: new Date(NOW),
    });
    // Nothing of the receipt is anywhere in the database, nor anything about who sent the report.
    const all = await dump();
    expect(all).not.toContain(receipt);
  });

  it('needs no agreement, and keeps none when none is given', async () => {
    const { report } = await submit({ what: 'Shots fired over the wells at Amsel every evening this week' });
    const [row] = await h.db.query('SELECT agreement_id, place, occurred_at, when_text, contact FROM confidential_report WHERE id = $1', [report.reference]);
    expect(row).toEqual({ agreement_id: null, place: null, occurred_at: null, when_text: null, contact: null });
    const [alert] = await h.db.query(`SELECT agreement_id FROM alert_outbox WHERE event_key = $1`, [`confidential_report.received:${report.reference}`]);
    expect(alert.agreement_id).toBeNull();
  });

  it('refuses every field over its limit, an empty what and a when in the future, all at once, and writes nothing (no report, no alert)', async () => {
    const r = await expectRefused(
      () =>
        h.run(anonymous, SUBMIT, {
          input: { what: 'x'.repeat(10_001), where: 'w'.repeat(2_001), whenText: 't'.repeat(2_001), contact: 'c'.repeat(2_001), when: '2026-03-21T00:00:00Z', agreementId: 'the-ridgeway-accord' },
        }),
      'BAD_USER_INPUT',
    );
    expect(r.errors[0].extensions.details.problems.map((p: { path: string }) => p.path)).toEqual(['input.what', 'input.where', 'input.whenText', 'input.contact', 'input.when', 'input.agreementId']);
    expect(r.errors[0].message).toMatch(/input\.what: what is 10001 characters long; at most 10000 are accepted\. Shorten it, or send the rest afterwards with addToConfidentialReport/);
    expect(r.errors[0].message).toMatch(/input\.when: when is 2026-03-21T00:00:00\.000Z, in the future; give when it happened \(now is 2026-03-20T10:00:00\.000Z\), or describe it in whenText/);
    await expectRefused(() => h.run(anonymous, SUBMIT, { input: { what: '   ' } }), 'BAD_USER_INPUT', 'input.what: what is empty; say in your own words what happened.');
  });

  it('accepts each field at its limit', async () => {
    const { report } = await submit({ what: 'w'.repeat(10_000), where: 'p'.repeat(2_000), whenText: 't'.repeat(2_000), contact: 'c'.repeat(2_000) });
    expect(report.status).toBe('RECEIVED');
  });

  it('refuses an agreement that does not exist, and writes nothing', async () => {
    await expectRefused(() => h.run(anonymous, SUBMIT, { input: reportInput({ agreementId: UNKNOWN }) }), 'NOT_FOUND', /No agreement has id "00000000-0000-4000-8000-00000000beef"\. List agreements with/);
  });
});

describe('following a report with its receipt', () => {
  it('opens exactly one report, without its content, and never another report of the same agreement', async () => {
    const mine = reportInput({ agreementId: agreement.id });
    const a = await submit(mine);
    const b = await submit(reportInput({ agreementId: agreement.id }));
    await ok(anonymous, ADD, { receipt: b.receipt, text: 'Report B: I saw the same carts on Tuesday' });
    await ok(monitor, REPLY, { input: { reportId: b.report.reference, text: 'Reply to B: thank you, a patrol will visit the mill' } });
    await ok(monitor, REVIEW, { input: { reportId: b.report.reference, status: 'VALIDATED', incidentId: INCIDENT } });

    const view = (await ok(anonymous, BY_RECEIPT, { receipt: a.receipt })).confidentialReportByReceipt;
    expect(view).toEqual({ reference: a.report.reference, status: 'RECEIVED', submittedAt: NOW, statusChangedAt: null, thread: [], redressCases: [] });
    const shown = JSON.stringify(view);
    for (const s of [b.report.reference, 'Report B', 'Reply to B', INCIDENT]) expect(shown).not.toContain(s);
    // Not even its own content: a receipt taken from the reporter discloses neither what, where, when nor contact.
    for (const s of [mine.what, mine.where, mine.whenText, mine.contact]) expect(shown).not.toContain(s);
    expect(b.receipt).not.toBe(a.receipt);
  });

  it('has no field that could show the content: asking for one fails validation', async () => {
    const { receipt } = await submit();
    const r = await h.run(anonymous, `query ($receipt: String!) { confidentialReportByReceipt(receipt: $receipt) { what } }`, { receipt });
    expect(codes(r)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(r.errors![0]!.message).toMatch(/Cannot query field "what" on type "ConfidentialReportStatus"/);
  });

  it('refuses a wrong receipt with NOT_FOUND and one message that says nothing about whether reports exist', async () => {
    const { receipt } = await submit();
    const message = 'No report matches this receipt; check it was copied whole (a receipt is 43 characters: letters, digits, "-" and "_"), exactly as it was shown when the report was submitted.';
    const oneCharOff = `${receipt.slice(0, -1)}${receipt.endsWith('A') ? 'B' : 'A'}`;
    for (const wrong of [randomBytes(32).toString('base64url'), oneCharOff, receipt.slice(0, 20), `${receipt} `, '']) {
      const r = await expectRefused(() => h.run(anonymous, BY_RECEIPT, { receipt: wrong }), 'NOT_FOUND', message);
      expect(r.data.confidentialReportByReceipt).toBeNull();
      expect(JSON.stringify(r.errors)).not.toContain(wrong || '""');
      await expectRefused(() => h.run(anonymous, ADD, { receipt: wrong, text: 'More detail' }), 'NOT_FOUND', message);
    }
  });

  it('lets the reporter add to the thread and read the handlers\' replies, in order, without learning who the handler is', async () => {
    const { receipt, report } = await submit();
    const before = await counts();
    const added = (await ok(anonymous, ADD, { receipt, text: 'One of them had a red scarf.' })).addToConfidentialReport;
    expect(added).toEqual({ reference: report.reference, status: 'RECEIVED', thread: [{ from: 'REPORTER', text: 'One of them had a red scarf.' }] });
    await ok(monitor, REPLY, { input: { reportId: report.reference, text: 'Thank you. Did you see which way the carts went?' } });
    h.clock.advance(60_000);
    await ok(anonymous, ADD, { receipt, text: 'North, towards the ridge road.' });
    h.clock.set(NOW);
    expect(await counts()).toEqual({ ...before, confidential_report_message: before.confidential_report_message! + 3 });
    const view = (await ok(anonymous, BY_RECEIPT, { receipt })).confidentialReportByReceipt;
    expect(view.thread).toEqual([
      { from: 'REPORTER', text: 'One of them had a red scarf.', at: NOW },
      { from: 'HANDLER', text: 'Thank you. Did you see which way the carts went?', at: NOW },
      { from: 'REPORTER', text: 'North, towards the ridge road.', at: '2026-03-20T10:01:00.000Z' },
    ]);
    expect(JSON.stringify(view)).not.toContain('Joint Monitoring Cell');
    // The handlers see who replied; of the reporter nothing is kept.
    const seen = (await ok(investigating(monitor), CONTENT, { id: report.reference })).confidentialReport.messages;
    expect(seen.map((m: any) => [m.from, m.handler])).toEqual([
      ['REPORTER', null],
      ['HANDLER', 'Joint Monitoring Cell'],
      ['REPORTER', null],
    ]);
  });

  it('refuses an empty or oversized message, and a thread past 100 messages, writing nothing', async () => {
    const { receipt, report } = await submit();
    await expectRefused(() => h.run(anonymous, ADD, { receipt, text: ' ' }), 'BAD_USER_INPUT', 'text: text is empty; write what you want to add.');
    await expectRefused(() => h.run(anonymous, ADD, { receipt, text: 'z'.repeat(10_001) }), 'BAD_USER_INPUT', /^text: text is 10001 characters long; at most 10000 are accepted in one message\. Send it in parts\.$/);
    await expectRefused(() => h.run(monitor, REPLY, { input: { reportId: report.reference, text: 'z'.repeat(10_001) } }), 'BAD_USER_INPUT', /^input\.text: text is 10001 characters long/);
    await ok(anonymous, ADD, { receipt, text: 'z'.repeat(10_000) });
    for (let i = 2; i <= 100; i += 1) await ok(i % 2 ? anonymous : monitor, i % 2 ? ADD : REPLY, i % 2 ? { receipt, text: `addition ${i}` } : { input: { reportId: report.reference, text: `reply ${i}` } });
    await expectRefused(() => h.run(anonymous, ADD, { receipt, text: 'one more' }), 'BAD_USER_INPUT', /^text: This report's thread holds 100 messages, the most one report may have; nothing was added\. Submit a new report for anything further\.$/);
    await expectRefused(() => h.run(monitor, REPLY, { input: { reportId: report.reference, text: 'one more' } }), 'BAD_USER_INPUT', /thread holds 100 messages/);
  });
});

describe('encryption at rest', () => {
  it('stores what, where, when, whenText, contact and every message only sealed: a dump shows none of it', async () => {
    const input = reportInput();
    const { receipt, report } = await submit(input);
    await ok(anonymous, ADD, { receipt, text: 'The miller Oswin Carrow saw it too' });
    await ok(mediator, REPLY, { input: { reportId: report.reference, text: 'We will speak to Oswin Carrow discreetly' } });
    const [row] = await h.db.query('SELECT what, place, occurred_at, when_text, contact FROM confidential_report WHERE id = $1', [report.reference]);
    for (const v of Object.values(row)) expect(v).toMatch(/^enc:v1:[0-9a-f-]{36}:/);
    const messages: { body: string }[] = await h.db.query('SELECT body FROM confidential_report_message WHERE report_id = $1', [report.reference]);
    expect(messages).toHaveLength(2);
    for (const m of messages) expect(m.body).toMatch(/^enc:v1:/);
    const all = await dump();
    for (const plain of [input.what, input.where, input.whenText, input.contact, '2026-03-18T21:30', 'Oswin Carrow', 'Ridgeway mill', 'Weir Lane']) expect(all).not.toContain(plain);
    // The data key itself is stored only wrapped by the KEK the service is given.
    const [key] = await h.db.query(`SELECT wrapped FROM data_key WHERE purpose = 'field' AND retired_at IS NULL`);
    expect(key.wrapped).not.toContain(h.dataKeys.keys.get('kek-test')!.toString('base64url'));
  });

  it('refuses, in the database itself, a report or message written in plain text', async () => {
    await expect(
      h.db.query(`INSERT INTO confidential_report (id, receipt_sha256, what, submitted_at) VALUES (gen_random_uuid(), repeat('a', 64), 'plain words', now())`),
    ).rejects.toThrow(/confidential_report_what_check/);
    const { report } = await submit();
    await expect(
      h.db.query(`INSERT INTO confidential_report_message (id, report_id, position, author, body, written_at) VALUES (gen_random_uuid(), $1, 1, 'REPORTER', 'plain words', now())`, [report.reference]),
    ).rejects.toThrow(/confidential_report_message_body_check/);
  });

  it('does not start without TREATY_DATA_KEYS, or with KEKs that do not unwrap its data key', async () => {
    await expect(milestones.build({ db: h.db, clock: h.clock, logger: silentLogger, evidence: h.evidence })).rejects.toThrow(/TREATY_DATA_KEYS is required: the milestones service stores confidential reports encrypted/);
    await expect(milestones.build({ db: h.db, clock: h.clock, logger: silentLogger, evidence: h.evidence, dataKeys: generateDataKeys('kek-other') })).rejects.toThrow(
      /TREATY_DATA_KEYS cannot open the confidential reports: .*KEK "kek-test", which TREATY_DATA_KEYS does not hold/,
    );
  });
});

describe('handlers reading a report', () => {
  it('needs a purpose for the content: without one, or with another, PURPOSE_REQUIRED and nothing logged; the status is readable', async () => {
    const { report } = await submit();
    for (const who of [monitor, { ...monitor, purpose: 'audit' }, { ...mediator, purpose: 'release-verification' }]) {
      const before = await counts();
      const r = await h.run(who, CONTENT, { id: report.reference });
      expect(new Set(codes(r))).toEqual(new Set(['PURPOSE_REQUIRED']));
      expect(r.errors![0]!.message).toMatch(/^ConfidentialReport\.\w+ is personal data and is read only for a stated purpose: send the header X-Purpose with one of "incident-investigation" \(handling a confidential report of a violation or a wrong done to someone\)/);
      expect(r.data!.confidentialReport).toMatchObject({ id: report.reference, status: 'RECEIVED', what: null, where: null, when: null, whenText: null, contact: null });
      expect(await counts()).toEqual(before);
    }
  });

  it('with the purpose incident-investigation, opens the content and logs each read (who, which record, which fields, why), with an evidence entry', async () => {
    const input = reportInput({ agreementId: agreement.id });
    const { receipt, report } = await submit(input);
    await ok(anonymous, ADD, { receipt, text: 'They came back at dawn' });
    const before = await counts();
    const seen = (await ok(investigating(monitor), CONTENT, { id: report.reference })).confidentialReport;
    expect(seen).toMatchObject({ what: input.what, where: input.where, when: input.when, whenText: input.whenText, contact: input.contact, messages: [{ from: 'REPORTER', handler: null, text: 'They came back at dawn' }] });
    expect(await counts()).toEqual({ ...before, personal_data_access: before.personal_data_access! + 2, evidence_entry: before.evidence_entry! + 1 });
    const log = await h.db.query(`SELECT record_type, record_id, fields, purpose, agency, subject, roles FROM personal_data_access WHERE record_id = ANY($1) ORDER BY record_type`, [[report.reference, seen.messages[0].id]]);
    expect(log).toEqual([
      { record_type: 'ConfidentialReport', record_id: report.reference, fields: ['contact', 'what', 'when', 'whenText', 'where'], purpose: 'incident-investigation', agency: 'Joint Monitoring Cell', subject: 'jmc-analyst-3', roles: ['MONITOR'] },
      { record_type: 'ConfidentialReportMessage', record_id: seen.messages[0].id, fields: ['text'], purpose: 'incident-investigation', agency: 'Joint Monitoring Cell', subject: 'jmc-analyst-3', roles: ['MONITOR'] },
    ]);
    const [entry] = await h.db.query(`SELECT kind, entry FROM evidence_entry ORDER BY leaf_index DESC LIMIT 1`);
    expect(entry.kind).toBe('personal-data-access');
    expect(entry.entry).toContain('"purpose":"incident-investigation"');
    expect(entry.entry).not.toContain(input.what);
    // The mediator reads them too; reading only the status logs nothing.
    expect((await ok(investigating(mediator), CONTENT, { id: report.reference })).confidentialReport.what).toBe(input.what);
    const quiet = await counts();
    await ok(monitor, `query ($id: ID!) { confidentialReport(id: $id) { id status submittedAt } }`, { id: report.reference });
    expect(await counts()).toEqual(quiet);
  });

  it('is refused to PARTY, GUARANTOR, AGENCY, INTERMEDIARY and PUBLIC, even with the purpose, and logs nothing', async () => {
    const { report } = await submit();
    for (const [name, who] of outsiders) {
      const r = await expectRefused(() => h.run(who, CONTENT, { id: report.reference }), 'FORBIDDEN', /^Query\.confidentialReport needs one of the roles MONITOR, MEDIATOR; this request comes from/);
      expect(r.data.confidentialReport, name).toBeNull();
      await expectRefused(() => h.run(who, LIST, {}), 'FORBIDDEN', /^Query\.confidentialReports needs one of the roles MONITOR, MEDIATOR/);
      await expectRefused(() => h.run(who, REPLY, { input: { reportId: report.reference, text: 'hello' } }), 'FORBIDDEN', /^Mutation\.replyToConfidentialReport needs one of the roles MONITOR, MEDIATOR/);
      await expectRefused(() => h.run(who, REVIEW, { input: { reportId: report.reference, status: 'CLOSED' } }), 'FORBIDDEN', /^Mutation\.reviewConfidentialReport needs one of the roles MONITOR, MEDIATOR/);
    }
  });

  it('lists reports newest first by status, a page at a time', async () => {
    h.clock.set('2026-03-25T08:00:00Z');
    const first = await submit();
    h.clock.advance(60_000);
    const second = await submit();
    h.clock.advance(60_000);
    const third = await submit();
    await ok(monitor, REVIEW, { input: { reportId: first.report.reference, status: 'UNDER_REVIEW' } });
    await ok(monitor, REVIEW, { input: { reportId: third.report.reference, status: 'UNDER_REVIEW' } });
    h.clock.set(NOW);
    const page1 = (await ok(monitor, LIST, { status: 'UNDER_REVIEW', first: 1 })).confidentialReports;
    expect(page1.nodes).toEqual([{ id: third.report.reference, status: 'UNDER_REVIEW' }]);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = (await ok(monitor, LIST, { status: 'UNDER_REVIEW', first: 1, after: page1.pageInfo.endCursor })).confidentialReports;
    expect(page2.nodes).toEqual([{ id: first.report.reference, status: 'UNDER_REVIEW' }]);
    const received = (await ok(monitor, LIST, { status: 'RECEIVED', first: 500 })).confidentialReports.nodes.map((n: { id: string }) => n.id);
    expect(received).toContain(second.report.reference);
    expect(received).not.toContain(first.report.reference);
    await expectRefused(() => h.run(monitor, LIST, { after: 'not-a-cursor' }), 'BAD_USER_INPUT', /^after: is not a cursor of this list/);
  });
});

describe('reviewing a report', () => {
  it('moves it through its states, links it to an incident confirmed by corridors, and moves it to the incident\'s agreement', async () => {
    const { receipt, report } = await submit();
    const asked = corridors.asked.length;
    const under = (await ok(monitor, REVIEW, { input: { reportId: report.reference, status: 'UNDER_REVIEW' } })).reviewConfidentialReport;
    expect(under).toMatchObject({ status: 'UNDER_REVIEW', statusChangedAt: NOW, incidentId: null, agreement: null });
    expect(corridors.asked.length).toBe(asked);
    const validated = (await ok(mediator, REVIEW, { input: { reportId: report.reference, status: 'VALIDATED', incidentId: INCIDENT } })).reviewConfidentialReport;
    expect(validated).toMatchObject({
      status: 'VALIDATED',
      incidentId: INCIDENT,
      agreement: { id: agreement.id },
      reviews: [
        { status: 'UNDER_REVIEW', incidentId: null, reviewedBy: 'Joint Monitoring Cell' },
        { status: 'VALIDATED', incidentId: INCIDENT, reviewedBy: 'Office of the Envoy' },
      ],
    });
    expect(corridors.asked.slice(asked)).toEqual([INCIDENT]);
    expect((await ok(anonymous, BY_RECEIPT, { receipt })).confidentialReportByReceipt.status).toBe('VALIDATED');
    await ok(monitor, REVIEW, { input: { reportId: report.reference, status: 'CLOSED' } });
    expect((await ok(anonymous, BY_RECEIPT, { receipt })).confidentialReportByReceipt.status).toBe('CLOSED');
  });

  it('refuses moves the states do not allow, with INVALID_TRANSITION, and writes nothing', async () => {
    const { receipt, report } = await submit();
    const review = (status: string, extra: Record<string, unknown> = {}) => () => h.run(monitor, REVIEW, { input: { reportId: report.reference, status, ...extra } });
    await expectRefused(review('RECEIVED'), 'INVALID_TRANSITION', 'RECEIVED is the state of a report before any review; choose one of UNDER_REVIEW, VALIDATED, NOT_VALIDATED, CLOSED.');
    await ok(monitor, REVIEW, { input: { reportId: report.reference, status: 'VALIDATED' } });
    await expectRefused(review('VALIDATED'), 'INVALID_TRANSITION', 'This report is already VALIDATED; give incidentId or disputeId to link it without moving it, or move it to CLOSED.');
    await expectRefused(review('UNDER_REVIEW'), 'INVALID_TRANSITION', 'A report that is VALIDATED can move to CLOSED, not to UNDER_REVIEW.');
    // The same status again, to add a link, is allowed.
    expect((await ok(monitor, REVIEW, { input: { reportId: report.reference, status: 'VALIDATED', incidentId: INCIDENT } })).reviewConfidentialReport.incidentId).toBe(INCIDENT);
    await ok(monitor, REVIEW, { input: { reportId: report.reference, status: 'CLOSED' } });
    await expectRefused(review('UNDER_REVIEW'), 'INVALID_TRANSITION', 'This report is CLOSED, which is final; nothing more can be decided on it.');
    await expectRefused(() => h.run(anonymous, ADD, { receipt, text: 'Anything new?' }), 'INVALID_TRANSITION', 'This report is CLOSED; its thread takes no more messages. If you have something new to report, submit a new report.');
    await expectRefused(() => h.run(monitor, REPLY, { input: { reportId: report.reference, text: 'Closing note' } }), 'INVALID_TRANSITION', 'This report is CLOSED, which is final; its thread takes no more messages.');
  });

  it('refuses links to an incident corridors does not know, a dispute that does not exist, malformed ids or unknown reports, and writes nothing', async () => {
    const { report } = await submit();
    await expectRefused(() => h.run(monitor, REVIEW, { input: { reportId: report.reference, status: 'VALIDATED', incidentId: UNKNOWN } }), 'NOT_FOUND', /^No incident has id "00000000-0000-4000-8000-00000000beef"\. Incidents are reported to the corridors service/);
    await expectRefused(() => h.run(monitor, REVIEW, { input: { reportId: report.reference, status: 'VALIDATED', disputeId: UNKNOWN } }), 'NOT_FOUND', /^No dispute has id/);
    await expectRefused(() => h.run(monitor, REVIEW, { input: { reportId: report.reference, status: 'VALIDATED', incidentId: 'inc-7' } }), 'BAD_USER_INPUT', /^input\.incidentId: "inc-7" is not an incident id/);
    await expectRefused(() => h.run(monitor, REVIEW, { input: { reportId: UNKNOWN, status: 'VALIDATED' } }), 'NOT_FOUND', /^No confidential report has id/);
    await expectRefused(() => h.run(monitor, REPLY, { input: { reportId: 'nonsense', text: 'hello' } }), 'NOT_FOUND', /^No confidential report has id "nonsense"/);
  });

  it('refuses to keep a link under another agreement than a new one', async () => {
    const { report } = await submit();
    await ok(monitor, REVIEW, { input: { reportId: report.reference, status: 'UNDER_REVIEW', incidentId: INCIDENT } });
    const dispute = (await h.run(mediator, `mutation ($input: FileDisputeInput!) { fileDispute(input: $input) { id } }`, { input: { agreementId: other.id, incidentId: OTHER_AGREEMENTS_INCIDENT, allegation: 'Carts held at the mill' } })).data!.fileDispute;
    await expectRefused(
      () => h.run(monitor, REVIEW, { input: { reportId: report.reference, status: 'VALIDATED', disputeId: dispute.id } }),
      'BAD_USER_INPUT',
      `input.disputeId: The report stays linked to incident ${INCIDENT}, which concerns another agreement; give both incidentId and disputeId to link it to what concerns one agreement.`,
    );
    await expectRefused(() => h.run(monitor, REVIEW, { input: { reportId: report.reference, status: 'VALIDATED', disputeId: dispute.id, incidentId: INCIDENT } }), 'BAD_USER_INPUT', /The incident and the dispute concern different agreements/);
    const moved = (await ok(monitor, REVIEW, { input: { reportId: report.reference, status: 'VALIDATED', disputeId: dispute.id, incidentId: OTHER_AGREEMENTS_INCIDENT } })).reviewConfidentialReport;
    expect(moved).toMatchObject({ agreement: { id: other.id }, incidentId: OTHER_AGREEMENTS_INCIDENT, dispute: { id: dispute.id } });
  });

  it('refuses with SERVICE_UNAVAILABLE and writes nothing when corridors cannot confirm the incident', async () => {
    const { report } = await submit();
    peers.corridors = 'http://127.0.0.1:9/graphql';
    try {
      const r = await expectRefused(() => h.run(monitor, REVIEW, { input: { reportId: report.reference, status: 'VALIDATED', incidentId: INCIDENT } }), 'SERVICE_UNAVAILABLE', /corridors service is not reachable/);
      expect(r.errors[0].extensions.service).toBe('corridors');
    } finally {
      peers.corridors = corridors.url;
    }
  });
});

describe('a keyed submit through the HTTP route', () => {
  it('keeps a partner agency\'s first answer (with the receipt) only sealed, and keeps no key at all for an anonymous one', async () => {
    const s = await startSubgraphs([milestones], { now: NOW });
    try {
      const agency = caller('MONITOR', { agency: 'Joint Monitoring Cell' });
      const sent = { input: { what: 'Phoned in by a farmer from Lower Amsel: the pump house was burnt' } };
      const first = await s.call('milestones', agency, SUBMIT, sent, { idempotencyKey: 'jmc-hotline-0042' });
      const again = await s.call('milestones', agency, SUBMIT, sent, { idempotencyKey: 'jmc-hotline-0042' });
      const receipt = first.body.data.submitConfidentialReport.receipt;
      expect(again.replayed).toBe(true);
      expect(again.body.data.submitConfidentialReport.receipt).toBe(receipt);
      const db = s.databases.milestones!.db;
      const [stored] = await db.query(`SELECT response_body FROM idempotency_key WHERE key = 'jmc-hotline-0042'`);
      expect(stored.response_body).toMatch(/^enc:v1:/);
      expect(stored.response_body).not.toContain(receipt);
      const anonymousSubmit = await s.call('milestones', anonymous, SUBMIT, sent, { idempotencyKey: 'anonymous-1' });
      expect(anonymousSubmit.body.errors).toBeUndefined();
      expect(await db.query(`SELECT key FROM idempotency_key WHERE key = 'anonymous-1'`)).toEqual([]);
    } finally {
      await s.stop();
    }
  });
});
