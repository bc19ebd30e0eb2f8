import { ExactlyOnce1795250000000, AlertOutbox1795280000000, EvidenceLog1795270000000, logFactsRecordedBefore } from '@treaty/service-kit';
import { evidenceFacts } from '../evidence.js';
import { CreateMilestonesSchema1795230144642 } from './1795230144642-CreateMilestonesSchema.js';
import { AddDisputesAndSnapBack1795234000000 } from './1795234000000-AddDisputesAndSnapBack.js';

/** In the order they apply: this service's tables, then the kit's store of used credentials and Idempotency-Keys, its evidence log, the entries of facts recorded before the log existed, and the alert outbox. */
export const migrations = [CreateMilestonesSchema1795230144642, AddDisputesAndSnapBack1795234000000, ExactlyOnce1795250000000, EvidenceLog1795270000000, logFactsRecordedBefore({ name: 'milestones', evidenceFacts }), AlertOutbox1795280000000];
