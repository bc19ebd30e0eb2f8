import { describe, expect, it } from 'vitest';
import { Problems } from '@treaty/service-kit';
import { PRIORITY_ORDER, rank, sequencingViolations, type Held } from '../src/domain/priority.js';
import { commentPeriodOpen, entryCommentDueAt, entryOverdue, listEntryStatus, listLate, settlementStep, submissionStep } from '../src/domain/lists.js';
import { checkRatio, proofOfLifeFresh, waveStatus } from '../src/domain/waves.js';
import {
  ageOn,
  checkDeadlines,
  checkDetainee,
  checkInForce,
  checkListDetainees,
  checkManifestAdditions,
  checkPartyTo,
  checkWavePlan,
  checkWaveSequence,
  contestable,
  isWholeNumber,
  notAgreed,
  otherSide,
  resolvable,
} from '../src/domain/rules.js';

const t = (iso: string) => new Date(iso);
const problems = (fn: (p: Problems) => void) => {
  const p = new Problems();
  fn(p);
  try {
    p.throwIfAny();
    return [];
  } catch (e: any) {
    return e.problems.map((x: any) => x.path) as string[];
  }
};

describe('priority and sequencing', () => {
  it('orders CHILD, WOMAN, MEDICAL, ELDERLY, OTHER', () => {
    expect(PRIORITY_ORDER).toEqual(['CHILD', 'WOMAN', 'MEDICAL', 'ELDERLY', 'OTHER']);
    expect(rank('CHILD')).toBeLessThan(rank('WOMAN'));
    expect(rank('ELDERLY')).toBeLessThan(rank('OTHER'));
  });

  const child: Held = { detaineeId: 'c', holdingPartyId: 'A', category: 'CHILD' };
  const woman: Held = { detaineeId: 'w', holdingPartyId: 'A', category: 'WOMAN' };
  const otherHolderChild: Held = { detaineeId: 'c2', holdingPartyId: 'B', category: 'CHILD' };

  it('refuses a lower category while a higher one held by the same party waits', () => {
    const v = sequencingViolations([woman], [child, otherHolderChild], false);
    expect(v).toEqual([{ placed: woman, waitingAhead: [child] }]);
  });
  it('counts detainees placed by the same request as covered', () => {
    expect(sequencingViolations([woman, child], [child], false)).toEqual([]);
  });
  it('ignores waiting detainees of the same or lower category, and of other holders', () => {
    expect(sequencingViolations([child], [woman, otherHolderChild], false)).toEqual([]);
  });
  it('is lifted by a mediator exception', () => {
    expect(sequencingViolations([woman], [child], true)).toEqual([]);
  });
});

describe('list entries and the timetable', () => {
  const deadlines = { submissionDueAt: t('2026-03-08T00:00:00Z'), commentDueAt: t('2026-03-15T00:00:00Z') };

  it('gives lists on time the agreement comment deadline, and late lists the same period from submission', () => {
    expect(entryCommentDueAt(deadlines, t('2026-03-05T00:00:00Z'))).toEqual(deadlines.commentDueAt);
    expect(entryCommentDueAt(deadlines, t('2026-03-20T00:00:00Z'))).toEqual(t('2026-03-27T00:00:00Z'));
    expect(entryCommentDueAt(null, t('2026-03-05T00:00:00Z'))).toBeNull();
  });

  it('derives SUBMITTED, CONTESTED, AGREED (by silence or resolution) and REMOVED', () => {
    const base = { resolution: null, contestReason: null, commentDueAt: deadlines.commentDueAt } as const;
    expect(listEntryStatus({ ...base, now: t('2026-03-14T23:59:59Z') })).toBe('SUBMITTED');
    expect(listEntryStatus({ ...base, now: t('2026-03-15T00:00:00Z') })).toBe('AGREED');
    expect(listEntryStatus({ ...base, commentDueAt: null, now: t('2027-01-01T00:00:00Z') })).toBe('SUBMITTED');
    expect(listEntryStatus({ ...base, contestReason: 'NOT_HELD', now: t('2026-03-20T00:00:00Z') })).toBe('CONTESTED');
    expect(listEntryStatus({ ...base, contestReason: 'NOT_HELD', resolution: 'AGREED', now: t('2026-03-20T00:00:00Z') })).toBe('AGREED');
    expect(listEntryStatus({ ...base, resolution: 'REMOVED', now: t('2026-03-01T00:00:00Z') })).toBe('REMOVED');
  });

  it('marks a contested entry overdue once its comment period ended', () => {
    expect(entryOverdue('CONTESTED', deadlines.commentDueAt, t('2026-03-15T00:00:00Z'))).toBe(true);
    expect(entryOverdue('CONTESTED', deadlines.commentDueAt, t('2026-03-14T00:00:00Z'))).toBe(false);
    expect(entryOverdue('AGREED', deadlines.commentDueAt, t('2026-03-16T00:00:00Z'))).toBe(false);
  });

  it('derives the submission and settlement steps', () => {
    const due = deadlines.submissionDueAt;
    expect(submissionStep(due, null, t('2026-03-07T00:00:00Z'))).toBe('PENDING');
    expect(submissionStep(due, null, t('2026-03-09T00:00:00Z'))).toBe('OVERDUE');
    expect(submissionStep(due, t('2026-03-07T00:00:00Z'), t('2026-03-09T00:00:00Z'))).toBe('DONE');
    expect(submissionStep(due, t('2026-03-08T00:00:01Z'), t('2026-03-09T00:00:00Z'))).toBe('DONE_LATE');
    const c = deadlines.commentDueAt;
    expect(settlementStep(c, [{ resolvedAt: null }], t('2026-03-14T00:00:00Z'))).toBe('PENDING');
    expect(settlementStep(c, [{ resolvedAt: null }], t('2026-03-15T00:00:00Z'))).toBe('OVERDUE');
    expect(settlementStep(c, [{ resolvedAt: t('2026-03-14T00:00:00Z') }], t('2026-03-16T00:00:00Z'))).toBe('DONE');
    expect(settlementStep(c, [{ resolvedAt: t('2026-03-16T00:00:00Z') }], t('2026-03-17T00:00:00Z'))).toBe('DONE_LATE');
  });

  it('fixes a passed deadline and keeps changed ones out of the past', () => {
    const now = t('2026-03-10T00:00:00Z');
    expect(problems((p) => checkDeadlines(p, { ...deadlines, submissionDueAt: t('2026-03-09T00:00:00Z') }, deadlines, now))).toEqual(['input.submissionDueAt']);
    expect(problems((p) => checkDeadlines(p, { ...deadlines, commentDueAt: t('2026-03-20T00:00:00Z') }, deadlines, now))).toEqual([]);
    expect(problems((p) => checkDeadlines(p, { ...deadlines, commentDueAt: t('2026-03-09T12:00:00Z') }, deadlines, now))).toEqual(['input.commentDueAt']);
    expect(problems((p) => checkDeadlines(p, { submissionDueAt: deadlines.commentDueAt, commentDueAt: deadlines.commentDueAt }, null, now))).toEqual(['input.commentDueAt']);
    expect(problems((p) => checkDeadlines(p, deadlines, null, t('2026-04-01T00:00:00Z')))).toEqual([]);
  });
});

describe('waves', () => {
  const now = t('2026-03-20T00:00:00Z');
  it('derives PLANNED, SEALED, IN_PROGRESS, COMPLETED and WITHDRAWN', () => {
    const f = { sealedAt: null, scheduledAt: t('2026-03-25T00:00:00Z'), entries: 3, decided: 0, now };
    expect(waveStatus(f)).toBe('PLANNED');
    expect(waveStatus({ ...f, sealedAt: now })).toBe('SEALED');
    expect(waveStatus({ ...f, sealedAt: now, decided: 1 })).toBe('IN_PROGRESS');
    expect(waveStatus({ ...f, sealedAt: now, now: t('2026-03-25T00:00:00Z') })).toBe('IN_PROGRESS');
    expect(waveStatus({ ...f, sealedAt: now, decided: 3 })).toBe('COMPLETED');
    // Withdrawn, whatever the clock says: it will not take place.
    expect(waveStatus({ ...f, withdrawnAt: now, entries: 0, now: t('2026-03-26T00:00:00Z') })).toBe('WITHDRAWN');
  });

  it('asks the other side for the ratio per base-party detainee, by category', () => {
    const ratio = {
      basePartyId: 'H',
      terms: [
        { category: 'WOMAN' as const, counterpartPerDetainee: 3, counterpart: 'LIVING' as const },
        { category: 'CHILD' as const, counterpartPerDetainee: 2, counterpart: 'LIVING' as const },
      ],
    };
    const base = (category: any) => ({ holdingPartyId: 'H', category });
    const other = { holdingPartyId: 'G', category: 'OTHER' as const };
    const none = { requiredRemains: 0, remainsCounterpart: 0, remainsWithoutTerm: 0 };
    expect(checkRatio([base('WOMAN'), base('CHILD'), other, other, other, other], ratio)).toEqual({ required: 5, counterpart: 4, ...none, met: false });
    expect(checkRatio([base('WOMAN'), base('CHILD'), other, other, other, other, other], ratio).met).toBe(true);
    expect(checkRatio([base('ELDERLY'), other], ratio)).toEqual({ required: 0, counterpart: 1, ...none, met: true });
    expect(checkRatio([base('WOMAN')], null).met).toBe(true);
  });

  it('needs a proof of life no older than the limit', () => {
    const handover = t('2026-03-20T00:00:00Z');
    expect(proofOfLifeFresh(t('2026-03-06T00:00:00Z'), handover, 14)).toBe(true);
    expect(proofOfLifeFresh(t('2026-03-05T23:59:59Z'), handover, 14)).toBe(false);
    expect(proofOfLifeFresh(null, handover, 14)).toBe(false);
  });

  it('checks a wave plan: sequence, ratio terms, exception reason', () => {
    expect(problems((p) => checkWavePlan(p, 0, { basePartyId: 'x', terms: [] }, ' '))).toEqual(['input.sequence', 'input.ratio.terms', 'input.sequencingException.reason']);
    expect(
      problems((p) => checkWavePlan(p, 1, { basePartyId: 'x', terms: [{ category: 'WOMAN', counterpartPerDetainee: 0 }, { category: 'WOMAN', counterpartPerDetainee: 3 }] }, null)),
    ).toEqual(['input.ratio.terms[0].counterpartPerDetainee', 'input.ratio.terms[1].category']);
  });
});

describe('detainee records', () => {
  const now = t('2026-03-20T00:00:00Z');
  const draft = { name: 'A. Person', dateOfBirth: '1980-01-01', holdingPartyId: 'H', affiliatedPartyId: 'G', category: 'OTHER' as const };

  it('computes age in completed years', () => {
    expect(ageOn('2008-03-20', now)).toBe(18);
    expect(ageOn('2008-03-21', now)).toBe(17);
  });
  it('requires CHILD for anyone under 18, and only for them', () => {
    expect(problems((p) => checkDetainee(p, { ...draft, dateOfBirth: '2008-03-21', category: 'WOMAN' }, now))).toEqual(['input.category']);
    expect(problems((p) => checkDetainee(p, { ...draft, dateOfBirth: '2008-03-20', category: 'CHILD' }, now))).toEqual(['input.category']);
    expect(problems((p) => checkDetainee(p, { ...draft, dateOfBirth: '2008-03-21', category: 'CHILD' }, now))).toEqual([]);
  });
  it('refuses bad dates, the same party on both sides, and a MEDICAL case without notes', () => {
    expect(problems((p) => checkDetainee(p, { ...draft, dateOfBirth: '1980-02-30' }, now))).toEqual(['input.dateOfBirth']);
    expect(problems((p) => checkDetainee(p, { ...draft, dateOfBirth: '2027-01-01' }, now))).toEqual(['input.dateOfBirth']);
    expect(problems((p) => checkDetainee(p, { ...draft, affiliatedPartyId: 'H' }, now))).toEqual(['input.affiliatedPartyId']);
    expect(problems((p) => checkDetainee(p, { ...draft, category: 'MEDICAL', medicalNotes: ' ' }, now))).toEqual(['input.medicalNotes']);
    expect(problems((p) => checkDetainee(p, { ...draft, name: '' }, now))).toEqual(['input.name']);
  });
});

/** A check's problems, thrown as the resolver throws them (one problem: "path: message"). */
const raised = (fn: (p: Problems) => void) => {
  const p = new Problems();
  fn(p);
  return () => p.throwIfAny();
};

describe('rules that need facts from elsewhere', () => {
  const agreement = {
    title: 'Test Accord',
    entryIntoForceAt: '2026-03-01T00:00:00.000Z',
    parties: [
      { id: 'H', name: 'Holders' },
      { id: 'G', name: 'Others' },
    ],
  };

  it('refuses a time before entry into force, and accepts that instant', () => {
    expect(raised((p) => checkInForce(p, 'input.scheduledAt', t('2026-02-28T23:59:59Z'), agreement, 'scheduledAt'))).toThrow(
      'input.scheduledAt: scheduledAt is before "Test Accord" entered into force (2026-03-01T00:00:00.000Z).',
    );
    expect(raised((p) => checkInForce(p, 'input.scheduledAt', t('2026-03-01T00:00:00Z'), agreement, 'scheduledAt'))).not.toThrow();
  });

  it('refuses a party that is not party to the agreement, naming the parties', () => {
    expect(raised((p) => checkPartyTo(p, 'input.holdingPartyId', 'X', agreement))).toThrow(
      'input.holdingPartyId: X is not a party to "Test Accord"; its parties are Holders (H), Others (G).',
    );
    expect(raised((p) => checkPartyTo(p, 'input.holdingPartyId', 'G', agreement))).not.toThrow();
  });

  it('lets a party list only detainees of its agreement that it holds or that belong to it', () => {
    const d = (id: string, holdingPartyId: string, affiliatedPartyId: string, agreementId = 'A') => ({ id, agreementId, holdingPartyId, affiliatedPartyId });
    expect(problems((p) => checkListDetainees(p, [d('1', 'H', 'G'), d('2', 'G', 'H'), d('3', 'G', 'Z'), d('4', 'H', 'G', 'B')], 'A', 'H'))).toEqual([
      'input.detaineeIds[2]',
      'input.detaineeIds[3]',
    ]);
  });

  it('gives the contest to the side that did not submit the list', () => {
    const detainee = { holdingPartyId: 'H', affiliatedPartyId: 'G' };
    expect(otherSide(detainee, 'H')).toBe('G');
    expect(otherSide(detainee, 'G')).toBe('H');
  });

  it('contests only SUBMITTED entries and resolves only SUBMITTED or CONTESTED ones', () => {
    expect((['SUBMITTED', 'CONTESTED', 'AGREED', 'REMOVED'] as const).map(contestable)).toEqual([true, false, false, false]);
    expect((['SUBMITTED', 'CONTESTED', 'AGREED', 'REMOVED'] as const).map(resolvable)).toEqual([true, true, false, false]);
  });

  it('numbers a new wave neither as a taken one nor before a sealed one', () => {
    const wave = (id: string, sequence: number, sealed: boolean) => ({ id, sequence, scheduledAt: t('2026-03-10T00:00:00Z'), sealedAt: sealed ? t('2026-03-05T00:00:00Z') : null });
    const waves = [wave('w1', 1, true), wave('w2', 2, true), wave('w4', 4, false)];
    expect(raised((p) => checkWaveSequence(p, 4, waves))).toThrow(
      'input.sequence: Sequence 4 is already wave w4 (scheduled 2026-03-10T00:00:00.000Z); the next free number is 5.',
    );
    // A taken number is the only problem reported, even when it is also before a sealed wave.
    expect(problems((p) => checkWaveSequence(p, 1, waves))).toEqual(['input.sequence']);
    expect(raised((p) => checkWaveSequence(p, 3, [...waves].reverse()))).not.toThrow();
    expect(raised((p) => checkWaveSequence(p, 3, [wave('w5', 5, true)]))).toThrow(
      'input.sequence: Wave 5 is already sealed and waves are sealed in order; number the new wave after 5.',
    );
    expect(raised((p) => checkWaveSequence(p, 1, []))).not.toThrow();
  });

  it('puts on a manifest only detainees of its agreement that are not on it yet', () => {
    const wave = { agreementId: 'A', sequence: 2 };
    expect(problems((p) => checkManifestAdditions(p, [{ id: '1', agreementId: 'A' }, { id: '2', agreementId: 'B' }, { id: '3', agreementId: 'A' }], wave, ['3']))).toEqual([
      'input.detaineeIds[1]',
      'input.detaineeIds[2]',
    ]);
    expect(problems((p) => checkManifestAdditions(p, [{ id: '1', agreementId: 'A' }], wave, []))).toEqual([]);
  });

  it('lets only AGREED entries on a manifest, reporting the others with their status', () => {
    const statuses = new Map([
      ['a', 'AGREED'],
      ['b', 'CONTESTED'],
      ['c', null],
      ['d', 'SUBMITTED'],
    ] as const);
    expect(notAgreed(statuses)).toEqual([
      ['b', 'CONTESTED'],
      ['c', null],
      ['d', 'SUBMITTED'],
    ]);
    expect(notAgreed(new Map([['a', 'AGREED' as const]]))).toEqual([]);
  });

  it('takes page sizes as whole numbers in range, never null', () => {
    expect(isWholeNumber(1, 1, 500)).toBe(true);
    expect(isWholeNumber(500, 1, 500)).toBe(true);
    expect(isWholeNumber(0, 1, 500)).toBe(false);
    expect(isWholeNumber(501, 1, 500)).toBe(false);
    expect(isWholeNumber(2.5, 1, 500)).toBe(false);
    expect(isWholeNumber(null, 0)).toBe(false);
    expect(isWholeNumber(undefined, 0)).toBe(false);
    expect(isWholeNumber(1_000_000, 0)).toBe(true);
  });
});

describe('list lateness and the comment period', () => {
  const deadlines = { submissionDueAt: t('2026-03-08T00:00:00Z'), commentDueAt: t('2026-03-15T00:00:00Z') };
  it('judges a list late only after the submission deadline, and never without deadlines', () => {
    expect(listLate(deadlines, t('2026-03-08T00:00:00Z'))).toBe(false);
    expect(listLate(deadlines, t('2026-03-08T00:00:01Z'))).toBe(true);
    expect(listLate(null, t('2027-01-01T00:00:00Z'))).toBe(false);
  });
  it('keeps the comment period open until the comment deadline, that instant excluded', () => {
    expect(commentPeriodOpen(deadlines.commentDueAt, t('2026-03-14T23:59:59Z'))).toBe(true);
    expect(commentPeriodOpen(deadlines.commentDueAt, t('2026-03-15T00:00:00Z'))).toBe(false);
  });
});
