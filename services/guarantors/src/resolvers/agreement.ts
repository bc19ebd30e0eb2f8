import { isUuid, pageOf, type PageArgs } from '@treaty/service-kit';
import { commitmentKey } from './guarantor.js';
import { totalsByCurrency } from '../domain/commitment.js';
import { money } from '../domain/money.js';
import type { Context } from '../context.js';

/** The milestones service owns agreements; this service adds the guarantees, escrow, incentives and penalties made for them. */
export const Agreement = {
  __resolveReference(reference: { id: string }) {
    return isUuid(reference.id) ? { id: reference.id } : null;
  },
  commitments(a: { id: string }, _: unknown, ctx: Context) {
    return ctx.loaders.commitmentsOfAgreement.load(a.id);
  },
  async commitmentsPage(a: { id: string }, args: PageArgs, ctx: Context) {
    return pageOf(await ctx.loaders.commitmentsOfAgreement.load(a.id), args, commitmentKey, ['desc', 'asc']);
  },
  async commitmentTotals(a: { id: string }, _: unknown, ctx: Context) {
    return totalsByCurrency(await ctx.loaders.commitmentTotalsOfAgreement.load(a.id)).map((t) => ({
      currency: t.currency,
      pledged: money(t.pledged, t.currency),
      committed: money(t.committed, t.currency),
      paid: money(t.paid, t.currency),
    }));
  },
  escrowAccounts(a: { id: string }, _: unknown, ctx: Context) {
    return ctx.loaders.escrowAccountsOfAgreement.load(a.id);
  },
  penaltySchedule(a: { id: string }, _: unknown, ctx: Context) {
    return ctx.loaders.penaltySchedule.load(a.id);
  },
  incentiveEscrows(a: { id: string }, _: unknown, ctx: Context) {
    return ctx.loaders.incentiveEscrowsOfAgreement.load(a.id);
  },
};
