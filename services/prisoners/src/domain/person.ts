/**
 * A name as duplicate detection compares it: Unicode compatibility forms folded (NFKC: full-width letters,
 * ligatures, non-breaking spaces), surrounding space trimmed, runs of space collapsed to one, and case
 * folded. The case is folded through upper case so that "ß" and "ss", or a final "ς" and "σ", compare
 * equal as Unicode's full case folding has them; NFKC is applied again because case mapping can undo it.
 */
export function normaliseName(name: string): string {
  const spaced = name.normalize('NFKC').trim().replace(/\s+/gu, ' ');
  return spaced.toUpperCase().toLowerCase().normalize('NFKC');
}
