import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS, statements } from '@treaty/service-kit';
import { anonymous, caller, codes, testEvidenceLog } from '@treaty/testing';
import { purgeExpired } from '../src/retention.js';
import { rotateKeys } from '../src/crypto/rotation.js';
import { prisoners } from '../src/server.js';
import {
  ADD,
  HANDOVER,
  PROOF,
  REGISTER,
  REGISTER_REMAINS,
  REMAINS_HANDOVER,
  SEAL,
  at,
  intermediary,
  mediator,
  monitor,
  partyOf,
  startPrisoners,
  type Harness,
  type World,
} from './harness.js';

/**
 * The repatriation of remains (issue 20) against PostgreSQL: records of remains, their identification
 * instead of a proof of life, their handover confirmed by the intermediary instead of an interview, the
 * REMAINS ratio term, counts of the living that remains never inflate, the evidence log, and personal
 * data at rest. Every rule is broken once, and the refusal checked for its code, its message and that no
 * table changed. Every person here is invented.
 */

let h: Harness;
beforeAll(async () => {
  h = await startPrisoners();
});
afterAll(async () => {
  await h?.stop();
});

async function agreedWorld() {
  const w = await h.world();
  await h.deadlines(w);
  return w;
}

const add = (waveId: string, detaineeIds: string[]) => h.run(mediator, ADD, { input: { waveId, detaineeIds } });
const seal = (waveId: string) => h.run(mediator, SEAL, { input: { waveId } });
const remainsTerm = (counterpartPerDetainee = 1, counterpart?: 'LIVING' | 'REMAINS') => ({ category: 'REMAINS', counterpartPerDetainee, ...(counterpart ? { counterpart } : {}) });
const RATIO = `query ($id: ID!) { exchangeWave(id: $id) { manifestSize remainsOnManifest
  ratio { terms { category counterpartPerDetainee counterpart } requiredCounterpart counterpartOnManifest requiredRemainsCounterpart remainsCounterpartOnManifest met } } }`;
const ratioOf = async (id: string) => (await h.ok(monitor, RATIO, { id })).exchangeWave;

/** A sealed wave carrying `living` and `remains`, with a remains term (one for one, remains in return, base: mov). */
async function sealedWave(w: World, living: string[], remains: string[], input: Record<string, unknown> = {}) {
  const p = await h.plan(w, { ratio: { basePartyId: w.mov, terms: [remainsTerm(1)] }, ...input });
  const added = await add(p.id, [...living, ...remains]);
  expect(added.errors, JSON.stringify(added.errors)).toBeUndefined();
  const sealed = await seal(p.id);
  expect(sealed.errors, JSON.stringify(sealed.errors)).toBeUndefined();
  return p.id as string;
}

describe('registerRemains', () => {
  it('registers remains in the category REMAINS, without a date of birth, for the roles that register detainees', async () => {
    const w = await h.world();
    const r = await h.ok(intermediary, REGISTER_REMAINS, { input: { agreementId: w.agreementId, name: 'Ysolde Parrin', holdingPartyId: w.gov, affiliatedPartyId: w.mov } });
    expect(r.registerRemains).toMatchObject({ category: 'REMAINS', name: 'Ysolde Parrin', dateOfBirth: null, holdingParty: { id: w.gov }, affiliatedParty: { id: w.mov } });
    const byParty = await h.run(partyOf(w.mov), `mutation ($input: RegisterRemainsInput!) { registerRemains(input: $input) { id category } }`, {
      input: { agreementId: w.agreementId, name: 'Corvin Aldane', dateOfBirth: '1979-03-02', holdingPartyId: w.mov, affiliatedPartyId: w.gov },
    });
    expect(byParty.errors).toBeUndefined();
    expect(byParty.data!.registerRemains.category).toBe('REMAINS');
  });

  it('refuses bad input, parties outside the agreement, a third party and a second registration, writing nothing', async () => {
    const w = await h.world();
    const other = await h.world();
    const input = { agreementId: w.agreementId, name: 'Tamsin Orlev', dateOfBirth: '1982-11-20', holdingPartyId: w.gov, affiliatedPartyId: w.mov };
    const send = (extra: Record<string, unknown>, who = intermediary) => h.run(who, REGISTER_REMAINS, { input: { ...input, ...extra } });
    await h.expectRefused(() => send({ dateOfBirth: '1982-02-30' }), 'BAD_USER_INPUT', /dateOfBirth must be a real calendar date.*omit it when it is not known/);
    await h.expectRefused(() => send({ name: ' ' }), 'BAD_USER_INPUT', /Name is empty/);
    await h.expectRefused(() => send({ affiliatedPartyId: w.gov }), 'BAD_USER_INPUT', /returns remains to the other side/);
    await h.expectRefused(() => send({ holdingPartyId: other.gov }), 'BAD_USER_INPUT', /is not a party to/);
    await h.expectRefused(() => send({}, partyOf(other.gov)), 'FORBIDDEN');
    await h.expectRefused(() => send({}, monitor), 'FORBIDDEN', /registerRemains needs/);
    expect((await send({})).errors).toBeUndefined();
    const twice = await h.expectRefused(() => send({ name: ' tamsin  ORLEV ' }), 'BAD_USER_INPUT', /Remains .* are registered with the same name and date of birth.*twice/);
    expect(twice.errors![0]!.message).not.toMatch(/Tamsin|Orlev/i);
  });

  it('refuses REMAINS through registerDetainee, and lets the remains of a person also registered alive be registered', async () => {
    const w = await h.world();
    const person = { agreementId: w.agreementId, name: 'Brannoc Heskel', dateOfBirth: '1975-06-01', holdingPartyId: w.gov, affiliatedPartyId: w.mov };
    await h.expectRefused(() => h.run(intermediary, REGISTER, { input: { ...person, category: 'REMAINS' } }), 'BAD_USER_INPUT', /register the remains of a deceased person with registerRemains/);
    expect((await h.run(intermediary, REGISTER, { input: { ...person, category: 'OTHER' } })).errors).toBeUndefined();
    // The list entry of the living record is contested as DECEASED; the remains are a record of their own.
    expect((await h.run(intermediary, REGISTER_REMAINS, { input: person })).errors).toBeUndefined();
  });

  it('keeps remains out of the list of detainees unless they are asked for', async () => {
    const w = await h.world();
    const living = await h.register(w, w.gov, 'OTHER');
    const remains = await h.registerRemains(w, w.gov);
    const q = `query ($a: ID!, $c: DetaineeCategory) { detainees(agreementId: $a, category: $c) { id } detaineesPage(agreementId: $a, category: $c) { nodes { id } } }`;
    const all = await h.ok(monitor, q, { a: w.agreementId });
    expect(all.detainees).toEqual([{ id: living }]);
    expect(all.detaineesPage.nodes).toEqual([{ id: living }]);
    const dead = await h.ok(monitor, q, { a: w.agreementId, c: 'REMAINS' });
    expect(dead.detainees).toEqual([{ id: remains }]);
    expect(dead.detaineesPage.nodes).toEqual([{ id: remains }]);
  });
});

describe('no proof of life or interview for remains, no identification for the living', () => {
  let w: World;
  let remains: string;
  let living: string;
  let waveId: string;
  beforeAll(async () => {
    w = await agreedWorld();
    [remains] = (await h.agreedRemains(w, w.gov)) as [string];
    [living] = (await h.agreed(w, w.gov, 'OTHER')) as [string];
    waveId = await sealedWave(w, [living], [remains]);
  });

  it('refuses a proof of life for remains with BAD_USER_INPUT, pointing to the identification', async () => {
    await h.expectRefused(
      () => h.run(intermediary, PROOF, { input: { detaineeId: remains, method: 'VISIT', observedAt: at(12), verifier: 'Delegation North' } }),
      'BAD_USER_INPUT',
      new RegExp(`input.detaineeId: Detainee ${remains} is a record of remains \\(category REMAINS\\): proof of life is for living detainees. Record how the remains were identified with recordRemainsIdentification`),
    );
  });

  it('refuses an interview and medical check for remains with BAD_USER_INPUT, pointing to confirmRemainsHandover', async () => {
    await h.identify(remains);
    await h.expectRefused(() => h.handover(waveId, remains), 'BAD_USER_INPUT', /there is no interview or medical check for remains. Confirm their handover with confirmRemainsHandover/);
    await h.expectRefused(() => h.handover(waveId, remains, { interview: 'REFUSES' }), 'BAD_USER_INPUT', /no interview/);
  });

  it('refuses an identification of a living detainee, and a handover of remains for one, with BAD_USER_INPUT', async () => {
    await h.expectRefused(() => h.identify(living), 'BAD_USER_INPUT', /is a living detainee \(category OTHER\): identification is for remains; record that they were seen alive with recordProofOfLife/);
    await h.expectRefused(() => h.remainsHandover(waveId, living), 'BAD_USER_INPUT', /is a living detainee \(category OTHER\): confirm their handover with confirmHandover/);
  });
});

describe('recordRemainsIdentification', () => {
  it('records how, by whom and when, returns the personal evidence to the intermediary, and logs it without it', async () => {
    const w = await agreedWorld();
    const remains = await h.registerRemains(w, w.gov);
    const r = await h.identify(remains, { method: 'DENTAL', evidenceReference: 'IFM-2026-0077', findings: 'Dental chart matches the family dentist record' });
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    const i = r.data!.recordRemainsIdentification;
    expect(i).toMatchObject({ method: 'DENTAL', identifiedBy: 'Forensic team, Sorrel institute', identifiedAt: at(12), evidenceReference: 'IFM-2026-0077', recordedBy: 'Neutral Humanitarian Intermediary' });
    expect(i.logEntry).toMatchObject({ kind: 'remains-identification', subject: i.id });
    expect(i.logEntry.entry).not.toMatch(/IFM-2026-0077|Dental chart|Forensic team/);
    expect(JSON.parse(i.logEntry.entry).fact).toMatchObject({ identificationId: i.id, method: 'DENTAL', identifiedAt: at(12), identifiedBySha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const read = await h.ok(monitor, `query ($id: ID!) { detainee(id: $id) { identifications { id method } proofsOfLife { id } } }`, { id: remains });
    expect(read.detainee).toEqual({ identifications: [{ id: i.id, method: 'DENTAL' }], proofsOfLife: [] });
  });

  it('refuses an identification in the future, without evidence, by another role, or of an unknown record, writing nothing', async () => {
    const w = await agreedWorld();
    const remains = await h.registerRemains(w, w.gov);
    await h.expectRefused(() => h.identify(remains, { identifiedAt: at(20) }), 'BAD_USER_INPUT', /identifiedAt .* is in the future/);
    await h.expectRefused(() => h.identify(remains, { evidenceReference: ' ', identifiedBy: '' }), 'BAD_USER_INPUT', /identifiedBy is empty.*Evidence reference is empty/);
    await h.expectRefused(() => h.identify('00000000-0000-4000-8000-000000000777'), 'NOT_FOUND');
    const input = { detaineeId: remains, method: 'VISUAL', identifiedBy: 'x', identifiedAt: at(12), evidenceReference: 'y' };
    for (const who of [mediator, partyOf(w.gov), monitor]) {
      await h.expectRefused(() => h.run(who, `mutation ($input: RecordRemainsIdentificationInput!) { recordRemainsIdentification(input: $input) { id } }`, { input }), 'FORBIDDEN', /needs the INTERMEDIARY role/);
    }
  });

  it('refuses an identification once the remains are handed over', async () => {
    const w = await agreedWorld();
    const [remains] = (await h.agreedRemains(w, w.gov)) as [string];
    const waveId = await sealedWave(w, [], [remains]);
    await h.identify(remains);
    expect((await h.remainsHandover(waveId, remains)).errors).toBeUndefined();
    await h.expectRefused(() => h.identify(remains, { identifiedAt: at(18, 20) }), 'BAD_USER_INPUT', /were handed over at .* identification is recorded before the handover/);
  });
});

describe('the REMAINS ratio term and the manifest', () => {
  it('plans a ratio with a REMAINS term, asking remains in return unless it says otherwise, validated like the others', async () => {
    const w = await agreedWorld();
    const p = await h.plan(w, { ratio: { basePartyId: w.mov, terms: [remainsTerm(15), { category: 'WOMAN', counterpartPerDetainee: 3 }] } });
    expect((await ratioOf(p.id)).ratio.terms).toEqual([
      { category: 'WOMAN', counterpartPerDetainee: 3, counterpart: 'LIVING' },
      { category: 'REMAINS', counterpartPerDetainee: 15, counterpart: 'REMAINS' },
    ]);
    const plan = (terms: unknown[]) => h.run(mediator, `mutation ($input: PlanExchangeWaveInput!) { planExchangeWave(input: $input) { id } }`, {
      input: { agreementId: w.agreementId, milestoneId: w.milestoneIds[0], sequence: 2, scheduledAt: at(25), ratio: { basePartyId: w.mov, terms } },
    });
    await h.expectRefused(() => plan([remainsTerm(2), remainsTerm(3)]), 'BAD_USER_INPUT', /REMAINS has two terms; give each category once/);
    await h.expectRefused(() => plan([remainsTerm(0)]), 'BAD_USER_INPUT', /counterpartPerDetainee is 0; give a whole number from 1 to 1000/);
  });

  it('refuses remains on a wave whose ratio has no REMAINS term, or that has no ratio, with RATIO_VIOLATION, writing nothing', async () => {
    const w = await agreedWorld();
    const [remains] = (await h.agreedRemains(w, w.mov)) as [string];
    const [woman] = (await h.agreed(w, w.mov, 'WOMAN')) as [string];
    const livingOnly = await h.plan(w, { sequence: 1, ratio: { basePartyId: w.mov, terms: [{ category: 'WOMAN', counterpartPerDetainee: 3 }] } });
    const noRatio = await h.plan(w, { sequence: 2 });
    const r = await h.expectRefused(
      () => add(livingOnly.id, [woman, remains]),
      'RATIO_VIOLATION',
      new RegExp(`Wave 1 cannot take these remains: ${remains} is a record of remains, and the wave's ratio has no REMAINS term. Remains travel only on a wave whose agreed ratio has one`),
    );
    expect(r.errors![0]!.extensions!.details).toEqual({ detaineeIds: [remains] });
    await h.expectRefused(() => add(noRatio.id, [remains]), 'RATIO_VIOLATION', /has no ratio, so no REMAINS term/);
    const withTerm = await h.plan(w, { sequence: 3, ratio: { basePartyId: w.gov, terms: [remainsTerm(1)] } });
    expect((await add(withTerm.id, [remains])).errors).toBeUndefined();
  });

  it('keeps remains out of the sequencing rule: they travel while a living child waits, and wait for no one', async () => {
    const w = await agreedWorld();
    await h.agreed(w, w.gov, 'CHILD');
    const [remains] = (await h.agreedRemains(w, w.gov)) as [string];
    const p = await h.plan(w, { ratio: { basePartyId: w.mov, terms: [remainsTerm(1)] } });
    expect((await add(p.id, [remains])).errors).toBeUndefined();
    const v = await agreedWorld();
    await h.agreedRemains(v, v.gov);
    const [woman] = (await h.agreed(v, v.gov, 'WOMAN')) as [string];
    expect((await add((await h.plan(v)).id, [woman])).errors).toBeUndefined();
  });

  it('counts remains apart on the manifest and in the ratio, and seals only when both tallies are met (RATIO_VIOLATION, nothing written)', async () => {
    const w = await agreedWorld();
    // The Alliance (mov) returns the remains of one person and one woman; the government owes two remains and three living.
    const [movRemains] = (await h.agreedRemains(w, w.mov)) as [string];
    const [movWoman] = (await h.agreed(w, w.mov, 'WOMAN')) as [string];
    const govRemains = await h.agreedRemains(w, w.gov, 5);
    const govLiving = await h.agreed(w, w.gov, 'OTHER', 3);
    const p = await h.plan(w, { ratio: { basePartyId: w.mov, terms: [remainsTerm(2), { category: 'WOMAN', counterpartPerDetainee: 3 }] } });
    // Five remains, but no living counterpart: remains never stand in for the living.
    await add(p.id, [movRemains, movWoman, ...govRemains]);
    expect(await ratioOf(p.id)).toEqual({
      manifestSize: 1,
      remainsOnManifest: 6,
      ratio: expect.objectContaining({ requiredCounterpart: 3, counterpartOnManifest: 0, requiredRemainsCounterpart: 2, remainsCounterpartOnManifest: 5, met: false }),
    });
    await h.expectRefused(() => seal(p.id), 'RATIO_VIOLATION', /must release at least 3 living detainees, and the manifest has 0: add 3 more held by the other side\. Remains never count for living detainees/);
    // Living detainees, but too few remains: the living never stand in for remains either.
    await h.run(mediator, `mutation ($input: ManifestChangeInput!) { removeFromManifest(input: $input) { id } }`, { input: { waveId: p.id, detaineeIds: govRemains.slice(1) } });
    await add(p.id, govLiving);
    expect((await ratioOf(p.id)).ratio).toMatchObject({ counterpartOnManifest: 3, remainsCounterpartOnManifest: 1, met: false });
    const r = await h.expectRefused(() => seal(p.id), 'RATIO_VIOLATION', /hand over the remains of at least 2 people, and the manifest has 1: add 1 more held by the other side/);
    expect(r.errors![0]!.extensions!.details).toEqual({ required: 3, counterpart: 3, requiredRemains: 2, remainsCounterpart: 1 });
    await add(p.id, [govRemains[1]!]);
    const sealed = await seal(p.id);
    expect(sealed.errors).toBeUndefined();
    expect(sealed.data!.sealManifest).toMatchObject({ status: 'SEALED', manifestSize: 4, ratio: { met: true } });
  });

  it('lets a REMAINS term ask living prisoners in return, counted as living', async () => {
    const w = await agreedWorld();
    const [movRemains] = (await h.agreedRemains(w, w.mov)) as [string];
    const govLiving = await h.agreed(w, w.gov, 'OTHER', 2);
    const p = await h.plan(w, { ratio: { basePartyId: w.mov, terms: [remainsTerm(2, 'LIVING')] } });
    await add(p.id, [movRemains, govLiving[0]!]);
    await h.expectRefused(() => seal(p.id), 'RATIO_VIOLATION', /release at least 2 living detainees, and the manifest has 1/);
    await add(p.id, [govLiving[1]!]);
    expect((await seal(p.id)).errors).toBeUndefined();
  });
});

describe('confirmRemainsHandover', () => {
  it('refuses unidentified remains with INVALID_TRANSITION, and remains identified only after the handover, writing nothing', async () => {
    const w = await agreedWorld();
    const [remains] = (await h.agreedRemains(w, w.gov)) as [string];
    const waveId = await sealedWave(w, [], [remains]);
    await h.expectRefused(
      () => h.remainsHandover(waveId, remains),
      'INVALID_TRANSITION',
      new RegExp(`Remains ${remains} were not identified by ${at(18)}, and unidentified remains are never handed over. Record how they were identified \\(recordRemainsIdentification`),
    );
    await h.identify(remains, { identifiedAt: at(18, 14) });
    await h.expectRefused(() => h.remainsHandover(waveId, remains), 'INVALID_TRANSITION', /the earliest identification recorded was made at .*T14:00:00.000Z, after the handover/);
    expect((await h.remainsHandover(waveId, remains, { confirmedAt: at(18, 15) })).errors).toBeUndefined();
  });

  it('refuses a PLANNED wave, remains not on the wave, a future time, another role and unknown ids, writing nothing', async () => {
    const w = await agreedWorld();
    const [onWave, offWave] = (await h.agreedRemains(w, w.gov, 2)) as [string, string];
    await h.identify(onWave);
    await h.identify(offWave);
    const p = await h.plan(w, { ratio: { basePartyId: w.mov, terms: [remainsTerm(1)] } });
    await add(p.id, [onWave]);
    await h.expectRefused(() => h.remainsHandover(p.id, onWave), 'INVALID_TRANSITION', /Wave 1 is PLANNED; the mediator seals its manifest/);
    await seal(p.id);
    await h.expectRefused(() => h.remainsHandover(p.id, offWave), 'BAD_USER_INPUT', new RegExp(`Remains ${offWave} are not on the manifest of wave 1`));
    await h.expectRefused(() => h.remainsHandover(p.id, onWave, { confirmedAt: at(20) }), 'BAD_USER_INPUT', /confirmedAt .* is in the future/);
    await h.expectRefused(() => h.remainsHandover(p.id, onWave, { confirmedAt: '2026-02-01T00:00:00Z' }), 'BAD_USER_INPUT', /before .* entered into force/);
    await h.expectRefused(() => h.remainsHandover('00000000-0000-4000-8000-000000000888', onWave), 'NOT_FOUND');
    await h.expectRefused(() => h.remainsHandover(p.id, '00000000-0000-4000-8000-000000000889'), 'NOT_FOUND');
    for (const who of [mediator, partyOf(w.gov), anonymous]) {
      await h.expectRefused(
        () => h.run(who, REMAINS_HANDOVER, { input: { waveId: p.id, detaineeId: onWave, confirmedAt: at(18) } }),
        'FORBIDDEN',
        /confirmRemainsHandover needs the INTERMEDIARY role/,
      );
    }
  });

  it('hands identified remains over once, on the latest identification, and refuses a second with ALREADY_RELEASED', async () => {
    const w = await agreedWorld();
    const [remains] = (await h.agreedRemains(w, w.gov)) as [string];
    const waveId = await sealedWave(w, [], [remains]);
    const visual = (await h.identify(remains, { method: 'VISUAL', identifiedAt: at(10) })).data!.recordRemainsIdentification;
    const dna = (await h.identify(remains, { method: 'DNA', identifiedAt: at(14) })).data!.recordRemainsIdentification;
    const r = await h.remainsHandover(waveId, remains);
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    const e = r.data!.confirmRemainsHandover;
    expect(e).toMatchObject({
      status: 'REPATRIATED',
      handover: null,
      wave: { status: 'COMPLETED', manifestSize: 0, released: 0, remainsOnManifest: 1, remainsRepatriated: 1 },
      detainee: { released: false, releasedAt: null, repatriatedAt: at(18) },
      remainsHandover: { confirmedAt: at(18), confirmedBy: 'Neutral Humanitarian Intermediary', identification: { id: dna.id, method: 'DNA' }, logEntry: { kind: 'remains-handover', subject: e.id } },
    });
    expect(visual.id).not.toBe(dna.id);
    expect(JSON.parse(e.remainsHandover.logEntry.entry).fact).toMatchObject({ manifestEntryId: e.id, outcome: 'REPATRIATED', remainsIdentificationId: dna.id, detaineeRef: expect.stringMatching(/^[0-9a-f]{64}$/) });
    await h.expectRefused(() => h.remainsHandover(waveId, remains), 'ALREADY_RELEASED', /were already handed over at .*; a handover is recorded once/);
    // Nor may remains handed over go on another wave.
    const later = await h.plan(w, { sequence: 2, ratio: { basePartyId: w.mov, terms: [remainsTerm(1)] } });
    await h.expectRefused(() => add(later.id, [remains]), 'ALREADY_RELEASED', new RegExp(`remains ${remains} were already handed over on wave 1 at ${at(18)}`));
  });

  it('hands remains over exactly once under ten concurrent confirmations', async () => {
    const w = await agreedWorld();
    const [remains] = (await h.agreedRemains(w, w.gov)) as [string];
    const waveId = await sealedWave(w, [], [remains]);
    await h.identify(remains);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => h.remainsHandover(waveId, remains, { confirmedAt: at(18, i) })));
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    expect(results.filter((r) => r.errors).map((r) => codes(r)[0])).toEqual(Array(9).fill('ALREADY_RELEASED'));
    const [{ n }] = await h.db.query(`SELECT count(*)::int AS n FROM manifest_entry WHERE detainee_id = $1 AND outcome = 'REPATRIATED'`, [remains]);
    expect(n).toBe(1);
  });
});

describe('counts: remains never inflate a count of living people', () => {
  let w: World;
  let waveId: string;
  beforeAll(async () => {
    w = await agreedWorld();
    // The government hands over one child, one woman (who refuses to return) and the remains of three people.
    const [child] = (await h.agreed(w, w.gov, 'CHILD')) as [string];
    const [woman] = (await h.agreed(w, w.gov, 'WOMAN')) as [string];
    const remains = await h.agreedRemains(w, w.gov, 3);
    const [stillHeld] = (await h.agreedRemains(w, w.gov)) as [string];
    expect(stillHeld).toBeDefined();
    waveId = await sealedWave(w, [child, woman], remains);
    await h.proof(child);
    for (const r of remains) await h.identify(r);
    expect((await h.handover(waveId, child)).errors).toBeUndefined();
    expect((await h.handover(waveId, woman, { interview: 'REFUSES' })).errors).toBeUndefined();
    for (const r of remains.slice(0, 2)) expect((await h.remainsHandover(waveId, r)).errors).toBeUndefined();
  });

  it('counts living releases and remains handed over apart on the milestone (what milestones reads through @requires)', async () => {
    const m = await h.run(anonymous, `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Milestone { detaineesReleased priorityDetaineesReleased remainsRepatriated } } }`, {
      r: [{ __typename: 'Milestone', id: w.milestoneIds[0] }, { __typename: 'Milestone', id: w.milestoneIds[1] }],
    });
    expect(m.errors).toBeUndefined();
    expect(m.data!._entities).toEqual([
      { detaineesReleased: 1, priorityDetaineesReleased: 1, remainsRepatriated: 2 },
      { detaineesReleased: 0, priorityDetaineesReleased: 0, remainsRepatriated: 0 },
    ]);
  });

  it('counts them apart on the wave, which completes only when the last remains are handed over', async () => {
    const q = `query ($id: ID!) { exchangeWave(id: $id) { status manifestSize released declined remainsOnManifest remainsRepatriated ratio { counterpartOnManifest remainsCounterpartOnManifest } } }`;
    expect((await h.ok(anonymous, q, { id: waveId })).exchangeWave).toEqual({
      status: 'IN_PROGRESS', manifestSize: 2, released: 1, declined: 1, remainsOnManifest: 3, remainsRepatriated: 2, ratio: { counterpartOnManifest: 2, remainsCounterpartOnManifest: 3 },
    });
  });

  it('counts them apart for the party: detaineeCounts has living categories only, remainsCounts the remains', async () => {
    const party = await h.run(anonymous, `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Party { detaineeCounts { category held released } remainsCounts { held repatriated } } } }`, {
      r: [{ __typename: 'Party', id: w.gov }, { __typename: 'Party', id: w.mov }],
    });
    expect(party.errors).toBeUndefined();
    expect(party.data!._entities[0]).toEqual({
      detaineeCounts: [
        { category: 'CHILD', held: 0, released: 1 },
        { category: 'WOMAN', held: 1, released: 0 },
        { category: 'MEDICAL', held: 0, released: 0 },
        { category: 'ELDERLY', held: 0, released: 0 },
        { category: 'OTHER', held: 0, released: 0 },
      ],
      // One of the three on the wave still to be handed over, and one never put on a wave.
      remainsCounts: { held: 2, repatriated: 2 },
    });
    expect(party.data!._entities[1].remainsCounts).toEqual({ held: 0, repatriated: 0 });
  });

  it('keeps the entries apart on the manifest: RELEASED, DECLINED, REPATRIATED and PENDING', async () => {
    const q = `query ($id: ID!) { exchangeWave(id: $id) { manifest { status detainee { category } handover { interview } remainsHandover { identification { method } } } } }`;
    // Entries added together are ordered by id: compare them in the order of their status.
    const order = ['RELEASED', 'DECLINED', 'REPATRIATED', 'PENDING'];
    const manifest = (await h.ok(monitor, q, { id: waveId })).exchangeWave.manifest.sort((a: any, b: any) => order.indexOf(a.status) - order.indexOf(b.status));
    expect(manifest).toEqual([
      { status: 'RELEASED', detainee: { category: 'CHILD' }, handover: { interview: 'CONSENTS' }, remainsHandover: null },
      { status: 'DECLINED', detainee: { category: 'WOMAN' }, handover: { interview: 'REFUSES' }, remainsHandover: null },
      { status: 'REPATRIATED', detainee: { category: 'REMAINS' }, handover: null, remainsHandover: { identification: { method: 'DNA' } } },
      { status: 'REPATRIATED', detainee: { category: 'REMAINS' }, handover: null, remainsHandover: { identification: { method: 'DNA' } } },
      { status: 'PENDING', detainee: { category: 'REMAINS' }, handover: null, remainsHandover: null },
    ]);
  });

  it('reads manifests with their remains, handovers and identifications in the same number of statements for 3 or 12 remains', async () => {
    const v = await agreedWorld();
    const many = await h.agreedRemains(v, v.gov, 12);
    const manyWave = await sealedWave(v, [], many);
    for (const r of many) {
      await h.identify(r);
      expect((await h.remainsHandover(manyWave, r)).errors).toBeUndefined();
    }
    const q = `query ($id: ID!, $r: [_Any!]!) {
      exchangeWave(id: $id) { remainsOnManifest remainsRepatriated manifest { status remainsHandover { identification { method } } detainee { repatriatedAt identifications { method } } } }
      _entities(representations: $r) { ... on Milestone { remainsRepatriated detaineesReleased } ... on Party { remainsCounts { held repatriated } } }
    }`;
    const measure = async (world: World, id: string) => {
      const reps = [{ __typename: 'Milestone', id: world.milestoneIds[0] }, { __typename: 'Party', id: world.gov }];
      const { result, count } = await statements.measure(() => h.local(monitor, q, { id, r: reps }));
      expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
      return { data: result.data as any, count };
    };
    const few = await measure(w, waveId);
    const lots = await measure(v, manyWave);
    expect(lots.data.exchangeWave).toMatchObject({ remainsOnManifest: 12, remainsRepatriated: 12 });
    expect(lots.data._entities).toEqual([{ remainsRepatriated: 12, detaineesReleased: 0 }, { remainsCounts: { held: 0, repatriated: 12 } }]);
    expect(few.data.exchangeWave.manifest).toHaveLength(5);
    expect(few.count).toBeGreaterThan(0);
    expect(lots.count).toBe(few.count);
  });
});

describe('evidence log', () => {
  it('holds every identification and handover of remains, with no unlogged fact and the current fact unchanged', async () => {
    const w = await agreedWorld();
    const [remains] = (await h.agreedRemains(w, w.gov)) as [string];
    const waveId = await sealedWave(w, [], [remains]);
    await h.identify(remains, { evidenceReference: 'IFM-SECRET-4411', findings: 'Healed fracture of the left tibia' });
    await h.remainsHandover(waveId, remains);
    const q = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on EvidenceLogs { prisoners { unloggedFacts { kind subject } entries(first: 1000) { kind entry currentFact } } } } }`;
    const r = await h.ok(monitor, q, { r: [{ __typename: 'EvidenceLogs', id: 'treaty' }] });
    const log = r._entities[0].prisoners;
    expect(log.unloggedFacts).toEqual([]);
    const ours = log.entries.filter((e: any) => e.kind.startsWith('remains-'));
    expect(ours.map((e: any) => e.kind)).toEqual(expect.arrayContaining(['remains-identification', 'remains-handover']));
    for (const e of ours) {
      expect(JSON.stringify(JSON.parse(e.entry).fact)).toBe(e.currentFact);
      expect(e.entry).not.toMatch(/IFM-SECRET|fracture|Deceased|Sorrel institute/);
    }
  });
});

describe('personal data of the deceased', () => {
  it('moves to a new data key with the rest under rotate-keys --reencrypt, readable throughout, duplicates still found', async () => {
    const w = await agreedWorld();
    const input = { agreementId: w.agreementId, name: 'Osric Vellamy', holdingPartyId: w.gov, affiliatedPartyId: w.mov };
    const id = (await h.ok(intermediary, REGISTER_REMAINS, { input })).registerRemains.id;
    const ident = (await h.identify(id, { evidenceReference: 'IFM-ROTATE-7', findings: 'Healed collarbone' })).data!.recordRemainsIdentification;
    const keyOf = async () => (await h.db.query(`SELECT split_part(evidence_reference, ':', 3) AS k FROM remains_identification WHERE id = $1`, [ident.id]))[0].k;
    const before = await keyOf();
    expect(await rotateKeys(h.db, h.dataKeys, { reencrypt: true })).toMatchObject({ complete: true });
    expect(await keyOf()).not.toBe(before);
    const [{ n }] = await h.db.query(`SELECT count(*)::int AS n FROM remains_identification WHERE evidence_reference NOT LIKE 'enc:v1:' || $1 || ':%'`, [await keyOf()]);
    expect(n).toBe(0);
    const read = await h.ok(intermediary, `query ($id: ID!) { detainee(id: $id) { name identifications { evidenceReference findings } } }`, { id });
    expect(read.detainee).toEqual({ name: 'Osric Vellamy', identifications: [{ evidenceReference: 'IFM-ROTATE-7', findings: 'Healed collarbone' }] });
    await h.expectRefused(() => h.run(intermediary, REGISTER_REMAINS, { input }), 'BAD_USER_INPUT', /would register the remains of the same person twice/);
  });

  it('stores the name, date of birth, evidence reference and findings encrypted: raw SQL shows none of them', async () => {
    const w = await agreedWorld();
    const name = 'Wendeline Quarrasz';
    const r = await h.ok(intermediary, REGISTER_REMAINS, { input: { agreementId: w.agreementId, name, dateOfBirth: '1968-08-14', holdingPartyId: w.gov, affiliatedPartyId: w.mov } });
    const id = r.registerRemains.id;
    const i = (await h.identify(id, { evidenceReference: 'NIFM-CASE-90210', findings: 'Gold crown on the upper left molar' })).data!.recordRemainsIdentification;
    const [row] = await h.db.query(`SELECT t::text AS row FROM detainee t WHERE id = $1`, [id]);
    const [idRow] = await h.db.query(`SELECT t::text AS row FROM remains_identification t WHERE id = $1`, [i.id]);
    for (const raw of [row.row, idRow.row]) {
      expect(raw).not.toMatch(/Wendeline|Quarrasz|1968-08-14|14\/08\/1968|NIFM-CASE-90210|Gold crown/i);
    }
    expect(row.row).toMatch(/enc:v1:/);
    expect(idRow.row).toMatch(/enc:v1:/);
    const [stored] = await h.db.query(`SELECT evidence_reference, findings FROM remains_identification WHERE id = $1`, [i.id]);
    expect(stored.evidence_reference).toMatch(/^enc:v1:/);
    expect(stored.findings).toMatch(/^enc:v1:/);
  });

  it('reads them only for the roles and purposes allowed, and logs each read against the identification', async () => {
    const w = await agreedWorld();
    const id = await h.registerRemains(w, w.gov);
    const ident = (await h.identify(id, { evidenceReference: 'IFM-READ-1', findings: 'Matches' })).data!.recordRemainsIdentification;
    const q = `query ($id: ID!) { detainee(id: $id) { identifications { id method evidenceReference findings } } }`;
    const before = (await h.db.query(`SELECT count(*)::int AS n FROM personal_data_access WHERE record_id = $1`, [ident.id]))[0].n;
    const asMonitor = await h.run(monitor, q, { id });
    expect(codes(asMonitor)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
    expect(asMonitor.data!.detainee.identifications[0]).toEqual({ id: ident.id, method: 'DNA', evidenceReference: null, findings: null });
    const noPurpose = await h.run(caller('INTERMEDIARY', { agency: 'Neutral Humanitarian Intermediary' }), q, { id });
    expect(new Set(codes(noPurpose))).toEqual(new Set(['PURPOSE_REQUIRED']));
    const medical = await h.run(caller('MEDIATOR', { agency: 'Office of the Envoy', purpose: 'medical-care' }), q, { id });
    expect(medical.errors![0]!.message).toMatch(/RemainsIdentification.evidenceReference is personal data .*"release-verification".*"family-tracing".*"audit"/);
    expect((await h.db.query(`SELECT count(*)::int AS n FROM personal_data_access WHERE record_id = $1`, [ident.id]))[0].n).toBe(before);
    const read = await h.ok(caller('MEDIATOR', { agency: 'Office of the Envoy', subject: 'envoy-9', purpose: 'family-tracing' }), q, { id });
    expect(read.detainee.identifications[0]).toMatchObject({ evidenceReference: 'IFM-READ-1', findings: 'Matches' });
    // The intermediary's own read of its answer to the mutation was logged before; this read adds one row.
    expect((await h.db.query(`SELECT count(*)::int AS n FROM personal_data_access WHERE record_id = $1`, [ident.id]))[0].n).toBe(before + 1);
    const rows = await h.db.query(`SELECT record_type, fields, purpose FROM personal_data_access WHERE record_id = $1 AND subject = 'envoy-9'`, [ident.id]);
    expect(rows).toEqual([{ record_type: 'RemainsIdentification', fields: ['evidenceReference', 'findings'], purpose: 'family-tracing' }]);
  });

  it('erases them after the retention period once the remains are handed over, leaving every count as it was', async () => {
    const w = await agreedWorld();
    const [remains] = (await h.agreedRemains(w, w.gov)) as [string];
    const waveId = await sealedWave(w, [], [remains]);
    const ident = (await h.identify(remains, { evidenceReference: 'IFM-ERASE-1' })).data!.recordRemainsIdentification;
    await h.remainsHandover(waveId, remains);
    const counts = `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Milestone { remainsRepatriated detaineesReleased } } }`;
    const reps = { r: [{ __typename: 'Milestone', id: w.milestoneIds[0] }] };
    const before = await h.ok(anonymous, counts, reps);
    const clock = { now: () => new Date(Date.parse(at(18)) + 181 * DAY_MS) };
    const result = await purgeExpired(h.db, clock, 180, testEvidenceLog(prisoners, h.clock));
    expect(result.ids).toContain(remains);
    const read = await h.ok(intermediary, `query ($id: ID!) { detainee(id: $id) { name personalDataPurgedAt identifications { evidenceReference findings } } }`, { id: remains });
    expect(read.detainee).toMatchObject({ name: null, identifications: [{ evidenceReference: null, findings: null }] });
    expect(read.detainee.personalDataPurgedAt).not.toBeNull();
    const logged = await h.db.query(`SELECT record_type, fields FROM personal_data_access WHERE record_id = $1 AND subject = 'retention-job'`, [ident.id]);
    expect(logged).toEqual([{ record_type: 'RemainsIdentification', fields: ['evidenceReference', 'findings'] }]);
    expect(await h.ok(anonymous, counts, reps)).toEqual(before);
  });
});
