import { DomainError, ErrorCode } from './errors.js';

/**
 * Why personal data may be read (DESIGN §10; purpose limitation, as in the ICRC's handbook on data
 * protection in humanitarian action). A caller says which with the X-Purpose header; a read of a
 * personal field without one of these is refused, and the access log records the purpose given.
 */
export const PURPOSES = {
  'release-verification': 'confirming who is on a list or manifest and that the person handed over is the one listed',
  'family-tracing': 'restoring contact between a detainee and their family',
  'medical-care': 'the care a detainee needs, before, during and after a transfer',
  audit: 'oversight of how these records and their access log are kept',
  'incident-investigation': 'handling a confidential report of a violation or a wrong done to someone',
} as const;

export type Purpose = keyof typeof PURPOSES;

export const ALL_PURPOSES = Object.keys(PURPOSES) as Purpose[];

export function isPurpose(value: string | null | undefined): value is Purpose {
  return typeof value === 'string' && Object.hasOwn(PURPOSES, value);
}

/** The sentence that lists the purposes, for refusals and documentation. */
export function describePurposes(allowed: readonly Purpose[] = ALL_PURPOSES): string {
  return allowed.map((p) => `"${p}" (${PURPOSES[p]})`).join(', ');
}

export class PurposeRequiredError extends DomainError {
  constructor(coordinate: string, given: string | null, allowed: readonly Purpose[]) {
    const sent = given ? `this request's X-Purpose is "${given.slice(0, 60)}", which is not one of them` : 'this request sent no X-Purpose header';
    super(
      ErrorCode.PURPOSE_REQUIRED,
      `${coordinate} is personal data and is read only for a stated purpose: send the header X-Purpose with one of ${describePurposes(allowed)}; ${sent}. ${coordinate} was left out of this answer (null); fields read with a purpose that allows them were returned.`,
      { coordinate, purposes: [...allowed] },
    );
  }
}
