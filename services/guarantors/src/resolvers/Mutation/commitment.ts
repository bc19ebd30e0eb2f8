import { randomUUID } from 'node:crypto';
import { DomainError, ErrorCode, NotFoundError, Problems, actor, isUuid, refusal } from '@treaty/service-kit';
import { commitmentOwner } from '../../access.js';
import { Commitment } from '../../entities/index.js';
import { commitmentStatus, transitionProblem } from '../../domain/commitment.js';
import { checkPledge, pledgeNeeds } from '../../domain/rules.js';
import type { MutationAdvanceCommitmentArgs, MutationPledgeArgs } from '../../generated/graphql.js';
import type { Context } from '../../context.js';
import { confirmAgreement, findGuarantor, needsRole, trimmed } from './shared.js';

export const commitmentMutations = {
  async pledge(_: unknown, { input }: MutationPledgeArgs, ctx: Context) {
    const p = new Problems();
    const minor = checkPledge(p, input);
    p.throwIfAny();
    const guarantor = await findGuarantor(ctx.db.manager, input.guarantorId);
    const needs = pledgeNeeds(input.kind);
    needsRole(p, 'input.guarantorId', guarantor, needs.role, needs.what);
    p.throwIfAny();
    const agreement = await confirmAgreement(ctx, input.agreementId);

    return ctx.db.transaction(async (m) => {
      const commitment = m.create(Commitment, {
        id: randomUUID(),
        guarantorId: guarantor.id,
        agreementId: agreement.id,
        kind: input.kind,
        description: trimmed(input.description),
        amountMinor: minor,
        // checkPledge returns an amount only for a funding pledge with a known currency.
        currency: minor === null ? null : input.currency!,
        pledgedAt: ctx.clock.now(),
        pledgedBy: actor(ctx.caller),
        committedAt: null,
        committedBy: null,
        paidAt: null,
        paidBy: null,
      });
      await m.insert(Commitment, commitment);
      return commitment;
    });
  },

  async advanceCommitment(_: unknown, { input }: MutationAdvanceCommitmentArgs, ctx: Context) {
    return ctx.db.transaction(async (m) => {
      const commitment = isUuid(input.commitmentId)
        ? await m.getRepository(Commitment).createQueryBuilder('c').setLock('pessimistic_write').where('c.id = :id', { id: input.commitmentId }).getOne()
        : null;
      if (!commitment) throw new NotFoundError('commitment', input.commitmentId, 'List them with { guarantors { commitments { id status } } }.');
      if (!commitmentOwner.allows(ctx.caller, commitment, {})) throw refusal('Mutation.advanceCommitment', commitmentOwner, ctx.caller);
      const from = commitmentStatus(commitment);
      const problem = transitionProblem(commitment.kind, from, input.status);
      if (problem) throw new DomainError(ErrorCode.INVALID_TRANSITION, problem);
      const now = ctx.clock.now();
      if (input.status === 'COMMITTED') Object.assign(commitment, { committedAt: now, committedBy: actor(ctx.caller) });
      else Object.assign(commitment, { paidAt: now, paidBy: actor(ctx.caller) });
      await m.update(
        Commitment,
        { id: commitment.id },
        { committedAt: commitment.committedAt, committedBy: commitment.committedBy, paidAt: commitment.paidAt, paidBy: commitment.paidBy },
      );
      return commitment;
    });
  },
};
