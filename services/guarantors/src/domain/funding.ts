/**
 * How escrow funds tranches. Funds sit in escrow per holding (one guarantor's money in one escrow
 * account). A holding's balance is reserved for its open tranches in the order they were created: each
 * takes what it still stands for (its amount less any forfeited share) while the balance lasts. Money
 * reserved for a tranche leaves the holding only for that tranche: a release or a penalty may draw only
 * on what is held for its own tranche (`drawProblem`). So what a tranche holds never goes down because
 * of another tranche: a deposit adds to the first tranches still short, a tranche created later comes
 * after every existing one, and a release or penalty takes exactly what it removes from its own
 * tranche's claim (issue 14: releasing a later tranche used to drain an earlier milestone's funding).
 */

export interface HoldingTranche {
  id: string;
  milestoneId: string;
  currency: string;
  amountMinor: bigint;
  /** The share forfeited under the penalty schedule; 0 when none. */
  forfeitedMinor: bigint;
  /** What the release paid (for a variable tranche, possibly 0); null until released. */
  releasedMinor: bigint | null;
  /** What a variable release did not pay (returned to the holding or carried on); 0 otherwise. */
  unpaidMinor: bigint;
  /** What earlier variable tranches carried to this one: it stands for its amount plus this. */
  carriedInMinor: bigint;
}

/**
 * Where one tranche's money is, in minor units: forfeited + released + unpaid + held + unfunded = its
 * amount + carriedIn.
 */
export interface TrancheFunds {
  /** Went back to the guarantor under the penalty schedule. */
  forfeited: bigint;
  /** Paid to the beneficiary. */
  released: bigint;
  /** Not paid by a variable release: returned to the holding or carried to a later tranche. */
  unpaid: bigint;
  /** Carried to this tranche from earlier variable tranches' unpaid parts. */
  carriedIn: bigint;
  /** Settled by a release (whatever it paid): nothing more is reserved for it. */
  releasedAlready: boolean;
  /** In escrow, reserved for this tranche. */
  held: bigint;
  /** Still owed by the tranche and not yet in escrow for it. */
  unfunded: bigint;
}

export interface HoldingFunds {
  balanceMinor: bigint;
  /** The holding's tranches in creation order, each with its funds. */
  order: string[];
  tranches: Map<string, TrancheFunds>;
  /** The part of the balance held for open tranches. */
  reservedMinor: bigint;
  /** The rest of the balance: what the next tranche short of funds (or a tranche created later) draws on. */
  unreservedMinor: bigint;
}

/**
 * What a tranche still stands for and may have reserved: its amount and whatever was carried to it, less
 * any forfeited share; nothing once released.
 */
export function openMinor(t: HoldingTranche): bigint {
  return t.releasedMinor !== null ? 0n : t.amountMinor + t.carriedInMinor - t.forfeitedMinor;
}

/** Reserves a holding's balance for its tranches in creation order, and says where each tranche's amount is. */
export function allotHolding(balanceMinor: bigint, tranchesInOrder: HoldingTranche[]): HoldingFunds {
  const tranches = new Map<string, TrancheFunds>();
  let left = balanceMinor > 0n ? balanceMinor : 0n;
  let reserved = 0n;
  for (const t of tranchesInOrder) {
    const open = openMinor(t);
    const held = open < left ? open : left;
    left -= held;
    reserved += held;
    tranches.set(t.id, {
      forfeited: t.forfeitedMinor,
      released: t.releasedMinor ?? 0n,
      unpaid: t.unpaidMinor,
      carriedIn: t.carriedInMinor,
      releasedAlready: t.releasedMinor !== null,
      held,
      unfunded: open - held,
    });
  }
  return { balanceMinor, order: tranchesInOrder.map((t) => t.id), tranches, reservedMinor: reserved, unreservedMinor: left };
}

export interface DrawShortfall {
  /** The holding's balance. */
  balanceMinor: bigint;
  /** What is reserved for the holding's tranches created before this one. */
  reservedEarlierMinor: bigint;
  /** What the tranches created before this one still lack: a deposit covers them first. */
  earlierUnfundedMinor: bigint;
  /** What is held for this tranche. */
  heldMinor: bigint;
  neededMinor: bigint;
  /** What must still be deposited before the draw can be made: what earlier tranches lack, then what this one lacks. */
  shortMinor: bigint;
}

/**
 * Why `neededMinor` cannot be drawn for tranche `id` (a release of what remains of it, or a forfeited
 * share), or null when it can: only what is held for the tranche itself may leave the holding for it.
 */
export function drawProblem(holding: HoldingFunds, id: string, neededMinor: bigint): DrawShortfall | null {
  const own = holding.tranches.get(id);
  if (!own) throw new Error(`tranche ${id} is not in this holding`);
  if (own.held >= neededMinor) return null;
  let reservedEarlier = 0n;
  let earlierUnfunded = 0n;
  for (const other of holding.order) {
    if (other === id) break;
    reservedEarlier += holding.tranches.get(other)!.held;
    earlierUnfunded += holding.tranches.get(other)!.unfunded;
  }
  return {
    balanceMinor: holding.balanceMinor,
    reservedEarlierMinor: reservedEarlier,
    earlierUnfundedMinor: earlierUnfunded,
    heldMinor: own.held,
    neededMinor,
    shortMinor: earlierUnfunded + neededMinor - own.held,
  };
}

export interface FundingLine {
  currency: string;
  dueMinor: bigint;
  fundedMinor: bigint;
}

/**
 * A tranche's line in its milestone's funded ratio: what it owes (its amount and anything carried to it,
 * less any forfeited share) and what covers it (what is held for it). A released tranche counts as fully
 * funded: escrow held all of it when it was released (what was paid and what a band left unpaid).
 */
export function fundingLine(currency: string, funds: TrancheFunds): FundingLine {
  if (funds.releasedAlready) {
    const settled = funds.released + funds.unpaid;
    return { currency, dueMinor: settled, fundedMinor: settled };
  }
  return { currency, dueMinor: funds.held + funds.unfunded, fundedMinor: funds.held };
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
