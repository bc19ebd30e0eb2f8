import { ExactlyOnce1795250000000, AlertOutbox1795280000000, EvidenceLog1795270000000, logFactsRecordedBefore } from '@treaty/service-kit';
import { factsBeforeTheLog } from '../evidence.js';
import { CreateMilestonesSchema1795230144642 } from './1795230144642-CreateMilestonesSchema.js';
import { AddDisputesAndSnapBack1795234000000 } from './1795234000000-AddDisputesAndSnapBack.js';
import { MilestoneKinds1795266000000 } from './1795266000000-MilestoneKinds.js';
import { ConfidentialReportsAndRedress1795290000000 } from './1795290000000-ConfidentialReportsAndRedress.js';

/**
 * In the order they apply: this service's tables, then the kit's store of used credentials and
 * Idempotency-Keys, milestone kinds (statements and domestic steps), its evidence log, the entries of facts recorded before the log existed (only the
 * kinds whose tables existed then: on a fresh database this runs before the later tables are made), the
 * alert outbox, and confidential reports and redress (with the access log and data keys they need).
 */
export const migrations = [
  CreateMilestonesSchema1795230144642,
  AddDisputesAndSnapBack1795234000000,
  ExactlyOnce1795250000000,
  MilestoneKinds1795266000000,
  EvidenceLog1795270000000,
  logFactsRecordedBefore({ name: 'milestones', evidenceFacts: factsBeforeTheLog }),
  AlertOutbox1795280000000,
  ConfidentialReportsAndRedress1795290000000,
];
