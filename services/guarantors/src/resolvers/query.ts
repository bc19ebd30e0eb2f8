import { isUuid, pageOf, type PageArgs } from '@treaty/service-kit';
import { Guarantor } from '../entities/index.js';
import type { QueryEscrowAccountArgs, QueryGuarantorArgs, QueryIncentiveEscrowArgs, QueryTrancheArgs } from '../generated/graphql.js';
import type { Context } from '../context.js';

export const Query = {
  async guarantors(_: unknown, __: unknown, ctx: Context) {
    const rows = await ctx.db.getRepository(Guarantor).find({ order: { name: 'ASC', id: 'ASC' } });
    for (const g of rows) ctx.loaders.guarantor.prime(g.id, g);
    return rows;
  },
  /** The guarantors a page at a time, by name; one read, as for `guarantors`. */
  async guarantorsPage(_: unknown, args: PageArgs, ctx: Context) {
    return pageOf(await Query.guarantors(_, undefined, ctx), args, (g) => [g.name, g.id], ['asc', 'asc']);
  },
  guarantor(_: unknown, { id }: QueryGuarantorArgs, ctx: Context) {
    return isUuid(id) ? ctx.loaders.guarantor.load(id) : null;
  },
  escrowAccount(_: unknown, { id }: QueryEscrowAccountArgs, ctx: Context) {
    return isUuid(id) ? ctx.loaders.escrowAccount.load(id) : null;
  },
  tranche(_: unknown, { id }: QueryTrancheArgs, ctx: Context) {
    return isUuid(id) ? ctx.loaders.tranche.load(id) : null;
  },
  incentiveEscrow(_: unknown, { id }: QueryIncentiveEscrowArgs, ctx: Context) {
    return isUuid(id) ? ctx.loaders.incentiveEscrow.load(id) : null;
  },
};
