/** Double-entry rules for one journal, checked before it is written (the database checks them again at commit). */

export interface EntryDraft {
  accountId: string;
  amountMinor: bigint;
}

/**
 * Why these entries cannot form a journal moving `amountMinor`, or null when they can: at least two
 * entries, none zero, summing to zero, with the positive side equal to the amount moved.
 */
export function unbalancedReason(amountMinor: bigint, entries: EntryDraft[]): string | null {
  if (amountMinor <= 0n) return `a journal moves a positive amount, not ${amountMinor}`;
  if (entries.length < 2) return `a journal needs at least two entries, not ${entries.length}`;
  if (entries.some((e) => e.amountMinor === 0n)) return 'a ledger entry cannot be zero';
  const total = entries.reduce((s, e) => s + e.amountMinor, 0n);
  if (total !== 0n) return `entries sum to ${total}, not zero`;
  const credited = entries.filter((e) => e.amountMinor > 0n).reduce((s, e) => s + e.amountMinor, 0n);
  if (credited !== amountMinor) return `entries move ${credited}, not the journal's ${amountMinor}`;
  return null;
}
