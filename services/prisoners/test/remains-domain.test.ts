import { describe, expect, it } from 'vitest';
import { Problems } from '@treaty/service-kit';
import { PRIORITY_ORDER, describeCategories, rank, sequencingViolations, type Held } from '../src/domain/priority.js';
import { checkRatio, identificationAt, remainsWithoutTerm, type Ratio } from '../src/domain/waves.js';
import { checkDetainee, checkIdentification, checkRemains, checkWavePlan, defaultCounterpart, wrongKindFor } from '../src/domain/rules.js';

/** The rules of the repatriation of remains (issue 20), without I/O. */

const t = (iso: string) => new Date(iso);
const problems = (fn: (p: Problems) => void) => {
  const p = new Problems();
  fn(p);
  try {
    p.throwIfAny();
    return [];
  } catch (e: any) {
    return e.problems as { path: string; message: string }[];
  }
};
const paths = (fn: (p: Problems) => void) => problems(fn).map((x) => x.path);

describe('remains are a category apart from the priority order', () => {
  it('keeps the priority order to the living and sorts REMAINS after them all', () => {
    expect(PRIORITY_ORDER).toEqual(['CHILD', 'WOMAN', 'MEDICAL', 'ELDERLY', 'OTHER']);
    expect(rank('REMAINS')).toBe(5);
    expect(rank('REMAINS')).toBeGreaterThan(rank('OTHER'));
  });

  const child: Held = { detaineeId: 'c', holdingPartyId: 'A', category: 'CHILD' };
  const woman: Held = { detaineeId: 'w', holdingPartyId: 'A', category: 'WOMAN' };
  const remains: Held = { detaineeId: 'r', holdingPartyId: 'A', category: 'REMAINS' };

  it('lets remains travel while living detainees of the same holder wait', () => {
    expect(sequencingViolations([remains], [child, woman], false)).toEqual([]);
  });
  it('never makes remains wait ahead of a living detainee', () => {
    expect(sequencingViolations([woman], [remains], false)).toEqual([]);
    // The living rule itself still holds beside them.
    expect(sequencingViolations([woman, remains], [child, remains], false)).toEqual([{ placed: woman, waitingAhead: [child] }]);
  });
  it('names remains in category counts, last', () => {
    expect(describeCategories([{ category: 'REMAINS' }, { category: 'CHILD' }, { category: 'REMAINS' }])).toBe('1 CHILD, 2 REMAINS');
  });
});

describe('the ratio with a REMAINS term', () => {
  const base = (category: any) => ({ holdingPartyId: 'H', category });
  const other = (category: any) => ({ holdingPartyId: 'G', category });
  const ratio = (...terms: Ratio['terms']): Ratio => ({ basePartyId: 'H', terms });
  const bodiesForBodies = ratio({ category: 'REMAINS', counterpartPerDetainee: 15, counterpart: 'REMAINS' }, { category: 'WOMAN', counterpartPerDetainee: 3, counterpart: 'LIVING' });

  it('asks remains in return for remains, tallied apart from the living', () => {
    const manifest = [base('REMAINS'), base('WOMAN'), ...Array(3).fill(other('OTHER')), ...Array(15).fill(other('REMAINS'))];
    expect(checkRatio(manifest, bodiesForBodies)).toEqual({ required: 3, counterpart: 3, requiredRemains: 15, remainsCounterpart: 15, remainsWithoutTerm: 0, met: true });
  });

  it('never lets remains make up for living detainees owed, nor the living for remains', () => {
    // 3 living owed for the woman, 18 remains given: the living count stays 0.
    const remainsForLiving = checkRatio([base('WOMAN'), ...Array(18).fill(other('REMAINS'))], bodiesForBodies);
    expect(remainsForLiving).toMatchObject({ required: 3, counterpart: 0, remainsCounterpart: 18, met: false });
    // 15 remains owed, 20 living given: the remains count stays 0.
    const livingForRemains = checkRatio([base('REMAINS'), ...Array(20).fill(other('OTHER'))], bodiesForBodies);
    expect(livingForRemains).toMatchObject({ requiredRemains: 15, remainsCounterpart: 0, counterpart: 20, met: false });
  });

  it('can ask living detainees in return for remains, when the term says so', () => {
    const prisonersForBodies = ratio({ category: 'REMAINS', counterpartPerDetainee: 30, counterpart: 'LIVING' });
    expect(checkRatio([base('REMAINS'), base('REMAINS'), ...Array(60).fill(other('OTHER'))], prisonersForBodies)).toMatchObject({ required: 60, counterpart: 60, requiredRemains: 0, met: true });
    expect(checkRatio([base('REMAINS'), ...Array(29).fill(other('OTHER'))], prisonersForBodies).met).toBe(false);
  });

  it('breaks the ratio with remains that have no REMAINS term, whoever holds them, and without any ratio', () => {
    const livingOnly = ratio({ category: 'WOMAN', counterpartPerDetainee: 3, counterpart: 'LIVING' });
    expect(checkRatio([other('REMAINS'), base('WOMAN'), other('OTHER'), other('OTHER'), other('OTHER')], livingOnly)).toMatchObject({ remainsWithoutTerm: 1, met: false });
    expect(checkRatio([base('REMAINS')], livingOnly)).toMatchObject({ remainsWithoutTerm: 1, required: 0, met: false });
    expect(checkRatio([other('REMAINS'), other('OTHER')], null)).toEqual({ required: 0, counterpart: 1, requiredRemains: 0, remainsCounterpart: 1, remainsWithoutTerm: 1, met: false });
    expect(checkRatio([other('OTHER')], null).met).toBe(true);
  });

  it('refuses remains on a wave without a REMAINS term, and only the remains', () => {
    const records = [{ id: 'a', category: 'WOMAN' as const }, { id: 'r', category: 'REMAINS' as const }];
    expect(remainsWithoutTerm(records, null)).toEqual([records[1]]);
    expect(remainsWithoutTerm(records, ratio({ category: 'WOMAN', counterpartPerDetainee: 1, counterpart: 'LIVING' }))).toEqual([records[1]]);
    expect(remainsWithoutTerm(records, bodiesForBodies)).toEqual([]);
    expect(remainsWithoutTerm([records[0]!], null)).toEqual([]);
  });

  it('validates the REMAINS term like the others: once, 1 to 1000; and defaults what it asks in return', () => {
    const plan = (terms: any[]) => paths((p) => checkWavePlan(p, 1, { basePartyId: 'H', terms }, null));
    expect(plan([{ category: 'REMAINS', counterpartPerDetainee: 15 }])).toEqual([]);
    expect(plan([{ category: 'REMAINS', counterpartPerDetainee: 15 }, { category: 'REMAINS', counterpartPerDetainee: 2 }])).toEqual(['input.ratio.terms[1].category']);
    expect(plan([{ category: 'REMAINS', counterpartPerDetainee: 0 }])).toEqual(['input.ratio.terms[0].counterpartPerDetainee']);
    expect(plan([{ category: 'REMAINS', counterpartPerDetainee: 1001 }])).toEqual(['input.ratio.terms[0].counterpartPerDetainee']);
    expect(defaultCounterpart('REMAINS')).toBe('REMAINS');
    expect(defaultCounterpart('CHILD')).toBe('LIVING');
  });
});

describe('identification instead of proof of life', () => {
  const visual = { id: 'v', identifiedAt: t('2026-03-10T12:00:00Z') };
  const dna = { id: 'd', identifiedAt: t('2026-03-14T09:00:00Z') };

  it('rests a handover on the latest identification made by its time', () => {
    expect(identificationAt([visual, dna], t('2026-03-20T00:00:00Z'))).toBe(dna);
    expect(identificationAt([dna, visual], t('2026-03-20T00:00:00Z'))).toBe(dna);
    expect(identificationAt([visual, dna], t('2026-03-12T00:00:00Z'))).toBe(visual);
    expect(identificationAt([visual], visual.identifiedAt)).toBe(visual);
  });
  it('finds none before the first identification, or with none: such remains are unidentified', () => {
    expect(identificationAt([visual, dna], t('2026-03-10T11:59:59Z'))).toBeNull();
    expect(identificationAt([], t('2026-03-20T00:00:00Z'))).toBeNull();
  });

  it('keeps proof of life and the interview to the living, identification and repatriation to remains', () => {
    const remains = { id: 'r-1', category: 'REMAINS' as const };
    const living = { id: 'l-1', category: 'WOMAN' as const };
    expect(wrongKindFor('proof-of-life', remains)).toMatch(/r-1 is a record of remains .*proof of life is for living detainees.*recordRemainsIdentification/);
    expect(wrongKindFor('interview', remains)).toMatch(/no interview or medical check for remains.*confirmRemainsHandover/);
    expect(wrongKindFor('identification', living)).toMatch(/l-1 is a living detainee \(category WOMAN\): identification is for remains.*recordProofOfLife/);
    expect(wrongKindFor('remains-handover', living)).toMatch(/confirm their handover with confirmHandover/);
    for (const step of ['proof-of-life', 'interview'] as const) expect(wrongKindFor(step, living)).toBeNull();
    for (const step of ['identification', 'remains-handover'] as const) expect(wrongKindFor(step, remains)).toBeNull();
  });

  it('checks an identification: who, when (not in the future), on what evidence', () => {
    const now = t('2026-03-20T00:00:00Z');
    const good = { identifiedBy: 'Institute of Forensic Medicine, Sorrel', identifiedAt: t('2026-03-14T09:00:00Z'), evidenceReference: 'IFM-2026-0042', findings: null };
    expect(paths((p) => checkIdentification(p, good, now))).toEqual([]);
    expect(paths((p) => checkIdentification(p, { ...good, identifiedAt: t('2026-03-21T00:00:00Z') }, now))).toEqual(['input.identifiedAt']);
    expect(paths((p) => checkIdentification(p, { ...good, identifiedBy: ' ', evidenceReference: '' }, now))).toEqual(['input.identifiedBy', 'input.evidenceReference']);
    expect(paths((p) => checkIdentification(p, { ...good, evidenceReference: 'x'.repeat(501), findings: 'y'.repeat(5001) }, now))).toEqual(['input.evidenceReference', 'input.findings']);
  });
});

describe('records of remains', () => {
  const now = t('2026-03-20T00:00:00Z');
  const remains = { name: 'Halvard Ostrin', holdingPartyId: 'A', affiliatedPartyId: 'B' };

  it('needs a name and two parties; a date of birth only if known, and then a real one', () => {
    expect(paths((p) => checkRemains(p, remains, now))).toEqual([]);
    expect(paths((p) => checkRemains(p, { ...remains, dateOfBirth: '1981-02-29' }, now))).toEqual(['input.dateOfBirth']);
    expect(paths((p) => checkRemains(p, { ...remains, dateOfBirth: '2027-01-01' }, now))).toEqual(['input.dateOfBirth']);
    expect(paths((p) => checkRemains(p, { ...remains, dateOfBirth: '1981-05-12' }, now))).toEqual([]);
    expect(paths((p) => checkRemains(p, { ...remains, name: '  ', affiliatedPartyId: 'A' }, now))).toEqual(['input.name', 'input.affiliatedPartyId']);
  });

  it('refuses to register remains as a living detainee, naming registerRemains and never the name', () => {
    const found = problems((p) => checkDetainee(p, { ...remains, dateOfBirth: '1980-01-01', category: 'REMAINS' }, now));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ path: 'input.category', message: expect.stringContaining('registerRemains') });
    expect(found[0]!.message).not.toContain('Halvard');
  });
});
