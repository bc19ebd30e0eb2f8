import { isUuid } from '@treaty/service-kit';
import type { ListDeadline } from '../entities/index.js';
import type { Context } from '../context.js';

/** An Agreement as this service sees it: its id and, when the gateway supplies them (@requires), its parties. */
export interface AgreementRef {
  id: string;
  parties?: { id: string }[];
}

/** The parent of DetaineeListSchedule's fields. */
export interface ScheduleSource {
  agreementId: string;
  deadlines: ListDeadline;
  parties: { id: string }[];
}

export const Agreement = {
  __resolveReference(ref: AgreementRef) {
    return isUuid(ref.id) ? ref : null;
  },
  detaineeLists(a: AgreementRef, _: unknown, ctx: Context) {
    return ctx.loaders.listsOfAgreement.load(a.id);
  },
  async listSchedule(a: AgreementRef, _: unknown, ctx: Context): Promise<ScheduleSource | null> {
    const deadlines = await ctx.loaders.deadlinesOfAgreement.load(a.id);
    return deadlines ? { agreementId: a.id, deadlines, parties: a.parties ?? [] } : null;
  },
  exchangeWaves(a: AgreementRef, _: unknown, ctx: Context) {
    return ctx.loaders.wavesOfAgreement.load(a.id);
  },
};
