import { factsByColumn, personalDataAccessFacts, recordRef, textDigest, type FactKind } from '@treaty/service-kit';
import { RemainsIdentification, type ManifestEntry } from './entities/index.js';

/**
 * What this service writes to its evidence log (DESIGN §11): each handover the intermediary confirms
 * (a release, or a refusal to return, which changes a person's freedom either way), each identification
 * of remains and each handover of remains (the return of a deceased person to their side), and every read
 * or erasure of personal data (kit: access-log.ts). Never personal data in clear: the detainee appears as a
 * pseudonymous reference (SHA-256 of type and id), the medical check's findings and fitness are left out,
 * and so are an identification's evidence reference and findings; who identified remains is logged as a
 * digest. The log proves who confirmed what, when, on which wave, on the strength of which identification.
 */
type HandoverRow = Pick<ManifestEntry, 'id' | 'waveId' | 'detaineeId' | 'outcome' | 'confirmedAt' | 'confirmedBy' | 'recordedAt'>;

export const handoverFact = (e: HandoverRow) => ({
  manifestEntryId: e.id,
  waveId: e.waveId,
  detaineeRef: recordRef('Detainee', e.detaineeId),
  outcome: e.outcome,
  confirmedAt: e.confirmedAt?.toISOString() ?? null,
  confirmedBy: e.confirmedBy,
  recordedAt: e.recordedAt?.toISOString() ?? null,
});

/** The handover of remains: as a handover, with the identification it relied on (there is no interview). */
export const remainsHandoverFact = (e: HandoverRow & Pick<ManifestEntry, 'remainsIdentificationId'>) => ({
  ...handoverFact(e),
  remainsIdentificationId: e.remainsIdentificationId,
});

export const remainsIdentificationFact = (i: RemainsIdentification) => ({
  identificationId: i.id,
  detaineeRef: recordRef('Detainee', i.detaineeId),
  method: i.method,
  identifiedAt: i.identifiedAt.toISOString(),
  identifiedBySha256: textDigest(i.identifiedBy),
  recordedAt: i.recordedAt.toISOString(),
  recordedBy: i.recordedBy,
});

const HANDOVER_COLUMNS = `id, wave_id AS "waveId", detainee_id AS "detaineeId", outcome, confirmed_at AS "confirmedAt", confirmed_by AS "confirmedBy", recorded_at AS "recordedAt"`;

/**
 * Handovers of one kind, read with the columns their fact needs only: the migration that logs what was
 * recorded before the log existed reads them too, when columns added later (remains_identification_id)
 * are not there yet.
 */
function handoverFacts(kind: string, outcomes: string, columns: string, encode: (row: never) => Record<string, unknown>): FactKind {
  return {
    kind,
    subjectsSql: `SELECT id FROM manifest_entry WHERE outcome IN (${outcomes})`,
    async load(m, subjects) {
      if (subjects.length === 0) return new Map();
      const rows: (HandoverRow & Record<string, unknown>)[] = await m.query(`SELECT ${columns} FROM manifest_entry WHERE id = ANY($1::uuid[])`, [subjects]);
      return new Map(rows.map((r) => [r.id, encode(r as never)]));
    },
  };
}

const handovers = handoverFacts('handover', `'CONSENTS', 'REFUSES'`, HANDOVER_COLUMNS, handoverFact);

/**
 * The kinds this service logged before the evidence log existed: the migration that logs what was
 * recorded before it (migrations/index.ts) reads only these, since on a fresh database it runs before
 * the tables of the later kinds are made.
 */
export const factsBeforeTheLog: FactKind[] = [handovers, personalDataAccessFacts];

export const evidenceFacts: FactKind[] = [
  handovers,
  factsByColumn('remains-identification', RemainsIdentification, 'id', remainsIdentificationFact, 'SELECT id FROM remains_identification'),
  handoverFacts('remains-handover', `'REPATRIATED'`, `${HANDOVER_COLUMNS}, remains_identification_id AS "remainsIdentificationId"`, remainsHandoverFact),
  personalDataAccessFacts,
];
