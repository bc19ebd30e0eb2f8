import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { BadUserInputError, DomainError, ErrorCode, ForbiddenError, NotFoundError, Problems, actor, isUuid, raiseAlert, refusal, type Caller } from '@treaty/service-kit';
import { fundingGuarantor } from '../../access.js';
import { EscrowAccount, Guarantor, Tranche, TrancheApproval, TranchePerformanceRelease, TranchePerformanceTerms } from '../../entities/index.js';
import { checkMoney, checkOptionalText } from '../../domain/rules.js';
import { isSecondPerson, releaseBlocker } from '../../domain/tranche.js';
import { drawProblem } from '../../domain/funding.js';
import { benchmarkProblem, checkBands, settle, type PerformanceMetric } from '../../domain/performance.js';
import { fundsOfHoldings, holdingKey, ledgerAccount, postTransfer } from '../../ledger.js';
import type { MutationApproveTrancheReleaseArgs, MutationCreateTrancheArgs, MutationReleaseTrancheArgs, TranchePerformanceInput } from '../../generated/graphql.js';
import type { Context } from '../../context.js';
import type { MilestoneFacts } from '../../peers.js';
import type { TrancheView } from '../shared.js';
import { bandsOf, benchmarkOf, isOpen } from '../tranche.js';
import { trancheReleased } from '../../alerts.js';
import { approvalFact, performanceReleaseFact } from '../../evidence.js';
import {
  alreadyReleased,
  confirmMilestones,
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

/** The performance terms as sent, checked before any lookup: the bands, and a carry target given exactly when the remainder is carried. */
function checkPerformanceInput(p: Problems, perf: TranchePerformanceInput): void {
  checkBands(p, 'input.performance.bands', perf.bands);
  if (perf.remainder === 'CARRY_TO_TRANCHE' && !perf.carryToTrancheId) {
    p.add('input.performance.carryToTrancheId', 'CARRY_TO_TRANCHE needs the later tranche that receives the unpaid part: give carryToTrancheId (create that tranche first).');
  }
  if (perf.remainder === 'RETURN_TO_HOLDING' && perf.carryToTrancheId) {
    p.add('input.performance.carryToTrancheId', 'RETURN_TO_HOLDING keeps the unpaid part in the holding; leave carryToTrancheId out, or choose CARRY_TO_TRANCHE.');
  }
}

/**
 * The benchmark (of the milestone, as milestones reports it) and the carry target (a tranche of the same
 * holding, on a milestone due later, still standing for something), or the problems that refuse them.
 */
async function checkPerformanceTerms(
  p: Problems,
  ctx: Context,
  perf: TranchePerformanceInput,
  milestone: MilestoneFacts,
  holding: { escrowAccountId: string; guarantorId: string },
): Promise<MilestoneFacts['benchmarks'][number] | null> {
  const benchmark = milestone.benchmarks.find((b) => b.id === perf.benchmarkId);
  if (!benchmark) {
    const listed = milestone.benchmarks.map((b) => `${b.id} (${b.metric} ${b.comparator} ${b.threshold})`).join(', ');
    p.add('input.performance.benchmarkId', `Milestone "${milestone.title}" has no benchmark ${perf.benchmarkId}; its benchmarks are ${listed || 'none'}. Give one of them, e.g. from { agreement(id: "…") { milestones { id benchmarks { id metric threshold } } } }.`);
  } else {
    const problem = benchmarkProblem(benchmark);
    if (problem) p.add('input.performance.benchmarkId', `Benchmark ${benchmark.id} of milestone "${milestone.title}" cannot carry performance bands: ${problem}. Choose another benchmark of the milestone.`);
  }
  if (perf.remainder === 'CARRY_TO_TRANCHE' && perf.carryToTrancheId) {
    const target = isUuid(perf.carryToTrancheId) ? await ctx.db.manager.findOneBy(Tranche, { id: perf.carryToTrancheId }) : null;
    if (!target) throw new NotFoundError('tranche', perf.carryToTrancheId, 'Create the later tranche first, then name it in carryToTrancheId.');
    if (target.escrowAccountId !== holding.escrowAccountId || target.guarantorId !== holding.guarantorId) {
      p.add('input.performance.carryToTrancheId', `Tranche ${target.id} is funded by another guarantor or from another escrow account; an unpaid part can only be carried to a tranche of the same guarantor in the same escrow account.`);
    } else {
      const [targetMilestone] = await confirmMilestones(ctx, [target.milestoneId]);
      if (targetMilestone!.dueAt.getTime() <= milestone.dueAt.getTime()) {
        p.add(
          'input.performance.carryToTrancheId',
          `Tranche ${target.id} is tied to milestone "${targetMilestone!.title}", due ${targetMilestone!.dueAt.toISOString()}, not after "${milestone.title}" (due ${milestone.dueAt.toISOString()}); carry the unpaid part to a tranche on a later milestone.`,
        );
      }
      const funds = (await fundsOfHoldings(ctx.db.manager, [holding])).get(holdingKey(holding.escrowAccountId, holding.guarantorId));
      if (!isOpen(funds?.tranches.get(target.id))) {
        p.add('input.performance.carryToTrancheId', `Tranche ${target.id} was released or wholly forfeited; nothing can be carried to it. Name a later tranche that is still open, or choose RETURN_TO_HOLDING.`);
      }
    }
  }
  return benchmark ?? null;
}

/** Writes a variable tranche's release record and logs it, in the release's transaction. */
async function recordVariableRelease(m: EntityManager, ctx: Context, row: TranchePerformanceRelease, caller: Caller): Promise<void> {
  await m.insert(TranchePerformanceRelease, row);
  await ctx.evidence.append(m, { kind: 'tranche-performance', subject: row.trancheId, fact: performanceReleaseFact(row), by: caller });
}

export const trancheMutations = {
  async createTranche(_: unknown, { input }: MutationCreateTrancheArgs, ctx: Context): Promise<TrancheView> {
    const p = new Problems();
    const minor = checkMoney(p, 'input', input.amount, input.currency);
    checkOptionalText(p, 'input.description', input.description, 'Description');
    if (input.performance) checkPerformanceInput(p, input.performance);
    p.throwIfAny();
    const escrow = await findEscrowAccount(ctx.db.manager, input.escrowAccountId);
    const guarantor = await findGuarantor(ctx.db.manager, input.guarantorId);
    const [milestone] = await confirmMilestones(ctx, [input.milestoneId]);
    needsRole(p, 'input.guarantorId', guarantor, 'FUNDER', 'funding a tranche');
    if (input.currency !== escrow.currency) {
      p.add('input.currency', `Escrow account ${escrow.id} is kept in ${escrow.currency}; give the tranche in ${escrow.currency}.`);
    }
    if (milestone!.agreementId !== escrow.agreementId) {
      p.add(
        'input.milestoneId',
        `Milestone "${milestone!.title}" belongs to agreement ${milestone!.agreementId}, but escrow account ${escrow.id} is held under agreement ${escrow.agreementId}; ` +
          'tie the tranche to a milestone of the account\'s agreement, or use an escrow account of the milestone\'s agreement.',
      );
    }
    const benchmark = input.performance ? await checkPerformanceTerms(p, ctx, input.performance, milestone!, { escrowAccountId: escrow.id, guarantorId: guarantor.id }) : null;
    p.throwIfAny();
    return ctx.db.transaction(async (m) => {
      // Tranches are reserved funds in creation order; taking this lock first makes that order the order
      // in which creations commit, so a tranche created a moment earlier never lands ahead of one already
      // read as funded. (FOR NO KEY UPDATE does not block deposits, whose foreign keys only share the row.)
      await m.query('SELECT 1 FROM escrow_account WHERE id = $1 FOR NO KEY UPDATE', [escrow.id]);
      const tranche = m.create(Tranche, {
        id: randomUUID(),
        escrowAccountId: escrow.id,
        milestoneId: milestone!.id,
        guarantorId: guarantor.id,
        currency: escrow.currency,
        amountMinor: minor!,
        description: trimmed(input.description),
        createdAt: ctx.clock.now(),
        createdBy: actor(ctx.caller),
      });
      await m.insert(Tranche, tranche);
      if (input.performance && benchmark) {
        await m.insert(TranchePerformanceTerms, {
          trancheId: tranche.id,
          escrowAccountId: escrow.id,
          guarantorId: guarantor.id,
          currency: escrow.currency,
          benchmarkId: benchmark.id,
          metric: benchmark.metric,
          threshold: benchmark.threshold,
          bandFromBasisPoints: input.performance.bands.map((b) => b.fromBasisPoints),
          bandPaysBasisPoints: input.performance.bands.map((b) => b.paysBasisPoints),
          remainder: input.performance.remainder,
          carryToTrancheId: input.performance.carryToTrancheId ?? null,
        });
      }
      return confirmedView(tranche, milestone!);
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
          const { release } = await settlementsOf(m, tranche);
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
   * owner, and for a variable tranche its benchmark's value measured by its owner); then, with the
   * tranche row and the holding locked, the facts that a concurrent request could change (a release, a
   * penalty, the holding's balance, the carry target) are read again and the journal and release record
   * written in the same transaction. The unique index on release journals and the release record's
   * primary key are the backstops.
   */
  async releaseTranche(_: unknown, { input }: MutationReleaseTrancheArgs, ctx: Context): Promise<TrancheView> {
    const found = await findTranche(ctx.db.manager, input.trancheId);
    if (!fundingGuarantor.allows(ctx.caller, found, {})) throw refusal('Mutation.releaseTranche', fundingGuarantor, ctx.caller);
    const earlier = (await settlementsOf(ctx.db.manager, found)).release;
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
    const [milestone] = await confirmMilestones(ctx, [found.milestoneId]);
    const blocker = releaseBlocker(milestone!);
    if (blocker === 'NOT_CERTIFIED') {
      throw new DomainError(
        ErrorCode.MILESTONE_NOT_CERTIFIED,
        `Milestone "${milestone!.title}" is ${milestone!.status}, as the milestones service reports it now; a tranche is released only once its milestone is certified MET or MET_LATE. Ask the verifier to certify it first.`,
      );
    }
    if (blocker === 'WITHHELD') {
      throw BadUserInputError.one(
        'input.trancheId',
        `Tranche ${found.id} is WITHHELD: a snap-back triggered before milestone "${milestone!.title}" fell due is in force, as the milestones service reports it now. It can be released once a MEDIATOR lifts the snap-back (liftSnapBack).`,
      );
    }
    // A variable tranche's benchmark, as milestones reports it now, measured now by the service that owns
    // the value: outside the transaction, so that no lock waits on another service.
    const terms = await ctx.db.manager.findOneBy(TranchePerformanceTerms, { trancheId: found.id });
    const benchmark = terms ? benchmarkOf(milestone!, terms) : null;
    const measured = terms ? (await ctx.peers.measures.measure([{ metric: terms.metric as PerformanceMetric, milestone: milestone! }]))[0]! : null;
    const released = () => new DomainError(ErrorCode.ALREADY_RELEASED, `Tranche ${found.id} was released by another request a moment ago; a tranche is released once.`);
    return onceOnly(released, () =>
      onceOnly(
        released,
        () =>
          ctx.db.transaction(async (m) => {
            const tranche = await findTranche(m, found.id, true);
            const { release, penalty } = await settlementsOf(m, tranche);
            if (release) throw alreadyReleased(tranche, release);
            const escrow = await m.findOneByOrFail(EscrowAccount, { id: tranche.escrowAccountId });
            const guarantor = await m.findOneByOrFail(Guarantor, { id: tranche.guarantorId });
            // The holding's row is locked: no other release, penalty or deposit changes its reservations now.
            const holding = await ledgerAccount(m, escrow, 'ESCROW', guarantor.id, true);
            const funds = (await fundsOfHoldings(m, [{ escrowAccountId: escrow.id, guarantorId: guarantor.id }])).get(holdingKey(escrow.id, guarantor.id))!;
            const own = funds.tranches.get(tranche.id)!;
            const due = own.held + own.unfunded;
            if (due <= 0n) {
              throw BadUserInputError.one('input.trancheId', `The whole of tranche ${tranche.id} was forfeited under the penalty schedule on ${penalty!.recordedAt.toISOString()}; nothing is left to release.`);
            }
            const short = drawProblem(funds, tranche.id, due);
            if (short) throw insufficientFunds('input.trancheId', guarantor.name, escrow, short, 'releasing this tranche');
            const at = ctx.clock.now();
            let paid = due;
            let journalId: string | null = null;
            if (terms) {
              const target = terms.carryToTrancheId ? funds.tranches.get(terms.carryToTrancheId) : undefined;
              const s = settle({ bands: bandsOf(terms), threshold: benchmark!.threshold, measured: measured!, remainingMinor: due, terms: terms.remainder, carryTargetOpen: isOpen(target) });
              paid = s.paidMinor;
              if (paid > 0n) journalId = (await pay(m, ctx, escrow, guarantor.id, tranche.id, paid, at, holding)).id;
              await recordVariableRelease(
                m,
                ctx,
                m.create(TranchePerformanceRelease, {
                  trancheId: tranche.id,
                  escrowAccountId: escrow.id,
                  guarantorId: guarantor.id,
                  currency: escrow.currency,
                  benchmarkId: benchmark!.id,
                  metric: benchmark!.metric,
                  threshold: benchmark!.threshold,
                  measured: measured!,
                  ratioBasisPoints: s.ratioBasisPoints,
                  bandFromBasisPoints: s.band?.fromBasisPoints ?? null,
                  paysBasisPoints: s.paysBasisPoints,
                  remainingMinor: due,
                  paidMinor: s.paidMinor,
                  unpaidMinor: s.unpaidMinor,
                  remainder: s.remainder,
                  carriedToTrancheId: s.remainder === 'CARRY_TO_TRANCHE' ? terms.carryToTrancheId : null,
                  journalId,
                  releasedAt: at,
                  releasedBy: ctx.caller.agency ?? ctx.caller.subject ?? null,
                  releasedBySubject: ctx.caller.subject,
                }),
                ctx.caller,
              );
            } else {
              await pay(m, ctx, escrow, guarantor.id, tranche.id, due, at, holding);
            }
            await raiseAlert(m, trancheReleased(tranche, escrow, paid, at));
            return confirmedView(tranche, milestone!);
          }),
        'ledger_journal_release_key',
      ),
    'tranche_performance_release_pkey');
  },
};

/** Moves `amountMinor` from the guarantor's holding to the beneficiary: the release journal. */
async function pay(m: EntityManager, ctx: Context, escrow: EscrowAccount, guarantorId: string, trancheId: string, amountMinor: bigint, at: Date, holding: Awaited<ReturnType<typeof ledgerAccount>>) {
  const beneficiary = await ledgerAccount(m, escrow, 'BENEFICIARY', null);
  return postTransfer(m, { kind: 'RELEASE', escrow, guarantorId, trancheId, amountMinor, at, caller: ctx.caller, evidence: ctx.evidence }, holding, beneficiary);
}
