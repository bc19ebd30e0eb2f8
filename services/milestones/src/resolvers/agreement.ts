import { isUuid } from '@treaty/service-kit';
import type { Agreement as AgreementRow } from '../entities/index.js';
import { dayNumber } from '../domain/calendar.js';
import type { Context } from '../context.js';

export const Agreement = {
  __resolveReference(ref: { id: string }, ctx: Context) {
    return isUuid(ref.id) ? ctx.loaders.agreement.load(ref.id) : null;
  },
  async parties(a: AgreementRow, _: unknown, ctx: Context) {
    return (await ctx.loaders.partiesOfAgreement.load(a.id)).map((ap) => ap.party);
  },
  currentDay(a: AgreementRow, _: unknown, ctx: Context) {
    return dayNumber(a.entryIntoForceAt, ctx.clock.now());
  },
  async currentPhase(a: AgreementRow, _: unknown, ctx: Context) {
    const today = dayNumber(a.entryIntoForceAt, ctx.clock.now());
    const phases = await ctx.loaders.phasesOfAgreement.load(a.id);
    return phases.find((p) => today >= p.startDay && today <= p.endDay) ?? null;
  },
  async permittedCargo(a: AgreementRow, _: unknown, ctx: Context) {
    const today = dayNumber(a.entryIntoForceAt, ctx.clock.now());
    const phases = await ctx.loaders.phasesOfAgreement.load(a.id);
    return phases.find((p) => today >= p.startDay && today <= p.endDay)?.permittedCargo ?? [];
  },
  phases(a: AgreementRow, _: unknown, ctx: Context) {
    return ctx.loaders.phasesOfAgreement.load(a.id);
  },
  milestones(a: AgreementRow, _: unknown, ctx: Context) {
    return ctx.loaders.milestonesOfAgreement.load(a.id);
  },
};
