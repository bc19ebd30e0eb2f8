import { ExactlyOnce1795250000000, EvidenceLog1795270000000, logFactsRecordedBefore } from '@treaty/service-kit';
import { evidenceFacts } from '../evidence.js';
import { CreateMilestonesSchema1795230144642 } from './1795230144642-CreateMilestonesSchema.js';
import { AddDisputesAndSnapBack1795234000000 } from './1795234000000-AddDisputesAndSnapBack.js';

/** In the order they apply: this service's tables, then the kit's store of used credentials and Idempotency-Keys, its evidence log, and the entries of facts recorded before the log existed. */
export const migrations = [CreateMilestonesSchema1795230144642, AddDisputesAndSnapBack1795234000000, ExactlyOnce1795250000000, EvidenceLog1795270000000, logFactsRecordedBefore({ name: 'milestones', evidenceFacts })];
