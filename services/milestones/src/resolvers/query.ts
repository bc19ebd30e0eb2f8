import { isUuid } from '@treaty/service-kit';
import { Agreement } from '../entities/index.js';
import type { QueryAgreementArgs } from '../generated/graphql.js';
import type { Context } from '../context.js';

export const Query = {
  /** The one set of evidence logs; each service resolves its own field of it (EvidenceLogs). */
  evidenceLogs() {
    return { id: 'treaty' };
  },
  async agreements(_: unknown, __: unknown, ctx: Context) {
    const rows = await ctx.db.getRepository(Agreement).find({ order: { entryIntoForceAt: 'DESC', title: 'ASC' } });
    for (const a of rows) ctx.loaders.agreement.prime(a.id, a);
    return rows;
  },
  agreement(_: unknown, { id }: QueryAgreementArgs, ctx: Context) {
    return isUuid(id) ? ctx.loaders.agreement.load(id) : null;
  },
};
