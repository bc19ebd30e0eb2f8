import { randomUUID } from 'node:crypto';
import { BadUserInputError, Problems, actor } from '@treaty/service-kit';
import { EscrowAccount } from '../../entities/index.js';
import { checkCurrency } from '../../domain/money.js';
import { checkMoney, checkOptionalText } from '../../domain/rules.js';
import { DEPOSIT_REFERENCE_KEY, depositWithReference, ledgerAccount, postTransfer } from '../../ledger.js';
import type { MutationDepositToEscrowArgs, MutationOpenEscrowAccountArgs } from '../../generated/graphql.js';
import type { Context } from '../../context.js';
import { confirmAgreement, findEscrowAccount, findGuarantor, needsRole, onceOnly, referenceTakenProblem, trimmed } from './shared.js';

export const escrowMutations = {
  async openEscrowAccount(_: unknown, { input }: MutationOpenEscrowAccountArgs, ctx: Context) {
    const p = new Problems();
    checkCurrency(p, 'input.currency', input.currency);
    p.throwIfAny();
    const agreement = await confirmAgreement(ctx, input.agreementId);
    if (!agreement.partyIds.includes(input.beneficiaryPartyId)) {
      throw BadUserInputError.one(
        'input.beneficiaryPartyId',
        `The beneficiary must be a party to "${agreement.title}"; its parties are ${agreement.partyIds.join(', ')}.`,
      );
    }
    return onceOnly(
      () => BadUserInputError.one('input.currency', `A ${input.currency} escrow account for this party was opened by another request a moment ago; list the agreement's escrow accounts to find it.`),
      () =>
        ctx.db.transaction(async (m) => {
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
        }),
      'escrow_account_agreement_beneficiary_currency_key',
    );
  },

  async depositToEscrow(_: unknown, { input }: MutationDepositToEscrowArgs, ctx: Context) {
    const p = new Problems();
    const minor = checkMoney(p, 'input', input.amount, input.currency);
    checkOptionalText(p, 'input.reference', input.reference, 'Reference', 300);
    p.throwIfAny();
    const reference = trimmed(input.reference);
    // The check below refuses a reference already booked; the unique index refuses the one booked by a
    // concurrent request meanwhile, and its loser gets the same refusal, naming the winner.
    return onceOnly(
      async () => BadUserInputError.one('input.reference', referenceTakenProblem(reference!, input.escrowAccountId, await depositWithReference(ctx.db.manager, input.escrowAccountId, reference!))),
      () =>
        ctx.db.transaction(async (m) => {
          const escrow = await findEscrowAccount(m, input.escrowAccountId);
          const guarantor = await findGuarantor(m, input.guarantorId);
          needsRole(p, 'input.guarantorId', guarantor, 'FUNDER', 'a deposit');
          if (input.currency !== escrow.currency) {
            p.add('input.currency', `Escrow account ${escrow.id} is kept in ${escrow.currency}; deposit ${escrow.currency}, or open a ${input.currency} account for the beneficiary.`);
          }
          if (reference) {
            const holder = await depositWithReference(m, escrow.id, reference);
            if (holder) p.add('input.reference', referenceTakenProblem(reference, escrow.id, holder));
          }
          p.throwIfAny();
          const source = await ledgerAccount(m, escrow, 'FUNDING_SOURCE', guarantor.id);
          const holding = await ledgerAccount(m, escrow, 'ESCROW', guarantor.id, true);
          await postTransfer(
            m,
            { kind: 'DEPOSIT', escrow, guarantorId: guarantor.id, amountMinor: minor!, reference, at: ctx.clock.now(), caller: ctx.caller, evidence: ctx.evidence },
            source,
            holding,
          );
          return escrow;
        }),
      DEPOSIT_REFERENCE_KEY,
    );
  },
};
