import { isUuid } from '@treaty/service-kit';
import type { Milestone as MilestoneRow } from '../entities/index.js';
import { endOfDay, startOfDay } from '../domain/calendar.js';
import { milestoneStatus } from '../domain/status.js';
import type { Context } from '../context.js';

/** The status of one milestone from its batched facts; shared by every field that needs it. */
export async function statusOf(m: MilestoneRow, ctx: Context) {
  const [agreement, certifications, waivers] = await Promise.all([
    ctx.loaders.agreement.load(m.agreementId),
    ctx.loaders.certificationsOfMilestone.load(m.id),
    ctx.loaders.waiversOfMilestone.load(m.id),
  ]);
  return milestoneStatus({
    entryIntoForceAt: agreement!.entryIntoForceAt,
    dueDay: m.dueDay,
    metAt: certifications[0]?.metAt ?? null,
    waived: waivers.length > 0,
    now: ctx.clock.now(),
  });
}

export const Milestone = {
  __resolveReference(ref: { id: string }, ctx: Context) {
    return isUuid(ref.id) ? ctx.loaders.milestone.load(ref.id) : null;
  },
  agreement(m: MilestoneRow, _: unknown, ctx: Context) {
    return ctx.loaders.agreement.load(m.agreementId);
  },
  phase(m: MilestoneRow, _: unknown, ctx: Context) {
    return ctx.loaders.phase.load(m.phaseId);
  },
  obligatedParty(m: MilestoneRow, _: unknown, ctx: Context) {
    return ctx.loaders.party.load(m.obligatedPartyId);
  },
  async dueAt(m: MilestoneRow, _: unknown, ctx: Context) {
    const agreement = await ctx.loaders.agreement.load(m.agreementId);
    return endOfDay(agreement!.entryIntoForceAt, m.dueDay);
  },
  async windowStartsAt(m: MilestoneRow, _: unknown, ctx: Context) {
    const [agreement, phase] = await Promise.all([ctx.loaders.agreement.load(m.agreementId), ctx.loaders.phase.load(m.phaseId)]);
    return startOfDay(agreement!.entryIntoForceAt, phase!.startDay);
  },
  benchmarks(m: MilestoneRow, _: unknown, ctx: Context) {
    return ctx.loaders.benchmarksOfMilestone.load(m.id);
  },
  certifications(m: MilestoneRow, _: unknown, ctx: Context) {
    return ctx.loaders.certificationsOfMilestone.load(m.id);
  },
  waivers(m: MilestoneRow, _: unknown, ctx: Context) {
    return ctx.loaders.waiversOfMilestone.load(m.id);
  },
  status(m: MilestoneRow, _: unknown, ctx: Context) {
    return statusOf(m, ctx);
  },
};
