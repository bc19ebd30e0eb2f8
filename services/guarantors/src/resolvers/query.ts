import { isUuid } from '@treaty/service-kit';
import { Guarantor } from '../entities/index.js';
import type { Context } from '../context.js';

export const Query = {
  async guarantors(_: unknown, __: unknown, ctx: Context) {
    const rows = await ctx.db.getRepository(Guarantor).find({ order: { name: 'ASC', id: 'ASC' } });
    for (const g of rows) ctx.loaders.guarantor.prime(g.id, g);
    return rows;
  },
  guarantor(_: unknown, { id }: { id: string }, ctx: Context) {
    return isUuid(id) ? ctx.loaders.guarantor.load(id) : null;
  },
  escrowAccount(_: unknown, { id }: { id: string }, ctx: Context) {
    return isUuid(id) ? ctx.loaders.escrowAccount.load(id) : null;
  },
  tranche(_: unknown, { id }: { id: string }, ctx: Context) {
    return isUuid(id) ? ctx.loaders.tranche.load(id) : null;
  },
};
