import { ExactlyOnce1795250000000, AlertOutbox1795280000000, EvidenceLog1795270000000, logFactsRecordedBefore } from '@treaty/service-kit';
import { evidenceFacts } from '../evidence.js';
import { CreateGuarantorsSchema1795233000000 } from './1795233000000-CreateGuarantorsSchema.js';
import { DepositReferenceUniquePerAccount1795240000000 } from './1795240000000-DepositReferenceUniquePerAccount.js';

/** In the order they apply: this service's tables, then the kit's store of used credentials and Idempotency-Keys, its evidence log, the entries of facts recorded before the log existed, and the alert outbox. */
export const migrations = [CreateGuarantorsSchema1795233000000, DepositReferenceUniquePerAccount1795240000000, ExactlyOnce1795250000000, EvidenceLog1795270000000, logFactsRecordedBefore({ name: 'guarantors', evidenceFacts }), AlertOutbox1795280000000];
