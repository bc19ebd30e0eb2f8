import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymous, caller, codes } from '@treaty/testing';
import { generateMasterSecret, statements, type Caller } from '@treaty/service-kit';
import { ADD_MILESTONE, CREATE_AGREEMENT, agreementInput, startMilestones } from './harness.js';
import { milestonesSignerForCorridors, startCorridorsStandIn, type StandInIncident } from './corridors-stand-in.js';

/**
 * Redress (issue 19 part 3): a remedy owed for a validated violation (a VERIFIED incident, confirmed
 * with corridors when the case is opened, or a ruling that confirmed a breach), delivered at most once,
 * its status derived from the delivery and the clock, its opening and delivery in the evidence log and
 * the alert outbox in their transactions.
 */

const NOW = '2026-03-20T10:00:00.000Z';
const H = 3_600_000;
const DAY = 24 * H;
const at = (ms: number) => new Date(Date.parse(NOW) + ms).toISOString();

const mediator = caller('MEDIATOR', { agency: 'Office of the Envoy' });
const monitor = caller('MONITOR', { agency: 'Joint Monitoring Cell' });
const guarantor = caller('GUARANTOR', { agency: 'Regional Guarantor Council' });
const relief = caller('AGENCY', { agency: 'Northgate Relief Consortium' });

const VERIFIED = '3b8e2f4a-7c1d-4e6b-9a2f-5d8c1e3b7a01';
const UNDER_REVIEW = '3b8e2f4a-7c1d-4e6b-9a2f-5d8c1e3b7a02';
const FALSE_REPORT = '3b8e2f4a-7c1d-4e6b-9a2f-5d8c1e3b7a03';
const ELSEWHERE = '3b8e2f4a-7c1d-4e6b-9a2f-5d8c1e3b7a04';
const UNKNOWN = '00000000-0000-4000-8000-00000000cafe';

const master = generateMasterSecret();
const peers: Record<string, string> = {};
const incidents: Record<string, StandInIncident> = {};
let h: Awaited<ReturnType<typeof startMilestones>>;
let corridors: Awaited<ReturnType<typeof startCorridorsStandIn>>;
let agreement: { id: string; title: string; parties: { id: string; name: string }[] };
let other: { id: string; parties: { id: string; name: string }[] };
let disputes: { breach: string; noBreach: string; unruled: string; elsewhere: string };

const FILE = `mutation ($input: FileDisputeInput!) { fileDispute(input: $input) { id } }`;
const RULE = `mutation ($input: RuleOnDisputeInput!) { ruleOnDispute(input: $input) { id } }`;
const OPEN = /* GraphQL */ `
  mutation ($input: OpenRedressCaseInput!) {
    openRedressCase(input: $input) {
      id basis incidentId dispute { id } remedy owedByParty { id name } dueAt openedBy openedAt status hoursRemaining
      delivery { deliveredAt } logEntry { kind subject } agreement { id }
    }
  }`;
const DELIVER = /* GraphQL */ `
  mutation ($input: RecordRedressDeliveredInput!) {
    recordRedressDelivered(input: $input) {
      id status hoursRemaining delivery { deliveredAt recordedBy recordedAt evidence { reference description sha256 } logEntry { kind subject } }
    }
  }`;
const CASE = `query ($id: ID!) { redressCase(id: $id) { id status hoursRemaining remedy delivery { deliveredAt } } }`;
const CASES = `query ($id: ID!) { agreement(id: $id) { redressCases { id status dueAt owedByParty { name } remedy } } }`;

beforeAll(async () => {
  h = await startMilestones(NOW, { signer: milestonesSignerForCorridors(master), peers });
  agreement = (await h.run(mediator, CREATE_AGREEMENT, { input: agreementInput() })).data!.createAgreement;
  other = (await h.run(mediator, CREATE_AGREEMENT, { input: agreementInput() })).data!.createAgreement;
  Object.assign(incidents, {
    [VERIFIED]: { agreementId: agreement.id, verificationState: 'VERIFIED' },
    [UNDER_REVIEW]: { agreementId: agreement.id, verificationState: 'UNDER_REVIEW' },
    [FALSE_REPORT]: { agreementId: agreement.id, verificationState: 'FALSE' },
    [ELSEWHERE]: { agreementId: other.id, verificationState: 'VERIFIED' },
  });
  corridors = await startCorridorsStandIn(incidents, master);
  peers.corridors = corridors.url;
  const milestone = (await h.run(mediator, ADD_MILESTONE, { input: { agreementId: agreement.id, phaseOrdinal: 1, title: 'Lists exchanged', obligatedPartyId: agreement.parties[0]!.id, dueDay: 30 } })).data!.addMilestone;
  const otherMilestone = (await h.run(mediator, ADD_MILESTONE, { input: { agreementId: other.id, phaseOrdinal: 1, title: 'Lists exchanged', obligatedPartyId: other.parties[0]!.id, dueDay: 30 } })).data!.addMilestone;
  const file = async (agreementId: string, milestoneId: string) => (await h.run(monitor, FILE, { input: { agreementId, milestoneId, allegation: 'Convoys held at the Ridge checkpoint for 30 hours' } })).data!.fileDispute.id as string;
  disputes = { breach: await file(agreement.id, milestone.id), noBreach: await file(agreement.id, milestone.id), unruled: await file(agreement.id, milestone.id), elsewhere: await file(other.id, otherMilestone.id) };
  for (const [id, outcome] of [[disputes.breach, 'BREACH_CONFIRMED'], [disputes.noBreach, 'NO_BREACH'], [disputes.elsewhere, 'BREACH_CONFIRMED']] as const) {
    const r = await h.run(mediator, RULE, { input: { disputeId: id, outcome, reasoning: 'Inspection logs and two patrol reports' } });
    expect(r.errors).toBeUndefined();
  }
});
afterAll(async () => {
  await corridors?.stop();
  await h?.drop();
});

const TABLES = ['redress_case', 'redress_delivery', 'alert_outbox', 'evidence_entry'];
async function counts(): Promise<Record<string, number>> {
  const rows = await h.db.query(TABLES.map((t) => `SELECT '${t}' AS t, count(*)::int AS n FROM ${t}`).join(' UNION ALL '));
  return Object.fromEntries(rows.map((r: { t: string; n: number }) => [r.t, r.n]));
}

async function expectRefused(send: () => Promise<any>, code: string, message?: RegExp | string) {
  const before = await counts();
  const r = await send();
  expect(codes(r), JSON.stringify(r.errors)).toEqual([code]);
  if (typeof message === 'string') expect(r.errors[0].message).toBe(message);
  else if (message) expect(r.errors[0].message).toMatch(message);
  expect(await counts()).toEqual(before);
  return r;
}

const ok = async (who: Caller, query: string, variables: Record<string, unknown>) => {
  const r = await h.run(who, query, variables);
  expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  return r.data as any;
};

const REMEDY = 'Compensation to the three households of Orchard road for the shelling damage of Day 19, per Annex V';
const onIncident = (extra: Record<string, unknown> = {}) => ({
  agreementId: agreement.id,
  basis: 'INCIDENT',
  incidentId: VERIFIED,
  remedy: REMEDY,
  owedByPartyId: agreement.parties[1]!.id,
  dueAt: at(10 * DAY),
  ...extra,
});
const open = async (input: Record<string, unknown> = onIncident()) => (await ok(mediator, OPEN, { input })).openRedressCase;

describe('opening a redress case', () => {
  it('opens on an incident corridors confirms VERIFIED, logs it and raises redress.opened in the same transaction', async () => {
    h.clock.set(NOW);
    const before = await counts();
    const asked = corridors.asked.length;
    const c = await open();
    expect(c).toMatchObject({
      basis: 'INCIDENT',
      incidentId: VERIFIED,
      dispute: null,
      remedy: REMEDY,
      owedByParty: { id: agreement.parties[1]!.id },
      dueAt: at(10 * DAY),
      openedBy: 'Office of the Envoy',
      openedAt: NOW,
      status: 'OPEN',
      hoursRemaining: 240,
      delivery: null,
      logEntry: { kind: 'redress-opened' },
      agreement: { id: agreement.id },
    });
    expect(c.logEntry.subject).toBe(c.id);
    expect(corridors.asked.slice(asked)).toEqual([VERIFIED]);
    expect(await counts()).toEqual({ ...before, redress_case: before.redress_case! + 1, alert_outbox: before.alert_outbox! + 1, evidence_entry: before.evidence_entry! + 1 });
    const [entry] = await h.db.query(`SELECT entry FROM evidence_entry WHERE kind = 'redress-opened' AND subject = $1`, [c.id]);
    expect(entry.entry).toContain(`"remedySha256":"${createHash('sha256').update(REMEDY).digest('hex')}"`);
    expect(entry.entry).not.toContain('Orchard road');
    const [alert] = await h.db.query(`SELECT event_key, type, agreement_id, audience, data FROM alert_outbox WHERE event_key = $1`, [`redress.opened:${c.id}`]);
    expect(alert).toEqual({
      event_key: `redress.opened:${c.id}`,
      type: 'redress.opened',
      agreement_id: agreement.id,
      audience: ['MEDIATOR', 'MONITOR', 'GUARANTOR', 'PARTY'],
      data: { caseId: c.id, basis: 'INCIDENT', dueAt: at(10 * DAY), owedByPartyId: agreement.parties[1]!.id },
    });
  });

  it('opens on a dispute whose ruling confirmed the breach', async () => {
    const c = await open({ agreementId: agreement.id, basis: 'RULING', disputeId: disputes.breach, remedy: 'Public acknowledgement at the joint commission', owedByPartyId: agreement.parties[0]!.id, dueAt: at(5 * DAY) });
    expect(c).toMatchObject({ basis: 'RULING', incidentId: null, dispute: { id: disputes.breach }, status: 'OPEN' });
  });

  it('refuses an incident that is not VERIFIED, and a dispute not ruled a breach, with INVALID_TRANSITION; nothing is written', async () => {
    await expectRefused(() => h.run(mediator, OPEN, { input: onIncident({ incidentId: UNDER_REVIEW }) }), 'INVALID_TRANSITION', `Incident ${UNDER_REVIEW} is UNDER_REVIEW, not VERIFIED: a redress case is opened only on a validated violation: an incident the monitors VERIFIED (verifyIncident, corridors service) or a dispute ruled BREACH_CONFIRMED.`);
    await expectRefused(() => h.run(mediator, OPEN, { input: onIncident({ incidentId: FALSE_REPORT }) }), 'INVALID_TRANSITION', /^Incident .* is FALSE, not VERIFIED/);
    const ruling = (disputeId: string) => ({ ...onIncident(), basis: 'RULING', incidentId: null, disputeId });
    await expectRefused(() => h.run(mediator, OPEN, { input: ruling(disputes.noBreach) }), 'INVALID_TRANSITION', `Dispute ${disputes.noBreach} was ruled NO_BREACH: a redress case is opened only on a validated violation: an incident the monitors VERIFIED (verifyIncident, corridors service) or a dispute ruled BREACH_CONFIRMED.`);
    await expectRefused(() => h.run(mediator, OPEN, { input: ruling(disputes.unruled) }), 'INVALID_TRANSITION', /^Dispute .* has no ruling yet: a redress case is opened only on a validated violation/);
  });

  it('refuses what belongs to another agreement, what does not exist, a non-party, a past deadline and mixed bases; nothing is written', async () => {
    const asked = corridors.asked.length;
    await expectRefused(() => h.run(mediator, OPEN, { input: onIncident({ owedByPartyId: other.parties[0]!.id }) }), 'BAD_USER_INPUT', /^input\.owedByPartyId: The owing party must be a party to "Ceasefire Framework \d+": .* \([0-9a-f-]{36}\) or .* \([0-9a-f-]{36}\)\.$/);
    // A non-party is refused before corridors is asked anything.
    expect(corridors.asked.length).toBe(asked);
    await expectRefused(() => h.run(mediator, OPEN, { input: onIncident({ dueAt: NOW }) }), 'BAD_USER_INPUT', `input.dueAt: dueAt ${NOW} is not after now (${NOW}); a remedy is owed by a deadline still to come.`);
    await expectRefused(() => h.run(mediator, OPEN, { input: onIncident({ dueAt: at(-DAY) }) }), 'BAD_USER_INPUT', /^input\.dueAt: dueAt .* is not after now/);
    await expectRefused(() => h.run(mediator, OPEN, { input: onIncident({ dueAt: at(11 * 365 * DAY) }) }), 'BAD_USER_INPUT', /more than 10 years ahead/);
    await expectRefused(() => h.run(mediator, OPEN, { input: onIncident({ incidentId: ELSEWHERE }) }), 'BAD_USER_INPUT', /^input\.incidentId: Incident .* concerns another agreement than "Ceasefire Framework \d+"\.$/);
    await expectRefused(() => h.run(mediator, OPEN, { input: { ...onIncident(), basis: 'RULING', incidentId: null, disputeId: disputes.elsewhere } }), 'BAD_USER_INPUT', /^input\.disputeId: Dispute .* was filed under another agreement/);
    await expectRefused(() => h.run(mediator, OPEN, { input: onIncident({ incidentId: UNKNOWN }) }), 'NOT_FOUND', /^No incident has id "00000000-0000-4000-8000-00000000cafe"\. Incidents are reported to the corridors service/);
    await expectRefused(() => h.run(mediator, OPEN, { input: { ...onIncident(), basis: 'RULING', incidentId: null, disputeId: UNKNOWN } }), 'NOT_FOUND', /^No dispute has id/);
    await expectRefused(() => h.run(mediator, OPEN, { input: onIncident({ agreementId: UNKNOWN }) }), 'NOT_FOUND', /^No agreement has id/);
    const mixed = await expectRefused(() => h.run(mediator, OPEN, { input: onIncident({ disputeId: disputes.breach, remedy: ' ' }) }), 'BAD_USER_INPUT');
    expect(mixed.errors[0].extensions.details.problems.map((p: { path: string }) => p.path)).toEqual(['input.remedy', 'input.disputeId']);
    await expectRefused(() => h.run(mediator, OPEN, { input: onIncident({ incidentId: null }) }), 'BAD_USER_INPUT', /^input\.incidentId: A case on basis INCIDENT names the verified incident/);
    await expectRefused(() => h.run(mediator, OPEN, { input: onIncident({ remedy: 'r'.repeat(2001) }) }), 'BAD_USER_INPUT', /remedy is 2001 characters long; shorten it to at most 2000/);
  });

  it('is for the mediator only', async () => {
    for (const who of [monitor, guarantor, relief, caller('PARTY', { partyId: agreement.parties[0]!.id }), anonymous]) {
      await expectRefused(() => h.run(who, OPEN, { input: onIncident() }), 'FORBIDDEN', /^Mutation\.openRedressCase needs the MEDIATOR role/);
    }
  });

  it('refuses with SERVICE_UNAVAILABLE and writes nothing when corridors cannot confirm the incident', async () => {
    peers.corridors = 'http://127.0.0.1:9/graphql';
    try {
      const r = await expectRefused(() => h.run(mediator, OPEN, { input: onIncident() }), 'SERVICE_UNAVAILABLE', /corridors service is not reachable/);
      expect(r.errors[0].extensions.service).toBe('corridors');
    } finally {
      peers.corridors = corridors.url;
    }
  });
});

describe('recording delivery', () => {
  it('records it once, with its evidence, in the evidence log and the alert outbox', async () => {
    h.clock.set(NOW);
    const c = await open();
    h.clock.set(at(2 * DAY));
    const before = await counts();
    const sha = 'ab'.repeat(32);
    const done = (await ok(monitor, DELIVER, { input: { caseId: c.id, deliveredAt: at(DAY), evidence: [{ reference: 'Payment receipt JMC-RED-004', description: 'Paid at the Ridgeway office', sha256: sha.toUpperCase() }] } })).recordRedressDelivered;
    expect(done).toEqual({
      id: c.id,
      status: 'DELIVERED',
      hoursRemaining: null,
      delivery: { deliveredAt: at(DAY), recordedBy: 'Joint Monitoring Cell', recordedAt: at(2 * DAY), evidence: [{ reference: 'Payment receipt JMC-RED-004', description: 'Paid at the Ridgeway office', sha256: sha }], logEntry: { kind: 'redress-delivered', subject: c.id } },
    });
    expect(await counts()).toEqual({ ...before, redress_delivery: before.redress_delivery! + 1, alert_outbox: before.alert_outbox! + 1, evidence_entry: before.evidence_entry! + 1 });
    const [alert] = await h.db.query(`SELECT type, audience, data FROM alert_outbox WHERE event_key = $1`, [`redress.delivered:${c.id}`]);
    expect(alert).toEqual({
      type: 'redress.delivered',
      audience: ['MEDIATOR', 'MONITOR', 'GUARANTOR', 'PARTY'],
      data: { caseId: c.id, basis: 'INCIDENT', dueAt: c.dueAt, owedByPartyId: c.owedByParty.id, deliveredAt: at(DAY), status: 'DELIVERED' },
    });
    await expectRefused(
      () => h.run(mediator, DELIVER, { input: { caseId: c.id, evidence: [{ reference: 'Second receipt' }] } }),
      'INVALID_TRANSITION',
      `This case's remedy was already recorded delivered (at ${at(DAY)}, by Joint Monitoring Cell); a delivery is recorded once.`,
    );
    h.clock.set(NOW);
  });

  it('refuses a delivery in the future, before the case was opened, without evidence, for an unknown case or by the wrong role; nothing is written', async () => {
    h.clock.set(NOW);
    const c = await open();
    const deliver = (input: Record<string, unknown>, who: Caller = mediator) => () => h.run(who, DELIVER, { input: { caseId: c.id, evidence: [{ reference: 'Receipt 7' }], ...input } });
    await expectRefused(deliver({ deliveredAt: at(H) }), 'BAD_USER_INPUT', `input.deliveredAt: deliveredAt ${at(H)} is in the future; record a delivery once it has happened (now is ${NOW}).`);
    await expectRefused(deliver({ deliveredAt: at(-H) }), 'BAD_USER_INPUT', `input.deliveredAt: deliveredAt ${at(-H)} is before the case was opened (${NOW}).`);
    await expectRefused(deliver({ evidence: [] }), 'BAD_USER_INPUT', /^input\.evidence: Recording a delivery needs at least one piece of evidence/);
    await expectRefused(deliver({ evidence: [{ reference: 'x', sha256: 'not-hex' }] }), 'BAD_USER_INPUT', /sha256 must be 64 hexadecimal characters/);
    await expectRefused(deliver({ caseId: UNKNOWN }), 'NOT_FOUND', /^No redress case has id "00000000-0000-4000-8000-00000000cafe"/);
    for (const who of [guarantor, relief, caller('PARTY', { partyId: agreement.parties[1]!.id }), anonymous]) {
      await expectRefused(deliver({}, who), 'FORBIDDEN', /^Mutation\.recordRedressDelivered needs one of the roles MEDIATOR, MONITOR/);
    }
  });
});

describe('status, derived from the delivery and the clock', () => {
  it('is OPEN, then DUE_SOON within 72 hours, OVERDUE from the deadline, and DELIVERED_LATE when delivered after it', async () => {
    h.clock.set(NOW);
    const c = await open(onIncident({ dueAt: at(5 * DAY) }));
    const status = async () => (await ok(guarantor, CASE, { id: c.id })).redressCase;
    expect(await status()).toMatchObject({ status: 'OPEN', hoursRemaining: 120 });
    h.clock.set(at(2 * DAY - 1));
    expect((await status()).status).toBe('OPEN');
    h.clock.set(at(2 * DAY));
    expect(await status()).toMatchObject({ status: 'DUE_SOON', hoursRemaining: 72 });
    h.clock.set(at(5 * DAY - 1));
    expect((await status()).status).toBe('DUE_SOON');
    h.clock.set(at(5 * DAY));
    expect(await status()).toMatchObject({ status: 'OVERDUE', hoursRemaining: 0 });
    h.clock.set(at(6 * DAY));
    expect(await status()).toMatchObject({ status: 'OVERDUE', hoursRemaining: -24 });
    await ok(mediator, DELIVER, { input: { caseId: c.id, evidence: [{ reference: 'Late payment receipt' }] } });
    expect(await status()).toMatchObject({ status: 'DELIVERED_LATE', hoursRemaining: null, delivery: { deliveredAt: at(6 * DAY) } });
    h.clock.set(at(30 * DAY));
    expect((await status()).status).toBe('DELIVERED_LATE');
    h.clock.set(NOW);
  });
});

describe('reading redress cases', () => {
  it('is for partner agencies of any role, never PUBLIC', async () => {
    h.clock.set(NOW);
    const c = await open();
    for (const who of [guarantor, relief, caller('PARTY', { partyId: agreement.parties[0]!.id }), caller('INTERMEDIARY')]) {
      expect((await ok(who, CASE, { id: c.id })).redressCase.remedy).toBe(REMEDY);
      expect((await ok(who, CASES, { id: agreement.id })).agreement.redressCases.map((x: { id: string }) => x.id)).toContain(c.id);
    }
    const one = await h.run(anonymous, CASE, { id: c.id });
    expect(codes(one)).toEqual(['FORBIDDEN']);
    expect(one.errors![0]!.message).toMatch(/^Query\.redressCase needs a token from a partner agency \(any role\)/);
    const list = await h.run(anonymous, CASES, { id: agreement.id });
    expect(codes(list)).toEqual(['FORBIDDEN']);
    expect(list.errors![0]!.message).toMatch(/^Agreement\.redressCases needs a token from a partner agency/);
    expect((await ok(guarantor, CASE, { id: UNKNOWN })).redressCase).toBeNull();
    expect((await ok(guarantor, CASE, { id: 'nonsense' })).redressCase).toBeNull();
  });

  it('lists an agreement\'s cases, earliest deadline first, in the same number of statements for 1 case or many', async () => {
    const fresh = (await h.run(mediator, CREATE_AGREEMENT, { input: agreementInput() })).data!.createAgreement;
    const incident = '7e1f3a5c-9b2d-4c8e-a6f0-1d3b5c7e9a10';
    incidents[incident] = { agreementId: fresh.id, verificationState: 'VERIFIED' };
    h.clock.set(NOW);
    const add = (days: number) => open({ agreementId: fresh.id, basis: 'INCIDENT', incidentId: incident, remedy: `Repair within ${days} days`, owedByPartyId: fresh.parties[days % 2]!.id, dueAt: at(days * DAY) });
    await add(9);
    const few = await statements.measure(() => h.run(monitor, CASES, { id: fresh.id }));
    await add(3);
    await add(6);
    await add(4);
    const many = await statements.measure(() => h.run(monitor, CASES, { id: fresh.id }));
    expect((many.result.data as any).agreement.redressCases.map((x: { dueAt: string }) => x.dueAt)).toEqual([at(3 * DAY), at(4 * DAY), at(6 * DAY), at(9 * DAY)]);
    expect(many.count).toBe(few.count);
  });
});

describe('following a report to its redress', () => {
  const SUBMIT = `mutation ($input: SubmitConfidentialReportInput!) { submitConfidentialReport(input: $input) { receipt report { reference } } }`;
  const REVIEW = `mutation ($input: ReviewConfidentialReportInput!) { reviewConfidentialReport(input: $input) { id } }`;
  const VIEW = `query ($receipt: String!) { confidentialReportByReceipt(receipt: $receipt) { status redressCases { status openedAt dueAt deliveredAt owedByParty { name } } } }`;

  it('shows the reporter the cases on the linked incident or ruling, as they progress, without the remedy\'s wording', async () => {
    h.clock.set(NOW);
    const incident = '5a7c9e1b-3d5f-4a8c-b2e4-6f8a0c2e4b60';
    incidents[incident] = { agreementId: agreement.id, verificationState: 'VERIFIED' };
    const { receipt, report } = (await ok(anonymous, SUBMIT, { input: { what: 'Our orchard and the well were hit by shells on the night of Day 19' } })).submitConfidentialReport;
    await ok(monitor, REVIEW, { input: { reportId: report.reference, status: 'VALIDATED', incidentId: incident } });
    expect((await ok(anonymous, VIEW, { receipt })).confidentialReportByReceipt).toEqual({ status: 'VALIDATED', redressCases: [] });
    const c = await open(onIncident({ incidentId: incident, dueAt: at(10 * DAY) }));
    const party = agreement.parties[1]!.name;
    expect((await ok(anonymous, VIEW, { receipt })).confidentialReportByReceipt.redressCases).toEqual([{ status: 'OPEN', openedAt: NOW, dueAt: at(10 * DAY), deliveredAt: null, owedByParty: { name: party } }]);
    h.clock.set(at(3 * DAY));
    await ok(mediator, DELIVER, { input: { caseId: c.id, evidence: [{ reference: 'Receipt signed by the households' }] } });
    expect((await ok(anonymous, VIEW, { receipt })).confidentialReportByReceipt.redressCases).toEqual([{ status: 'DELIVERED', openedAt: NOW, dueAt: at(10 * DAY), deliveredAt: at(3 * DAY), owedByParty: { name: party } }]);
    const asked = await h.run(anonymous, `query ($receipt: String!) { confidentialReportByReceipt(receipt: $receipt) { redressCases { remedy } } }`, { receipt });
    expect(codes(asked)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    // Linked to the ruling of a dispute instead, the reporter sees the cases on that ruling.
    h.clock.set(NOW);
    const byRuling = (await ok(anonymous, SUBMIT, { input: { what: 'The convoys were held at the Ridge checkpoint again' } })).submitConfidentialReport;
    await ok(monitor, REVIEW, { input: { reportId: byRuling.report.reference, status: 'VALIDATED', disputeId: disputes.breach } });
    const onRuling = (await ok(anonymous, VIEW, { receipt: byRuling.receipt })).confidentialReportByReceipt.redressCases;
    expect(onRuling.length).toBeGreaterThan(0);
    expect(onRuling.every((x: { owedByParty: { name: string } }) => x.owedByParty.name === agreement.parties[0]!.name)).toBe(true);
  });
});
