import { CreateMilestonesSchema1795230144642 } from './1795230144642-CreateMilestonesSchema.js';
import { AddDisputesAndSnapBack1795234000000 } from './1795234000000-AddDisputesAndSnapBack.js';

/** In the order they apply. */
export const migrations = [CreateMilestonesSchema1795230144642, AddDisputesAndSnapBack1795234000000];
