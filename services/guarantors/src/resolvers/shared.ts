import type { Tranche } from '../entities/index.js';
import type { MilestoneStatus } from '../domain/tranche.js';

/**
 * A tranche as the resolvers pass it on: the row, plus the milestone's status when the path that reached
 * it already knows it (the gateway's representation through `@requires`, or a confirmation call in a
 * mutation). Without it, `Tranche.status` asks the milestones service, batched per request.
 */
export type TrancheView = Tranche & { milestoneStatus?: MilestoneStatus; milestoneUnderSnapBack?: boolean | null };

export function withStatus(rows: Tranche[], status: MilestoneStatus | undefined, underSnapBack: boolean | null | undefined): TrancheView[] {
  return status && underSnapBack !== undefined ? rows.map((t) => ({ ...t, milestoneStatus: status, milestoneUnderSnapBack: underSnapBack })) : rows;
}

/** A reference to an entity another subgraph owns, resolved by the gateway. */
export function ref(id: string): { id: string } {
  return { id };
}
