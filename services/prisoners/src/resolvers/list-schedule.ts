import { commentPeriodOpen, settlementStep, submissionStep } from '../domain/lists.js';
import type { ScheduleSource } from './agreement.js';
import type { Context } from '../context.js';

async function submissions(s: ScheduleSource, ctx: Context) {
  const lists = await ctx.loaders.listsOfAgreement.load(s.agreementId);
  const now = ctx.clock.now();
  return s.parties.map((party) => {
    const first = lists.find((l) => l.submittingPartyId === party.id)?.submittedAt ?? null;
    return { party: { id: party.id }, firstSubmittedAt: first, status: submissionStep(s.deadlines.submissionDueAt, first, now) };
  });
}

async function settlement(s: ScheduleSource, ctx: Context) {
  const contested = await ctx.loaders.contestedEntriesOfAgreement.load(s.agreementId);
  return settlementStep(s.deadlines.commentDueAt, contested, ctx.clock.now());
}

export const DetaineeListSchedule = {
  submissionDueAt: (s: ScheduleSource) => s.deadlines.submissionDueAt,
  commentDueAt: (s: ScheduleSource) => s.deadlines.commentDueAt,
  setBy: (s: ScheduleSource) => s.deadlines.setBy,
  setAt: (s: ScheduleSource) => s.deadlines.setAt,
  commentPeriodOpen: (s: ScheduleSource, _: unknown, ctx: Context) => commentPeriodOpen(s.deadlines.commentDueAt, ctx.clock.now()),
  submissions: (s: ScheduleSource, _: unknown, ctx: Context) => submissions(s, ctx),
  settlement: (s: ScheduleSource, _: unknown, ctx: Context) => settlement(s, ctx),
  async unresolvedContests(s: ScheduleSource, _: unknown, ctx: Context) {
    return (await ctx.loaders.contestedEntriesOfAgreement.load(s.agreementId)).filter((e) => e.resolvedAt === null).length;
  },
  async overdue(s: ScheduleSource, _: unknown, ctx: Context) {
    const [steps, settled] = await Promise.all([submissions(s, ctx), settlement(s, ctx)]);
    return settled === 'OVERDUE' || steps.some((x) => x.status === 'OVERDUE');
  },
};
