import { randomUUID } from 'node:crypto';
import { BadUserInputError, Problems, actor, raiseAlert } from '@treaty/service-kit';
import { snapBackLifted } from '../../alerts.js';
import { Agreement, SnapBackClause, SnapBackLift } from '../../entities/index.js';
import { checkSnapBackClause, checkText } from '../../domain/rules.js';
import type { MutationAddSnapBackClauseArgs, MutationLiftSnapBackArgs } from '../../generated/graphql.js';
import type { Context } from '../../context.js';
import { snapBackOf } from '../snap-back.js';
import { findAgreement, findMilestone } from './shared.js';
import { snapBackClauseFact, snapBackLiftFact } from '../../evidence.js';

export const snapBackMutations = {
  async addSnapBackClause(_: unknown, { input }: MutationAddSnapBackClauseArgs, ctx: Context) {
    const p = new Problems();
    checkSnapBackClause(p, input);
    p.throwIfAny();
    return ctx.db.transaction(async (m) => {
      const agreement = await findAgreement(m, input.agreementId);
      if (input.milestoneId) {
        const milestone = await findMilestone(m, input.milestoneId);
        if (milestone.agreementId !== agreement.id) throw BadUserInputError.one('input.milestoneId', `Milestone "${milestone.title}" belongs to another agreement.`);
      }
      const clause = m.create(SnapBackClause, {
        id: randomUUID(),
        agreementId: agreement.id,
        trigger: input.trigger,
        milestoneId: input.milestoneId ?? null,
        threshold: input.threshold ?? null,
        windowHours: input.windowHours ?? null,
        reverts: input.reverts.trim(),
        createdAt: ctx.clock.now(),
      });
      await m.insert(SnapBackClause, clause);
      await ctx.evidence.append(m, { kind: 'snap-back-clause', subject: clause.id, fact: snapBackClauseFact(clause), by: ctx.caller });
      return clause;
    });
  },

  async liftSnapBack(_: unknown, { input }: MutationLiftSnapBackArgs, ctx: Context) {
    const p = new Problems();
    checkText(p, 'input.reason', input.reason, 'Reason', 5000);
    p.throwIfAny();
    const agreement = await findAgreement(ctx.db.manager, input.agreementId);
    const state = await snapBackOf(agreement, ctx);
    if (!state.active) throw BadUserInputError.one('input.agreementId', `No snap-back is in force under "${agreement.title}"; there is nothing to lift.`);
    await ctx.db.transaction(async (m) => {
      // Serialise lifts of one agreement so two mediators cannot lift the same trigger twice.
      await m.getRepository(Agreement).createQueryBuilder('a').setLock('pessimistic_write').where('a.id = :id', { id: agreement.id }).getOne();
      const last = await m.findOne(SnapBackLift, { where: { agreementId: agreement.id }, order: { liftedAt: 'DESC' } });
      if (last && state.triggeredAt && last.liftedAt.getTime() >= state.triggeredAt.getTime()) {
        throw BadUserInputError.one('input.agreementId', `Snap-back was already lifted at ${last.liftedAt.toISOString()} by ${last.liftedBy}.`);
      }
      const lift = m.create(SnapBackLift, { id: randomUUID(), agreementId: agreement.id, reason: input.reason.trim(), liftedBy: actor(ctx.caller), liftedAt: ctx.clock.now() });
      await m.insert(SnapBackLift, lift);
      await ctx.evidence.append(m, { kind: 'snap-back-lift', subject: lift.id, fact: snapBackLiftFact(lift), by: ctx.caller });
      await raiseAlert(m, snapBackLifted(lift));
    });
    return agreement;
  },
};
