import type { ContestReason, Resolution } from '../entities/index.js';

export type ListEntryStatus = 'SUBMITTED' | 'CONTESTED' | 'AGREED' | 'REMOVED';
export type ListStepStatus = 'PENDING' | 'DONE' | 'DONE_LATE' | 'OVERDUE';

export interface Deadlines {
  submissionDueAt: Date;
  commentDueAt: Date;
}

/**
 * The instant an entry's comment period ends. Every list gets at least the agreement's comment period:
 * a list handed over on time may be commented on until the comment deadline; a late list gets the same
 * length of time (comment deadline minus submission deadline) from the moment it was handed over.
 * Null when the agreement has no list deadlines.
 */
export function entryCommentDueAt(deadlines: Deadlines | null, listSubmittedAt: Date): Date | null {
  if (!deadlines) return null;
  const period = deadlines.commentDueAt.getTime() - deadlines.submissionDueAt.getTime();
  return new Date(Math.max(deadlines.commentDueAt.getTime(), listSubmittedAt.getTime() + period));
}

export interface EntryFacts {
  resolution: Resolution | null;
  contestReason: ContestReason | null;
  /** From entryCommentDueAt. */
  commentDueAt: Date | null;
  now: Date;
}

/**
 * An entry's status, from the facts and the clock: the mediator's resolution wins (AGREED or REMOVED);
 * otherwise a contest makes it CONTESTED; otherwise it is AGREED once its comment period has ended
 * without a contest (silence is agreement); before that, or when no deadline is set, it is SUBMITTED.
 */
export function listEntryStatus(f: EntryFacts): ListEntryStatus {
  if (f.resolution) return f.resolution;
  if (f.contestReason) return 'CONTESTED';
  if (f.commentDueAt && f.now.getTime() >= f.commentDueAt.getTime()) return 'AGREED';
  return 'SUBMITTED';
}

/** A CONTESTED entry is overdue once its comment period has ended without the mediator resolving it. */
export function entryOverdue(status: ListEntryStatus, commentDueAt: Date | null, now: Date): boolean {
  return status === 'CONTESTED' && commentDueAt !== null && now.getTime() >= commentDueAt.getTime();
}

/** A list handed over after the submission deadline is late (and gets its own comment period). */
export function listLate(deadlines: Deadlines | null, listSubmittedAt: Date): boolean {
  return deadlines !== null && listSubmittedAt.getTime() > deadlines.submissionDueAt.getTime();
}

/** The comment period is open until the comment deadline, that instant excluded. */
export function commentPeriodOpen(commentDueAt: Date, now: Date): boolean {
  return now.getTime() < commentDueAt.getTime();
}

/** A party's submission step: done by the deadline, done late, overdue, or still pending. */
export function submissionStep(dueAt: Date, firstSubmittedAt: Date | null, now: Date): ListStepStatus {
  if (firstSubmittedAt) return firstSubmittedAt.getTime() <= dueAt.getTime() ? 'DONE' : 'DONE_LATE';
  return now.getTime() > dueAt.getTime() ? 'OVERDUE' : 'PENDING';
}

/**
 * The settlement step: every contested entry resolved by the mediator. PENDING until the comment
 * deadline; then OVERDUE while a contested entry is unresolved, DONE_LATE if the last one was resolved
 * after the deadline, DONE otherwise.
 */
export function settlementStep(commentDueAt: Date, contested: { resolvedAt: Date | null }[], now: Date): ListStepStatus {
  if (now.getTime() < commentDueAt.getTime()) return 'PENDING';
  if (contested.some((c) => c.resolvedAt === null)) return 'OVERDUE';
  return contested.some((c) => c.resolvedAt!.getTime() > commentDueAt.getTime()) ? 'DONE_LATE' : 'DONE';
}
