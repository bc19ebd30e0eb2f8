import type { ManifestEntry as ManifestEntryRow } from '../entities/index.js';

/** The intermediary's record, kept on the manifest entry's row. */
export const Handover = {
  interview: (e: ManifestEntryRow) => e.outcome,
  fitToTravel: (e: ManifestEntryRow) => e.fitToTravel,
  medicalNotes: (e: ManifestEntryRow) => e.medicalCheckNotes,
  confirmedAt: (e: ManifestEntryRow) => e.confirmedAt,
  confirmedBy: (e: ManifestEntryRow) => e.confirmedBy,
  recordedAt: (e: ManifestEntryRow) => e.recordedAt,
};
