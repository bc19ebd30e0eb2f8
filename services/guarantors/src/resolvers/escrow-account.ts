import type { EscrowAccount as EscrowAccountRow, LedgerAccountKind } from '../entities/index.js';
import { money } from '../domain/money.js';
import type { Context } from '../context.js';
import { ref } from './shared.js';

/** The sum of the entries of every ledger account of `kind` in the escrow account. */
async function sumOf(a: EscrowAccountRow, kind: LedgerAccountKind, ctx: Context): Promise<bigint> {
  const sums = await ctx.loaders.ledgerSumsOfEscrowAccount.load(a.id);
  return sums.filter((s) => s.kind === kind).reduce((total, s) => total + s.minor, 0n);
}

export const EscrowAccount = {
  agreement(a: EscrowAccountRow) {
    return ref(a.agreementId);
  },
  beneficiary(a: EscrowAccountRow) {
    return ref(a.beneficiaryPartyId);
  },
  async balance(a: EscrowAccountRow, _: unknown, ctx: Context) {
    return money(await sumOf(a, 'ESCROW', ctx), a.currency);
  },
  async deposited(a: EscrowAccountRow, _: unknown, ctx: Context) {
    // Funding sources go negative as guarantors deposit: what left them is what was deposited.
    return money(-(await sumOf(a, 'FUNDING_SOURCE', ctx)), a.currency);
  },
  async released(a: EscrowAccountRow, _: unknown, ctx: Context) {
    return money(await sumOf(a, 'BENEFICIARY', ctx), a.currency);
  },
  async refunded(a: EscrowAccountRow, _: unknown, ctx: Context) {
    return money(await sumOf(a, 'GUARANTOR_REFUND', ctx), a.currency);
  },
  async holdings(a: EscrowAccountRow, _: unknown, ctx: Context) {
    const sums = await ctx.loaders.ledgerSumsOfEscrowAccount.load(a.id);
    return sums.filter((s) => s.kind === 'ESCROW').map((s) => ({ guarantorId: s.guarantorId!, balance: money(s.minor, a.currency) }));
  },
  movements(a: EscrowAccountRow, _: unknown, ctx: Context) {
    return ctx.loaders.movementsOfEscrowAccount.load(a.id);
  },
  tranches(a: EscrowAccountRow, _: unknown, ctx: Context) {
    return ctx.loaders.tranchesOfEscrowAccount.load(a.id);
  },
};

export const EscrowHolding = {
  guarantor(h: { guarantorId: string }, _: unknown, ctx: Context) {
    return ctx.loaders.guarantor.load(h.guarantorId);
  },
};
