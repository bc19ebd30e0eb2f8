import type { ListEntry } from '../entities/index.js';
import { entryCommentDueAt, entryOverdue, listEntryStatus } from '../domain/lists.js';
import { visibleDetainee } from './query.js';
import type { Context } from '../context.js';

/** An entry's comment deadline and status, from its batched list and the agreement's deadlines. */
export async function entryState(e: ListEntry, ctx: Context) {
  const list = (await ctx.loaders.list.load(e.listId))!;
  const deadlines = await ctx.loaders.deadlinesOfAgreement.load(list.agreementId);
  const commentDueAt = entryCommentDueAt(deadlines, list.submittedAt);
  const now = ctx.clock.now();
  const status = listEntryStatus({ resolution: e.resolution, contestReason: e.contestReason, commentDueAt, now });
  return { commentDueAt, status, overdue: entryOverdue(status, commentDueAt, now) };
}

export const DetaineeListEntry = {
  list(e: ListEntry, _: unknown, ctx: Context) {
    return ctx.loaders.list.load(e.listId);
  },
  detainee(e: ListEntry, _: unknown, ctx: Context) {
    return visibleDetainee(e.detaineeId, ctx);
  },
  async status(e: ListEntry, _: unknown, ctx: Context) {
    return (await entryState(e, ctx)).status;
  },
  async commentDueAt(e: ListEntry, _: unknown, ctx: Context) {
    return (await entryState(e, ctx)).commentDueAt;
  },
  async overdue(e: ListEntry, _: unknown, ctx: Context) {
    return (await entryState(e, ctx)).overdue;
  },
  contest(e: ListEntry) {
    return e.contestReason
      ? { reason: e.contestReason, note: e.contestNote, party: { id: e.contestingPartyId }, contestedAt: e.contestedAt, contestedBy: e.contestedBy }
      : null;
  },
  resolution(e: ListEntry) {
    return e.resolution ? { outcome: e.resolution, note: e.resolutionNote, resolvedAt: e.resolvedAt, resolvedBy: e.resolvedBy } : null;
  },
};
