import { describe, expect, it } from 'vitest';
import { Problems } from '@treaty/service-kit';
import { PRIORITY_ORDER, rank, sequencingViolations, type Held } from '../src/domain/priority.js';
import { entryCommentDueAt, entryOverdue, listEntryStatus, settlementStep, submissionStep } from '../src/domain/lists.js';
import { checkRatio, proofOfLifeFresh, waveStatus } from '../src/domain/waves.js';
import { ageOn, checkDeadlines, checkDetainee, checkWavePlan } from '../src/domain/rules.js';

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
  it('derives PLANNED, SEALED, IN_PROGRESS and COMPLETED', () => {
    const f = { sealedAt: null, scheduledAt: t('2026-03-25T00:00:00Z'), entries: 3, decided: 0, now };
    expect(waveStatus(f)).toBe('PLANNED');
    expect(waveStatus({ ...f, sealedAt: now })).toBe('SEALED');
    expect(waveStatus({ ...f, sealedAt: now, decided: 1 })).toBe('IN_PROGRESS');
    expect(waveStatus({ ...f, sealedAt: now, now: t('2026-03-25T00:00:00Z') })).toBe('IN_PROGRESS');
    expect(waveStatus({ ...f, sealedAt: now, decided: 3 })).toBe('COMPLETED');
  });

  it('asks the other side for the ratio per base-party detainee, by category', () => {
    const ratio = { basePartyId: 'H', terms: [{ category: 'WOMAN' as const, counterpartPerDetainee: 3 }, { category: 'CHILD' as const, counterpartPerDetainee: 2 }] };
    const base = (category: any) => ({ holdingPartyId: 'H', category });
    const other = { holdingPartyId: 'G', category: 'OTHER' as const };
    expect(checkRatio([base('WOMAN'), base('CHILD'), other, other, other, other], ratio)).toEqual({ required: 5, counterpart: 4, met: false });
    expect(checkRatio([base('WOMAN'), base('CHILD'), other, other, other, other, other], ratio).met).toBe(true);
    expect(checkRatio([base('ELDERLY'), other], ratio)).toEqual({ required: 0, counterpart: 1, met: true });
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
