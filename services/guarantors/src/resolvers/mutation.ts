import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import {
  BadUserInputError,
  DomainError,
  ErrorCode,
  ForbiddenError,
  NotFoundError,
  Problems,
  isUniqueViolation,
  isUuid,
  refusal,
  type Caller,
} from '@treaty/service-kit';
import { commitmentOwner, fundingGuarantor } from '../access.js';
import {
  Commitment,
  EscrowAccount,
  Guarantor,
  LedgerJournal,
  PenaltySchedule,
  Tranche,
  TrancheApproval,
} from '../entities/index.js';
import { commitmentStatus, transitionProblem, type CommitmentKind, type CommitmentStatus } from '../domain/commitment.js';
import { checkCurrency, formatMinor } from '../domain/money.js';
import { checkBasisPoints, checkGuarantor, checkMoney, checkOptionalText, checkPledge, type GuarantorKind, type GuarantorRole } from '../domain/rules.js';
import { forfeitedShare, isCertified } from '../domain/tranche.js';
import { balanceOf, ledgerAccount, postTransfer } from '../ledger.js';
import { fetchAgreement, fetchMilestones, type MilestoneFacts } from '../peers.js';
import type { Context } from '../context.js';
import type { TrancheView } from './shared.js';

export interface RegisterGuarantorInput {
  name: string;
  kind: GuarantorKind;
  roles: GuarantorRole[];
}

export interface PledgeInput {
  guarantorId: string;
  agreementId: string;
  kind: CommitmentKind;
  description?: string | null;
  amount?: string | null;
  currency?: string | null;
}

export interface AdvanceCommitmentInput {
  commitmentId: string;
  status: CommitmentStatus;
}

export interface OpenEscrowAccountInput {
  agreementId: string;
  beneficiaryPartyId: string;
  currency: string;
}

export interface DepositToEscrowInput {
  escrowAccountId: string;
  guarantorId: string;
  amount: string;
  currency: string;
  reference?: string | null;
}

export interface CreateTrancheInput {
  escrowAccountId: string;
  milestoneId: string;
  guarantorId: string;
  amount: string;
  currency: string;
  description?: string | null;
}

export interface ApproveTrancheReleaseInput {
  trancheId: string;
  note?: string | null;
}

export interface SetPenaltyScheduleInput {
  agreementId: string;
  forfeitBasisPoints: number;
  description?: string | null;
}

/** The agency recorded as the author of a write. */
function actor(caller: Caller): string {
  return caller.agency ?? caller.subject ?? 'unknown';
}

const LIST_AGREEMENTS = 'List agreements with { agreements { id title } }.';
const LIST_GUARANTORS = 'List guarantors with { guarantors { id name } }.';

async function findGuarantor(m: EntityManager, id: string): Promise<Guarantor> {
  const g = isUuid(id) ? await m.findOneBy(Guarantor, { id }) : null;
  if (!g) throw new NotFoundError('guarantor', id, LIST_GUARANTORS);
  return g;
}

async function findEscrowAccount(m: EntityManager, id: string): Promise<EscrowAccount> {
  const a = isUuid(id) ? await m.findOneBy(EscrowAccount, { id }) : null;
  if (!a) throw new NotFoundError('escrow account', id, 'List them with { agreement(id: "…") { escrowAccounts { id currency } } }.');
  return a;
}

/** Loads a tranche, locked until the transaction ends when `lock`: releases and penalties of one tranche run one at a time. */
async function findTranche(m: EntityManager, id: string, lock = false): Promise<Tranche> {
  let t: Tranche | null = null;
  if (isUuid(id)) {
    const qb = m.getRepository(Tranche).createQueryBuilder('t').where('t.id = :id', { id });
    if (lock) qb.setLock('pessimistic_write');
    t = await qb.getOne();
  }
  if (!t) throw new NotFoundError('tranche', id, 'List tranches with { guarantors { tranches { id } } }.');
  return t;
}

function needsRole(p: Problems, path: string, g: Guarantor, role: GuarantorRole, what: string): void {
  if (!g.roles.includes(role)) {
    p.add(path, `${g.name} is registered with the roles ${g.roles.join(', ')}; ${what} needs a guarantor with the ${role} role.`);
  }
}

/** The milestone as the milestones service reports it now; NOT_FOUND when it does not know it. */
async function confirmMilestone(ctx: Context, id: string): Promise<MilestoneFacts> {
  const [found] = isUuid(id) ? await fetchMilestones(ctx.peer, ctx.caller, [id]) : [null];
  if (!found) throw new NotFoundError('milestone', id, 'List milestones with { agreements { milestones { id title } } }.');
  return found;
}

function alreadyReleased(tranche: Tranche, release: LedgerJournal): DomainError {
  return new DomainError(
    ErrorCode.ALREADY_RELEASED,
    `Tranche ${tranche.id} was already released on ${release.recordedAt.toISOString()} by ${release.recordedBy ?? 'an unrecorded agency'} ` +
      `(${formatMinor(release.amountMinor, release.currency)} ${release.currency}); a tranche is released once. Read it with { tranche(id: "${tranche.id}") { status release { amount { amount currency } releasedAt } } }.`,
  );
}

function penaltyAlreadyApplied(tranche: Tranche, penalty: LedgerJournal): DomainError {
  return new DomainError(
    ErrorCode.INVALID_TRANSITION,
    `The penalty was already applied to tranche ${tranche.id} on ${penalty.recordedAt.toISOString()} ` +
      `(${penalty.basisPoints} basis points, ${formatMinor(penalty.amountMinor, penalty.currency)} ${penalty.currency} forfeited); it applies once.`,
  );
}

function insufficientFunds(path: string, guarantor: string, escrow: EscrowAccount, balance: bigint, needed: bigint, what: string): BadUserInputError {
  const c = escrow.currency;
  return BadUserInputError.one(
    path,
    `${guarantor} holds ${formatMinor(balance, c)} ${c} in escrow account ${escrow.id}; ${what} needs ${formatMinor(needed, c)} ${c}. ` +
      `Deposit at least ${formatMinor(needed - balance, c)} ${c} more with depositToEscrow first.`,
  );
}

export const Mutation = {
  async registerGuarantor(_: unknown, { input }: { input: RegisterGuarantorInput }, ctx: Context) {
    const p = new Problems();
    checkGuarantor(p, input);
    p.throwIfAny();
    try {
      return await ctx.db.transaction(async (m) => {
        const name = input.name.trim();
        const clash = await m.getRepository(Guarantor).createQueryBuilder('g').where('lower(btrim(g.name)) = lower(:name)', { name }).getOne();
        if (clash) throw BadUserInputError.one('input.name', `A guarantor named "${clash.name}" is already registered (id ${clash.id}); use that id instead of registering it again.`);
        const guarantor = m.create(Guarantor, {
          id: randomUUID(),
          name,
          kind: input.kind,
          roles: input.roles,
          registeredAt: ctx.clock.now(),
          registeredBy: actor(ctx.caller),
        });
        await m.insert(Guarantor, guarantor);
        return guarantor;
      });
    } catch (e) {
      if (isUniqueViolation(e, 'guarantor_name_key')) throw BadUserInputError.one('input.name', `A guarantor named "${input.name.trim()}" was registered by another request a moment ago; list guarantors to find its id.`);
      throw e;
    }
  },

  async pledge(_: unknown, { input }: { input: PledgeInput }, ctx: Context) {
    const p = new Problems();
    const minor = checkPledge(p, input);
    p.throwIfAny();
    const guarantor = await findGuarantor(ctx.db.manager, input.guarantorId);
    needsRole(p, 'input.guarantorId', guarantor, input.kind === 'FUNDING_PLEDGE' ? 'FUNDER' : 'SECURITY_GUARANTOR', `a ${input.kind === 'FUNDING_PLEDGE' ? 'funding pledge' : 'security assurance'}`);
    p.throwIfAny();
    const agreement = isUuid(input.agreementId) ? await fetchAgreement(ctx.peer, ctx.caller, input.agreementId) : null;
    if (!agreement) throw new NotFoundError('agreement', input.agreementId, LIST_AGREEMENTS);

    return ctx.db.transaction(async (m) => {
      const commitment = m.create(Commitment, {
        id: randomUUID(),
        guarantorId: guarantor.id,
        agreementId: agreement.id,
        kind: input.kind,
        description: input.description?.trim() || null,
        amountMinor: minor,
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

  async advanceCommitment(_: unknown, { input }: { input: AdvanceCommitmentInput }, ctx: Context) {
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

  async openEscrowAccount(_: unknown, { input }: { input: OpenEscrowAccountInput }, ctx: Context) {
    const p = new Problems();
    checkCurrency(p, 'input.currency', input.currency);
    p.throwIfAny();
    const agreement = isUuid(input.agreementId) ? await fetchAgreement(ctx.peer, ctx.caller, input.agreementId) : null;
    if (!agreement) throw new NotFoundError('agreement', input.agreementId, LIST_AGREEMENTS);
    if (!agreement.partyIds.includes(input.beneficiaryPartyId)) {
      throw BadUserInputError.one(
        'input.beneficiaryPartyId',
        `The beneficiary must be a party to "${agreement.title}"; its parties are ${agreement.partyIds.join(', ')}.`,
      );
    }
    try {
      return await ctx.db.transaction(async (m) => {
        const existing = await m.findOneBy(EscrowAccount, { agreementId: agreement.id, beneficiaryPartyId: input.beneficiaryPartyId, currency: input.currency });
        if (existing) {
          throw BadUserInputError.one('input.currency', `This party already has a ${input.currency} escrow account under "${agreement.title}" (id ${existing.id}); deposit into that one.`);
        }
        const account = m.create(EscrowAccount, {
          id: randomUUID(),
          agreementId: agreement.id,
          beneficiaryPartyId: input.beneficiaryPartyId,
          currency: input.currency,
          openedAt: ctx.clock.now(),
          openedBy: actor(ctx.caller),
        });
        await m.insert(EscrowAccount, account);
        await ledgerAccount(m, account, 'BENEFICIARY', null);
        return account;
      });
    } catch (e) {
      if (isUniqueViolation(e, 'escrow_account_agreement_beneficiary_currency_key')) {
        throw BadUserInputError.one('input.currency', `A ${input.currency} escrow account for this party was opened by another request a moment ago; list the agreement's escrow accounts to find it.`);
      }
      throw e;
    }
  },

  async depositToEscrow(_: unknown, { input }: { input: DepositToEscrowInput }, ctx: Context) {
    const p = new Problems();
    const minor = checkMoney(p, 'input', input.amount, input.currency);
    checkOptionalText(p, 'input.reference', input.reference, 'Reference', 300);
    p.throwIfAny();
    return ctx.db.transaction(async (m) => {
      const escrow = await findEscrowAccount(m, input.escrowAccountId);
      const guarantor = await findGuarantor(m, input.guarantorId);
      needsRole(p, 'input.guarantorId', guarantor, 'FUNDER', 'a deposit');
      if (input.currency !== escrow.currency) {
        p.add('input.currency', `Escrow account ${escrow.id} is kept in ${escrow.currency}; deposit ${escrow.currency}, or open a ${input.currency} account for the beneficiary.`);
      }
      p.throwIfAny();
      const source = await ledgerAccount(m, escrow, 'FUNDING_SOURCE', guarantor.id);
      const holding = await ledgerAccount(m, escrow, 'ESCROW', guarantor.id, true);
      await postTransfer(
        m,
        { kind: 'DEPOSIT', escrow, guarantorId: guarantor.id, amountMinor: minor!, reference: input.reference?.trim() || null, at: ctx.clock.now(), caller: ctx.caller },
        source,
        holding,
      );
      return escrow;
    });
  },

  async createTranche(_: unknown, { input }: { input: CreateTrancheInput }, ctx: Context): Promise<TrancheView> {
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
      const tranche = m.create(Tranche, {
        id: randomUUID(),
        escrowAccountId: escrow.id,
        milestoneId: milestone.id,
        guarantorId: guarantor.id,
        currency: escrow.currency,
        amountMinor: minor!,
        description: input.description?.trim() || null,
        createdAt: ctx.clock.now(),
        createdBy: actor(ctx.caller),
      });
      await m.insert(Tranche, tranche);
      return { ...tranche, milestoneStatus: milestone.status, milestoneUnderSnapBack: milestone.underSnapBack };
    });
  },

  async approveTrancheRelease(_: unknown, { input }: { input: ApproveTrancheReleaseInput }, ctx: Context) {
    const p = new Problems();
    checkOptionalText(p, 'input.note', input.note, 'Note', 2000);
    p.throwIfAny();
    if (!ctx.caller.subject) {
      throw new ForbiddenError('An approval records who approved, but this token names no person (no subject); ask for a personal token.');
    }
    try {
      return await ctx.db.transaction(async (m) => {
        const tranche = await findTranche(m, input.trancheId, true);
        const release = await m.findOneBy(LedgerJournal, { trancheId: tranche.id, kind: 'RELEASE' });
        if (release) throw alreadyReleased(tranche, release);
        const approval = await m.findOneBy(TrancheApproval, { trancheId: tranche.id });
        if (approval) {
          throw BadUserInputError.one('input.trancheId', `Tranche ${tranche.id} was already approved for release by ${approval.approvedBy} on ${approval.approvedAt.toISOString()}; it needs one approval.`);
        }
        await m.insert(TrancheApproval, {
          trancheId: tranche.id,
          approvedBy: actor(ctx.caller),
          approvedBySubject: ctx.caller.subject!,
          approvedAt: ctx.clock.now(),
          note: input.note?.trim() || null,
        });
        return tranche;
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw BadUserInputError.one('input.trancheId', 'This tranche was approved by another request a moment ago; reload it to see the approval.');
      throw e;
    }
  },

  /**
   * Checks that need no lock come first (who may release, approval, the milestone confirmed with its
   * owner); then, with the tranche row locked, the facts that a concurrent request could change (a
   * release, a penalty, the holding's balance) are read again and the journal written in the same
   * transaction. The unique index on release journals is the backstop.
   */
  async releaseTranche(_: unknown, { input }: { input: { trancheId: string } }, ctx: Context): Promise<TrancheView> {
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
    if (!ctx.caller.subject || ctx.caller.subject === approval.approvedBySubject) {
      throw new ForbiddenError(
        `Tranche ${found.id} was approved by the same person who is now releasing it (or this token names no person); a release needs two different people: the approving mediator and a releasing officer of the funding guarantor.`,
      );
    }
    const milestone = await confirmMilestone(ctx, found.milestoneId);
    if (!isCertified(milestone.status)) {
      throw new DomainError(
        ErrorCode.MILESTONE_NOT_CERTIFIED,
        `Milestone "${milestone.title}" is ${milestone.status}, as the milestones service reports it now; a tranche is released only once its milestone is certified MET or MET_LATE. Ask the verifier to certify it first.`,
      );
    }
    if (milestone.underSnapBack) {
      throw BadUserInputError.one(
        'input.trancheId',
        `Tranche ${found.id} is WITHHELD: a snap-back triggered before milestone "${milestone.title}" fell due is in force, as the milestones service reports it now. It can be released once a MEDIATOR lifts the snap-back (liftSnapBack).`,
      );
    }
    try {
      return await ctx.db.transaction(async (m) => {
        const tranche = await findTranche(m, found.id, true);
        const settlements = await m.findBy(LedgerJournal, { trancheId: tranche.id });
        const release = settlements.find((j) => j.kind === 'RELEASE');
        if (release) throw alreadyReleased(tranche, release);
        const penalty = settlements.find((j) => j.kind === 'FORFEIT');
        const due = tranche.amountMinor - (penalty?.amountMinor ?? 0n);
        if (due <= 0n) {
          throw BadUserInputError.one('input.trancheId', `The whole of tranche ${tranche.id} was forfeited under the penalty schedule on ${penalty!.recordedAt.toISOString()}; nothing is left to release.`);
        }
        const escrow = await m.findOneByOrFail(EscrowAccount, { id: tranche.escrowAccountId });
        const guarantor = await m.findOneByOrFail(Guarantor, { id: tranche.guarantorId });
        const holding = await ledgerAccount(m, escrow, 'ESCROW', guarantor.id, true);
        const balance = await balanceOf(m, holding);
        if (balance < due) throw insufficientFunds('input.trancheId', guarantor.name, escrow, balance, due, 'releasing this tranche');
        const beneficiary = await ledgerAccount(m, escrow, 'BENEFICIARY', null);
        await postTransfer(m, { kind: 'RELEASE', escrow, guarantorId: guarantor.id, trancheId: tranche.id, amountMinor: due, at: ctx.clock.now(), caller: ctx.caller }, holding, beneficiary);
        return { ...tranche, milestoneStatus: milestone.status, milestoneUnderSnapBack: milestone.underSnapBack };
      });
    } catch (e) {
      if (isUniqueViolation(e, 'ledger_journal_release_key')) {
        throw new DomainError(ErrorCode.ALREADY_RELEASED, `Tranche ${found.id} was released by another request a moment ago; a tranche is released once.`);
      }
      throw e;
    }
  },

  async setPenaltySchedule(_: unknown, { input }: { input: SetPenaltyScheduleInput }, ctx: Context) {
    const p = new Problems();
    checkBasisPoints(p, 'input.forfeitBasisPoints', input.forfeitBasisPoints);
    checkOptionalText(p, 'input.description', input.description, 'Description');
    p.throwIfAny();
    const agreement = isUuid(input.agreementId) ? await fetchAgreement(ctx.peer, ctx.caller, input.agreementId) : null;
    if (!agreement) throw new NotFoundError('agreement', input.agreementId, LIST_AGREEMENTS);
    try {
      return await ctx.db.transaction(async (m) => {
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
          description: input.description?.trim() || null,
          setAt: ctx.clock.now(),
          setBy: actor(ctx.caller),
        });
        if (existing) await m.update(PenaltySchedule, { agreementId: agreement.id }, schedule);
        else await m.insert(PenaltySchedule, schedule);
        return schedule;
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw BadUserInputError.one('input.agreementId', 'The penalty schedule was set by another request a moment ago; reload it and try again if it still needs changing.');
      throw e;
    }
  },

  async applyPenalty(_: unknown, { input }: { input: { trancheId: string } }, ctx: Context): Promise<TrancheView> {
    const found = await findTranche(ctx.db.manager, input.trancheId);
    const escrow = await ctx.db.manager.findOneByOrFail(EscrowAccount, { id: found.escrowAccountId });
    const earlier = await ctx.db.manager.findBy(LedgerJournal, { trancheId: found.id });
    const earlierRelease = earlier.find((j) => j.kind === 'RELEASE');
    if (earlierRelease) throw alreadyReleased(found, earlierRelease);
    const earlierPenalty = earlier.find((j) => j.kind === 'FORFEIT');
    if (earlierPenalty) throw penaltyAlreadyApplied(found, earlierPenalty);
    if (!(await ctx.db.manager.findOneBy(PenaltySchedule, { agreementId: escrow.agreementId }))) {
      throw BadUserInputError.one('input.trancheId', `Agreement ${escrow.agreementId} has no penalty schedule; a MEDIATOR sets the pre-agreed share with setPenaltySchedule first.`);
    }
    const milestone = await confirmMilestone(ctx, found.milestoneId);
    if (milestone.status !== 'MISSED') {
      throw BadUserInputError.one(
        'input.trancheId',
        `Milestone "${milestone.title}" is ${milestone.status}, as the milestones service reports it now; the penalty schedule applies only to a milestone confirmed MISSED.`,
      );
    }
    try {
      return await ctx.db.transaction(async (m) => {
        const tranche = await findTranche(m, found.id, true);
        const settlements = await m.findBy(LedgerJournal, { trancheId: tranche.id });
        const release = settlements.find((j) => j.kind === 'RELEASE');
        if (release) throw alreadyReleased(tranche, release);
        const penalty = settlements.find((j) => j.kind === 'FORFEIT');
        if (penalty) throw penaltyAlreadyApplied(tranche, penalty);
        const schedule = await m.getRepository(PenaltySchedule).createQueryBuilder('s').setLock('pessimistic_read').where('s.agreement_id = :id', { id: escrow.agreementId }).getOneOrFail();
        const forfeited = forfeitedShare(tranche.amountMinor, schedule.forfeitBasisPoints);
        if (forfeited === 0n) {
          throw BadUserInputError.one(
            'input.trancheId',
            `The penalty schedule forfeits ${schedule.forfeitBasisPoints} basis points, which is nothing of ${formatMinor(tranche.amountMinor, tranche.currency)} ${tranche.currency} once rounded down to a whole minor unit; there is nothing to apply.`,
          );
        }
        const guarantor = await m.findOneByOrFail(Guarantor, { id: tranche.guarantorId });
        const holding = await ledgerAccount(m, escrow, 'ESCROW', guarantor.id, true);
        const balance = await balanceOf(m, holding);
        if (balance < forfeited) throw insufficientFunds('input.trancheId', guarantor.name, escrow, balance, forfeited, 'forfeiting this share');
        const refund = await ledgerAccount(m, escrow, 'GUARANTOR_REFUND', guarantor.id);
        await postTransfer(
          m,
          { kind: 'FORFEIT', escrow, guarantorId: guarantor.id, trancheId: tranche.id, amountMinor: forfeited, basisPoints: schedule.forfeitBasisPoints, at: ctx.clock.now(), caller: ctx.caller },
          holding,
          refund,
        );
        return { ...tranche, milestoneStatus: milestone.status, milestoneUnderSnapBack: milestone.underSnapBack };
      });
    } catch (e) {
      if (isUniqueViolation(e, 'ledger_journal_forfeit_key')) {
        throw new DomainError(ErrorCode.INVALID_TRANSITION, `The penalty was applied to tranche ${found.id} by another request a moment ago; it applies once.`);
      }
      throw e;
    }
  },
};
