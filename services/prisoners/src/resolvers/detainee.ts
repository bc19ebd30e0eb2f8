import type { Detainee as DetaineeRow } from '../entities/index.js';
import { detaineeOrNull } from './query.js';
import type { Context } from '../context.js';

export const Detainee = {
  __resolveReference(ref: { id: string }, ctx: Context) {
    return detaineeOrNull(ref.id, ctx);
  },
  // Stored encrypted: opened here, only for a field that is asked for and allowed (access.ts, which also logs the read).
  name: (d: DetaineeRow, _: unknown, ctx: Context) => ctx.crypto.open('detainee', 'name', d.id, d.name),
  dateOfBirth: (d: DetaineeRow, _: unknown, ctx: Context) => ctx.crypto.open('detainee', 'date_of_birth', d.id, d.dateOfBirth),
  medicalNotes: (d: DetaineeRow, _: unknown, ctx: Context) => ctx.crypto.open('detainee', 'medical_notes', d.id, d.medicalNotes),
  agreement: (d: DetaineeRow) => ({ id: d.agreementId }),
  holdingParty: (d: DetaineeRow) => ({ id: d.holdingPartyId }),
  affiliatedParty: (d: DetaineeRow) => ({ id: d.affiliatedPartyId }),
  listEntry(d: DetaineeRow, _: unknown, ctx: Context) {
    return ctx.loaders.liveEntryOfDetainee.load(d.id);
  },
  proofsOfLife(d: DetaineeRow, _: unknown, ctx: Context) {
    return ctx.loaders.proofsOfLife.load(d.id);
  },
  async latestProofOfLife(d: DetaineeRow, _: unknown, ctx: Context) {
    return (await ctx.loaders.proofsOfLife.load(d.id))[0] ?? null;
  },
  // A living detainee is released (CONSENTS); remains are handed over (REPATRIATED): never both, never mixed.
  async released(d: DetaineeRow, _: unknown, ctx: Context) {
    return (await ctx.loaders.handoverOfDetainee.load(d.id))?.outcome === 'CONSENTS';
  },
  async releasedAt(d: DetaineeRow, _: unknown, ctx: Context) {
    const e = await ctx.loaders.handoverOfDetainee.load(d.id);
    return e?.outcome === 'CONSENTS' ? e.confirmedAt : null;
  },
  async repatriatedAt(d: DetaineeRow, _: unknown, ctx: Context) {
    const e = await ctx.loaders.handoverOfDetainee.load(d.id);
    return e?.outcome === 'REPATRIATED' ? e.confirmedAt : null;
  },
  identifications(d: DetaineeRow, _: unknown, ctx: Context) {
    return ctx.loaders.identificationsOfDetainee.load(d.id);
  },
  manifestEntries(d: DetaineeRow, _: unknown, ctx: Context) {
    return ctx.loaders.manifestEntriesOfDetainee.load(d.id);
  },
};
