import { describe, expect, it } from 'vitest';
import { Problems } from '@treaty/service-kit';
import { checkKind, checkKindEvidence } from '../src/domain/communications.js';

const gov = { id: '00000000-0000-4000-8000-00000000000a', name: 'Republic of Tessaly' };
const front = { id: '00000000-0000-4000-8000-00000000000b', name: 'Coastal Front' };
const parties = [gov, front];
const window = { entryIntoForceAt: new Date('2026-06-01T00:00:00Z'), now: new Date('2026-06-20T00:00:00Z') };
const messages = (p: Problems) => {
  try {
    p.throwIfAny();
    return [];
  } catch (e) {
    return (e as { problems: { path: string; message: string }[] }).problems.map((x) => `${x.path}: ${x.message}`);
  }
};

describe('a milestone kind and its terms', () => {
  it('defaults to an OBLIGATION with no terms', () => {
    const p = new Problems();
    expect(checkKind(p, {}, gov.id, parties)).toEqual({ kind: 'OBLIGATION', statement: null, domesticStep: null });
    expect(p.any).toBe(false);
  });

  it('a joint communique names the other parties, and they must be parties', () => {
    const p = new Problems();
    const t = checkKind(p, { kind: 'STATEMENT', statement: { form: 'JOINT_COMMUNIQUE', synchronisedWithPartyIds: [front.id.toUpperCase()] } }, gov.id, parties);
    expect(p.any).toBe(false);
    expect(t.statement).toEqual({ form: 'JOINT_COMMUNIQUE', synchronisedWithPartyIds: [front.id], toleranceHours: 24 });
    const bad = new Problems();
    checkKind(bad, { kind: 'STATEMENT', statement: { form: 'JOINT_COMMUNIQUE', synchronisedWithPartyIds: [] } }, gov.id, parties);
    checkKind(bad, { kind: 'STATEMENT', statement: { form: 'PUBLIC_STATEMENT', synchronisedWithPartyIds: ['00000000-0000-4000-8000-0000000000ff', gov.id], toleranceHours: 500 } }, gov.id, parties);
    const m = messages(bad);
    expect(m).toContainEqual(expect.stringMatching(/JOINT_COMMUNIQUE is issued by at least two parties/));
    expect(m).toContainEqual(expect.stringMatching(/0000000000ff is not a party to the agreement; its parties are Republic of Tessaly/));
    expect(m).toContainEqual(expect.stringMatching(/obligated party issues the statement anyway/));
    expect(m).toContainEqual(expect.stringMatching(/toleranceHours is 500; give a whole number of hours from 0 to 168/));
  });

  it('terms must match the kind', () => {
    const p = new Problems();
    checkKind(p, { kind: 'OBLIGATION', statement: { form: 'PUBLIC_STATEMENT' } }, gov.id, parties);
    checkKind(p, { kind: 'DOMESTIC_STEP' }, gov.id, parties);
    checkKind(p, { kind: 'DOMESTIC_STEP', domesticStep: { form: 'LAW_SIGNED', institution: ' ' } }, gov.id, parties);
    const m = messages(p);
    expect(m).toContainEqual(expect.stringMatching(/^input.statement: statement terms are for a milestone of kind STATEMENT/));
    expect(m).toContainEqual(expect.stringMatching(/^input.domesticStep: A DOMESTIC_STEP milestone needs its terms/));
    expect(m).toContainEqual(expect.stringMatching(/Unknown domestic step form LAW_SIGNED; use LAW_PASSED/));
    expect(m).toContainEqual(expect.stringMatching(/^input.domesticStep.institution: Institution is empty/));
  });
});

describe('certifying by the evidence of the kind', () => {
  const statement = { statement: { form: 'JOINT_COMMUNIQUE' as const, synchronisedWithPartyIds: [front.id], toleranceHours: 12 }, domesticStep: null };
  const issued = (party: { id: string }, at: string) => ({ partyId: party.id, issuedAt: new Date(at), reference: `https://gazette.example/communique/${party.id.slice(-1)}` });

  it('a synchronised statement is met when the last party issued it, within the tolerance', () => {
    const p = new Problems();
    const metAt = checkKindEvidence(p, 'STATEMENT', statement, { issuances: [issued(gov, '2026-06-10T09:00:00Z'), issued(front, '2026-06-10T18:00:00Z')] }, parties, window);
    expect(messages(p)).toEqual([]);
    expect(metAt?.toISOString()).toBe('2026-06-10T18:00:00.000Z');
  });

  it('is refused when a party is missing, twice, a stranger, or the issuances are too far apart', () => {
    const missing = new Problems();
    expect(checkKindEvidence(missing, 'STATEMENT', statement, { issuances: [issued(gov, '2026-06-10T09:00:00Z')] }, parties, window)).toBeNull();
    expect(messages(missing)).toEqual([expect.stringMatching(/No issuance by Coastal Front .*; a synchronised statement is met only when every party has made it/)]);
    const apart = new Problems();
    expect(checkKindEvidence(apart, 'STATEMENT', statement, { issuances: [issued(gov, '2026-06-10T09:00:00Z'), issued(front, '2026-06-11T09:00:00Z')] }, parties, window)).toBeNull();
    expect(messages(apart)).toEqual([expect.stringMatching(/24 hours apart, more than the 12 hours this statement allows: it was not synchronised/)]);
    const odd = new Problems();
    checkKindEvidence(odd, 'STATEMENT', statement, { issuances: [issued(gov, '2026-06-10T09:00:00Z'), issued(gov, '2026-06-10T10:00:00Z'), issued({ id: 'x' }, '2026-06-30T00:00:00Z')], record: { reference: 'r', institution: 'i', enactedAt: new Date() } }, parties, window);
    const m = messages(odd);
    expect(m).toContainEqual(expect.stringMatching(/Republic of Tessaly is listed twice/));
    expect(m).toContainEqual(expect.stringMatching(/x is not among the parties that must issue this statement/));
    expect(m).toContainEqual(expect.stringMatching(/issuedAt is 2026-06-30.*in the future/));
    expect(m).toContainEqual(expect.stringMatching(/^input.record: record certifies a DOMESTIC_STEP milestone/));
  });

  it('a domestic step is met when enacted, by its official record', () => {
    const terms = { statement: null, domesticStep: { form: 'LAW_PASSED' as const, institution: 'National Assembly' } };
    const p = new Problems();
    expect(checkKindEvidence(p, 'DOMESTIC_STEP', terms, { record: { reference: 'Official Gazette No. 112/2026', institution: 'National Assembly', enactedAt: new Date('2026-06-12T15:00:00Z') } }, [gov], window)?.toISOString()).toBe('2026-06-12T15:00:00.000Z');
    const none = new Problems();
    expect(checkKindEvidence(none, 'DOMESTIC_STEP', terms, {}, [gov], window)).toBeNull();
    expect(messages(none)).toEqual([expect.stringMatching(/A DOMESTIC_STEP is certified by the official record of the step: record: \{ reference: "Official Gazette No. 112", institution: "National Assembly"/)]);
    const early = new Problems();
    checkKindEvidence(early, 'DOMESTIC_STEP', terms, { record: { reference: 'Gazette', institution: 'National Assembly', enactedAt: new Date('2026-05-01T00:00:00Z') } }, [gov], window);
    expect(messages(early)).toEqual([expect.stringMatching(/enactedAt is 2026-05-01.*before the agreement entered into force/)]);
  });

  it('an obligation takes neither', () => {
    const p = new Problems();
    checkKindEvidence(p, 'OBLIGATION', { statement: null, domesticStep: null }, { issuances: [issued(gov, '2026-06-10T09:00:00Z')] }, [gov], window);
    expect(messages(p)).toEqual([expect.stringMatching(/issuances certify a STATEMENT milestone; this one is an OBLIGATION/)]);
  });
});
