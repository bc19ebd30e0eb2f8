import { isUuid } from '@treaty/service-kit';
import { windowKey } from '../domain/metrics.js';
import type { Context } from '../context.js';
import { requiredDate, window } from './helpers/requires.js';

/** A milestone as the gateway represents it here: its key and the fields `@requires` asks milestones for. */
export interface MilestoneRef {
  id: string;
  windowStartsAt?: string;
  dueAt?: string;
  agreement?: { id: string };
}

export const Milestone = {
  __resolveReference(ref: MilestoneRef) {
    return ref;
  },
  async trucksDelivered(m: MilestoneRef, _: unknown, ctx: Context) {
    const from = requiredDate(m.windowStartsAt, 'Milestone.windowStartsAt');
    const until = requiredDate(m.dueAt, 'Milestone.dueAt');
    const agreementId = m.agreement?.id;
    if (!isUuid(agreementId) || from.getTime() >= until.getTime()) return 0;
    return (await ctx.loaders.deliveries.agreement.load(windowKey(agreementId, window(from, until)))).trucks;
  },
};
