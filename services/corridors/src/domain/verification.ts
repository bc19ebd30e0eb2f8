import type { VerificationState } from '../entities/enums.js';
import { oneOf } from './convoy-status.js';

/**
 * The verification machine of an incident. A report starts REPORTED (no step recorded); the monitoring
 * cell takes it UNDER_REVIEW and then records one finding, which is final.
 */
export const VERIFICATION_TRANSITIONS: Readonly<Record<VerificationState, readonly VerificationState[]>> = {
  REPORTED: ['UNDER_REVIEW'],
  UNDER_REVIEW: ['VERIFIED', 'FALSE', 'INCONCLUSIVE'],
  VERIFIED: [],
  FALSE: [],
  INCONCLUSIVE: [],
};

/** States that conclude a review, and therefore carry a confidence and findings. */
export const FINDINGS: readonly VerificationState[] = ['VERIFIED', 'FALSE', 'INCONCLUSIVE'];

export function currentVerificationState(steps: readonly { state: VerificationState }[]): VerificationState {
  return steps[steps.length - 1]?.state ?? 'REPORTED';
}

export function verificationAllowedNext(state: VerificationState): readonly VerificationState[] {
  return VERIFICATION_TRANSITIONS[state];
}

/**
 * Why an incident in `from` may not be taken to `to`, or null when it may. REPORTED is where every report
 * starts and never a step to record, so asking for it is an illegal move like any other: INVALID_TRANSITION.
 */
export function verificationRefusal(from: VerificationState, to: VerificationState): string | null {
  const allowed = verificationAllowedNext(from);
  if (allowed.includes(to)) return null;
  const next = allowed.length ? `From ${from} it may move to ${oneOf(allowed)}.` : `${from} is a final finding; no further step can follow it.`;
  return to === 'REPORTED' ? `REPORTED is where every report starts, not a step to record. ${next}` : next;
}
