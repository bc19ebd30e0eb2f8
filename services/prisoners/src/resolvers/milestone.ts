import { isUuid } from '@treaty/service-kit';
import type { Context } from '../context.js';

/** A Milestone as this service sees it: only its id (the milestones service owns the rest). */
export interface MilestoneRef {
  id: string;
}

export const Milestone = {
  __resolveReference(ref: MilestoneRef) {
    return isUuid(ref.id) ? { id: ref.id } : null;
  },
  exchangeWaves(m: MilestoneRef, _: unknown, ctx: Context) {
    return ctx.loaders.wavesOfMilestone.load(m.id);
  },
  async detaineesReleased(m: MilestoneRef, _: unknown, ctx: Context) {
    return (await ctx.loaders.releasesOfMilestone.load(m.id)).released;
  },
  async priorityDetaineesReleased(m: MilestoneRef, _: unknown, ctx: Context) {
    return (await ctx.loaders.releasesOfMilestone.load(m.id)).priority;
  },
  async remainsRepatriated(m: MilestoneRef, _: unknown, ctx: Context) {
    return (await ctx.loaders.releasesOfMilestone.load(m.id)).remains;
  },
};
