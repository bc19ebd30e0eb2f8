import type { EntityManager } from 'typeorm';
import { BadUserInputError, DomainError, ErrorCode, NotFoundError, isUuid, type Problems } from '@treaty/service-kit';
import { EscrowAccount, Guarantor, IncentiveEscrow, LedgerJournal, Tranche, TranchePerformanceRelease } from '../../entities/index.js';
import type { DrawShortfall } from '../../domain/funding.js';
import { formatMinor } from '../../domain/money.js';
import { roleProblem, type GuarantorRole } from '../../domain/rules.js';
import type { AgreementFacts, MilestoneFacts } from '../../peers.js';
import type { Context } from '../../context.js';
import type { TrancheView } from '../shared.js';

/** One definition for every service (the kit's): re-exported so the mutation files import their helpers from one place. */
export { onceOnly, trimmed } from '@treaty/service-kit';

/**
 * Helpers the mutation files share: lookups that refuse with NOT_FOUND, confirmations from milestones,
 * the refusals several mutations give, and first-write-wins.
 */


export async function findGuarantor(m: EntityManager, id: string): Promise<Guarantor> {
  const g = isUuid(id) ? await m.findOneBy(Guarantor, { id }) : null;
  if (!g) throw new NotFoundError('guarantor', id, 'List guarantors with { guarantors { id name } }.');
  return g;
}

export async function findEscrowAccount(m: EntityManager, id: string): Promise<EscrowAccount> {
  const a = isUuid(id) ? await m.findOneBy(EscrowAccount, { id }) : null;
  if (!a) throw new NotFoundError('escrow account', id, 'List them with { agreement(id: "…") { escrowAccounts { id currency } } }.');
  return a;
}

/** Loads a tranche, locked until the transaction ends when `lock`: releases and penalties of one tranche run one at a time. */
export async function findTranche(m: EntityManager, id: string, lock = false): Promise<Tranche> {
  let t: Tranche | null = null;
  if (isUuid(id)) {
    const qb = m.getRepository(Tranche).createQueryBuilder('t').where('t.id = :id', { id });
    if (lock) qb.setLock('pessimistic_write');
    t = await qb.getOne();
  }
  if (!t) throw new NotFoundError('tranche', id, 'List tranches with { guarantors { tranches { id } } }.');
  return t;
}

/** Loads an incentive escrow, locked until the transaction ends when `lock`: its step releases and reversions run one at a time. */
export async function findIncentiveEscrow(m: EntityManager, id: string, lock = false): Promise<IncentiveEscrow> {
  let e: IncentiveEscrow | null = null;
  if (isUuid(id)) {
    const qb = m.getRepository(IncentiveEscrow).createQueryBuilder('e').where('e.id = :id', { id });
    if (lock) qb.setLock('pessimistic_write');
    e = await qb.getOne();
  }
  if (!e) throw new NotFoundError('incentive escrow', id, 'List them with { agreement(id: "…") { incentiveEscrows { id unit } } }.');
  return e;
}

/** A tranche's release as refusals name it: a RELEASE journal, or a variable release (which may have paid nothing and have no journal). */
export interface ReleaseRecord {
  at: Date;
  by: string | null;
  paidMinor: bigint;
  currency: string;
}

/** A tranche's release and penalty, if any. */
export async function settlementsOf(m: EntityManager, tranche: Tranche): Promise<{ release?: ReleaseRecord; penalty?: LedgerJournal }> {
  const [journals, variable] = await Promise.all([m.findBy(LedgerJournal, { trancheId: tranche.id }), m.findOneBy(TranchePerformanceRelease, { trancheId: tranche.id })]);
  const journal = journals.find((j) => j.kind === 'RELEASE');
  const release = variable
    ? { at: variable.releasedAt, by: variable.releasedBy, paidMinor: variable.paidMinor, currency: variable.currency }
    : journal && { at: journal.recordedAt, by: journal.recordedBy, paidMinor: journal.amountMinor, currency: journal.currency };
  return { release, penalty: journals.find((j) => j.kind === 'FORFEIT') };
}

export function needsRole(p: Problems, path: string, g: Guarantor, role: GuarantorRole, what: string): void {
  const problem = roleProblem(g, role, what);
  if (problem) p.add(path, problem);
}

/** The agreement as milestones reports it now; NOT_FOUND when it does not know it. */
export async function confirmAgreement(ctx: Context, id: string): Promise<AgreementFacts> {
  const agreement = isUuid(id) ? await ctx.peers.milestones.agreement(id) : null;
  if (!agreement) throw new NotFoundError('agreement', id, 'List agreements with { agreements { id title } }.');
  return agreement;
}

/** The milestone as the milestones service reports it now; NOT_FOUND when it does not know it. */
export async function confirmMilestone(ctx: Context, id: string): Promise<MilestoneFacts> {
  return (await confirmMilestones(ctx, [id]))[0]!;
}

/** The milestones as the milestones service reports them now, in order, in one call; NOT_FOUND naming the first it does not know. */
export async function confirmMilestones(ctx: Context, ids: readonly string[]): Promise<MilestoneFacts[]> {
  const bad = ids.find((id) => !isUuid(id));
  if (bad !== undefined) throw new NotFoundError('milestone', bad, 'List milestones with { agreements { milestones { id title } } }.');
  const found = await ctx.peers.milestones.milestones(ids);
  const missing = ids.findIndex((_, i) => !found[i]);
  if (missing !== -1) throw new NotFoundError('milestone', ids[missing]!, 'List milestones with { agreements { milestones { id title } } }.');
  return found as MilestoneFacts[];
}

/** The tranche with the milestone's status just confirmed, so that `Tranche.status` needs no further call. */
export function confirmedView(tranche: Tranche, milestone: MilestoneFacts): TrancheView {
  return { ...tranche, milestoneStatus: milestone.status, milestoneUnderSnapBack: milestone.underSnapBack };
}

export function alreadyReleased(tranche: Tranche, release: ReleaseRecord): DomainError {
  return new DomainError(
    ErrorCode.ALREADY_RELEASED,
    `Tranche ${tranche.id} was already released on ${release.at.toISOString()} by ${release.by ?? 'an unrecorded agency'} ` +
      `(${formatMinor(release.paidMinor, release.currency)} ${release.currency} paid); a tranche is released once. Read it with { tranche(id: "${tranche.id}") { status release { amount { amount currency } releasedAt } } }.`,
  );
}

/**
 * A release or penalty that the tranche's own reserved funds do not cover (`drawProblem`): what the
 * holding has, what earlier tranches keep and lack, and how much to deposit.
 */
export function insufficientFunds(path: string, guarantor: string, escrow: EscrowAccount, short: DrawShortfall, what: string): BadUserInputError {
  const c = escrow.currency;
  const f = (minor: bigint) => `${formatMinor(minor, c)} ${c}`;
  const earlier =
    short.reservedEarlierMinor > 0n
      ? `, but ${f(short.reservedEarlierMinor)} of it is reserved for its tranches created earlier (money reserved for a tranche stays with it until that tranche is released or penalised), leaving ${f(short.heldMinor)} for this one`
      : '';
  const first = short.earlierUnfundedMinor > 0n ? ` A deposit covers the earlier tranches first, and they still lack ${f(short.earlierUnfundedMinor)}.` : '';
  return BadUserInputError.one(
    path,
    `${guarantor} holds ${f(short.balanceMinor)} in escrow account ${escrow.id}${earlier}; ${what} needs ${f(short.neededMinor)}.${first} ` +
      `Deposit at least ${f(short.shortMinor)} more with depositToEscrow first.`,
  );
}

/**
 * What a deposit whose reference is already booked in the account is told (on `input.reference`): which
 * deposit holds it, and what to do. `holder` is null only if that deposit cannot be read back.
 */
export function referenceTakenProblem(reference: string, escrowAccountId: string, holder: LedgerJournal | null): string {
  const what = 'A reference names one deposit per escrow account (compared ignoring case and surrounding spaces).';
  const todo =
    'If this request is a retry of that deposit, do nothing more: it is booked, once. ' +
    "Otherwise send this deposit with the bank's own unique reference for its transfer (the transfer number on the bank's advice).";
  if (!holder) {
    return (
      `Reference "${reference}" was booked on another deposit into escrow account ${escrowAccountId} a moment ago; ` +
      `read it with { escrowAccount(id: "${escrowAccountId}") { movements { id amount { amount currency } reference recordedAt } } }. ${what} ${todo}`
    );
  }
  return (
    `Reference "${holder.reference}" is already on deposit ${holder.id} into escrow account ${escrowAccountId}: ` +
    `${formatMinor(holder.amountMinor, holder.currency)} ${holder.currency}, booked ${holder.recordedAt.toISOString()} by ${holder.recordedBy ?? 'an unrecorded agency'}. ${what} ${todo}`
  );
}

