import { ExactlyOnce1795250000000, PersonalDataAccessLog1795200000000, EvidenceLog1795270000000, PersonalDataAccessEvidence1795270000001, logFactsRecordedBefore, AlertOutbox1795280000000 } from '@treaty/service-kit';
import { factsBeforeTheLog } from '../evidence.js';
import { CreatePrisonersSchema1795231000000 } from './1795231000000-CreatePrisonersSchema.js';
import { EncryptPersonalData1795260000000 } from './1795260000000-EncryptPersonalData.js';
import { PersonalDataRetention1795261000000 } from './1795261000000-PersonalDataRetention.js';
import { RepatriationOfRemains1795291000000 } from './1795291000000-RepatriationOfRemains.js';
import { WithdrawnWaves1795300000000 } from './1795300000000-WithdrawnWaves.js';

/**
 * In the order they apply: the kit's personal-data access log, this service's tables, the kit's store of
 * used credentials and Idempotency-Keys, then encryption at rest and retention of personal data, the
 * evidence log (with the access log tied to it), the entries of facts recorded before the log existed
 * (only the kinds whose tables existed then: on a fresh database this runs before the later tables are
 * made), the alert outbox, the repatriation of remains, and withdrawn waves.
 */
export const migrations = [
  PersonalDataAccessLog1795200000000,
  CreatePrisonersSchema1795231000000,
  ExactlyOnce1795250000000,
  EncryptPersonalData1795260000000,
  PersonalDataRetention1795261000000,
  EvidenceLog1795270000000,
  PersonalDataAccessEvidence1795270000001,
  logFactsRecordedBefore({ name: 'prisoners', evidenceFacts: factsBeforeTheLog }),
  AlertOutbox1795280000000,
  RepatriationOfRemains1795291000000,
  WithdrawnWaves1795300000000,
];
