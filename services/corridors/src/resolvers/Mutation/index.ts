import { convoyMutations } from './convoy.js';
import { corridorMutations } from './corridor.js';
import { incidentMutations } from './incident.js';
import { inspectionMutations } from './inspection.js';
import { positionMutations } from './positions.js';

/** Every mutation, one file per aggregate it writes (positions apart: a batch is its own write path). */
export const Mutation = { ...corridorMutations, ...convoyMutations, ...inspectionMutations, ...positionMutations, ...incidentMutations };
