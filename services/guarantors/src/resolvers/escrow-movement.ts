import { logEntryField } from '@treaty/service-kit';
import type { LedgerJournal } from '../entities/index.js';
import { money } from '../domain/money.js';
import type { Context } from '../context.js';

export const EscrowMovement = {
  logEntry: logEntryField('ledger-journal', (j: LedgerJournal) => j.id),
  amount(j: LedgerJournal) {
    return money(j.amountMinor, j.currency);
  },
  guarantor(j: LedgerJournal, _: unknown, ctx: Context) {
    return ctx.loaders.guarantor.load(j.guarantorId);
  },
  tranche(j: LedgerJournal, _: unknown, ctx: Context) {
    return j.trancheId ? ctx.loaders.tranche.load(j.trancheId) : null;
  },
};
