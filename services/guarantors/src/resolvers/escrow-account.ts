import type { EscrowAccount as EscrowAccountRow, LedgerAccountKind } from '../entities/index.js';
import { money, type Money } from '../domain/money.js';
import { holdingKey } from '../ledger.js';
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
    return sums.filter((s) => s.kind === 'ESCROW').map((s): HoldingView => ({ escrowAccountId: a.id, guarantorId: s.guarantorId!, currency: a.currency, balance: money(s.minor, a.currency) }));
  },
  movements(a: EscrowAccountRow, _: unknown, ctx: Context) {
    return ctx.loaders.movementsOfEscrowAccount.load(a.id);
  },
  tranches(a: EscrowAccountRow, _: unknown, ctx: Context) {
    return ctx.loaders.tranchesOfEscrowAccount.load(a.id);
  },
};

export interface HoldingView {
  escrowAccountId: string;
  guarantorId: string;
  currency: string;
  balance: Money;
}

async function fundsOfView(h: HoldingView, ctx: Context) {
  const funds = await ctx.loaders.fundsOfHolding.load(holdingKey(h.escrowAccountId, h.guarantorId));
  return { reserved: funds?.reservedMinor ?? 0n, unreserved: funds?.unreservedMinor ?? 0n };
}

export const EscrowHolding = {
  guarantor(h: HoldingView, _: unknown, ctx: Context) {
    return ctx.loaders.guarantor.load(h.guarantorId);
  },
  async reserved(h: HoldingView, _: unknown, ctx: Context) {
    return money((await fundsOfView(h, ctx)).reserved, h.currency);
  },
  async unreserved(h: HoldingView, _: unknown, ctx: Context) {
    return money((await fundsOfView(h, ctx)).unreserved, h.currency);
  },
};
