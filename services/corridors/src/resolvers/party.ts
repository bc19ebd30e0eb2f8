import { isUuid } from '@treaty/service-kit';
import type { Context } from '../context.js';
import type { PartyAttributedViolationsArgs } from '../generated/graphql.js';
import { verifiedViolations } from './helpers/metrics.js';

export const Party = {
  __resolveReference(ref: { id: string }) {
    return isUuid(ref.id) ? ref : null;
  },
  attributedViolations(p: { id: string }, args: PartyAttributedViolationsArgs, ctx: Context) {
    return verifiedViolations('party', p.id, args, ctx);
  },
};
