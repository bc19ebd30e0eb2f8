import { authenticated, either, hasRole, ownParty, role, type AccessRules, type Rule, type SiblingGrants } from '@treaty/service-kit';
import type { EscrowAccount } from './entities/index.js';

/** A GUARANTOR caller acting for the guarantor that `guarantorOf` names (its token's guarantor id). */
export function ownGuarantor(guarantorOf: (parent: unknown, args: Record<string, unknown>) => string | null | undefined): Rule {
  return {
    describe: 'the GUARANTOR role for the guarantor concerned (a token naming that guarantor)',
    allows: (caller, parent, args) => hasRole(caller, 'GUARANTOR') && caller.guarantorId !== null && caller.guarantorId === guarantorOf(parent, args),
  };
}

const inputGuarantor = (_: unknown, args: Record<string, unknown>) => (args.input as { guarantorId?: string } | undefined)?.guarantorId;

/** Who may see what an escrow account holds: mediators, guarantors, and the beneficiary party itself. */
const balanceReaders = either(role('MEDIATOR', 'GUARANTOR'), ownParty((account) => (account as EscrowAccount).beneficiaryPartyId));

/**
 * Who may do what in this service. Guarantors, commitments, tranches (amounts, status, terms and projected
 * payout), incentive escrows (units and steps) and the funded ratio are public; what an escrow account
 * holds is for mediators, guarantors and its beneficiary; who approved, released or penalised a tranche,
 * and who approved or recorded an incentive's movements, is for partner agencies. Rules that depend on a stored row
 * (the commitment's or tranche's guarantor) are checked in the mutation with the rules below.
 */
export const rules: AccessRules = {
  'Mutation.registerGuarantor': role('MEDIATOR'),
  'Mutation.pledge': either(role('MEDIATOR'), ownGuarantor(inputGuarantor)),
  'Mutation.advanceCommitment': role('MEDIATOR', 'GUARANTOR'),
  'Mutation.openEscrowAccount': role('MEDIATOR'),
  'Mutation.depositToEscrow': ownGuarantor(inputGuarantor),
  'Mutation.createTranche': either(role('MEDIATOR'), ownGuarantor(inputGuarantor)),
  'Mutation.approveTrancheRelease': role('MEDIATOR'),
  'Mutation.releaseTranche': role('GUARANTOR'),
  'Mutation.setPenaltySchedule': role('MEDIATOR'),
  'Mutation.applyPenalty': role('MEDIATOR'),
  // Incentive escrows mirror tranches: made by a MEDIATOR or the granting guarantor, each step approved
  // by a MEDIATOR and released by the granting guarantor (checked in the resolver), reverted under
  // snap-back by a MEDIATOR (as a penalty is applied).
  'Mutation.createIncentiveEscrow': either(role('MEDIATOR'), ownGuarantor(inputGuarantor)),
  'Mutation.approveIncentiveStep': role('MEDIATOR'),
  'Mutation.releaseIncentiveStep': role('GUARANTOR'),
  'Mutation.revertIncentive': role('MEDIATOR'),
  'EscrowAccount.balance': balanceReaders,
  'EscrowAccount.deposited': balanceReaders,
  'EscrowAccount.released': balanceReaders,
  'EscrowAccount.refunded': balanceReaders,
  'EscrowAccount.holdings': balanceReaders,
  'EscrowAccount.movements': balanceReaders,
  'Commitment.description': authenticated,
  'Tranche.approval': authenticated,
  'TrancheRelease.releasedBy': authenticated,
  'TranchePenalty.appliedBy': authenticated,
  'IncentiveStep.approval': authenticated,
  'IncentiveMovement.recordedBy': authenticated,
};

/** advanceCommitment, for a GUARANTOR: only its own guarantor's commitments (the parent is the commitment). */
export const commitmentOwner = either(role('MEDIATOR'), ownGuarantor((commitment) => (commitment as { guarantorId: string }).guarantorId));

/** releaseTranche: only the funding guarantor (the parent is the tranche). */
export const fundingGuarantor = ownGuarantor((tranche) => (tranche as { guarantorId: string }).guarantorId);

/** releaseIncentiveStep: only the granting guarantor (the parent is the incentive escrow). */
export const grantingGuarantor = ownGuarantor((escrow) => (escrow as { guarantorId: string }).guarantorId);

/**
 * What sibling services may ask when they call as themselves: milestones confirms that a guarantor who
 * rules at a dispute's guarantor-panel tier has a commitment to that agreement.
 */
export const siblings: SiblingGrants = {
  milestones: ['Query.guarantor'],
};
