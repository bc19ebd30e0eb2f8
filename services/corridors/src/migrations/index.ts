import { ExactlyOnce1795250000000 } from '@treaty/service-kit';
import { CreateCorridorsSchema1795232000000 } from './1795232000000-CreateCorridorsSchema.js';
import { PositionsPerConvoy1795240000000 } from './1795240000000-PositionsPerConvoy.js';

/** In the order they apply; the last, from the kit, keeps used credentials and Idempotency-Keys. */
export const migrations = [CreateCorridorsSchema1795232000000, PositionsPerConvoy1795240000000, ExactlyOnce1795250000000];
