/**
 * A tranche's status is never stored. It follows from the facts this service records (a release journal,
 * a penalty journal) and from the milestone's status, which the milestones service owns and the
 * gateway passes in (`@requires`) or this service confirms over an authenticated call.
 */

export const MILESTONE_STATUSES = ['PENDING', 'DUE', 'MET', 'MET_LATE', 'MISSED', 'WAIVED'] as const;
export type MilestoneStatus = (typeof MILESTONE_STATUSES)[number];
export type TrancheStatus = 'HELD' | 'RELEASABLE' | 'RELEASED' | 'MISSED_HELD' | 'PARTLY_FORFEITED' | 'FORFEITED' | 'WITHHELD';

export function isMilestoneStatus(v: unknown): v is MilestoneStatus {
  return typeof v === 'string' && (MILESTONE_STATUSES as readonly string[]).includes(v);
}

/** Certified: the only statuses that let a tranche be released. */
export function isCertified(s: MilestoneStatus): boolean {
  return s === 'MET' || s === 'MET_LATE';
}

export interface TrancheFacts {
  /** A release journal exists for the tranche. */
  released: boolean;
  /** The share forfeited under the penalty schedule, in minor units (0 when no penalty was applied). */
  forfeitedMinor: bigint;
  /** The tranche's amount and anything carried to it, less any share forfeited under the penalty schedule, in minor units. */
  remainingMinor: bigint;
  milestoneStatus: MilestoneStatus;
  /** A snap-back triggered before the milestone's deadline is in force (the milestones service says so). */
  underSnapBack: boolean;
}

/**
 * Where the tranche's money stands, in this order: RELEASED once paid out; FORFEITED only when the whole
 * amount went back to the guarantor under the penalty schedule; WITHHELD while a snap-back triggered
 * before the milestone's deadline is in force; RELEASABLE when the milestone is certified MET or MET_LATE
 * (after a partial penalty, for what remains); PARTLY_FORFEITED when a share was forfeited and the rest
 * still waits in escrow; MISSED_HELD when the milestone is MISSED and nothing has been forfeited (all of
 * it still the tranche's); HELD otherwise (PENDING, DUE, and WAIVED, which neither releases nor forfeits).
 * A missed milestone alone forfeits nothing: only a penalty applied under the schedule does, and only its
 * share (issue 14: reading "FORFEITED" for a missed milestone, a mediator took the whole amount for lost).
 */
export function trancheStatus(f: TrancheFacts): TrancheStatus {
  if (f.released) return 'RELEASED';
  if (f.remainingMinor <= 0n) return 'FORFEITED';
  if (f.underSnapBack) return 'WITHHELD';
  if (isCertified(f.milestoneStatus)) return 'RELEASABLE';
  if (f.forfeitedMinor > 0n) return 'PARTLY_FORFEITED';
  if (f.milestoneStatus === 'MISSED') return 'MISSED_HELD';
  return 'HELD';
}

/** Whether a tranche's status can be told without the milestone's status (so no call to milestones is needed). */
export function settledStatus(f: Omit<TrancheFacts, 'milestoneStatus' | 'underSnapBack'>): TrancheStatus | null {
  if (f.released) return 'RELEASED';
  if (f.remainingMinor <= 0n) return 'FORFEITED';
  return null;
}

/**
 * The share of a tranche forfeited under a penalty of `basisPoints` (1/100 of a percent), rounded down to
 * a whole minor unit: the fraction of a cent stays with the tranche, never with the penalty.
 */
export function forfeitedShare(amountMinor: bigint, basisPoints: number): bigint {
  if (!Number.isInteger(basisPoints) || basisPoints < 0 || basisPoints > 10_000) throw new Error(`basis points out of range: ${basisPoints}`);
  return (amountMinor * BigInt(basisPoints)) / 10_000n;
}

/**
 * What a tranche still owes: its amount and anything earlier variable tranches carried to it, less any
 * share forfeited under the penalty schedule.
 */
export function remainingMinor(amountMinor: bigint, forfeitedMinor: bigint | null | undefined, carriedInMinor = 0n): bigint {
  return amountMinor + carriedInMinor - (forfeitedMinor ?? 0n);
}

/**
 * Why the milestone, as milestones reports it now, does not let its tranche be released, or null when
 * it does. Certification is asked first: an uncertified milestone is refused as such even under a snap-back.
 */
export function releaseBlocker(milestone: { status: MilestoneStatus; underSnapBack: boolean }): 'NOT_CERTIFIED' | 'WITHHELD' | null {
  if (!isCertified(milestone.status)) return 'NOT_CERTIFIED';
  if (milestone.underSnapBack) return 'WITHHELD';
  return null;
}

/** The penalty schedule applies only to a milestone confirmed MISSED. */
export function penaltyApplies(status: MilestoneStatus): boolean {
  return status === 'MISSED';
}

/**
 * Two people, two roles: a release needs a named person (the token's subject) other than the mediator
 * who approved it.
 */
export function isSecondPerson(approvedBySubject: string, releasedBySubject: string | null | undefined): boolean {
  return !!releasedBySubject && releasedBySubject !== approvedBySubject;
}
