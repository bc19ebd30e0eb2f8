import { callPeer, type PeerDeps } from '@treaty/service-kit';

/**
 * Every call this service makes to a sibling, one typed method each, made as this service itself
 * (never for the caller, DESIGN §9) with a single-use credential; the sibling answers only what it grants
 * this service (its access.ts `siblings`). A sibling that is down, slow or refusing fails the call with
 * SERVICE_UNAVAILABLE (callPeer); nothing here retries.
 */

const VIOLATION_TIMES = 'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Agreement { id verifiedMaterialViolationTimes } } }';
const INCIDENT = 'query ($id: ID!) { incident(id: $id) { id agreement { id } verificationState } }';
/** Needs guarantors' grant `milestones: ['Query.guarantor']` (its access.ts `siblings`). */
const GUARANTOR_COMMITMENTS = 'query ($id: ID!, $agreementId: ID!) { guarantor(id: $id) { id name commitments(agreementId: $agreementId) { id } } }';

/** What corridors confirms about an incident a dispute, a redress case or a confidential report names. */
export interface IncidentFacts {
  id: string;
  agreement: { id: string };
  /** REPORTED, UNDER_REVIEW, VERIFIED, FALSE or INCONCLUSIVE: redress is opened only on VERIFIED. */
  verificationState: string;
}

/** What guarantors confirms about a guarantor and its commitments to one agreement. */
export interface GuarantorCommitments {
  id: string;
  name: string;
  commitments: { id: string }[];
}

export function createPeers(deps: PeerDeps) {
  return {
    corridors: {
      /**
       * When each verified material violation under each agreement occurred, in one call for all of
       * them, in the order asked (an unknown agreement has none).
       */
      async violationTimes(agreementIds: readonly string[]): Promise<Date[][]> {
        const data = await callPeer<{ _entities: ({ id: string; verifiedMaterialViolationTimes: string[] } | null)[] }>(deps, 'corridors', VIOLATION_TIMES, {
          r: agreementIds.map((id) => ({ __typename: 'Agreement', id })),
        });
        return agreementIds.map((_, i) => (data._entities[i]?.verifiedMaterialViolationTimes ?? []).map((t) => new Date(t)));
      },
      /** The incident and the agreement it concerns, or null when corridors has no such incident. */
      async incident(id: string): Promise<IncidentFacts | null> {
        const { incident } = await callPeer<{ incident: IncidentFacts | null }>(deps, 'corridors', INCIDENT, { id });
        return incident;
      },
    },
    guarantors: {
      /**
       * The guarantor with this id and its commitments (security assurances and funding pledges, any
       * status) to one agreement, or null when guarantors has no such guarantor.
       */
      async commitmentsTo(guarantorId: string, agreementId: string): Promise<GuarantorCommitments | null> {
        const { guarantor } = await callPeer<{ guarantor: GuarantorCommitments | null }>(deps, 'guarantors', GUARANTOR_COMMITMENTS, { id: guarantorId, agreementId });
        return guarantor;
      },
    },
  };
}

export type Peers = ReturnType<typeof createPeers>;
