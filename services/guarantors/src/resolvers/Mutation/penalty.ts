import { BadUserInputError, DomainError, ErrorCode, Problems, actor } from '@treaty/service-kit';
import { EscrowAccount, Guarantor, LedgerJournal, PenaltySchedule, Tranche } from '../../entities/index.js';
import { formatMinor } from '../../domain/money.js';
import { checkBasisPoints, checkOptionalText } from '../../domain/rules.js';
import { forfeitedShare, penaltyApplies } from '../../domain/tranche.js';
import { drawProblem } from '../../domain/funding.js';
import { fundsOfHoldings, holdingKey, ledgerAccount, postTransfer } from '../../ledger.js';
import type { MutationApplyPenaltyArgs, MutationSetPenaltyScheduleArgs } from '../../generated/graphql.js';
import type { Context } from '../../context.js';
import type { TrancheView } from '../shared.js';
import { alreadyReleased, confirmAgreement, confirmMilestone, confirmedView, findTranche, insufficientFunds, onceOnly, settlementsOf, trimmed, type ReleaseRecord } from './shared.js';

function penaltyAlreadyApplied(tranche: Tranche, penalty: LedgerJournal): DomainError {
  return new DomainError(
    ErrorCode.INVALID_TRANSITION,
    `The penalty was already applied to tranche ${tranche.id} on ${penalty.recordedAt.toISOString()} ` +
      `(${penalty.basisPoints} basis points, ${formatMinor(penalty.amountMinor, penalty.currency)} ${penalty.currency} forfeited); it applies once.`,
  );
}

/** Refuses a tranche already released, or already penalised: the penalty applies once, and never after a release. */
function refuseSettled(tranche: Tranche, settled: { release?: ReleaseRecord; penalty?: LedgerJournal }): void {
  if (settled.release) throw alreadyReleased(tranche, settled.release);
  if (settled.penalty) throw penaltyAlreadyApplied(tranche, settled.penalty);
}

export const penaltyMutations = {
  async setPenaltySchedule(_: unknown, { input }: MutationSetPenaltyScheduleArgs, ctx: Context) {
    const p = new Problems();
    checkBasisPoints(p, 'input.forfeitBasisPoints', input.forfeitBasisPoints);
    checkOptionalText(p, 'input.description', input.description, 'Description');
    p.throwIfAny();
    const agreement = await confirmAgreement(ctx, input.agreementId);
    return onceOnly(
      () => BadUserInputError.one('input.agreementId', 'The penalty schedule was set by another request a moment ago; reload it and try again if it still needs changing.'),
      () =>
        ctx.db.transaction(async (m) => {
          const existing = await m.getRepository(PenaltySchedule).createQueryBuilder('s').setLock('pessimistic_write').where('s.agreement_id = :id', { id: agreement.id }).getOne();
          if (existing) {
            const [applied] = await m.query(
              `SELECT j.recorded_at FROM ledger_journal j JOIN escrow_account a ON a.id = j.escrow_account_id
                WHERE a.agreement_id = $1 AND j.kind = 'FORFEIT' ORDER BY j.recorded_at LIMIT 1`,
              [agreement.id],
            );
            if (applied) {
              throw BadUserInputError.one(
                'input.agreementId',
                `The penalty schedule of "${agreement.title}" (${existing.forfeitBasisPoints} basis points) was already applied on ${new Date(applied.recorded_at).toISOString()}; a pre-agreed schedule cannot change once it has been used.`,
              );
            }
          }
          const schedule = m.create(PenaltySchedule, {
            agreementId: agreement.id,
            forfeitBasisPoints: input.forfeitBasisPoints,
            description: trimmed(input.description),
            setAt: ctx.clock.now(),
            setBy: actor(ctx.caller),
          });
          if (existing) await m.update(PenaltySchedule, { agreementId: agreement.id }, schedule);
          else await m.insert(PenaltySchedule, schedule);
          return schedule;
        }),
    );
  },

  async applyPenalty(_: unknown, { input }: MutationApplyPenaltyArgs, ctx: Context): Promise<TrancheView> {
    const found = await findTranche(ctx.db.manager, input.trancheId);
    const escrow = await ctx.db.manager.findOneByOrFail(EscrowAccount, { id: found.escrowAccountId });
    refuseSettled(found, await settlementsOf(ctx.db.manager, found));
    if (!(await ctx.db.manager.findOneBy(PenaltySchedule, { agreementId: escrow.agreementId }))) {
      throw BadUserInputError.one('input.trancheId', `Agreement ${escrow.agreementId} has no penalty schedule; a MEDIATOR sets the pre-agreed share with setPenaltySchedule first.`);
    }
    const milestone = await confirmMilestone(ctx, found.milestoneId);
    if (!penaltyApplies(milestone.status)) {
      throw BadUserInputError.one(
        'input.trancheId',
        `Milestone "${milestone.title}" is ${milestone.status}, as the milestones service reports it now; the penalty schedule applies only to a milestone confirmed MISSED.`,
      );
    }
    return onceOnly(
      () => new DomainError(ErrorCode.INVALID_TRANSITION, `The penalty was applied to tranche ${found.id} by another request a moment ago; it applies once.`),
      () =>
        ctx.db.transaction(async (m) => {
          const tranche = await findTranche(m, found.id, true);
          refuseSettled(tranche, await settlementsOf(m, tranche));
          const schedule = await m.getRepository(PenaltySchedule).createQueryBuilder('s').setLock('pessimistic_read').where('s.agreement_id = :id', { id: escrow.agreementId }).getOneOrFail();
          const forfeited = forfeitedShare(tranche.amountMinor, schedule.forfeitBasisPoints);
          if (forfeited === 0n) {
            throw BadUserInputError.one(
              'input.trancheId',
              `The penalty schedule forfeits ${schedule.forfeitBasisPoints} basis points, which is nothing of ${formatMinor(tranche.amountMinor, tranche.currency)} ${tranche.currency} once rounded down to a whole minor unit; there is nothing to apply.`,
            );
          }
          const guarantor = await m.findOneByOrFail(Guarantor, { id: tranche.guarantorId });
          // The share leaves only what is reserved for this tranche, never an earlier tranche's money.
          const holding = await ledgerAccount(m, escrow, 'ESCROW', guarantor.id, true);
          const funds = (await fundsOfHoldings(m, [{ escrowAccountId: escrow.id, guarantorId: guarantor.id }])).get(holdingKey(escrow.id, guarantor.id))!;
          const short = drawProblem(funds, tranche.id, forfeited);
          if (short) throw insufficientFunds('input.trancheId', guarantor.name, escrow, short, 'forfeiting this share');
          const refund = await ledgerAccount(m, escrow, 'GUARANTOR_REFUND', guarantor.id);
          await postTransfer(
            m,
            { kind: 'FORFEIT', escrow, guarantorId: guarantor.id, trancheId: tranche.id, amountMinor: forfeited, basisPoints: schedule.forfeitBasisPoints, at: ctx.clock.now(), caller: ctx.caller, evidence: ctx.evidence },
            holding,
            refund,
          );
          return confirmedView(tranche, milestone);
        }),
      'ledger_journal_forfeit_key',
    );
  },
};
