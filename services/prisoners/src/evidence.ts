import { factsByColumn, personalDataAccessFacts, recordRef, type FactKind } from '@treaty/service-kit';
import { ManifestEntry } from './entities/index.js';

/**
 * What this service writes to its evidence log (DESIGN §11): each handover the intermediary confirms
 * (a release, or a refusal to return, which changes a person's freedom either way), and every read or
 * erasure of personal data (kit: access-log.ts). Never personal data in clear: the detainee appears as a
 * pseudonymous reference (SHA-256 of type and id), and the medical check's findings and fitness are left
 * out; the log proves who confirmed what, when, on which wave.
 */
export const handoverFact = (e: ManifestEntry) => ({
  manifestEntryId: e.id,
  waveId: e.waveId,
  detaineeRef: recordRef('Detainee', e.detaineeId),
  outcome: e.outcome,
  confirmedAt: e.confirmedAt?.toISOString() ?? null,
  confirmedBy: e.confirmedBy,
  recordedAt: e.recordedAt?.toISOString() ?? null,
});

export const evidenceFacts: FactKind[] = [
  factsByColumn('handover', ManifestEntry, 'id', handoverFact, 'SELECT id FROM manifest_entry WHERE outcome IS NOT NULL'),
  personalDataAccessFacts,
];
