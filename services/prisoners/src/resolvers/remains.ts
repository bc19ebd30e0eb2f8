import { logEntryField } from '@treaty/service-kit';
import type { ManifestEntry as ManifestEntryRow, RemainsIdentification as IdentificationRow } from '../entities/index.js';
import type { Context } from '../context.js';

export const RemainsIdentification = {
  /** Stored encrypted; opened only when asked for and allowed (access.ts logs the read against the identification). */
  evidenceReference: (i: IdentificationRow, _: unknown, ctx: Context) => ctx.crypto.open('remains_identification', 'evidence_reference', i.id, i.evidenceReference),
  findings: (i: IdentificationRow, _: unknown, ctx: Context) => ctx.crypto.open('remains_identification', 'findings', i.id, i.findings),
  logEntry: logEntryField('remains-identification', (i: IdentificationRow) => i.id),
};

/** The intermediary's confirmation of a handover of remains, kept on the manifest entry's row. */
export const RemainsHandover = {
  async identification(e: ManifestEntryRow, _: unknown, ctx: Context) {
    return (await ctx.loaders.identification.load(e.remainsIdentificationId!))!;
  },
  confirmedAt: (e: ManifestEntryRow) => e.confirmedAt,
  confirmedBy: (e: ManifestEntryRow) => e.confirmedBy,
  recordedAt: (e: ManifestEntryRow) => e.recordedAt,
  logEntry: logEntryField('remains-handover', (e: ManifestEntryRow) => e.id),
};
