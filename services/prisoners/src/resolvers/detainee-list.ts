import type { DetaineeList as DetaineeListRow, ListEntry } from '../entities/index.js';
import { listLate } from '../domain/lists.js';
import { partyScope, visibleTo } from '../access.js';
import type { Context } from '../context.js';

/** Keeps the entries (or manifest entries) about detainees the caller may see; one batched load. */
export async function onlyVisible<T extends { detaineeId: string }>(rows: T[], ctx: Context): Promise<T[]> {
  if (partyScope(ctx.caller) === null) return rows;
  const detainees = await ctx.loaders.detainee.loadMany(rows.map((r) => r.detaineeId));
  return rows.filter((_, i) => {
    const d = detainees[i];
    return d && !(d instanceof Error) && visibleTo(ctx.caller, d);
  });
}

export const DetaineeList = {
  agreement: (l: DetaineeListRow) => ({ id: l.agreementId }),
  submittingParty: (l: DetaineeListRow) => ({ id: l.submittingPartyId }),
  async late(l: DetaineeListRow, _: unknown, ctx: Context) {
    return listLate(await ctx.loaders.deadlinesOfAgreement.load(l.agreementId), l.submittedAt);
  },
  async entries(l: DetaineeListRow, _: unknown, ctx: Context): Promise<ListEntry[]> {
    return onlyVisible(await ctx.loaders.entriesOfList.load(l.id), ctx);
  },
};
