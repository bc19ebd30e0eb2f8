import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { BadUserInputError, DomainError, ErrorCode, ForbiddenError, NotFoundError, Problems, actor, hasRole, isUniqueViolation, isUuid } from '@treaty/service-kit';
import { Detainee, DetaineeList, ListDeadline, ListEntry } from '../../entities/index.js';
import { entryCommentDueAt, listEntryStatus } from '../../domain/lists.js';
import { checkContest, checkDeadlines, checkIdList, checkInForce, checkListDetainees, checkPast, checkText, contestable, otherSide, resolvable } from '../../domain/rules.js';
import type {
  MutationContestListEntryArgs,
  MutationResolveListEntryArgs,
  MutationSetListDeadlinesArgs,
  MutationSubmitDetaineeListArgs,
} from '../../generated/graphql.js';
import type { ScheduleSource } from '../agreement.js';
import type { Context } from '../../context.js';
import { agreementOrFail, deadlinesOf, lockDetainees, lockEntry } from './shared.js';

/** An entry's status now, derived as the read side does, with the end of its comment period. */
async function entryStatus(m: EntityManager, entry: ListEntry, list: DetaineeList, now: Date) {
  const commentDueAt = entryCommentDueAt(await deadlinesOf(m, list.agreementId), list.submittedAt);
  return { commentDueAt, status: listEntryStatus({ resolution: entry.resolution, contestReason: entry.contestReason, commentDueAt, now }) };
}

export const listMutations = {
  async submitDetaineeList(_: unknown, { input }: MutationSubmitDetaineeListArgs, ctx: Context) {
    const p = new Problems();
    const now = ctx.clock.now();
    checkIdList(p, 'input.detaineeIds', input.detaineeIds, 1000, 'list');
    if (input.note) checkText(p, 'input.note', input.note, 'Note', 2000);
    if (input.submittedAt) {
      if (!hasRole(ctx.caller, 'MEDIATOR')) {
        p.add('input.submittedAt', "Only a MEDIATOR may record when a list was handed over; omit submittedAt and the list is timestamped on receipt.");
      }
      checkPast(p, 'input.submittedAt', input.submittedAt, now, 'submittedAt');
    }
    p.throwIfAny();
    if (!isUuid(input.agreementId)) throw new NotFoundError('agreement', input.agreementId, 'List agreements with { agreements { id title } }.');

    try {
      return await ctx.db.transaction(async (m) => {
        const detainees = await lockDetainees(m, input.detaineeIds);
        checkListDetainees(p, detainees, input.agreementId, input.submittingPartyId);
        const live = await m
          .getRepository(ListEntry)
          .createQueryBuilder('e')
          .where('e.detainee_id IN (:...ids)', { ids: input.detaineeIds })
          .andWhere(`e.resolution IS DISTINCT FROM 'REMOVED'`)
          .getMany();
        for (const e of live) {
          p.add(
            `input.detaineeIds[${input.detaineeIds.indexOf(e.detaineeId)}]`,
            `Detainee ${e.detaineeId} is already on list ${e.listId} (entry ${e.id}); contest or resolve that entry instead of listing them twice.`,
          );
        }
        p.throwIfAny();
        const list = m.create(DetaineeList, {
          id: randomUUID(),
          agreementId: input.agreementId,
          submittingPartyId: input.submittingPartyId,
          submittedAt: input.submittedAt ?? now,
          recordedAt: now,
          recordedBy: actor(ctx.caller),
          note: input.note?.trim() || null,
        });
        await m.insert(DetaineeList, list);
        await m.insert(
          ListEntry,
          input.detaineeIds.map((detaineeId, position) => ({ id: randomUUID(), listId: list.id, detaineeId, position })),
        );
        return list;
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw BadUserInputError.one('input.detaineeIds', 'A detainee on this list was listed by another request a moment ago; reload the lists and submit the others.');
      throw e;
    }
  },

  async contestListEntry(_: unknown, { input }: MutationContestListEntryArgs, ctx: Context) {
    const p = new Problems();
    checkContest(p, input.reason, input.note);
    p.throwIfAny();
    const now = ctx.clock.now();
    return ctx.db.transaction(async (m) => {
      const entry = await lockEntry(m, input.entryId);
      const list = await m.findOneByOrFail(DetaineeList, { id: entry.listId });
      const detainee = await m.findOneByOrFail(Detainee, { id: entry.detaineeId });
      const contester = otherSide(detainee, list.submittingPartyId);
      if (ctx.caller.partyId !== contester) {
        throw new ForbiddenError(
          `Only the other side may contest this entry: party ${contester}, the party of detainee ${detainee.id} that did not submit list ${list.id}. ` +
            `This request acts for ${ctx.caller.partyId ?? 'no party'}.`,
          { entryId: entry.id, otherSide: contester },
        );
      }
      const { commentDueAt, status } = await entryStatus(m, entry, list, now);
      if (!contestable(status)) {
        const why =
          status === 'CONTESTED'
            ? `was already contested (${entry.contestReason}) at ${entry.contestedAt!.toISOString()}; the mediator settles it with resolveListEntry`
            : entry.resolution
              ? `was resolved as ${entry.resolution} by ${entry.resolvedBy} at ${entry.resolvedAt!.toISOString()}`
              : `was deemed AGREED when its comment period ended at ${commentDueAt!.toISOString()} without a contest; raise it with the mediator`;
        throw new DomainError(ErrorCode.INVALID_TRANSITION, `List entry ${entry.id} ${why}. Only a SUBMITTED entry can be contested.`, { entryId: entry.id, status });
      }
      Object.assign(entry, {
        contestReason: input.reason,
        contestNote: input.note?.trim() || null,
        contestingPartyId: contester,
        contestedAt: now,
        contestedBy: actor(ctx.caller),
      });
      await m.save(ListEntry, entry);
      return entry;
    });
  },

  async resolveListEntry(_: unknown, { input }: MutationResolveListEntryArgs, ctx: Context) {
    const p = new Problems();
    if (input.note) checkText(p, 'input.note', input.note, 'Note', 2000);
    p.throwIfAny();
    const now = ctx.clock.now();
    return ctx.db.transaction(async (m) => {
      const entry = await lockEntry(m, input.entryId);
      const list = await m.findOneByOrFail(DetaineeList, { id: entry.listId });
      const { commentDueAt, status } = await entryStatus(m, entry, list, now);
      if (!resolvable(status)) {
        const why = entry.resolution
          ? `was already resolved as ${entry.resolution} by ${entry.resolvedBy} at ${entry.resolvedAt!.toISOString()}`
          : `is AGREED: its comment period ended at ${commentDueAt!.toISOString()} without a contest`;
        throw new DomainError(ErrorCode.INVALID_TRANSITION, `List entry ${entry.id} ${why}; only a SUBMITTED or CONTESTED entry can be resolved.`, { entryId: entry.id, status });
      }
      Object.assign(entry, { resolution: input.outcome, resolutionNote: input.note?.trim() || null, resolvedAt: now, resolvedBy: actor(ctx.caller) });
      await m.save(ListEntry, entry);
      return entry;
    });
  },

  async setListDeadlines(_: unknown, { input }: MutationSetListDeadlinesArgs, ctx: Context): Promise<ScheduleSource> {
    const agreement = await agreementOrFail(ctx, input.agreementId);
    const now = ctx.clock.now();
    try {
      return await ctx.db.transaction(async (m) => {
        const current = await m.getRepository(ListDeadline).createQueryBuilder('d').setLock('pessimistic_write').where('d.agreement_id = :id', { id: agreement.id }).getOne();
        const p = new Problems();
        checkDeadlines(p, input, current, now);
        checkInForce(p, 'input.submissionDueAt', input.submissionDueAt, agreement, 'submissionDueAt');
        p.throwIfAny();
        const row = m.create(ListDeadline, {
          agreementId: agreement.id,
          submissionDueAt: input.submissionDueAt,
          commentDueAt: input.commentDueAt,
          setBy: actor(ctx.caller),
          setAt: now,
        });
        if (current) await m.update(ListDeadline, { agreementId: agreement.id }, row);
        else await m.insert(ListDeadline, row);
        return { agreementId: agreement.id, deadlines: row, parties: agreement.parties.map((x) => ({ id: x.id })) };
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw BadUserInputError.one('input.agreementId', 'The deadlines were set by another request a moment ago; reload them and try again.');
      throw e;
    }
  },
};
