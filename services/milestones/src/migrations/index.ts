import { CreateMilestonesSchema1795230144642 } from './1795230144642-CreateMilestonesSchema.js';

/** In the order they apply. */
export const migrations = [CreateMilestonesSchema1795230144642];
