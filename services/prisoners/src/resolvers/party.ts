import { isUuid } from '@treaty/service-kit';
import { PRIORITY_ORDER, REMAINS } from '../domain/priority.js';
import type { Context } from '../context.js';

/** A Party as this service sees it: only its id (the milestones service owns the rest). */
export interface PartyRef {
  id: string;
}

export const Party = {
  __resolveReference(ref: PartyRef) {
    return isUuid(ref.id) ? { id: ref.id } : null;
  },
  /** The living categories only: remains are counted in remainsCounts. */
  async detaineeCounts(p: PartyRef, _: unknown, ctx: Context) {
    const counts = await ctx.loaders.countsOfParty.load(p.id);
    return PRIORITY_ORDER.map((category) => ({ category, held: counts.get(category)?.held ?? 0, released: counts.get(category)?.released ?? 0 }));
  },
  async remainsCounts(p: PartyRef, _: unknown, ctx: Context) {
    const remains = (await ctx.loaders.countsOfParty.load(p.id)).get(REMAINS);
    return { held: remains?.held ?? 0, repatriated: remains?.released ?? 0 };
  },
};
