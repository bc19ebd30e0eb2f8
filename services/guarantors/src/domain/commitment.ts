/** Commitments move PLEDGED → COMMITTED → PAID (OCHA's distinction); the state follows from the recorded moves. */

export const COMMITMENT_STATUSES = ['PLEDGED', 'COMMITTED', 'PAID'] as const;
export type CommitmentStatus = (typeof COMMITMENT_STATUSES)[number];
export type CommitmentKind = 'SECURITY_ASSURANCE' | 'FUNDING_PLEDGE';

export interface CommitmentFacts {
  committedAt: Date | null;
  paidAt: Date | null;
}

/** PAID once a payment is recorded, COMMITTED once the commitment is recorded, PLEDGED before. */
export function commitmentStatus(f: CommitmentFacts): CommitmentStatus {
  if (f.paidAt) return 'PAID';
  if (f.committedAt) return 'COMMITTED';
  return 'PLEDGED';
}

/**
 * Why moving a commitment of `kind` from `from` to `to` is not allowed, or null when it is. Only one step
 * forward at a time; a security assurance is committed, never paid.
 */
export function transitionProblem(kind: CommitmentKind, from: CommitmentStatus, to: CommitmentStatus): string | null {
  if (to === 'PLEDGED') return `A commitment cannot move back to PLEDGED (it is ${from}); commitments only move PLEDGED → COMMITTED → PAID.`;
  if (kind === 'SECURITY_ASSURANCE' && to === 'PAID') {
    return 'A security assurance is committed, never paid; only funding pledges move on to PAID.';
  }
  if (from === 'PLEDGED' && to === 'COMMITTED') return null;
  if (from === 'COMMITTED' && to === 'PAID') return null;
  if (from === to) return `The commitment is already ${from}.`;
  if (from === 'PLEDGED' && to === 'PAID') return 'A pledge must be COMMITTED before it is PAID; record the commitment first.';
  return `A commitment cannot move from ${from} to ${to}; commitments only move PLEDGED → COMMITTED → PAID.`;
}

export interface TotalsRow {
  currency: string;
  committed: boolean;
  paid: boolean;
  /** Sum of the pledges with these facts, in minor units. */
  minor: bigint;
}

export interface CurrencyTotals {
  currency: string;
  pledged: bigint;
  committed: bigint;
  paid: bigint;
}

/**
 * Sums funding pledges per currency into three disjoint buckets by their current status, so a pledge
 * counts once: as pledged until committed, as committed until paid, then as paid.
 */
export function totalsByCurrency(rows: TotalsRow[]): CurrencyTotals[] {
  const byCurrency = new Map<string, CurrencyTotals>();
  for (const r of rows) {
    const t = byCurrency.get(r.currency) ?? { currency: r.currency, pledged: 0n, committed: 0n, paid: 0n };
    const status = commitmentStatus({ committedAt: r.committed ? new Date(0) : null, paidAt: r.paid ? new Date(0) : null });
    if (status === 'PAID') t.paid += r.minor;
    else if (status === 'COMMITTED') t.committed += r.minor;
    else t.pledged += r.minor;
    byCurrency.set(r.currency, t);
  }
  return [...byCurrency.values()].sort((a, b) => a.currency.localeCompare(b.currency));
}
