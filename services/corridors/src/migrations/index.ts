import { CreateCorridorsSchema1795232000000 } from './1795232000000-CreateCorridorsSchema.js';

/** In the order they apply. */
export const migrations = [CreateCorridorsSchema1795232000000];
