import { milestones } from '@treaty/milestones';

/** Every subgraph of the supergraph, as the federation helper starts them. */
export const ALL_SERVICES = [milestones];
