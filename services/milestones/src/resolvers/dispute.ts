import { HOUR_MS, logEntryField } from '@treaty/service-kit';
import type { Dispute as DisputeRow } from '../entities/index.js';
import { disputeStage } from '../domain/disputes.js';
import type { Context } from '../context.js';

/** Where a dispute stands now, from its ladder, any ruling and the clock. */
async function stageOf(d: DisputeRow, ctx: Context) {
  const [tiers, ruling] = await Promise.all([ctx.loaders.disputeTiersOfAgreement.load(d.agreementId), ctx.loaders.rulingOfDispute.load(d.id)]);
  return disputeStage(d.filedAt, tiers, ruling?.ruledAt ?? null, ctx.clock.now());
}

export const Dispute = {
  agreement(d: DisputeRow, _: unknown, ctx: Context) {
    return ctx.loaders.agreement.load(d.agreementId);
  },
  milestone(d: DisputeRow, _: unknown, ctx: Context) {
    return d.milestoneId ? ctx.loaders.milestone.load(d.milestoneId) : null;
  },
  accusedParty(d: DisputeRow, _: unknown, ctx: Context) {
    return d.accusedPartyId ? ctx.loaders.party.load(d.accusedPartyId) : null;
  },
  async status(d: DisputeRow, _: unknown, ctx: Context) {
    return (await stageOf(d, ctx)).kind;
  },
  async currentTier(d: DisputeRow, _: unknown, ctx: Context) {
    const stage = await stageOf(d, ctx);
    return stage.kind === 'OPEN' ? stage.tier : null;
  },
  async currentDeadline(d: DisputeRow, _: unknown, ctx: Context) {
    const stage = await stageOf(d, ctx);
    return stage.kind === 'OPEN' ? stage.deadline : null;
  },
  async hoursRemaining(d: DisputeRow, _: unknown, ctx: Context) {
    const stage = await stageOf(d, ctx);
    return stage.kind === 'OPEN' ? Math.round(((stage.deadline.getTime() - ctx.clock.now().getTime()) / HOUR_MS) * 100) / 100 : null;
  },
  async ruling(d: DisputeRow, _: unknown, ctx: Context) {
    const [ruling, tiers] = await Promise.all([ctx.loaders.rulingOfDispute.load(d.id), ctx.loaders.disputeTiersOfAgreement.load(d.agreementId)]);
    return ruling ? { ...ruling, tier: tiers.find((t) => t.ordinal === ruling.tierOrdinal) } : null;
  },
};

export const SnapBackClause = {
  logEntry: logEntryField('snap-back-clause', (c: { id: string }) => c.id),
  adoptedAt(c: { createdAt: Date }) {
    return c.createdAt;
  },
  milestone(c: { milestoneId: string | null }, _: unknown, ctx: Context) {
    return c.milestoneId ? ctx.loaders.milestone.load(c.milestoneId) : null;
  },
};
