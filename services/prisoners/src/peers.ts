import { callPeer, type Caller, type PeerDeps } from '@treaty/service-kit';

/**
 * Every call this service makes to a sibling, one typed method each, signed for the caller over the
 * authenticated internal route. A sibling that is down or slow fails the call with SERVICE_UNAVAILABLE
 * (callPeer); nothing here retries. State a sibling owns is asked of it, never taken from the client.
 */

const AGREEMENT = /* GraphQL */ `query ($id: ID!) { agreement(id: $id) { id title entryIntoForceAt proofOfLifeMaxAgeDays parties { id name } milestones { id title } } }`;

/** What this service confirms with the milestones service before a write that depends on it. */
export interface AgreementFacts {
  id: string;
  title: string;
  /** ISO 8601, as the milestones service sends it. */
  entryIntoForceAt: string;
  proofOfLifeMaxAgeDays: number;
  parties: { id: string; name: string }[];
  milestones: { id: string; title: string }[];
}

export function createPeers(deps: PeerDeps, caller: Caller) {
  return {
    milestones: {
      /** The agreement as the milestones service sees it now, or null when it has no such agreement. */
      async agreement(id: string): Promise<AgreementFacts | null> {
        const data = await callPeer<{ agreement: AgreementFacts | null }>(deps, 'milestones', caller, AGREEMENT, { id });
        return data.agreement;
      },
    },
  };
}

export type Peers = ReturnType<typeof createPeers>;
