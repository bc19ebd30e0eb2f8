import { agreementFromMilestones, type PeerDeps } from '@treaty/service-kit';
import type { CargoClass } from './entities/index.js';

/**
 * Every call this service makes to a sibling, one typed method each, made as this service itself
 * (never for the caller, DESIGN §9) with a single-use credential; the sibling answers only what it grants
 * this service (its access.ts `siblings`). A sibling that is down, slow or refusing fails the call with
 * SERVICE_UNAVAILABLE (callPeer); nothing here retries. State a sibling owns is asked of it, never taken from the client.
 */

/** What this service needs to know of an agreement, asked of milestones. */
const AGREEMENT_FIELDS = 'id title entryIntoForceAt permittedCargo parties { id name }';

/** What this service confirms with the milestones service before a write that depends on it. */
export interface AgreementFacts {
  id: string;
  title: string;
  /** Day 0, ISO 8601 as the milestones service sends it: incidents before it are not monitored under the agreement. */
  entryIntoForceAt: string;
  /** The cargo classes the agreement's current phase permits, today. */
  permittedCargo: CargoClass[];
  parties: { id: string; name: string }[];
}

export function createPeers(deps: PeerDeps) {
  return {
    milestones: {
      /** The agreement as the milestones service sees it now, or null when it has no such agreement. */
      agreement: (id: string) => agreementFromMilestones<AgreementFacts>(deps, AGREEMENT_FIELDS, id),
    },
  };
}

export type Peers = ReturnType<typeof createPeers>;
