import type { Problems } from '@treaty/service-kit';

/**
 * Money is held as an integer number of the currency's minor units (cents, fils, yen) in a bigint and
 * crosses the API as a decimal string. Conversion is string arithmetic only: a floating-point number
 * never touches an amount.
 */

/**
 * The ISO 4217 currencies the escrow ledger accepts: the number of decimals of each, and the ceiling on any
 * single amount (a deposit, a pledge, a tranche; a penalty is a share of a tranche, so never more), in
 * whole major units. Each ceiling is worth about ten billion US dollars, rounded to a number that reads
 * easily: far above any one transfer a guarantor makes to an escrow account, and low enough that an amount
 * typed with a few digits too many is refused instead of booked. Every amount in schema.graphql's `Money`
 * description is this table (a test compares them).
 */
const TABLE = {
  USD: { exponent: 2, ceiling: 10_000_000_000n },
  EUR: { exponent: 2, ceiling: 10_000_000_000n },
  GBP: { exponent: 2, ceiling: 10_000_000_000n },
  CHF: { exponent: 2, ceiling: 10_000_000_000n },
  NOK: { exponent: 2, ceiling: 100_000_000_000n },
  SEK: { exponent: 2, ceiling: 100_000_000_000n },
  CAD: { exponent: 2, ceiling: 10_000_000_000n },
  QAR: { exponent: 2, ceiling: 40_000_000_000n },
  SAR: { exponent: 2, ceiling: 40_000_000_000n },
  AED: { exponent: 2, ceiling: 40_000_000_000n },
  JPY: { exponent: 0, ceiling: 1_500_000_000_000n },
  XOF: { exponent: 0, ceiling: 6_000_000_000_000n },
  KWD: { exponent: 3, ceiling: 3_000_000_000n },
  BHD: { exponent: 3, ceiling: 4_000_000_000n },
  JOD: { exponent: 3, ceiling: 7_000_000_000n },
} as const satisfies Record<string, { exponent: number; ceiling: bigint }>;

/** The number of decimals of each accepted currency. */
export const CURRENCIES: Readonly<Record<string, number>> = Object.freeze(Object.fromEntries(Object.entries(TABLE).map(([c, t]) => [c, t.exponent])));

/** The largest single amount of each accepted currency, in whole major units (dollars, yen, dinars). */
export const CEILINGS: Readonly<Record<string, bigint>> = Object.freeze(Object.fromEntries(Object.entries(TABLE).map(([c, t]) => [c, t.ceiling])));

/** The largest amount a bigint column holds: 2^63 - 1 minor units. Every ceiling is far below it. */
export const MAX_MINOR = 9_223_372_036_854_775_807n;

const DECIMAL = /^-?\d+(\.\d+)?$/;

/** Whole major units with thousands grouped for reading, e.g. 10000000000n is "10,000,000,000". */
export function groupedMajor(major: bigint): string {
  return major.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** The ceiling of `currency` in minor units. */
export function ceilingMinor(currency: string): bigint {
  const major = CEILINGS[currency];
  if (major === undefined) throw new Error(`unsupported currency ${currency}`);
  return major * 10n ** BigInt(minorExponent(currency));
}

export function isCurrency(code: string): boolean {
  return Object.hasOwn(CURRENCIES, code);
}

export function minorExponent(currency: string): number {
  const e = CURRENCIES[currency];
  if (e === undefined) throw new Error(`unsupported currency ${currency}`);
  return e;
}

export function checkCurrency(p: Problems, path: string, currency: string): boolean {
  if (isCurrency(currency)) return true;
  p.add(path, `Currency "${currency}" is not supported; use an ISO 4217 code in capitals, one of ${Object.keys(CURRENCIES).join(', ')}.`);
  return false;
}

/**
 * Parses a positive decimal amount ("1250000.00", "3", "0.125") in `currency` into minor units. Adds a
 * problem and returns null for anything else: spaces around it, another format, a sign, zero, more
 * decimals than the currency has, or more than the currency's ceiling. Nothing is trimmed: the refusal
 * says what to send instead, so the amount booked is always the text the caller sent.
 */
export function parseAmount(p: Problems, path: string, amount: string, currency: string): bigint | null {
  const exponent = CURRENCIES[currency];
  if (amount.length > 0 && amount.trim() !== amount && DECIMAL.test(amount.trim())) {
    p.add(path, `"${amount}" has spaces around it; send the amount alone, like "${amount.trim()}" (digits, an optional dot and decimals, nothing else).`);
    return null;
  }
  if (!DECIMAL.test(amount)) {
    p.add(path, `"${amount}" is not a decimal amount; write it like "1250000.00": digits, an optional dot and decimals, no sign, spaces or thousands separators.`);
    return null;
  }
  if (amount.startsWith('-')) {
    p.add(path, `The amount ${amount} is negative; give a positive amount (money moves the other way through a different operation).`);
    return null;
  }
  if (exponent === undefined) return null; // the currency's own problem is reported by checkCurrency
  const [whole, fraction = ''] = amount.split('.') as [string, string?];
  if (fraction.length > exponent) {
    p.add(
      path,
      exponent === 0
        ? `${currency} has no minor unit, so ${amount} has too many decimals; give a whole number of ${currency}.`
        : `${amount} has ${fraction.length} decimals but ${currency} allows ${exponent}; give the amount with at most ${exponent} decimals.`,
    );
    return null;
  }
  const digits = (whole + fraction.padEnd(exponent, '0')).replace(/^0+(?=\d)/, '');
  const ceiling = ceilingMinor(currency);
  // Compared by length first, so that a very long string is refused without building a huge number.
  if (digits.length > ceiling.toString().length || BigInt(digits) > ceiling) {
    p.add(
      path,
      `${amount} ${currency} is more than a single amount may be: at most ${formatMinor(ceiling, currency)} ${currency} (${groupedMajor(CEILINGS[currency]!)} ${currency}). ` +
        'Check the number of digits; if the sum is right, split it into several deposits, pledges or tranches.',
    );
    return null;
  }
  const minor = BigInt(digits);
  if (minor === 0n) {
    p.add(path, 'The amount is zero; give a positive amount.');
    return null;
  }
  return minor;
}

/** Formats minor units as a decimal string with exactly the currency's decimals: 125000000n USD is "1250000.00". */
export function formatMinor(minor: bigint, currency: string): string {
  const exponent = minorExponent(currency);
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = digits.slice(digits.length - exponent);
  return `${negative ? '-' : ''}${whole}${exponent > 0 ? `.${fraction}` : ''}`;
}

/** The API's Money object. */
export interface Money {
  amount: string;
  currency: string;
}

export function money(minor: bigint, currency: string): Money {
  return { amount: formatMinor(minor, currency), currency };
}
