import { isUuid, pageOf, timeKey, type PageArgs } from '@treaty/service-kit';
import { Agreement } from '../entities/index.js';
import type { QueryAgreementArgs } from '../generated/graphql.js';
import type { Context } from '../context.js';

export const Query = {
  /** The agreements a page at a time; the whole list is one read, as for `agreements`. */
  async agreementsPage(_: unknown, args: PageArgs, ctx: Context) {
    return pageOf(await Query.agreements(_, undefined, ctx), args, (a) => [timeKey(a.entryIntoForceAt), a.title, a.id], ['desc', 'asc', 'asc']);
  },
  /** The one set of evidence logs; each service resolves its own field of it (EvidenceLogs). */
  evidenceLogs() {
    return { id: 'treaty' };
  },
  async agreements(_: unknown, __: unknown, ctx: Context) {
    const rows = await ctx.db.getRepository(Agreement).find({ order: { entryIntoForceAt: 'DESC', title: 'ASC', id: 'ASC' } });
    for (const a of rows) ctx.loaders.agreement.prime(a.id, a);
    return rows;
  },
  agreement(_: unknown, { id }: QueryAgreementArgs, ctx: Context) {
    return isUuid(id) ? ctx.loaders.agreement.load(id) : null;
  },
};
