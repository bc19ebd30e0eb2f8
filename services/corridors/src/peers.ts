import { callPeer, type Caller, type PeerDeps } from '@treaty/service-kit';
import type { CargoClass } from './entities/index.js';

/** What this service confirms with the milestones service before a write that depends on it. */
export interface AgreementFacts {
  id: string;
  title: string;
  /** The cargo classes the agreement's current phase permits, today. */
  permittedCargo: CargoClass[];
  parties: { id: string; name: string }[];
}

export interface MilestonesClient {
  /** The agreement as the milestones service sees it now, or null when it has no such agreement. */
  agreement(id: string): Promise<AgreementFacts | null>;
}

const AGREEMENT = /* GraphQL */ `query ($id: ID!) { agreement(id: $id) { id title permittedCargo parties { id name } } }`;

/**
 * Calls the milestones service on the caller's behalf over the authenticated internal route; never
 * trusts a value the client sent for state milestones owns.
 */
export function milestonesClient(deps: PeerDeps, caller: Caller): MilestonesClient {
  return {
    async agreement(id) {
      const data = await callPeer<{ agreement: AgreementFacts | null }>(deps, 'milestones', caller, AGREEMENT, { id });
      return data.agreement;
    },
  };
}
