import type { VerificationState } from '../entities/enums.js';

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
