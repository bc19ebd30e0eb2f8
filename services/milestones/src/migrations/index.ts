import { ExactlyOnce1795250000000 } from '@treaty/service-kit';
import { CreateMilestonesSchema1795230144642 } from './1795230144642-CreateMilestonesSchema.js';
import { AddDisputesAndSnapBack1795234000000 } from './1795234000000-AddDisputesAndSnapBack.js';

/** In the order they apply; the last, from the kit, keeps used credentials and Idempotency-Keys. */
export const migrations = [CreateMilestonesSchema1795230144642, AddDisputesAndSnapBack1795234000000, ExactlyOnce1795250000000];
