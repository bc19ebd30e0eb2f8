import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes } from '@treaty/testing';
import { CONTEST, NOW, RESOLVE, SET_DEADLINES, SUBMIT_LIST, at, mediator, monitor, partyOf, startPrisoners, type Harness, type World } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startPrisoners();
});
afterAll(async () => {
  await h?.stop();
});

const submit = (w: World, who: any, partyId: string, detaineeIds: string[], extra: Record<string, unknown> = {}) =>
  h.run(who, SUBMIT_LIST, { input: { agreementId: w.agreementId, submittingPartyId: partyId, detaineeIds, ...extra } });

const entry = async (entryId: string, who = monitor) =>
  (await h.run(who, `query ($a: ID!) { detaineeLists(agreementId: $a) { entries { id status overdue commentDueAt contest { reason } resolution { outcome } } } }`, {
    a: (await h.db.query('SELECT l.agreement_id FROM detainee_list_entry e JOIN detainee_list l ON l.id = e.list_id WHERE e.id = $1', [entryId]))[0].agreement_id,
  })).data!.detaineeLists.flatMap((l: any) => l.entries).find((e: any) => e.id === entryId);

describe('submitDetaineeList', () => {
  let w: World;
  beforeAll(async () => {
    w = await h.world();
  });

  it('lets a PARTY submit its own list, timestamped on receipt, each entry SUBMITTED', async () => {
    const held = await h.register(w, w.mov, 'OTHER');
    const belonging = await h.register(w, w.gov, 'WOMAN');
    const r = await submit(w, partyOf(w.mov), w.mov, [held, belonging]);
    expect(r.errors).toBeUndefined();
    expect(r.data!.submitDetaineeList).toMatchObject({ submittedAt: NOW, late: false, submittingParty: { id: w.mov } });
    expect(r.data!.submitDetaineeList.entries.map((e: any) => [e.detainee.id, e.status, e.commentDueAt])).toEqual([
      [held, 'SUBMITTED', null],
      [belonging, 'SUBMITTED', null],
    ]);
  });

  it('refuses a PARTY submitting for another party, and other roles', async () => {
    const d = await h.register(w, w.gov, 'OTHER');
    await h.expectRefused(() => submit(w, partyOf(w.mov), w.gov, [d]), 'FORBIDDEN', /MEDIATOR role, or the PARTY role for the party concerned/);
    await h.expectRefused(() => submit(w, monitor, w.gov, [d]), 'FORBIDDEN');
  });

  it('lets only a MEDIATOR record when a list was handed over, never in the future', async () => {
    const d = await h.register(w, w.gov, 'OTHER');
    await h.expectRefused(() => submit(w, partyOf(w.gov), w.gov, [d], { submittedAt: at(1) }), 'BAD_USER_INPUT', /Only a MEDIATOR may record when a list was handed over/);
    await h.expectRefused(() => submit(w, mediator, w.gov, [d], { submittedAt: at(20) }), 'BAD_USER_INPUT', /in the future/);
    const r = await submit(w, mediator, w.gov, [d], { submittedAt: at(1) });
    expect(r.data!.submitDetaineeList.submittedAt).toBe(at(1));
  });

  it('refuses a detainee of neither party side, of another agreement, listed twice or unknown, and writes nothing', async () => {
    const w3 = await h.world({ threeParties: true });
    const other = await h.world();
    const notOurs = await h.register(w3, w3.third!, 'OTHER', w3.mov);
    const elsewhere = await h.register(other, other.gov, 'OTHER');
    await h.expectRefused(() => submit(w3, mediator, w3.gov, [notOurs]), 'BAD_USER_INPUT', /neither held by nor belongs to party/);
    await h.expectRefused(() => submit(w3, mediator, w3.gov, [elsewhere]), 'BAD_USER_INPUT', /registered under another agreement/);
    const d = await h.register(w3, w3.gov, 'OTHER', w3.mov);
    await h.expectRefused(() => submit(w3, mediator, w3.gov, [d, d]), 'BAD_USER_INPUT', /listed more than once/);
    await h.expectRefused(() => submit(w3, mediator, w3.gov, []), 'BAD_USER_INPUT', /at least one/);
    await h.expectRefused(() => submit(w3, mediator, w3.gov, ['00000000-0000-4000-8000-000000000123']), 'NOT_FOUND');
    await h.expectRefused(() => submit(w3, mediator, w3.gov, ['x']), 'NOT_FOUND');
    await submit(w3, mediator, w3.gov, [d]);
    await h.expectRefused(() => submit(w3, mediator, w3.mov, [d]), 'BAD_USER_INPUT', /already on list .*contest or resolve that entry/);
  });

  it('lists a detainee once under concurrent submissions', async () => {
    const d = await h.register(w, w.gov, 'OTHER');
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => submit(w, mediator, i % 2 ? w.gov : w.mov, [d])));
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    expect(results.filter((r) => r.errors).map((r) => codes(r)[0])).toEqual(Array(5).fill('BAD_USER_INPUT'));
    const [{ n }] = await h.db.query('SELECT count(*)::int AS n FROM detainee_list_entry WHERE detainee_id = $1', [d]);
    expect(n).toBe(1);
  });
});

describe('contestListEntry and resolveListEntry', () => {
  let w: World;
  beforeAll(async () => {
    w = await h.world();
  });

  it('lets the other side contest a SUBMITTED entry, and the mediator settle it', async () => {
    const d = await h.register(w, w.gov, 'OTHER');
    const entries = await h.list(w, w.mov, [d], null);
    const c = await h.run(partyOf(w.gov), CONTEST, { input: { entryId: entries[d], reason: 'NOT_HELD', note: 'Transferred to a third party in January' } });
    expect(c.errors).toBeUndefined();
    expect(c.data!.contestListEntry).toMatchObject({ status: 'CONTESTED', overdue: false, contest: { reason: 'NOT_HELD', party: { id: w.gov } } });
    const r = await h.run(mediator, RESOLVE, { input: { entryId: entries[d], outcome: 'AGREED', note: 'Holding confirmed by the intermediary visit' } });
    expect(r.data!.resolveListEntry).toMatchObject({ status: 'AGREED', resolution: { outcome: 'AGREED', resolvedBy: 'Office of the Envoy' } });
  });

  it('refuses a contest by the submitting side, by a MEDIATOR, or by a PARTY with no stake, and writes nothing', async () => {
    const w3 = await h.world({ threeParties: true });
    const d = await h.register(w3, w3.gov, 'OTHER', w3.mov);
    const entries = await h.list(w3, w3.gov, [d], null);
    await h.expectRefused(() => h.run(partyOf(w3.gov), CONTEST, { input: { entryId: entries[d], reason: 'DUPLICATE' } }), 'FORBIDDEN', new RegExp(`Only the other side may contest this entry: party ${w3.mov}`));
    await h.expectRefused(() => h.run(partyOf(w3.third!), CONTEST, { input: { entryId: entries[d], reason: 'DUPLICATE' } }), 'FORBIDDEN');
    await h.expectRefused(() => h.run(mediator, CONTEST, { input: { entryId: entries[d], reason: 'DUPLICATE' } }), 'FORBIDDEN', /needs the PARTY role/);
  });

  it('needs a note for OTHER, and refuses unknown entries', async () => {
    const d = await h.register(w, w.gov, 'OTHER');
    const entries = await h.list(w, w.gov, [d], null);
    await h.expectRefused(() => h.run(partyOf(w.mov), CONTEST, { input: { entryId: entries[d], reason: 'OTHER' } }), 'BAD_USER_INPUT', /needs a note/);
    await h.expectRefused(() => h.run(partyOf(w.mov), CONTEST, { input: { entryId: '00000000-0000-4000-8000-000000000999', reason: 'DECEASED' } }), 'NOT_FOUND');
    await h.expectRefused(() => h.run(mediator, RESOLVE, { input: { entryId: 'nope', outcome: 'AGREED' } }), 'NOT_FOUND');
  });

  it('refuses to contest twice, to contest or resolve a settled entry, and to resolve as a PARTY', async () => {
    const d = await h.register(w, w.gov, 'OTHER');
    const entries = await h.list(w, w.gov, [d], null);
    const id = entries[d]!;
    await h.ok(partyOf(w.mov), CONTEST, { input: { entryId: id, reason: 'UNKNOWN_PERSON' } });
    await h.expectRefused(() => h.run(partyOf(w.mov), CONTEST, { input: { entryId: id, reason: 'DUPLICATE' } }), 'INVALID_TRANSITION', /already contested \(UNKNOWN_PERSON\)/);
    await h.expectRefused(() => h.run(partyOf(w.gov), RESOLVE, { input: { entryId: id, outcome: 'REMOVED' } }), 'FORBIDDEN', /needs the MEDIATOR role/);
    await h.ok(mediator, RESOLVE, { input: { entryId: id, outcome: 'REMOVED', note: 'Not known to either side' } });
    await h.expectRefused(() => h.run(mediator, RESOLVE, { input: { entryId: id, outcome: 'AGREED' } }), 'INVALID_TRANSITION', /already resolved as REMOVED/);
    await h.expectRefused(() => h.run(partyOf(w.mov), CONTEST, { input: { entryId: id, reason: 'DUPLICATE' } }), 'INVALID_TRANSITION', /resolved as REMOVED/);
  });

  it('lets a removed detainee be listed again', async () => {
    const d = await h.register(w, w.gov, 'OTHER');
    const first = await h.list(w, w.gov, [d], null);
    await h.ok(mediator, RESOLVE, { input: { entryId: first[d], outcome: 'REMOVED' } });
    const again = await h.list(w, w.mov, [d], null);
    expect(again[d]).not.toBe(first[d]);
    const r = await h.run(monitor, `query ($id: ID!) { detainee(id: $id) { listEntry { id status } } }`, { id: d });
    expect(r.data!.detainee.listEntry).toEqual({ id: again[d], status: 'SUBMITTED' });
  });
});

describe('deadlines', () => {
  const SCHEDULE = /* GraphQL */ `
    query ($representations: [_Any!]!) {
      _entities(representations: $representations) {
        ... on Agreement {
          id
          listSchedule { submissionDueAt commentDueAt commentPeriodOpen settlement unresolvedContests overdue submissions { party { id } status firstSubmittedAt } }
          detaineeLists { id late submittingParty { id } }
        }
      }
    }`;
  const schedule = async (w: World) => {
    const r = await h.run(monitor, SCHEDULE, { representations: [{ __typename: 'Agreement', id: w.agreementId, parties: [{ id: w.gov }, { id: w.mov }] }] });
    expect(r.errors).toBeUndefined();
    return r.data!._entities[0];
  };

  it('deems an uncontested entry AGREED when its comment period ends, from the clock', async () => {
    const w = await h.world();
    const d = await h.register(w, w.gov, 'OTHER');
    const entries = await h.list(w, w.gov, [d], null);
    await h.ok(mediator, SET_DEADLINES, { input: { agreementId: w.agreementId, submissionDueAt: at(20, 0), commentDueAt: at(23, 0) } });
    expect(await entry(entries[d]!)).toMatchObject({ status: 'SUBMITTED', commentDueAt: at(23, 0) });
    h.clock.set(at(23, 0));
    try {
      expect(await entry(entries[d]!)).toMatchObject({ status: 'AGREED', resolution: null });
      await h.expectRefused(
        () => h.run(partyOf(w.mov), CONTEST, { input: { entryId: entries[d], reason: 'DECEASED' } }),
        'INVALID_TRANSITION',
        /deemed AGREED when its comment period ended/,
      );
      await h.expectRefused(() => h.run(mediator, RESOLVE, { input: { entryId: entries[d], outcome: 'REMOVED' } }), 'INVALID_TRANSITION', /is AGREED: its comment period ended/);
    } finally {
      h.clock.set(NOW);
    }
  });

  it('gives a late list the same comment period from its submission, and shows it late', async () => {
    const w = await h.world();
    await h.deadlines(w); // lists by Day 2, comments by Day 5: a 3-day comment period
    const d = await h.register(w, w.mov, 'OTHER');
    const r = await submit(w, partyOf(w.mov), w.mov, [d]);
    expect(r.data!.submitDetaineeList).toMatchObject({ late: true });
    expect(r.data!.submitDetaineeList.entries[0]).toMatchObject({ status: 'SUBMITTED', commentDueAt: at(22, 0) });
    const s = await schedule(w);
    expect(s.listSchedule.submissions).toEqual([
      { party: { id: w.gov }, status: 'OVERDUE', firstSubmittedAt: null },
      { party: { id: w.mov }, status: 'DONE_LATE', firstSubmittedAt: NOW },
    ]);
    expect(s.listSchedule.overdue).toBe(true);
  });

  it('shows each step: submissions on time, a contest left unresolved past the deadline as overdue, then settled late', async () => {
    const w = await h.world();
    const a = await h.register(w, w.gov, 'OTHER');
    const b = await h.register(w, w.mov, 'OTHER');
    const govEntries = await h.list(w, w.gov, [a], at(1));
    await h.list(w, w.mov, [b], at(1, 18));
    await h.ok(partyOf(w.mov), CONTEST, { input: { entryId: govEntries[a], reason: 'DUPLICATE' } });
    const set = await h.deadlines(w);
    expect(set.setListDeadlines).toMatchObject({ submissionDueAt: at(2, 0), commentDueAt: at(5, 0), commentPeriodOpen: false, settlement: 'OVERDUE', overdue: true });
    expect(set.setListDeadlines.submissions.map((x: any) => x.status)).toEqual(['DONE', 'DONE']);
    expect(await entry(govEntries[a]!)).toMatchObject({ status: 'CONTESTED', overdue: true });
    const s = await schedule(w);
    expect(s.listSchedule).toMatchObject({ settlement: 'OVERDUE', unresolvedContests: 1, overdue: true });
    expect(s.detaineeLists.map((l: any) => l.late)).toEqual([false, false]);
    await h.ok(mediator, RESOLVE, { input: { entryId: govEntries[a], outcome: 'AGREED' } });
    expect(await entry(govEntries[a]!)).toMatchObject({ status: 'AGREED', overdue: false });
    expect((await schedule(w)).listSchedule).toMatchObject({ settlement: 'DONE_LATE', unresolvedContests: 0, overdue: false });
  });

  it('answers null for an agreement without deadlines, and needs a token', async () => {
    const w = await h.world();
    expect((await schedule(w)).listSchedule).toBeNull();
    const anon = await h.run({ ...monitor, roles: [] }, SCHEDULE, { representations: [{ __typename: 'Agreement', id: w.agreementId, parties: [] }] });
    expect(codes(anon)).toEqual(['FORBIDDEN', 'FORBIDDEN']);
  });

  it('fixes a passed deadline, keeps changed ones out of the past, and orders them', async () => {
    const w = await h.world();
    await h.deadlines(w, at(10, 0), at(25, 0));
    const set = (s: string, c: string) => h.run(mediator, SET_DEADLINES, { input: { agreementId: w.agreementId, submissionDueAt: s, commentDueAt: c } });
    await h.expectRefused(() => set(at(11, 0), at(25, 0)), 'BAD_USER_INPUT', /submission deadline passed on .* cannot be moved/);
    await h.expectRefused(() => set(at(10, 0), at(18, 0)), 'BAD_USER_INPUT', /changed comment deadline cannot be in the past/);
    await h.expectRefused(() => set(at(10, 0), at(9, 0)), 'BAD_USER_INPUT', /must come after submissionDueAt/);
    const moved = await set(at(10, 0), at(28, 0));
    expect(moved.errors).toBeUndefined();
    const [row] = await h.db.query('SELECT comment_due_at FROM list_deadline WHERE agreement_id = $1', [w.agreementId]);
    expect(row.comment_due_at.toISOString()).toBe(at(28, 0));
  });

  it('confirms the agreement with the milestones service, and needs the MEDIATOR role', async () => {
    const input = { agreementId: '00000000-0000-4000-8000-000000000777', submissionDueAt: at(2), commentDueAt: at(5) };
    await h.expectRefused(() => h.run(mediator, SET_DEADLINES, { input }), 'NOT_FOUND');
    const w = await h.world();
    await h.expectRefused(() => h.run(partyOf(w.gov), SET_DEADLINES, { input: { ...input, agreementId: w.agreementId } }), 'FORBIDDEN', /needs the MEDIATOR role/);
    await h.expectRefused(() => h.run(mediator, SET_DEADLINES, { input: { ...input, agreementId: w.agreementId, submissionDueAt: '2026-02-01T00:00:00Z' } }), 'BAD_USER_INPUT', /before .* entered into force/);
  });
});

describe('what a PARTY sees of the lists', () => {
  it('shows a PARTY only the entries about its own party’s detainees', async () => {
    const w = await h.world({ threeParties: true });
    const forMov = await h.register(w, w.gov, 'OTHER', w.mov);
    const forThird = await h.register(w, w.gov, 'OTHER', w.third!);
    await h.list(w, w.gov, [forMov, forThird]);
    const q = `query ($a: ID!) { detaineeLists(agreementId: $a) { entries { detainee { id } } } }`;
    const seen = async (who: any) => (await h.run(who, q, { a: w.agreementId })).data!.detaineeLists[0].entries.map((e: any) => e.detainee.id);
    expect(await seen(partyOf(w.mov))).toEqual([forMov]);
    expect(await seen(partyOf(w.third!))).toEqual([forThird]);
    expect(await seen(partyOf(w.gov))).toEqual([forMov, forThird]);
    expect(await seen(monitor)).toEqual([forMov, forThird]);
  });
});
