import type { Commitment as CommitmentRow } from '../entities/index.js';
import { commitmentStatus } from '../domain/commitment.js';
import { money } from '../domain/money.js';
import type { Context } from '../context.js';
import { ref } from './shared.js';

export const Commitment = {
  guarantor(c: CommitmentRow, _: unknown, ctx: Context) {
    return ctx.loaders.guarantor.load(c.guarantorId);
  },
  agreement(c: CommitmentRow) {
    return ref(c.agreementId);
  },
  amount(c: CommitmentRow) {
    return c.amountMinor !== null && c.currency !== null ? money(c.amountMinor, c.currency) : null;
  },
  status(c: CommitmentRow) {
    return commitmentStatus(c);
  },
};
