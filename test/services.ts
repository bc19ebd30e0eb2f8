import { corridors } from '@treaty/corridors';
import { guarantors } from '@treaty/guarantors';
import { milestones } from '@treaty/milestones';
import { prisoners } from '@treaty/prisoners';

/** Every subgraph of the supergraph, as the federation helper starts them. */
export const ALL_SERVICES = [milestones, prisoners, corridors, guarantors];
