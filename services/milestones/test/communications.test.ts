import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caller, codes, anonymous } from '@treaty/testing';
import { CREATE_AGREEMENT, agreementInput, startMilestones } from './harness.js';

/**
 * Statements and domestic steps (issue 20, DESIGN §13) against PostgreSQL: each a milestone kind with
 * terms of its own, certified by evidence of its own, counted in the scorecard and listed in the
 * communications calendar; every misuse refused with its code and message, and nothing written.
 */
const mediator = caller('MEDIATOR', { agency: 'Office of the Envoy' });
const monitor = caller('MONITOR', { agency: 'Joint Monitoring Cell' });

let h: Awaited<ReturnType<typeof startMilestones>>;
let agreement: { id: string; parties: { id: string; name: string }[] };
beforeAll(async () => {
  h = await startMilestones('2026-03-11T12:00:00.000Z');
  const r = await h.run(mediator, CREATE_AGREEMENT, { input: agreementInput() });
  expect(r.errors).toBeUndefined();
  agreement = r.data!.createAgreement;
});
afterAll(async () => {
  await h?.drop();
});

const ADD = /* GraphQL */ `
  mutation ($input: AddMilestoneInput!) {
    addMilestone(input: $input) {
      id kind status
      statement { form toleranceHours synchronisedWith { id } issuers { id } }
      domesticStep { form institution }
    }
  }`;
const CERTIFY = /* GraphQL */ `
  mutation ($input: CertifyMilestoneInput!) {
    certifyMilestone(input: $input) {
      id status
      certifications { metAt issuances { party { id } issuedAt reference sha256 } record { reference institution enactedAt } logEntry { leafIndex } }
    }
  }`;
const READ = /* GraphQL */ `
  query ($id: ID!) {
    agreement(id: $id) {
      communicationsCalendar { id kind dueDay status }
      scorecard { party { id } met missed pending byKind { kind met metLate missed pending waived score } }
    }
  }`;

const counts = async () => ({ ...(await h.counts()), evidence: Number((await h.db.query('SELECT count(*)::int AS n FROM evidence_entry'))[0].n) });

async function refused(run: () => Promise<any>, code: string, message: RegExp) {
  const before = await counts();
  const r = await run();
  expect(codes(r)).toEqual([code]);
  expect(r.errors[0].message).toMatch(message);
  expect(await counts()).toEqual(before);
}

const gov = () => agreement.parties[0]!;
const other = () => agreement.parties[1]!;
const communique = (over: Record<string, unknown> = {}) => ({
  agreementId: agreement.id,
  phaseOrdinal: 1,
  title: 'Joint communiqué on the first ten days',
  obligatedPartyId: gov().id,
  dueDay: 10,
  kind: 'STATEMENT',
  statement: { form: 'JOINT_COMMUNIQUE', synchronisedWithPartyIds: [other().id], toleranceHours: 12 },
  ...over,
});

describe('adding statements and domestic steps', () => {
  it('records a synchronised statement with its issuers, and a domestic step with its institution', async () => {
    const s = await h.run(mediator, ADD, { input: communique() });
    expect(s.errors).toBeUndefined();
    expect(s.data!.addMilestone).toMatchObject({
      kind: 'STATEMENT',
      statement: { form: 'JOINT_COMMUNIQUE', toleranceHours: 12, synchronisedWith: [{ id: other().id }], issuers: [{ id: gov().id }, { id: other().id }] },
      domesticStep: null,
    });
    const d = await h.run(mediator, ADD, { input: { agreementId: agreement.id, phaseOrdinal: 1, title: 'Amnesty law passed', obligatedPartyId: gov().id, dueDay: 20, kind: 'DOMESTIC_STEP', domesticStep: { form: 'LAW_PASSED', institution: 'National Assembly' } } });
    expect(d.errors).toBeUndefined();
    expect(d.data!.addMilestone).toMatchObject({ kind: 'DOMESTIC_STEP', domesticStep: { form: 'LAW_PASSED', institution: 'National Assembly' }, statement: null });
  });

  it('refuses terms that do not fit the kind or the agreement, writing nothing', async () => {
    await refused(() => h.run(mediator, ADD, { input: communique({ statement: null }) }), 'BAD_USER_INPUT', /A STATEMENT milestone needs its terms/);
    await refused(
      () => h.run(mediator, ADD, { input: communique({ statement: { form: 'JOINT_COMMUNIQUE', synchronisedWithPartyIds: [] } }) }),
      'BAD_USER_INPUT',
      /A JOINT_COMMUNIQUE is issued by at least two parties/,
    );
    await refused(
      () => h.run(mediator, ADD, { input: communique({ statement: { form: 'PUBLIC_STATEMENT', synchronisedWithPartyIds: ['11111111-1111-4111-8111-111111111111'] } }) }),
      'BAD_USER_INPUT',
      /11111111-1111-4111-8111-111111111111 is not a party to the agreement/,
    );
    await refused(
      () => h.run(mediator, ADD, { input: communique({ kind: 'OBLIGATION' }) }),
      'BAD_USER_INPUT',
      /statement terms are for a milestone of kind STATEMENT; this one is OBLIGATION/,
    );
    await refused(() => h.run(mediator, ADD, { input: communique({ kind: 'DOMESTIC_STEP', statement: null, domesticStep: { form: 'LAW_PASSED', institution: '' } }) }), 'BAD_USER_INPUT', /Institution is empty/);
    await refused(() => h.run(monitor, ADD, { input: communique() }), 'FORBIDDEN', /MEDIATOR/);
  });
});

describe('certifying them by the evidence of their kind', () => {
  let statementId: string;
  let stepId: string;
  beforeAll(async () => {
    statementId = (await h.run(mediator, ADD, { input: communique({ title: 'Joint communiqué on prisoners' }) })).data!.addMilestone.id;
    stepId = (await h.run(mediator, ADD, { input: { agreementId: agreement.id, phaseOrdinal: 1, title: 'Briefing of community leaders', obligatedPartyId: other().id, dueDay: 9, kind: 'DOMESTIC_STEP', domesticStep: { form: 'STAKEHOLDER_BRIEFING', institution: 'Council of Elders' } } })).data!.addMilestone.id;
  });
  const issuance = (party: { id: string }, at: string) => ({ partyId: party.id, issuedAt: at, reference: `https://bulletin.example/communique-${party.id.slice(0, 4)}` });
  const evidence = [{ reference: 'monitor-report-17', description: 'Both texts compared word for word' }];

  it('refuses a statement not every party issued, or not in step, and an obligation-style metAt, writing nothing', async () => {
    await refused(() => h.run(monitor, CERTIFY, { input: { milestoneId: statementId, evidence, issuances: [issuance(gov(), '2026-03-10T09:00:00Z')] } }), 'BAD_USER_INPUT', /No issuance by .*a synchronised statement is met only when every party has made it/);
    await refused(
      () => h.run(monitor, CERTIFY, { input: { milestoneId: statementId, evidence, issuances: [issuance(gov(), '2026-03-09T09:00:00Z'), issuance(other(), '2026-03-10T09:00:00Z')] } }),
      'BAD_USER_INPUT',
      /24 hours apart, more than the 12 hours this statement allows: it was not synchronised/,
    );
    await refused(
      () => h.run(monitor, CERTIFY, { input: { milestoneId: statementId, evidence, metAt: '2026-03-10T10:00:00Z', issuances: [issuance(gov(), '2026-03-10T09:00:00Z'), issuance(other(), '2026-03-10T10:00:00Z')] } }),
      'BAD_USER_INPUT',
      /A STATEMENT is met at the last issuance of the set; leave metAt out/,
    );
    await refused(() => h.run(monitor, CERTIFY, { input: { milestoneId: stepId, evidence } }), 'BAD_USER_INPUT', /A DOMESTIC_STEP is certified by the official record of the step/);
  });

  it('certifies a statement at its last issuance, with the issuances in the certification and the evidence log', async () => {
    const r = await h.run(monitor, CERTIFY, { input: { milestoneId: statementId, evidence, issuances: [issuance(gov(), '2026-03-10T09:00:00Z'), issuance(other(), '2026-03-10T18:30:00Z')] } });
    expect(r.errors).toBeUndefined();
    const c = r.data!.certifyMilestone.certifications[0];
    expect(c.metAt).toBe('2026-03-10T18:30:00.000Z');
    expect(c.issuances.map((i: any) => i.party.id)).toEqual([gov().id, other().id]);
    expect(r.data!.certifyMilestone.status).toBe('MET');
    const [entry] = await h.db.query(`SELECT entry FROM evidence_entry WHERE leaf_index = $1`, [c.logEntry.leafIndex]);
    expect(JSON.parse(entry.entry).fact.kindEvidence.issuances).toHaveLength(2);
  });

  it('certifies a domestic step when enacted, late here, with its record (the institution only as a digest in the log)', async () => {
    const r = await h.run(monitor, CERTIFY, { input: { milestoneId: stepId, evidence, record: { reference: 'Council minutes 2026/11', institution: 'Council of Elders', enactedAt: '2026-03-11T08:00:00Z' } } });
    expect(r.errors).toBeUndefined();
    expect(r.data!.certifyMilestone.status).toBe('MET_LATE');
    const c = r.data!.certifyMilestone.certifications[0];
    expect(c.record).toEqual({ reference: 'Council minutes 2026/11', institution: 'Council of Elders', enactedAt: '2026-03-11T08:00:00.000Z' });
    const [entry] = await h.db.query(`SELECT entry FROM evidence_entry WHERE leaf_index = $1`, [c.logEntry.leafIndex]);
    expect(entry.entry).not.toContain('Council of Elders');
    expect(JSON.parse(entry.entry).fact.kindEvidence.record.institutionSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('lists them in the calendar and counts a joint statement for each party that must issue it', async () => {
    const r = await h.run(anonymous, READ, { id: agreement.id });
    expect(r.errors).toBeUndefined();
    const calendar = r.data!.agreement.communicationsCalendar;
    expect(calendar.map((m: any) => m.kind)).toEqual(expect.arrayContaining(['STATEMENT', 'DOMESTIC_STEP']));
    expect(calendar.every((m: any) => m.kind !== 'OBLIGATION')).toBe(true);
    expect(calendar.map((m: any) => m.dueDay)).toEqual([...calendar.map((m: any) => m.dueDay)].sort((a: number, b: number) => a - b));
    const byParty = Object.fromEntries(r.data!.agreement.scorecard.map((s: any) => [s.party.id, s]));
    const kinds = (id: string) => Object.fromEntries(byParty[id].byKind.map((k: any) => [k.kind, k]));
    // Both communiqués count for both parties: one met, the other due today (Day 10), so pending.
    expect(kinds(gov().id).STATEMENT.met + kinds(gov().id).STATEMENT.pending + kinds(gov().id).STATEMENT.missed).toBe(2);
    expect(kinds(other().id).STATEMENT.met).toBe(kinds(gov().id).STATEMENT.met);
    expect(kinds(other().id).DOMESTIC_STEP).toMatchObject({ metLate: 1 });
    expect(kinds(gov().id).DOMESTIC_STEP).toMatchObject({ pending: 1 });
    expect(byParty[other().id].met + byParty[other().id].pending + byParty[other().id].missed).toBe(2);
  });

  it('hides the issuances and records from anonymous callers', async () => {
    const r = await h.run(anonymous, `query ($id: ID!) { agreement(id: $id) { communicationsCalendar { certifications { issuances { reference } } } } }`, { id: agreement.id });
    expect(codes(r)).toContain('FORBIDDEN');
  });
});
