import type { Detainee as DetaineeRow } from '../entities/index.js';
import { visibleDetainee } from './query.js';
import type { Context } from '../context.js';

export const Detainee = {
  __resolveReference(ref: { id: string }, ctx: Context) {
    return visibleDetainee(ref.id, ctx);
  },
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
  async released(d: DetaineeRow, _: unknown, ctx: Context) {
    return (await ctx.loaders.releaseOfDetainee.load(d.id)) !== null;
  },
  async releasedAt(d: DetaineeRow, _: unknown, ctx: Context) {
    return (await ctx.loaders.releaseOfDetainee.load(d.id))?.confirmedAt ?? null;
  },
  manifestEntries(d: DetaineeRow, _: unknown, ctx: Context) {
    return ctx.loaders.manifestEntriesOfDetainee.load(d.id);
  },
};
