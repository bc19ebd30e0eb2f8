import { randomUUID } from 'node:crypto';
import { BadUserInputError, DomainError, ErrorCode, ForbiddenError, Problems, actor, raiseAlert, refusal } from '@treaty/service-kit';
import { fundingGuarantor } from '../../access.js';
import { EscrowAccount, Guarantor, LedgerJournal, Tranche, TrancheApproval } from '../../entities/index.js';
import { checkMoney, checkOptionalText } from '../../domain/rules.js';
import { isSecondPerson, releaseBlocker, remainingMinor } from '../../domain/tranche.js';
import { drawProblem } from '../../domain/funding.js';
import { fundsOfHoldings, holdingKey, ledgerAccount, postTransfer } from '../../ledger.js';
import type { MutationApproveTrancheReleaseArgs, MutationCreateTrancheArgs, MutationReleaseTrancheArgs } from '../../generated/graphql.js';
import type { Context } from '../../context.js';
import type { TrancheView } from '../shared.js';
import { trancheReleased } from '../../alerts.js';
import { approvalFact } from '../../evidence.js';
import {
  alreadyReleased,
  confirmMilestone,
  confirmedView,
  findEscrowAccount,
  findGuarantor,
  findTranche,
  insufficientFunds,
  needsRole,
  onceOnly,
  settlementsOf,
  trimmed,
} from './shared.js';

export const trancheMutations = {
  async createTranche(_: unknown, { input }: MutationCreateTrancheArgs, ctx: Context): Promise<TrancheView> {
    const p = new Problems();
    const minor = checkMoney(p, 'input', input.amount, input.currency);
    checkOptionalText(p, 'input.description', input.description, 'Description');
    p.throwIfAny();
    const escrow = await findEscrowAccount(ctx.db.manager, input.escrowAccountId);
    const guarantor = await findGuarantor(ctx.db.manager, input.guarantorId);
    const milestone = await confirmMilestone(ctx, input.milestoneId);
    needsRole(p, 'input.guarantorId', guarantor, 'FUNDER', 'funding a tranche');
    if (input.currency !== escrow.currency) {
      p.add('input.currency', `Escrow account ${escrow.id} is kept in ${escrow.currency}; give the tranche in ${escrow.currency}.`);
    }
    if (milestone.agreementId !== escrow.agreementId) {
      p.add(
        'input.milestoneId',
        `Milestone "${milestone.title}" belongs to agreement ${milestone.agreementId}, but escrow account ${escrow.id} is held under agreement ${escrow.agreementId}; ` +
          'tie the tranche to a milestone of the account\'s agreement, or use an escrow account of the milestone\'s agreement.',
      );
    }
    p.throwIfAny();
    return ctx.db.transaction(async (m) => {
      // Tranches are reserved funds in creation order; taking this lock first makes that order the order
      // in which creations commit, so a tranche created a moment earlier never lands ahead of one already
      // read as funded. (FOR NO KEY UPDATE does not block deposits, whose foreign keys only share the row.)
      await m.query('SELECT 1 FROM escrow_account WHERE id = $1 FOR NO KEY UPDATE', [escrow.id]);
      const tranche = m.create(Tranche, {
        id: randomUUID(),
        escrowAccountId: escrow.id,
        milestoneId: milestone.id,
        guarantorId: guarantor.id,
        currency: escrow.currency,
        amountMinor: minor!,
        description: trimmed(input.description),
        createdAt: ctx.clock.now(),
        createdBy: actor(ctx.caller),
      });
      await m.insert(Tranche, tranche);
      return confirmedView(tranche, milestone);
    });
  },

  async approveTrancheRelease(_: unknown, { input }: MutationApproveTrancheReleaseArgs, ctx: Context) {
    const p = new Problems();
    checkOptionalText(p, 'input.note', input.note, 'Note', 2000);
    p.throwIfAny();
    if (!ctx.caller.subject) {
      throw new ForbiddenError('An approval records who approved, but this token names no person (no subject); ask for a personal token.');
    }
    const subject = ctx.caller.subject;
    return onceOnly(
      () => BadUserInputError.one('input.trancheId', 'This tranche was approved by another request a moment ago; reload it to see the approval.'),
      () =>
        ctx.db.transaction(async (m) => {
          const tranche = await findTranche(m, input.trancheId, true);
          const release = await m.findOneBy(LedgerJournal, { trancheId: tranche.id, kind: 'RELEASE' });
          if (release) throw alreadyReleased(tranche, release);
          const earlier = await m.findOneBy(TrancheApproval, { trancheId: tranche.id });
          if (earlier) {
            throw BadUserInputError.one('input.trancheId', `Tranche ${tranche.id} was already approved for release by ${earlier.approvedBy} on ${earlier.approvedAt.toISOString()}; it needs one approval.`);
          }
          const approval = m.create(TrancheApproval, {
            trancheId: tranche.id,
            approvedBy: actor(ctx.caller),
            approvedBySubject: subject,
            approvedAt: ctx.clock.now(),
            note: trimmed(input.note),
          });
          await m.insert(TrancheApproval, approval);
          await ctx.evidence.append(m, { kind: 'tranche-approval', subject: tranche.id, fact: approvalFact(approval), by: ctx.caller });
          return tranche;
        }),
    );
  },

  /**
   * Checks that need no lock come first (who may release, approval, the milestone confirmed with its
   * owner); then, with the tranche row locked, the facts that a concurrent request could change (a
   * release, a penalty, the holding's balance) are read again and the journal written in the same
   * transaction. The unique index on release journals is the backstop.
   */
  async releaseTranche(_: unknown, { input }: MutationReleaseTrancheArgs, ctx: Context): Promise<TrancheView> {
    const found = await findTranche(ctx.db.manager, input.trancheId);
    if (!fundingGuarantor.allows(ctx.caller, found, {})) throw refusal('Mutation.releaseTranche', fundingGuarantor, ctx.caller);
    const earlier = await ctx.db.manager.findOneBy(LedgerJournal, { trancheId: found.id, kind: 'RELEASE' });
    if (earlier) throw alreadyReleased(found, earlier);
    const approval = await ctx.db.manager.findOneBy(TrancheApproval, { trancheId: found.id });
    if (!approval) {
      throw new ForbiddenError(
        `Releasing tranche ${found.id} needs a mediator's recorded approval first (two people, two roles); ask a MEDIATOR to call approveTrancheRelease.`,
      );
    }
    if (!isSecondPerson(approval.approvedBySubject, ctx.caller.subject)) {
      throw new ForbiddenError(
        `Tranche ${found.id} was approved by the same person who is now releasing it (or this token names no person); a release needs two different people: the approving mediator and a releasing officer of the funding guarantor.`,
      );
    }
    const milestone = await confirmMilestone(ctx, found.milestoneId);
    const blocker = releaseBlocker(milestone);
    if (blocker === 'NOT_CERTIFIED') {
      throw new DomainError(
        ErrorCode.MILESTONE_NOT_CERTIFIED,
        `Milestone "${milestone.title}" is ${milestone.status}, as the milestones service reports it now; a tranche is released only once its milestone is certified MET or MET_LATE. Ask the verifier to certify it first.`,
      );
    }
    if (blocker === 'WITHHELD') {
      throw BadUserInputError.one(
        'input.trancheId',
        `Tranche ${found.id} is WITHHELD: a snap-back triggered before milestone "${milestone.title}" fell due is in force, as the milestones service reports it now. It can be released once a MEDIATOR lifts the snap-back (liftSnapBack).`,
      );
    }
    return onceOnly(
      () => new DomainError(ErrorCode.ALREADY_RELEASED, `Tranche ${found.id} was released by another request a moment ago; a tranche is released once.`),
      () =>
        ctx.db.transaction(async (m) => {
          const tranche = await findTranche(m, found.id, true);
          const { release, penalty } = await settlementsOf(m, tranche);
          if (release) throw alreadyReleased(tranche, release);
          const due = remainingMinor(tranche.amountMinor, penalty?.amountMinor);
          if (due <= 0n) {
            throw BadUserInputError.one('input.trancheId', `The whole of tranche ${tranche.id} was forfeited under the penalty schedule on ${penalty!.recordedAt.toISOString()}; nothing is left to release.`);
          }
          const escrow = await m.findOneByOrFail(EscrowAccount, { id: tranche.escrowAccountId });
          const guarantor = await m.findOneByOrFail(Guarantor, { id: tranche.guarantorId });
          // The holding's row is locked: no other release, penalty or deposit changes its reservations now.
          const holding = await ledgerAccount(m, escrow, 'ESCROW', guarantor.id, true);
          const funds = (await fundsOfHoldings(m, [{ escrowAccountId: escrow.id, guarantorId: guarantor.id }])).get(holdingKey(escrow.id, guarantor.id))!;
          const short = drawProblem(funds, tranche.id, due);
          if (short) throw insufficientFunds('input.trancheId', guarantor.name, escrow, short, 'releasing this tranche');
          const beneficiary = await ledgerAccount(m, escrow, 'BENEFICIARY', null);
          const at = ctx.clock.now();
          await postTransfer(m, { kind: 'RELEASE', escrow, guarantorId: guarantor.id, trancheId: tranche.id, amountMinor: due, at, caller: ctx.caller, evidence: ctx.evidence }, holding, beneficiary);
          await raiseAlert(m, trancheReleased(tranche, escrow, due, at));
          return confirmedView(tranche, milestone);
        }),
      'ledger_journal_release_key',
    );
  },
};
