import { isUuid, pageOf, timeKey, type PageArgs } from '@treaty/service-kit';
import type { Guarantor as GuarantorRow } from '../entities/index.js';
import { totalsByCurrency } from '../domain/commitment.js';
import { money } from '../domain/money.js';
import type { GuarantorCommitmentTotalsArgs, GuarantorCommitmentsArgs } from '../generated/graphql.js';
import type { Context } from '../context.js';

/** Commitments' order, newest pledge first (the loaders' order), as a page's sort key. */
export const commitmentKey = (c: { pledgedAt: Date; id: string }) => [timeKey(c.pledgedAt), c.id];

export const Guarantor = {
  __resolveReference(ref: { id: string }, ctx: Context) {
    return isUuid(ref.id) ? ctx.loaders.guarantor.load(ref.id) : null;
  },
  async commitments(g: GuarantorRow, { agreementId }: GuarantorCommitmentsArgs, ctx: Context) {
    const all = await ctx.loaders.commitmentsOfGuarantor.load(g.id);
    return agreementId ? all.filter((c) => c.agreementId === agreementId) : all;
  },
  async commitmentsPage(g: GuarantorRow, args: GuarantorCommitmentsArgs & PageArgs, ctx: Context) {
    return pageOf(await Guarantor.commitments(g, args, ctx), args, commitmentKey, ['desc', 'asc']);
  },
  async commitmentTotals(g: GuarantorRow, { agreementId }: GuarantorCommitmentTotalsArgs, ctx: Context) {
    const rows = await ctx.loaders.commitmentTotalsOfGuarantor.load(g.id);
    return totalsByCurrency(agreementId ? rows.filter((r) => r.agreementId === agreementId) : rows).map((t) => ({
      currency: t.currency,
      pledged: money(t.pledged, t.currency),
      committed: money(t.committed, t.currency),
      paid: money(t.paid, t.currency),
    }));
  },
  tranches(g: GuarantorRow, _: unknown, ctx: Context) {
    return ctx.loaders.tranchesOfGuarantor.load(g.id);
  },
  incentiveEscrows(g: GuarantorRow, _: unknown, ctx: Context) {
    return ctx.loaders.incentiveEscrowsOfGuarantor.load(g.id);
  },
};
