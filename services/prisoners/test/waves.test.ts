import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymous, codes } from '@treaty/testing';
import {
  ADD,
  CONTEST,
  EXCEPTION,
  HANDOVER,
  NOW,
  PLAN_WAVE,
  PROOF,
  REMOVE,
  RESOLVE,
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

let h: Harness;
beforeAll(async () => {
  h = await startPrisoners();
});
afterAll(async () => {
  await h?.stop();
});

/** A fresh agreement whose list deadlines have passed, so listed detainees are AGREED. */
async function agreedWorld(opts: { proofOfLifeMaxAgeDays?: number } = {}) {
  const w = await h.world(opts);
  await h.deadlines(w);
  return w;
}

const add = (waveId: string, detaineeIds: string[]) => h.run(mediator, ADD, { input: { waveId, detaineeIds } });
const seal = (waveId: string) => h.run(mediator, SEAL, { input: { waveId } });
const WAVE = `query ($id: ID!) { exchangeWave(id: $id) { id sequence status manifestSize released declined } }`;
const wave = async (id: string) => (await h.run(anonymous, WAVE, { id })).data!.exchangeWave;

describe('planExchangeWave', () => {
  it('plans a wave for a milestone of the agreement, with a ratio and no manifest yet', async () => {
    const w = await agreedWorld();
    const p = await h.plan(w, { ratio: { basePartyId: w.mov, terms: [{ category: 'WOMAN', counterpartPerDetainee: 3 }] } });
    expect(p).toMatchObject({
      sequence: 1, status: 'PLANNED', scheduledAt: at(25), milestone: { id: w.milestoneIds[0] }, agreement: { id: w.agreementId },
      ratio: { baseParty: { id: w.mov }, terms: [{ category: 'WOMAN', counterpartPerDetainee: 3 }], requiredCounterpart: 0, counterpartOnManifest: 0, met: true },
      sequencingException: null,
    });
  });

  it('refuses an agreement or milestone the milestones service does not know, with NOT_FOUND', async () => {
    const w = await agreedWorld();
    const other = await h.world();
    const plan = (input: Record<string, unknown>) =>
      h.run(mediator, PLAN_WAVE, { input: { agreementId: w.agreementId, milestoneId: w.milestoneIds[0], sequence: 1, scheduledAt: at(25), ...input } });
    await h.expectRefused(() => plan({ agreementId: '00000000-0000-4000-8000-000000000321' }), 'NOT_FOUND');
    await h.expectRefused(() => plan({ milestoneId: other.milestoneIds[0] }), 'NOT_FOUND', /has no such milestone; its milestones are "First release"/);
    await h.expectRefused(() => plan({ milestoneId: 'm-1' }), 'NOT_FOUND');
  });

  it('refuses a taken sequence number, a ratio base that is not a party, bad terms, and other roles', async () => {
    const w = await agreedWorld();
    const other = await h.world();
    await h.plan(w);
    const plan = (input: Record<string, unknown>, who = mediator) =>
      h.run(who, PLAN_WAVE, { input: { agreementId: w.agreementId, milestoneId: w.milestoneIds[1], sequence: 2, scheduledAt: at(30), ...input } });
    await h.expectRefused(() => plan({ sequence: 1 }), 'BAD_USER_INPUT', /Sequence 1 is already wave .*the next free number is 2/);
    await h.expectRefused(() => plan({ ratio: { basePartyId: other.gov, terms: [{ category: 'CHILD', counterpartPerDetainee: 2 }] } }), 'BAD_USER_INPUT', /is not a party to/);
    await h.expectRefused(
      () => plan({ ratio: { basePartyId: w.gov, terms: [{ category: 'CHILD', counterpartPerDetainee: 2 }, { category: 'CHILD', counterpartPerDetainee: 0 }] } }),
      'BAD_USER_INPUT',
    );
    await h.expectRefused(() => plan({ scheduledAt: '2026-02-01T00:00:00Z' }), 'BAD_USER_INPUT', /before .* entered into force/);
    await h.expectRefused(() => plan({}, intermediary), 'FORBIDDEN', /needs the MEDIATOR role/);
  });

  it('plans one wave per sequence number under concurrent requests', async () => {
    const w = await agreedWorld();
    const results = await Promise.all(
      Array.from({ length: 6 }, () => h.run(mediator, PLAN_WAVE, { input: { agreementId: w.agreementId, milestoneId: w.milestoneIds[0], sequence: 4, scheduledAt: at(25) } })),
    );
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    expect(results.filter((r) => r.errors).every((r) => codes(r)[0] === 'BAD_USER_INPUT')).toBe(true);
  });
});

describe('addToManifest and removeFromManifest', () => {
  it('puts AGREED detainees on the manifest, and takes them off again', async () => {
    const w = await agreedWorld();
    const [c1, c2] = await h.agreed(w, w.gov, 'CHILD', 2);
    const p = await h.plan(w);
    const r = await add(p.id, [c1!, c2!]);
    expect(r.errors).toBeUndefined();
    expect(r.data!.addToManifest).toMatchObject({ manifestSize: 2, status: 'PLANNED', manifest: [{ status: 'PENDING' }, { status: 'PENDING' }] });
    const off = await h.run(mediator, REMOVE, { input: { waveId: p.id, detaineeIds: [c2] } });
    expect(off.data!.removeFromManifest.manifest.map((e: any) => e.detainee.id)).toEqual([c1]);
    await h.expectRefused(() => h.run(mediator, REMOVE, { input: { waveId: p.id, detaineeIds: [c2] } }), 'BAD_USER_INPUT', /is not on the manifest of wave 1/);
  });

  it('refuses a CONTESTED, a merely SUBMITTED, a REMOVED or an unlisted detainee with LIST_ENTRY_CONTESTED, writing nothing', async () => {
    const w = await agreedWorld();
    const contested = await h.register(w, w.gov, 'OTHER');
    const submitted = await h.register(w, w.gov, 'OTHER');
    const removed = await h.register(w, w.gov, 'OTHER');
    const unlisted = await h.register(w, w.gov, 'OTHER');
    const late = await h.list(w, w.gov, [contested, submitted, removed], null); // handed over now: comment period still open
    await h.ok(partyOf(w.mov), CONTEST, { input: { entryId: late[contested], reason: 'DECEASED' } });
    await h.ok(mediator, RESOLVE, { input: { entryId: late[removed], outcome: 'REMOVED' } });
    const p = await h.plan(w);
    await h.expectRefused(() => add(p.id, [contested]), 'LIST_ENTRY_CONTESTED', new RegExp(`${contested} \\(CONTESTED\\)`));
    await h.expectRefused(() => add(p.id, [submitted]), 'LIST_ENTRY_CONTESTED', new RegExp(`${submitted} \\(SUBMITTED\\)`));
    await h.expectRefused(() => add(p.id, [removed]), 'LIST_ENTRY_CONTESTED', new RegExp(`${removed} \\(on no list\\)`));
    const r = await h.expectRefused(() => add(p.id, [unlisted]), 'LIST_ENTRY_CONTESTED', /on no list.*must first be listed/);
    expect(r.errors![0]!.extensions!.details).toMatchObject({ detaineeIds: [unlisted] });
    await h.ok(mediator, RESOLVE, { input: { entryId: late[contested], outcome: 'AGREED' } });
    expect((await add(p.id, [contested])).errors).toBeUndefined();
  });

  describe('sequencing', () => {
    let w: World;
    let govChild: string;
    let govWoman: string;
    let movWoman: string;
    beforeAll(async () => {
      w = await agreedWorld();
      govChild = (await h.agreed(w, w.gov, 'CHILD'))[0]!;
      govWoman = (await h.agreed(w, w.gov, 'WOMAN'))[0]!;
      movWoman = (await h.agreed(w, w.mov, 'WOMAN'))[0]!;
    });

    it('refuses a lower category while a higher one held by the same party waits, writing nothing', async () => {
      const p = await h.plan(w, { sequence: 10 });
      const r = await h.expectRefused(() => add(p.id, [govWoman]), 'SEQUENCING_VIOLATION', new RegExp(`carry 1 WOMAN .* higher priority .*: 1 CHILD \\(${govChild}\\)`));
      expect(r.errors![0]!.extensions!.details).toMatchObject({ detaineeIds: [govWoman], waitingAhead: [govChild] });
    });

    it('allows it when the higher category comes on the same wave, or is held by another party', async () => {
      const p = await h.plan(w, { sequence: 11 });
      expect((await add(p.id, [movWoman])).errors).toBeUndefined();
      expect((await add(p.id, [govWoman, govChild])).errors).toBeUndefined();
      await h.run(mediator, REMOVE, { input: { waveId: p.id, detaineeIds: [govWoman, govChild, movWoman] } });
    });

    it('counts an earlier wave as covering, but not a later one', async () => {
      const early = await h.plan(w, { sequence: 12 });
      const middle = await h.plan(w, { sequence: 13 });
      const later = await h.plan(w, { sequence: 14 });
      expect((await add(later.id, [govChild])).errors).toBeUndefined();
      await h.expectRefused(() => add(middle.id, [govWoman]), 'SEQUENCING_VIOLATION');
      await h.run(mediator, REMOVE, { input: { waveId: later.id, detaineeIds: [govChild] } });
      expect((await add(early.id, [govChild])).errors).toBeUndefined();
      expect((await add(middle.id, [govWoman])).errors).toBeUndefined();
      await h.run(mediator, REMOVE, { input: { waveId: middle.id, detaineeIds: [govWoman] } });
      await h.run(mediator, REMOVE, { input: { waveId: early.id, detaineeIds: [govChild] } });
    });

    it('is lifted by a recorded mediator exception, at planning or later', async () => {
      const planned = await h.plan(w, { sequence: 15, sequencingException: { reason: 'Urgent humanitarian transfer agreed by both delegations' } });
      expect(planned.sequencingException).toEqual({ reason: 'Urgent humanitarian transfer agreed by both delegations', recordedBy: 'Office of the Envoy' });
      expect((await add(planned.id, [govWoman])).errors).toBeUndefined();
      await h.run(mediator, REMOVE, { input: { waveId: planned.id, detaineeIds: [govWoman] } });

      const p = await h.plan(w, { sequence: 16 });
      await h.expectRefused(() => add(p.id, [govWoman]), 'SEQUENCING_VIOLATION');
      await h.expectRefused(() => h.run(intermediary, EXCEPTION, { input: { waveId: p.id, reason: 'x' } }), 'FORBIDDEN');
      const e = await h.ok(mediator, EXCEPTION, { input: { waveId: p.id, reason: 'Child transferred separately under medical escort' } });
      expect(e.recordSequencingException.sequencingException.recordedBy).toBe('Office of the Envoy');
      expect((await add(p.id, [govWoman])).errors).toBeUndefined();
      await h.run(mediator, REMOVE, { input: { waveId: p.id, detaineeIds: [govWoman] } });
    });

    it('ignores higher-priority detainees whose entries are not agreed, and re-checks when the manifest is sealed', async () => {
      const v = await agreedWorld();
      const [woman] = await h.agreed(v, v.gov, 'WOMAN');
      const [movOther] = await h.agreed(v, v.mov, 'OTHER');
      const child = await h.register(v, v.gov, 'CHILD');
      const entries = await h.list(v, v.gov, [child], null); // comment period still open: SUBMITTED
      const p = await h.plan(v);
      expect((await add(p.id, [woman!, movOther!])).errors).toBeUndefined();
      await h.ok(mediator, RESOLVE, { input: { entryId: entries[child], outcome: 'AGREED' } });
      await h.expectRefused(() => seal(p.id), 'SEQUENCING_VIOLATION', /cannot be sealed: it would carry 1 WOMAN/);
      expect((await add(p.id, [child])).errors).toBeUndefined();
      expect((await seal(p.id)).errors).toBeUndefined();
    });
  });

  it('refuses a detainee on another open manifest, or already released, with ALREADY_RELEASED', async () => {
    const w = await agreedWorld();
    const [a, b] = await h.agreed(w, w.gov, 'OTHER', 2);
    const first = await h.plan(w, { sequence: 1, scheduledAt: at(15) });
    const second = await h.plan(w, { sequence: 2 });
    await add(first.id, [a!, b!]);
    await h.expectRefused(() => add(second.id, [a!]), 'ALREADY_RELEASED', new RegExp(`Wave 2 cannot take this detainee: detainee ${a} is already on the open manifest of wave 1`));
    await h.expectRefused(() => add(first.id, [a!]), 'BAD_USER_INPUT', /already on the manifest of wave 1/);
    await seal(first.id);
    await h.proof(a!);
    expect((await h.handover(first.id, a!)).errors).toBeUndefined();
    await h.expectRefused(() => add(second.id, [a!]), 'ALREADY_RELEASED', new RegExp(`detainee ${a} was already released on wave 1`));
    // A detainee who refused to return may be offered a later wave.
    expect((await h.handover(first.id, b!, { interview: 'REFUSES', medicalCheck: { fitToTravel: true } })).errors).toBeUndefined();
    expect((await add(second.id, [b!])).errors).toBeUndefined();
  });

  it('refuses changes to a sealed manifest with INVALID_TRANSITION, unknown waves and detainees with NOT_FOUND, and other roles', async () => {
    const w = await agreedWorld();
    const [a, b] = await h.agreed(w, w.gov, 'OTHER', 2);
    const p = await h.plan(w);
    await add(p.id, [a!]);
    await seal(p.id);
    await h.expectRefused(() => add(p.id, [b!]), 'INVALID_TRANSITION', /was sealed at .*its manifest is fixed/);
    await h.expectRefused(() => h.run(mediator, REMOVE, { input: { waveId: p.id, detaineeIds: [a] } }), 'INVALID_TRANSITION');
    await h.expectRefused(() => add('00000000-0000-4000-8000-000000000555', [b!]), 'NOT_FOUND');
    await h.expectRefused(() => add(p.id, ['00000000-0000-4000-8000-000000000556']), 'NOT_FOUND');
    await h.expectRefused(() => h.run(partyOf(w.gov), ADD, { input: { waveId: p.id, detaineeIds: [b] } }), 'FORBIDDEN');
    const other = await agreedWorld();
    const [foreign] = await h.agreed(other, other.gov, 'OTHER');
    const q = await h.plan(w, { sequence: 2 });
    await h.expectRefused(() => add(q.id, [foreign!]), 'BAD_USER_INPUT', /registered under another agreement/);
  });
});

describe('sealManifest', () => {
  it('refuses a manifest that does not meet the agreed ratio with RATIO_VIOLATION, then seals it once it does', async () => {
    const w = await agreedWorld();
    const [hostage] = await h.agreed(w, w.mov, 'WOMAN');
    const prisoners = await h.agreed(w, w.gov, 'WOMAN', 3);
    const p = await h.plan(w, { ratio: { basePartyId: w.mov, terms: [{ category: 'WOMAN', counterpartPerDetainee: 3 }] } });
    const r = await add(p.id, [hostage!, prisoners[0]!, prisoners[1]!]);
    expect(r.data!.addToManifest.ratio).toEqual({ requiredCounterpart: 3, counterpartOnManifest: 2, met: false });
    await h.expectRefused(() => seal(p.id), 'RATIO_VIOLATION', /must release at least 3 living detainees, and the manifest has 2: add 1 more/);
    expect((await wave(p.id)).status).toBe('PLANNED');
    await add(p.id, [prisoners[2]!]);
    const sealed = await seal(p.id);
    expect(sealed.errors).toBeUndefined();
    expect(sealed.data!.sealManifest).toMatchObject({ status: 'SEALED', manifestSize: 4, ratio: { met: true } });
  });

  it('refuses an empty manifest, a wave sealed twice, and sealing out of order', async () => {
    const w = await agreedWorld();
    const [a] = await h.agreed(w, w.gov, 'OTHER');
    const first = await h.plan(w, { sequence: 1 });
    const second = await h.plan(w, { sequence: 3 });
    await h.expectRefused(() => seal(first.id), 'BAD_USER_INPUT', /empty manifest/);
    await add(second.id, [a!]);
    await h.expectRefused(() => seal(second.id), 'BAD_USER_INPUT', /seal wave 1 .* before wave 3/);
    await add(first.id, [(await h.agreed(w, w.gov, 'OTHER'))[0]!]);
    await seal(first.id);
    await seal(second.id);
    await h.expectRefused(() => seal(second.id), 'INVALID_TRANSITION', /already sealed/);
    await h.expectRefused(
      () => h.run(mediator, PLAN_WAVE, { input: { agreementId: w.agreementId, milestoneId: w.milestoneIds[0], sequence: 2, scheduledAt: at(25) } }),
      'BAD_USER_INPUT',
      /Wave 3 is already sealed and waves are sealed in order; number the new wave after 3/,
    );
  });
});

describe('withdrawExchangeWave', () => {
  const WITHDRAW = `mutation ($input: WithdrawExchangeWaveInput!) { withdrawExchangeWave(input: $input) { id status manifestSize withdrawnAt withdrawalReason } }`;
  const withdraw = (waveId: string, reason = 'The holding party no longer has these detainees in its custody.', who = mediator) =>
    h.run(who, WITHDRAW, { input: { waveId, reason } });
  const WITHDRAWAL = `query ($id: ID!) { exchangeWave(id: $id) { status manifestSize withdrawnAt withdrawalReason } }`;

  it('withdraws a PLANNED wave that held later ones back: its manifest empties, later waves seal without it, its people may go elsewhere', async () => {
    const w = await agreedWorld();
    const [a] = await h.agreed(w, w.gov, 'OTHER');
    const [b] = await h.agreed(w, w.gov, 'OTHER');
    const first = await h.plan(w, { sequence: 1 });
    const second = await h.plan(w, { sequence: 2, scheduledAt: at(26) });
    await add(first.id, [a!]);
    await add(second.id, [b!]);
    await h.expectRefused(() => seal(second.id), 'BAD_USER_INPUT', /seal wave 1 .* before wave 2, or withdraw a wave that will not take place \(withdrawExchangeWave\)/);

    const r = await withdraw(first.id);
    expect(r.errors).toBeUndefined();
    expect(r.data!.withdrawExchangeWave).toEqual({
      id: first.id, status: 'WITHDRAWN', manifestSize: 0, withdrawnAt: NOW, withdrawalReason: 'The holding party no longer has these detainees in its custody.',
    });
    // The reason is for partner agencies; the public sees that it was withdrawn, and when.
    const seen = await h.run(anonymous, WITHDRAWAL, { id: first.id });
    expect(seen.data!.exchangeWave).toEqual({ status: 'WITHDRAWN', manifestSize: 0, withdrawnAt: NOW, withdrawalReason: null });
    expect(codes(seen)).toEqual(['FORBIDDEN']);

    const sealed = await seal(second.id);
    expect(sealed.errors).toBeUndefined();
    expect(sealed.data!.sealManifest).toMatchObject({ status: 'SEALED' });
    // The detainee of the withdrawn wave is on no open manifest any more.
    const third = await h.plan(w, { sequence: 3, scheduledAt: at(27) });
    expect((await add(third.id, [a!])).data!.addToManifest).toMatchObject({ manifestSize: 1 });
  });

  it('refuses a sealed or withdrawn wave, a reason that shows nothing, other roles and an unknown wave, and writes nothing', async () => {
    const w = await agreedWorld();
    const [a] = await h.agreed(w, w.gov, 'OTHER');
    const [b] = await h.agreed(w, w.gov, 'OTHER');
    const sealed = await h.plan(w, { sequence: 1 });
    await add(sealed.id, [a!]);
    await seal(sealed.id);
    const planned = await h.plan(w, { sequence: 2, scheduledAt: at(26) });
    await add(planned.id, [b!]);
    const unchanged = async () => expect((await h.run(mediator, WITHDRAWAL, { id: planned.id })).data!.exchangeWave).toEqual({ status: 'PLANNED', manifestSize: 1, withdrawnAt: null, withdrawalReason: null });

    await h.expectRefused(() => withdraw(sealed.id), 'INVALID_TRANSITION', /^Wave 1 was sealed at .*it cannot be withdrawn/);
    await h.expectRefused(() => withdraw(planned.id, ' \u200b '), 'BAD_USER_INPUT', /^input.reason: Reason is empty/);
    await h.expectRefused(() => withdraw(planned.id, undefined, intermediary), 'FORBIDDEN', /needs the MEDIATOR role/);
    await h.expectRefused(() => withdraw('00000000-0000-4000-8000-000000000555'), 'NOT_FOUND');
    await unchanged();

    expect((await withdraw(planned.id)).errors).toBeUndefined();
    await h.expectRefused(() => withdraw(planned.id), 'INVALID_TRANSITION', /^Wave 2 was withdrawn at .* and cannot be withdrawn\. Plan a new wave/);
    await h.expectRefused(() => add(planned.id, [b!]), 'INVALID_TRANSITION', /was withdrawn at .* and cannot take more detainees/);
    await h.expectRefused(() => seal(planned.id), 'INVALID_TRANSITION', /was withdrawn at .* and cannot be sealed/);
    // Its number stays taken.
    await h.expectRefused(
      () => h.run(mediator, PLAN_WAVE, { input: { agreementId: w.agreementId, milestoneId: w.milestoneIds[0], sequence: 2, scheduledAt: at(27) } }),
      'BAD_USER_INPUT',
      /Sequence 2 is already wave/,
    );
  });
});

describe('proof of life and handovers', () => {
  it('records a proof of life, by the INTERMEDIARY only, never in the future', async () => {
    const w = await agreedWorld();
    const [a] = await h.agreed(w, w.gov, 'OTHER');
    const r = await h.proof(a!, at(15));
    expect(r.recordProofOfLife).toMatchObject({ method: 'VISIT', observedAt: at(15), verifier: 'Delegation North', recordedBy: 'Neutral Humanitarian Intermediary' });
    const input = { detaineeId: a, method: 'VIDEO', observedAt: at(15), verifier: 'Delegation North' };
    await h.expectRefused(() => h.run(intermediary, PROOF, { input: { ...input, observedAt: at(20) } }), 'BAD_USER_INPUT', /in the future/);
    await h.expectRefused(() => h.run(intermediary, PROOF, { input: { ...input, verifier: ' ' } }), 'BAD_USER_INPUT', /Verifier is empty/);
    await h.expectRefused(() => h.run(partyOf(w.gov), PROOF, { input }), 'FORBIDDEN', /needs the INTERMEDIARY role/);
    await h.expectRefused(() => h.run(intermediary, PROOF, { input: { ...input, detaineeId: '00000000-0000-4000-8000-000000000444' } }), 'NOT_FOUND');
    const latest = await h.run(monitor, `query ($id: ID!) { detainee(id: $id) { latestProofOfLife { observedAt } proofsOfLife { method } } }`, { id: a });
    expect(latest.data!.detainee).toEqual({ latestProofOfLife: { observedAt: at(15) }, proofsOfLife: [{ method: 'VISIT' }] });
  });

  it('releases on a confirmed, consenting handover; respects a refusal; completes the wave; counts only releases', async () => {
    const w = await agreedWorld();
    const [child] = await h.agreed(w, w.gov, 'CHILD');
    const [other] = await h.agreed(w, w.gov, 'OTHER');
    const p = await h.plan(w, { scheduledAt: at(25) });
    await add(p.id, [child!, other!]);
    await seal(p.id);
    expect((await wave(p.id)).status).toBe('SEALED');
    await h.proof(child!, at(10));

    const released = await h.handover(p.id, child!);
    expect(released.errors).toBeUndefined();
    expect(released.data!.confirmHandover).toMatchObject({
      status: 'RELEASED',
      wave: { status: 'IN_PROGRESS', released: 1, declined: 0 },
      detainee: { released: true, releasedAt: at(18) },
      handover: { interview: 'CONSENTS', fitToTravel: true, confirmedAt: at(18), confirmedBy: 'Neutral Humanitarian Intermediary' },
    });
    // A refusal is recorded and respected: no transfer, no release, and no proof of life needed.
    const refused = await h.handover(p.id, other!, { interview: 'REFUSES', medicalCheck: { fitToTravel: false, notes: 'Declined examination' } });
    expect(refused.errors).toBeUndefined();
    expect(refused.data!.confirmHandover).toMatchObject({ status: 'DECLINED', wave: { status: 'COMPLETED', released: 1, declined: 1 }, detainee: { released: false, releasedAt: null } });

    const m = await h.run(anonymous, `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Milestone { detaineesReleased priorityDetaineesReleased exchangeWaves { sequence status } } } }`, {
      r: [{ __typename: 'Milestone', id: w.milestoneIds[0] }],
    });
    expect(m.data!._entities[0]).toEqual({ detaineesReleased: 1, priorityDetaineesReleased: 1, exchangeWaves: [{ sequence: 1, status: 'COMPLETED' }] });
    const party = await h.run(anonymous, `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Party { detaineeCounts { category held released } } } }`, {
      r: [{ __typename: 'Party', id: w.gov }],
    });
    expect(party.data!._entities[0].detaineeCounts).toEqual([
      { category: 'CHILD', held: 0, released: 1 },
      { category: 'WOMAN', held: 0, released: 0 },
      { category: 'MEDICAL', held: 0, released: 0 },
      { category: 'ELDERLY', held: 0, released: 0 },
      { category: 'OTHER', held: 1, released: 0 },
    ]);
  });

  it('refuses a handover whose latest proof of life is older than the agreement’s limit, or missing, with PROOF_OF_LIFE_STALE', async () => {
    const w = await agreedWorld();
    const [a, b] = await h.agreed(w, w.gov, 'OTHER', 2);
    const p = await h.plan(w);
    await add(p.id, [a!, b!]);
    await seal(p.id);
    await h.expectRefused(() => h.handover(p.id, a!), 'PROOF_OF_LIFE_STALE', /there is no proof of life before the handover/);
    await h.proof(a!, at(3, 12)); // 15 days before the handover on Day 18
    await h.proof(b!, at(18, 18)); // after the handover: does not count
    const r = await h.expectRefused(() => h.handover(p.id, a!), 'PROOF_OF_LIFE_STALE', /observed at .*15\.0 days earlier.*allows at most 14 days/);
    expect(r.errors![0]!.extensions!.details).toMatchObject({ maxAgeDays: 14 });
    await h.expectRefused(() => h.handover(p.id, b!), 'PROOF_OF_LIFE_STALE', /no proof of life before the handover/);
    await h.proof(a!, at(4, 12)); // 14 days exactly: allowed
    expect((await h.handover(p.id, a!)).errors).toBeUndefined();
  });

  it('takes the limit from the agreement in the milestones service, never from the client', async () => {
    const strict = await agreedWorld({ proofOfLifeMaxAgeDays: 5 });
    const [a] = await h.agreed(strict, strict.gov, 'OTHER');
    const p = await h.plan(strict);
    await add(p.id, [a!]);
    await seal(p.id);
    await h.proof(a!, at(10)); // 8 days: fresh under 14, stale under this agreement's 5
    await h.expectRefused(() => h.handover(p.id, a!), 'PROOF_OF_LIFE_STALE', /allows at most 5 days/);
    await h.expectRefused(() => h.handover(p.id, a!, { proofOfLifeMaxAgeDays: 30 }), 'BAD_USER_INPUT');
  });

  it('refuses a second handover: ALREADY_RELEASED after a release, INVALID_TRANSITION after a refusal', async () => {
    const w = await agreedWorld();
    const [a, b] = await h.agreed(w, w.gov, 'OTHER', 2);
    const p = await h.plan(w);
    await add(p.id, [a!, b!]);
    await seal(p.id);
    await h.proof(a!);
    await h.handover(p.id, a!);
    await h.expectRefused(() => h.handover(p.id, a!), 'ALREADY_RELEASED', /already released on wave 1/);
    await h.expectRefused(() => h.handover(p.id, a!, { interview: 'REFUSES' }), 'ALREADY_RELEASED');
    await h.handover(p.id, b!, { interview: 'REFUSES' });
    await h.expectRefused(() => h.handover(p.id, b!), 'INVALID_TRANSITION', /refused to return .* the refusal stands/);
  });

  it('refuses a handover on a PLANNED wave, of a detainee not on the manifest, unfit to travel, in the future, or by another role', async () => {
    const w = await agreedWorld();
    const [a, b] = await h.agreed(w, w.gov, 'OTHER', 2);
    const p = await h.plan(w);
    await add(p.id, [a!]);
    await h.proof(a!);
    await h.proof(b!);
    await h.expectRefused(() => h.handover(p.id, a!), 'INVALID_TRANSITION', /is PLANNED; the mediator seals its manifest/);
    await seal(p.id);
    await h.expectRefused(() => h.handover(p.id, b!), 'BAD_USER_INPUT', /is not on the manifest of wave 1/);
    await h.expectRefused(() => h.handover(p.id, a!, { medicalCheck: { fitToTravel: false } }), 'BAD_USER_INPUT', /unfit to travel; do not transfer them/);
    await h.expectRefused(() => h.handover(p.id, a!, { confirmedAt: at(20) }), 'BAD_USER_INPUT', /in the future/);
    await h.expectRefused(() => h.handover('00000000-0000-4000-8000-000000000666', a!), 'NOT_FOUND');
    await h.expectRefused(
      () => h.run(mediator, HANDOVER, { input: { waveId: p.id, detaineeId: a, interview: 'CONSENTS', medicalCheck: { fitToTravel: true }, confirmedAt: at(18) } }),
      'FORBIDDEN',
      /needs the INTERMEDIARY role/,
    );
  });

  it('releases a detainee exactly once under ten concurrent handovers', async () => {
    const w = await agreedWorld();
    const [a] = await h.agreed(w, w.gov, 'WOMAN');
    const p = await h.plan(w);
    await add(p.id, [a!]);
    await seal(p.id);
    await h.proof(a!);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => h.handover(p.id, a!, { confirmedAt: at(18, i) })));
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    expect(results.filter((r) => r.errors).map((r) => codes(r)[0])).toEqual(Array(9).fill('ALREADY_RELEASED'));
    const [{ n }] = await h.db.query(`SELECT count(*)::int AS n FROM manifest_entry WHERE detainee_id = $1 AND outcome = 'CONSENTS'`, [a]);
    expect(n).toBe(1);
    expect((await wave(p.id))).toMatchObject({ status: 'COMPLETED', released: 1 });
  });

  it('keeps the handover’s medical notes for INTERMEDIARY and MEDIATOR, logged against the manifest entry', async () => {
    const w = await agreedWorld();
    const [a] = await h.agreed(w, w.gov, 'OTHER');
    const p = await h.plan(w);
    await add(p.id, [a!]);
    await seal(p.id);
    await h.proof(a!);
    const entryId = (await h.handover(p.id, a!, { medicalCheck: { fitToTravel: true, notes: 'Mild dehydration, treated' } })).data!.confirmHandover.id;
    const q = `query ($id: ID!) { exchangeWave(id: $id) { manifest { id handover { fitToTravel medicalNotes } } } }`;
    const refused = await h.run(monitor, q, { id: p.id });
    expect(refused.data!.exchangeWave.manifest[0].handover).toEqual({ fitToTravel: true, medicalNotes: null });
    expect(codes(refused)).toEqual(['FORBIDDEN']);
    const read = await h.run(mediator, q, { id: p.id });
    expect(read.data!.exchangeWave.manifest[0].handover.medicalNotes).toBe('Mild dehydration, treated');
    const rows = await h.db.query(`SELECT record_type, fields FROM personal_data_access WHERE record_id = $1`, [entryId]);
    expect(rows).toEqual([{ record_type: 'Handover', fields: ['medicalNotes'] }]);
  });
});

describe('access to wave mutations', () => {
  it('refuses every wave mutation to roles other than MEDIATOR, naming the role, and writes nothing', async () => {
    const w = await agreedWorld();
    const [a] = await h.agreed(w, w.gov, 'OTHER');
    const p = await h.plan(w);
    await add(p.id, [a!]);
    for (const who of [partyOf(w.gov), intermediary, monitor, anonymous]) {
      await h.expectRefused(() => h.run(who, REMOVE, { input: { waveId: p.id, detaineeIds: [a] } }), 'FORBIDDEN', /removeFromManifest needs the MEDIATOR role/);
      await h.expectRefused(() => h.run(who, SEAL, { input: { waveId: p.id } }), 'FORBIDDEN', /sealManifest needs the MEDIATOR role/);
      await h.expectRefused(() => h.run(who, EXCEPTION, { input: { waveId: p.id, reason: 'because' } }), 'FORBIDDEN', /needs the MEDIATOR role/);
      await h.expectRefused(
        () => h.run(who, `mutation ($input: WithdrawExchangeWaveInput!) { withdrawExchangeWave(input: $input) { id } }`, { input: { waveId: p.id, reason: 'because' } }),
        'FORBIDDEN',
        /withdrawExchangeWave needs the MEDIATOR role/,
      );
    }
    expect((await wave(p.id)).status).toBe('PLANNED');
  });
});

describe('wave status and visibility', () => {
  it('moves from SEALED to IN_PROGRESS when the scheduled time comes, from the clock', async () => {
    const w = await agreedWorld();
    const [a] = await h.agreed(w, w.gov, 'OTHER');
    const p = await h.plan(w, { scheduledAt: at(21) });
    await add(p.id, [a!]);
    await seal(p.id);
    expect((await wave(p.id)).status).toBe('SEALED');
    h.clock.set(at(21));
    try {
      expect((await wave(p.id)).status).toBe('IN_PROGRESS');
    } finally {
      h.clock.set(NOW);
    }
  });

  it('shows wave summaries to everyone, the manifest to partner agencies, and a PARTY only its own detainees', async () => {
    const w = await h.world({ threeParties: true });
    await h.deadlines(w);
    const a = await h.register(w, w.gov, 'OTHER', w.mov);
    const b = await h.register(w, w.gov, 'OTHER', w.third!);
    await h.list(w, w.gov, [a, b]);
    const p = await h.plan(w);
    await add(p.id, [a, b]);
    const q = `query ($a: ID!) { exchangeWaves(agreementId: $a) { sequence status manifestSize manifest { detainee { id } } } }`;
    const anon = await h.run(anonymous, q, { a: w.agreementId });
    expect(codes(anon)).toEqual(['FORBIDDEN']);
    const summary = await h.run(anonymous, `query ($a: ID!) { exchangeWaves(agreementId: $a) { sequence status manifestSize } }`, { a: w.agreementId });
    expect(summary.data!.exchangeWaves).toEqual([{ sequence: 1, status: 'PLANNED', manifestSize: 2 }]);
    const third = await h.run(partyOf(w.third!), q, { a: w.agreementId });
    expect(third.data!.exchangeWaves[0].manifest).toEqual([{ detainee: { id: b } }]);
  });
});
