import { isUuid } from '@treaty/service-kit';
import type { Party as PartyRow } from '../entities/index.js';
import type { Context } from '../context.js';

export const Party = {
  __resolveReference(ref: { id: string }, ctx: Context) {
    return isUuid(ref.id) ? ctx.loaders.party.load(ref.id) : null;
  },
  async agreements(p: PartyRow, _: unknown, ctx: Context) {
    return (await ctx.loaders.agreementsOfParty.load(p.id)).map((ap) => ap.agreement);
  },
};
