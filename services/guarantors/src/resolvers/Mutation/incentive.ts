import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { BadUserInputError, DomainError, ErrorCode, ForbiddenError, Problems, actor, refusal } from '@treaty/service-kit';
import { grantingGuarantor } from '../../access.js';
import { IncentiveEscrow, IncentiveJournal, IncentiveMilestone, IncentiveStepApproval } from '../../entities/index.js';
import { checkOptionalText } from '../../domain/rules.js';
import { isCertified, isSecondPerson } from '../../domain/tranche.js';
import { checkIncentive, incentiveUnderSnapBack, milestonesMet, stepSchedule, unitBalances, type IncentiveKind, type IncentiveStepPlan } from '../../domain/incentive.js';
import { postUnits } from '../../ledger.js';
import type {
  MutationApproveIncentiveStepArgs,
  MutationCreateIncentiveEscrowArgs,
  MutationReleaseIncentiveStepArgs,
  MutationRevertIncentiveArgs,
} from '../../generated/graphql.js';
import type { Context } from '../../context.js';
import type { MilestoneFacts } from '../../peers.js';
import { stepApprovalFact } from '../../evidence.js';
import { confirmAgreement, confirmMilestones, findGuarantor, findIncentiveEscrow, needsRole, onceOnly, trimmed } from './shared.js';

/**
 * Incentive escrows mirror tranches: a MEDIATOR approves each step, the granting guarantor's GUARANTOR
 * (another person) releases it once enough listed milestones are met and no snap-back withholds it, and a
 * MEDIATOR records the reversion a snap-back brings, as a penalty is applied. Every check comes before
 * any write; the writes that must happen once (a step's approval and release, a reversion per trigger)
 * run with the escrow row locked and have a unique index behind them.
 */

/** The plan of step `step` of the escrow, or BAD_USER_INPUT naming the steps it has. */
function planOf(escrow: IncentiveEscrow, step: number): IncentiveStepPlan {
  const steps = stepSchedule(escrow.totalUnits, escrow.stepBasisPoints, escrow.milestonesPerStep);
  const plan = steps.find((s) => s.step === step);
  if (!plan) throw BadUserInputError.one('input.step', `Incentive escrow ${escrow.id} has steps 1 to ${steps.length}; give one of them.`);
  return plan;
}

function stepReleased(escrow: IncentiveEscrow, release: IncentiveJournal): DomainError {
  return new DomainError(
    ErrorCode.ALREADY_RELEASED,
    `Step ${release.step} of incentive escrow ${escrow.id} was already released on ${release.recordedAt.toISOString()} by ${release.recordedBy ?? 'an unrecorded agency'} ` +
      `(${release.units} ${escrow.unit}); a step is released once. Read it with { incentiveEscrow(id: "${escrow.id}") { steps { step status release { units effectiveAt } } } }.`,
  );
}

const journalsOf = (m: EntityManager, escrow: IncentiveEscrow) => m.find(IncentiveJournal, { where: { incentiveEscrowId: escrow.id }, order: { sequence: 'ASC' } });

/** The listed milestones, as milestones reports them now, in the order listed. */
async function listedMilestones(ctx: Context, escrow: IncentiveEscrow): Promise<MilestoneFacts[]> {
  const listed = await ctx.db.manager.find(IncentiveMilestone, { where: { incentiveEscrowId: escrow.id }, order: { ordinal: 'ASC' } });
  return confirmMilestones(ctx, listed.map((l) => l.milestoneId));
}

/** The agreement's snap-back state as milestones reported it with the listed milestones (one agreement, so any of them). */
const snapBackOf = (milestones: MilestoneFacts[]) => milestones[0]!.agreement.snapBack;

export const incentiveMutations = {
  async createIncentiveEscrow(_: unknown, { input }: MutationCreateIncentiveEscrowArgs, ctx: Context): Promise<IncentiveEscrow> {
    const p = new Problems();
    checkIncentive(p, input);
    checkOptionalText(p, 'input.description', input.description, 'Description');
    p.throwIfAny();
    const guarantor = await findGuarantor(ctx.db.manager, input.guarantorId);
    const agreement = await confirmAgreement(ctx, input.agreementId);
    const milestones = await confirmMilestones(ctx, input.milestoneIds);
    needsRole(p, 'input.guarantorId', guarantor, 'FUNDER', 'granting an incentive');
    if (!agreement.partyIds.includes(input.beneficiaryPartyId)) {
      p.add('input.beneficiaryPartyId', `The beneficiary must be a party to "${agreement.title}"; its parties are ${agreement.partyIds.join(', ')}.`);
    }
    const strangers = milestones.filter((m) => m.agreementId !== agreement.id);
    if (strangers.length) {
      p.add('input.milestoneIds', `${strangers.map((m) => `"${m.title}"`).join(', ')} belong to another agreement than "${agreement.title}"; list milestones of the agreement the incentive is granted under.`);
    }
    p.throwIfAny();
    return ctx.db.transaction(async (m) => {
      const at = ctx.clock.now();
      const escrow = m.create(IncentiveEscrow, {
        id: randomUUID(),
        agreementId: agreement.id,
        beneficiaryPartyId: input.beneficiaryPartyId,
        guarantorId: guarantor.id,
        kind: input.kind as IncentiveKind,
        unit: input.unit.trim(),
        description: trimmed(input.description),
        totalUnits: input.totalUnits,
        stepBasisPoints: input.stepBasisPoints,
        milestonesPerStep: input.milestonesPerStep,
        createdAt: at,
        createdBy: actor(ctx.caller),
      });
      await m.insert(IncentiveEscrow, escrow);
      await m.insert(IncentiveMilestone, input.milestoneIds.map((milestoneId, i) => ({ incentiveEscrowId: escrow.id, milestoneId, ordinal: i + 1 })));
      // The units enter escrow as they would as money: one journal from the guarantor's side.
      await postUnits(m, { kind: 'GRANT', escrow, units: escrow.totalUnits, at, caller: ctx.caller, evidence: ctx.evidence });
      return escrow;
    });
  },

  async approveIncentiveStep(_: unknown, { input }: MutationApproveIncentiveStepArgs, ctx: Context): Promise<IncentiveEscrow> {
    const p = new Problems();
    checkOptionalText(p, 'input.note', input.note, 'Note', 2000);
    p.throwIfAny();
    if (!ctx.caller.subject) {
      throw new ForbiddenError('An approval records who approved, but this token names no person (no subject); ask for a personal token.');
    }
    const subject = ctx.caller.subject;
    return onceOnly(
      () => BadUserInputError.one('input.step', `Step ${input.step} was approved by another request a moment ago; reload the escrow to see the approval.`),
      () =>
        ctx.db.transaction(async (m) => {
          const escrow = await findIncentiveEscrow(m, input.incentiveEscrowId, true);
          planOf(escrow, input.step);
          const release = (await journalsOf(m, escrow)).find((j) => j.kind === 'RELEASE' && j.step === input.step);
          if (release) throw stepReleased(escrow, release);
          const earlier = await m.findOneBy(IncentiveStepApproval, { incentiveEscrowId: escrow.id, step: input.step });
          if (earlier) {
            throw BadUserInputError.one('input.step', `Step ${input.step} of incentive escrow ${escrow.id} was already approved by ${earlier.approvedBy} on ${earlier.approvedAt.toISOString()}; a step needs one approval.`);
          }
          const approval = m.create(IncentiveStepApproval, {
            id: randomUUID(),
            incentiveEscrowId: escrow.id,
            step: input.step,
            approvedBy: actor(ctx.caller),
            approvedBySubject: subject,
            approvedAt: ctx.clock.now(),
            note: trimmed(input.note),
          });
          await m.insert(IncentiveStepApproval, approval);
          await ctx.evidence.append(m, { kind: 'incentive-step-approval', subject: approval.id, fact: stepApprovalFact(approval), by: ctx.caller });
          return escrow;
        }),
      'incentive_step_approval_step_key',
    );
  },

  /**
   * In releaseTranche's order: who may release, not released yet, the order of steps, the approval by
   * another person, then what milestones reports now (the listed milestones met, and no snap-back
   * reaching the escrow); then, with the escrow row locked, released and in order again before the
   * journal is written. The unique index on (escrow, step) for releases is the backstop.
   */
  async releaseIncentiveStep(_: unknown, { input }: MutationReleaseIncentiveStepArgs, ctx: Context): Promise<IncentiveEscrow> {
    const found = await findIncentiveEscrow(ctx.db.manager, input.incentiveEscrowId);
    if (!grantingGuarantor.allows(ctx.caller, found, {})) throw refusal('Mutation.releaseIncentiveStep', grantingGuarantor, ctx.caller);
    const plan = planOf(found, input.step);
    const refuseOutOfTurn = (journals: IncentiveJournal[]) => {
      const release = journals.find((j) => j.kind === 'RELEASE' && j.step === plan.step);
      if (release) throw stepReleased(found, release);
      const released = new Set(journals.filter((j) => j.kind === 'RELEASE').map((j) => j.step));
      const next = Array.from({ length: plan.step }, (_, i) => i + 1).find((s) => !released.has(s))!;
      if (next < plan.step) {
        throw new DomainError(ErrorCode.INVALID_TRANSITION, `Step ${plan.step} of incentive escrow ${found.id} comes after step ${next}, which is not released yet; steps are released in order: release step ${next} first.`);
      }
    };
    refuseOutOfTurn(await journalsOf(ctx.db.manager, found));
    const approval = await ctx.db.manager.findOneBy(IncentiveStepApproval, { incentiveEscrowId: found.id, step: plan.step });
    if (!approval) {
      throw new ForbiddenError(`Releasing step ${plan.step} of incentive escrow ${found.id} needs a mediator's recorded approval first (two people, two roles); ask a MEDIATOR to call approveIncentiveStep.`);
    }
    if (!isSecondPerson(approval.approvedBySubject, ctx.caller.subject)) {
      throw new ForbiddenError(
        `Step ${plan.step} was approved by the same person who is now releasing it (or this token names no person); a release needs two different people: the approving mediator and a releasing officer of the granting guarantor.`,
      );
    }
    const milestones = await listedMilestones(ctx, found);
    const met = milestonesMet(milestones.map((m) => m.status));
    if (met < plan.milestonesNeeded) {
      const open = milestones.filter((m) => !isCertified(m.status)).map((m) => `"${m.title}" (${m.status})`);
      throw new DomainError(
        ErrorCode.MILESTONE_NOT_CERTIFIED,
        `Step ${plan.step} needs ${plan.milestonesNeeded} of the listed milestones certified MET or MET_LATE; the milestones service reports ${met} now. Not yet certified: ${open.join(', ')}. Ask the verifier to certify them first.`,
      );
    }
    if (incentiveUnderSnapBack(snapBackOf(milestones), milestones.map((m) => m.dueAt))) {
      throw BadUserInputError.one(
        'input.step',
        `Step ${plan.step} of incentive escrow ${found.id} is WITHHELD: a snap-back triggered ${snapBackOf(milestones).triggeredAt!.toISOString()}, before the last listed milestone fell due, is in force, as the milestones service reports it now. It can be released once a MEDIATOR lifts the snap-back (liftSnapBack).`,
      );
    }
    return onceOnly(
      () => new DomainError(ErrorCode.ALREADY_RELEASED, `Step ${plan.step} of incentive escrow ${found.id} was released by another request a moment ago; a step is released once.`),
      () =>
        ctx.db.transaction(async (m) => {
          const escrow = await findIncentiveEscrow(m, found.id, true);
          const journals = await journalsOf(m, escrow);
          refuseOutOfTurn(journals);
          const { held } = unitBalances(journals);
          if (held < plan.units) throw new Error(`incentive escrow ${escrow.id} holds ${held} units, fewer than step ${plan.step}'s ${plan.units}`);
          await postUnits(m, { kind: 'RELEASE', escrow, units: plan.units, step: plan.step, at: ctx.clock.now(), caller: ctx.caller, evidence: ctx.evidence });
          return escrow;
        }),
      'incentive_journal_release_key',
    );
  },

  async revertIncentive(_: unknown, { input }: MutationRevertIncentiveArgs, ctx: Context): Promise<IncentiveEscrow> {
    const found = await findIncentiveEscrow(ctx.db.manager, input.incentiveEscrowId);
    const milestones = await listedMilestones(ctx, found);
    const state = snapBackOf(milestones);
    if (!incentiveUnderSnapBack(state, milestones.map((m) => m.dueAt))) {
      throw BadUserInputError.one(
        'input.incentiveEscrowId',
        state.active
          ? `The snap-back in force was triggered ${state.triggeredAt!.toISOString()}, after every listed milestone of incentive escrow ${found.id} fell due, so it does not reach the escrow; nothing is reverted.`
          : `No snap-back is in force under the agreement, as the milestones service reports it now; units are reverted only under a snap-back that reaches the escrow.`,
      );
    }
    const triggerAt = state.triggeredAt!;
    return onceOnly(
      () => new DomainError(ErrorCode.INVALID_TRANSITION, `The reversion of incentive escrow ${found.id} for the snap-back triggered ${triggerAt.toISOString()} was recorded by another request a moment ago; it is recorded once.`),
      () =>
        ctx.db.transaction(async (m) => {
          const escrow = await findIncentiveEscrow(m, found.id, true);
          const journals = await journalsOf(m, escrow);
          const earlier = journals.find((j) => j.kind === 'REVERSION' && j.triggerAt?.getTime() === triggerAt.getTime());
          if (earlier) {
            throw new DomainError(
              ErrorCode.INVALID_TRANSITION,
              `The units of incentive escrow ${escrow.id} were already reverted for the snap-back triggered ${triggerAt.toISOString()} (${earlier.units} ${escrow.unit}, recorded ${earlier.recordedAt.toISOString()}); a reversion is recorded once per snap-back.`,
            );
          }
          const { withBeneficiary } = unitBalances(journals);
          if (withBeneficiary === 0) {
            throw BadUserInputError.one('input.incentiveEscrowId', `The beneficiary holds no units of incentive escrow ${escrow.id} (no step released since the last reversion); there is nothing to revert. Its unreleased steps are WITHHELD while the snap-back is in force.`);
          }
          await postUnits(m, { kind: 'REVERSION', escrow, units: withBeneficiary, triggerAt, at: ctx.clock.now(), caller: ctx.caller, evidence: ctx.evidence });
          return escrow;
        }),
      'incentive_journal_reversion_key',
    );
  },
};
