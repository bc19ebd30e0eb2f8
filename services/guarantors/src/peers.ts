import { callPeer, type PeerDeps } from '@treaty/service-kit';
import type { MilestoneStatus } from './domain/tranche.js';

/**
 * Every call this service makes to a sibling, one typed method each, made as this service itself
 * (never for the caller, DESIGN §9) with a single-use credential; the sibling answers only what it grants
 * this service (its access.ts `siblings`). A sibling that is down, slow or refusing fails the call with
 * SERVICE_UNAVAILABLE (callPeer); nothing here retries. Milestones owns agreements, parties and milestone status: they are
 * asked of it, never taken from client input.
 */

const MILESTONES = /* GraphQL */ `query($r:[_Any!]!){ _entities(representations:$r){ ... on Milestone { id title status underSnapBack agreement { id } } } }`;
const AGREEMENTS = /* GraphQL */ `query($r:[_Any!]!){ _entities(representations:$r){ ... on Agreement { id title parties { id } } } }`;

export interface MilestoneFacts {
  id: string;
  title: string;
  status: MilestoneStatus;
  /** A snap-back triggered before its deadline is in force: its tranches are withheld. */
  underSnapBack: boolean;
  agreementId: string;
}

export interface AgreementFacts {
  id: string;
  title: string;
  partyIds: string[];
}

type MilestoneEntity = { id: string; title: string; status: MilestoneStatus; underSnapBack: boolean; agreement: { id: string } } | null;
type AgreementEntity = { id: string; title: string; parties: { id: string }[] } | null;

export function createPeers(deps: PeerDeps) {
  return {
    milestones: {
      /** The milestones with these ids, in order; null for an id the milestones service does not know. One call for all. */
      async milestones(ids: readonly string[]): Promise<(MilestoneFacts | null)[]> {
        if (ids.length === 0) return [];
        const data = await callPeer<{ _entities: MilestoneEntity[] }>(deps, 'milestones', MILESTONES, {
          r: ids.map((id) => ({ __typename: 'Milestone', id })),
        });
        return data._entities.map((e) => (e ? { id: e.id, title: e.title, status: e.status, underSnapBack: e.underSnapBack, agreementId: e.agreement.id } : null));
      },
      /** The agreement with this id and its signatories, or null when the milestones service does not know it. */
      async agreement(id: string): Promise<AgreementFacts | null> {
        const data = await callPeer<{ _entities: AgreementEntity[] }>(deps, 'milestones', AGREEMENTS, { r: [{ __typename: 'Agreement', id }] });
        const e = data._entities[0];
        return e ? { id: e.id, title: e.title, partyIds: e.parties.map((p) => p.id) } : null;
      },
    },
  };
}

export type Peers = ReturnType<typeof createPeers>;
