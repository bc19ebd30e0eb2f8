import { logEntryField } from '@treaty/service-kit';
import type { ManifestEntry as ManifestEntryRow } from '../entities/index.js';
import type { Context } from '../context.js';

/** The intermediary's record, kept on the manifest entry's row. */
export const Handover = {
  interview: (e: ManifestEntryRow) => e.outcome,
  fitToTravel: (e: ManifestEntryRow) => e.fitToTravel,
  /** Stored encrypted; opened only when asked for and allowed. */
  medicalNotes: (e: ManifestEntryRow, _: unknown, ctx: Context) => ctx.crypto.open('manifest_entry', 'medical_check_notes', e.id, e.medicalCheckNotes),
  confirmedAt: (e: ManifestEntryRow) => e.confirmedAt,
  confirmedBy: (e: ManifestEntryRow) => e.confirmedBy,
  recordedAt: (e: ManifestEntryRow) => e.recordedAt,
  logEntry: logEntryField('handover', (e: ManifestEntryRow) => e.id),
};
