import type { Phase as PhaseRow } from '../entities/index.js';
import { endOfDay, startOfDay } from '../domain/calendar.js';
import type { Context } from '../context.js';

export const Phase = {
  async startsAt(p: PhaseRow, _: unknown, ctx: Context) {
    const agreement = await ctx.loaders.agreement.load(p.agreementId);
    return startOfDay(agreement!.entryIntoForceAt, p.startDay);
  },
  async endsAt(p: PhaseRow, _: unknown, ctx: Context) {
    const agreement = await ctx.loaders.agreement.load(p.agreementId);
    return endOfDay(agreement!.entryIntoForceAt, p.endDay);
  },
  milestones(p: PhaseRow, _: unknown, ctx: Context) {
    return ctx.loaders.milestonesOfPhase.load(p.id);
  },
};
