import { HOUR_MS, logEntryField } from '@treaty/service-kit';
import type { Agreement as AgreementRow, RedressCase as CaseRow, RedressDelivery as DeliveryRow } from '../entities/index.js';
import { redressStatus } from '../domain/redress.js';
import type { Context } from '../context.js';

/** A case's status now, from its delivery (if any) and the clock; never stored. */
export async function statusOfCase(c: CaseRow, ctx: Context) {
  const delivery = await ctx.loaders.deliveryOfCase.load(c.id);
  return redressStatus(c.dueAt, delivery?.deliveredAt ?? null, ctx.clock.now());
}

export const RedressCase = {
  agreement: (c: CaseRow, _: unknown, ctx: Context) => ctx.loaders.agreement.load(c.agreementId),
  dispute: (c: CaseRow, _: unknown, ctx: Context) => (c.disputeId ? ctx.loaders.dispute.load(c.disputeId) : null),
  owedByParty: (c: CaseRow, _: unknown, ctx: Context) => ctx.loaders.party.load(c.owedByPartyId),
  status: (c: CaseRow, _: unknown, ctx: Context) => statusOfCase(c, ctx),
  async hoursRemaining(c: CaseRow, _: unknown, ctx: Context) {
    if (await ctx.loaders.deliveryOfCase.load(c.id)) return null;
    return Math.round(((c.dueAt.getTime() - ctx.clock.now().getTime()) / HOUR_MS) * 100) / 100;
  },
  delivery: (c: CaseRow, _: unknown, ctx: Context) => ctx.loaders.deliveryOfCase.load(c.id),
  logEntry: logEntryField('redress-opened', (c: CaseRow) => c.id),
};

export const RedressDelivery = {
  evidence: (d: DeliveryRow) => d.evidence,
  logEntry: logEntryField('redress-delivered', (d: DeliveryRow) => d.caseId),
};

/** Agreement.redressCases, merged into the Agreement resolvers (index.ts). */
export const agreementRedress = {
  redressCases: (a: AgreementRow, _: unknown, ctx: Context) => ctx.loaders.redressCasesOfAgreement.load(a.id),
};
