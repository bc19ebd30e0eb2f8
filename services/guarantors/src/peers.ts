import { ServiceUnavailableError, callPeer, type PeerDeps } from '@treaty/service-kit';
import type { MilestoneStatus } from './domain/tranche.js';
import { PERFORMANCE_METRICS, type PerformanceMetric } from './domain/performance.js';

/**
 * Every call this service makes to a sibling, one typed method each, made as this service itself
 * (never for the caller, DESIGN §9) with a single-use credential; the sibling answers only what it grants
 * this service (its access.ts `siblings`). A sibling that is down, slow or refusing fails the call with
 * SERVICE_UNAVAILABLE (callPeer); nothing here retries. Milestones owns agreements, parties, milestone
 * status, deadlines, benchmarks and snap-back: they are asked of it, never taken from client input.
 *
 * Measured values are asked of the services that own them (DESIGN §4): prisoners (detainees released)
 * and corridors (trucks delivered, quiet hours). Milestones cannot answer them on a call like this one:
 * its `Milestone.compliance` takes them from the representation the gateway builds through `@requires`,
 * and it has no route to prisoners. So the confirmation with milestones brings the benchmarks, the
 * milestone's window and the agreement's entry into force, and those go, as milestones reported them, into
 * the representations corridors needs for its `@requires` fields.
 */

const MILESTONES = /* GraphQL */ `query($r:[_Any!]!){ _entities(representations:$r){ ... on Milestone {
  id title status underSnapBack dueAt windowStartsAt
  benchmarks { id metric comparator threshold description }
  agreement { id entryIntoForceAt snapBack { active triggeredAt } }
} } }`;
const AGREEMENTS = /* GraphQL */ `query($r:[_Any!]!){ _entities(representations:$r){ ... on Agreement { id title parties { id } } } }`;
/** Needs prisoners' grant `guarantors: ['Query._entities']` (its access.ts `siblings`). */
const DETAINEES_RELEASED = /* GraphQL */ `query($r:[_Any!]!){ _entities(representations:$r){ ... on Milestone { id detaineesReleased priorityDetaineesReleased } } }`;
/** Needs corridors' grant `guarantors: ['Query._entities']`; the representations carry the fields its `@requires` names. */
const CORRIDOR_MEASURES = /* GraphQL */ `query($r:[_Any!]!){ _entities(representations:$r){ ... on Milestone { id trucksDelivered } ... on Agreement { id quietHours } } }`;

export interface BenchmarkFacts {
  id: string;
  metric: string;
  comparator: string;
  threshold: number;
  description: string | null;
}

export interface MilestoneFacts {
  id: string;
  title: string;
  status: MilestoneStatus;
  /** A snap-back triggered before its deadline is in force: its tranches are withheld. */
  underSnapBack: boolean;
  agreementId: string;
  dueAt: Date;
  windowStartsAt: Date;
  benchmarks: BenchmarkFacts[];
  agreement: { id: string; entryIntoForceAt: Date; snapBack: { active: boolean; triggeredAt: Date | null } };
}

export interface AgreementFacts {
  id: string;
  title: string;
  partyIds: string[];
}

type MilestoneEntity = {
  id: string;
  title: string;
  status: MilestoneStatus;
  underSnapBack: boolean;
  dueAt: string;
  windowStartsAt: string;
  benchmarks: BenchmarkFacts[];
  agreement: { id: string; entryIntoForceAt: string; snapBack: { active: boolean; triggeredAt: string | null } | null };
} | null;
type AgreementEntity = { id: string; title: string; parties: { id: string }[] } | null;

function milestoneFacts(e: NonNullable<MilestoneEntity>): MilestoneFacts {
  const snapBack = e.agreement.snapBack;
  if (!snapBack) throw new ServiceUnavailableError('milestones', `The milestones service did not report the snap-back state of agreement ${e.agreement.id}; retry in a moment.`);
  return {
    id: e.id,
    title: e.title,
    status: e.status,
    underSnapBack: e.underSnapBack,
    agreementId: e.agreement.id,
    dueAt: new Date(e.dueAt),
    windowStartsAt: new Date(e.windowStartsAt),
    benchmarks: e.benchmarks,
    agreement: {
      id: e.agreement.id,
      entryIntoForceAt: new Date(e.agreement.entryIntoForceAt),
      snapBack: { active: snapBack.active, triggeredAt: snapBack.triggeredAt ? new Date(snapBack.triggeredAt) : null },
    },
  };
}

/** One measurement to take: a metric of a milestone, with the milestone as milestones reported it. */
export interface MeasureRequest {
  metric: PerformanceMetric;
  milestone: MilestoneFacts;
}

/** A measured value the owner answered with, checked: a finite number of at least 0. */
function measuredValue(service: string, what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ServiceUnavailableError(service, `The ${service} service did not report ${what}; the measurement cannot be taken now. Retry in a moment.`);
  }
  return value;
}

export function createPeers(deps: PeerDeps) {
  return {
    milestones: {
      /**
       * The milestones with these ids, in order, with their benchmarks, window and agreement (its entry
       * into force and snap-back state); null for an id the milestones service does not know. One call for all.
       */
      async milestones(ids: readonly string[]): Promise<(MilestoneFacts | null)[]> {
        if (ids.length === 0) return [];
        const data = await callPeer<{ _entities: MilestoneEntity[] }>(deps, 'milestones', MILESTONES, {
          r: ids.map((id) => ({ __typename: 'Milestone', id })),
        });
        return data._entities.map((e) => (e ? milestoneFacts(e) : null));
      },
      /** The agreement with this id and its signatories, or null when the milestones service does not know it. */
      async agreement(id: string): Promise<AgreementFacts | null> {
        const data = await callPeer<{ _entities: AgreementEntity[] }>(deps, 'milestones', AGREEMENTS, { r: [{ __typename: 'Agreement', id }] });
        const e = data._entities[0];
        return e ? { id: e.id, title: e.title, partyIds: e.parties.map((p) => p.id) } : null;
      },
    },
    measures: {
      /**
       * Each requested metric's value now, in order, from the service that owns it: at most one call to
       * prisoners and one to corridors, whatever the number of requests, and none to a service not needed.
       */
      async measure(requests: readonly MeasureRequest[]): Promise<number[]> {
        const owned = (service: string) => requests.filter((r) => PERFORMANCE_METRICS[r.metric] === service);
        const fromPrisoners = owned('prisoners');
        const fromCorridors = owned('corridors');
        const unique = <T>(items: T[], key: (t: T) => string) => [...new Map(items.map((i) => [key(i), i])).values()];
        const [released, corridors] = await Promise.all([
          fromPrisoners.length === 0
            ? null
            : callPeer<{ _entities: ({ id: string; detaineesReleased: unknown; priorityDetaineesReleased: unknown } | null)[] }>(deps, 'prisoners', DETAINEES_RELEASED, {
                r: unique(fromPrisoners, (r) => r.milestone.id).map((r) => ({ __typename: 'Milestone', id: r.milestone.id })),
              }),
          fromCorridors.length === 0
            ? null
            : callPeer<{ _entities: ({ id: string; trucksDelivered?: unknown; quietHours?: unknown } | null)[] }>(deps, 'corridors', CORRIDOR_MEASURES, {
                r: [
                  ...unique(fromCorridors.filter((r) => r.metric === 'TRUCKS_DELIVERED'), (r) => r.milestone.id).map((r) => ({
                    __typename: 'Milestone',
                    id: r.milestone.id,
                    windowStartsAt: r.milestone.windowStartsAt.toISOString(),
                    dueAt: r.milestone.dueAt.toISOString(),
                    agreement: { id: r.milestone.agreementId },
                  })),
                  ...unique(fromCorridors.filter((r) => r.metric === 'QUIET_HOURS'), (r) => r.milestone.agreementId).map((r) => ({
                    __typename: 'Agreement',
                    id: r.milestone.agreementId,
                    entryIntoForceAt: r.milestone.agreement.entryIntoForceAt.toISOString(),
                  })),
                ],
              }),
        ]);
        const byPrisonersId = new Map((released?._entities ?? []).filter((e) => e !== null).map((e) => [e!.id, e!]));
        const trucks = new Map<string, unknown>();
        const quiet = new Map<string, unknown>();
        for (const e of corridors?._entities ?? []) {
          if (!e) continue;
          if ('trucksDelivered' in e) trucks.set(e.id, e.trucksDelivered);
          if ('quietHours' in e) quiet.set(e.id, e.quietHours);
        }
        return requests.map((r) => {
          switch (r.metric) {
            case 'DETAINEES_RELEASED':
              return measuredValue('prisoners', `the detainees released on milestone "${r.milestone.title}"`, byPrisonersId.get(r.milestone.id)?.detaineesReleased);
            case 'PRIORITY_DETAINEES_RELEASED':
              return measuredValue('prisoners', `the priority detainees released on milestone "${r.milestone.title}"`, byPrisonersId.get(r.milestone.id)?.priorityDetaineesReleased);
            case 'TRUCKS_DELIVERED':
              return measuredValue('corridors', `the trucks delivered in the window of milestone "${r.milestone.title}"`, trucks.get(r.milestone.id));
            case 'QUIET_HOURS':
              return measuredValue('corridors', `the quiet hours of agreement ${r.milestone.agreementId}`, quiet.get(r.milestone.agreementId));
          }
        });
      },
    },
  };
}

export type Peers = ReturnType<typeof createPeers>;
