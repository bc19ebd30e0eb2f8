import { ExactlyOnce1795250000000, AlertOutbox1795280000000, EvidenceLog1795270000000, logFactsRecordedBefore } from '@treaty/service-kit';
import { factsBeforeTheLog } from '../evidence.js';
import { CreateGuarantorsSchema1795233000000 } from './1795233000000-CreateGuarantorsSchema.js';
import { DepositReferenceUniquePerAccount1795240000000 } from './1795240000000-DepositReferenceUniquePerAccount.js';
import { VariableTranchesAndIncentives1795292000000 } from './1795292000000-VariableTranchesAndIncentives.js';

/**
 * In the order they apply: this service's tables, then the kit's store of used credentials and
 * Idempotency-Keys, its evidence log, the entries of facts recorded before the log existed (only the kinds
 * whose tables existed then: on a fresh database it runs before the later tables are made), the alert
 * outbox, and variable tranches and graduated incentives (issue 20).
 */
export const migrations = [
  CreateGuarantorsSchema1795233000000,
  DepositReferenceUniquePerAccount1795240000000,
  ExactlyOnce1795250000000,
  EvidenceLog1795270000000,
  logFactsRecordedBefore({ name: 'guarantors', evidenceFacts: factsBeforeTheLog }),
  AlertOutbox1795280000000,
  VariableTranchesAndIncentives1795292000000,
];
