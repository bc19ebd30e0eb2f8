/**
 * How well a milestone's tranches are funded. Funds sit in escrow per holding (one guarantor's money in
 * one escrow account). A holding's balance covers its open tranches in the order they were created;
 * a released tranche was paid in full from escrow and counts as funded.
 */

export interface HoldingTranche {
  id: string;
  milestoneId: string;
  currency: string;
  /** The amount still owed: the tranche less any forfeited share (for a released tranche, what was paid). */
  dueMinor: bigint;
  released: boolean;
}

/**
 * What each tranche of one holding has in escrow: open tranches, in creation order, draw on the
 * balance until it runs out; released tranches are funded in full.
 */
export function coverage(balanceMinor: bigint, tranchesInOrder: HoldingTranche[]): Map<string, bigint> {
  const funded = new Map<string, bigint>();
  let left = balanceMinor > 0n ? balanceMinor : 0n;
  for (const t of tranchesInOrder) {
    if (t.released) {
      funded.set(t.id, t.dueMinor);
      continue;
    }
    const take = t.dueMinor < left ? t.dueMinor : left;
    funded.set(t.id, take);
    left -= take;
  }
  return funded;
}

export interface FundingLine {
  currency: string;
  dueMinor: bigint;
  fundedMinor: bigint;
}

/**
 * The funded share of a milestone's tranches, from 0 to 1: per currency, what escrow covers divided by
 * what the tranches owe; with several currencies, the lowest of these. 0 when nothing is owed (no
 * tranches, or all fully forfeited). Exact integer arithmetic until the final division.
 */
export function fundedRatio(lines: FundingLine[]): number {
  const byCurrency = new Map<string, { due: bigint; funded: bigint }>();
  for (const l of lines) {
    const t = byCurrency.get(l.currency) ?? { due: 0n, funded: 0n };
    t.due += l.dueMinor;
    t.funded += l.fundedMinor;
    byCurrency.set(l.currency, t);
  }
  let ratio: number | null = null;
  for (const { due, funded } of byCurrency.values()) {
    if (due <= 0n) continue;
    const capped = funded > due ? due : funded;
    // Scale to millionths in bigint first so very large amounts keep their precision.
    const share = Number((capped * 1_000_000n) / due) / 1_000_000;
    ratio = ratio === null ? share : Math.min(ratio, share);
  }
  return ratio ?? 0;
}
