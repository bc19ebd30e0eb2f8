import type { Problems } from '@treaty/service-kit';

/**
 * Money is held as an integer number of the currency's minor units (cents, fils, yen) in a bigint and
 * crosses the API as a decimal string. Conversion is string arithmetic only: a floating-point number
 * never touches an amount.
 */

/** The ISO 4217 currencies the escrow ledger accepts, with the number of decimals of each. */
export const CURRENCIES: Readonly<Record<string, number>> = Object.freeze({
  USD: 2,
  EUR: 2,
  GBP: 2,
  CHF: 2,
  NOK: 2,
  SEK: 2,
  CAD: 2,
  QAR: 2,
  SAR: 2,
  AED: 2,
  JPY: 0,
  XOF: 0,
  KWD: 3,
  BHD: 3,
  JOD: 3,
});

/** The largest amount a bigint column holds: 2^63 - 1 minor units. */
export const MAX_MINOR = 9_223_372_036_854_775_807n;

const DECIMAL = /^-?\d+(\.\d+)?$/;

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
 * problem and returns null for anything else: another format, a sign, zero, more decimals than the
 * currency has, or more than a bigint holds.
 */
export function parseAmount(p: Problems, path: string, amount: string, currency: string): bigint | null {
  const exponent = CURRENCIES[currency];
  const text = amount.trim();
  if (!DECIMAL.test(text)) {
    p.add(path, `"${amount}" is not a decimal amount; write it like "1250000.00": digits, an optional dot and decimals, no sign, spaces or thousands separators.`);
    return null;
  }
  if (text.startsWith('-')) {
    p.add(path, `The amount ${text} is negative; give a positive amount (money moves the other way through a different operation).`);
    return null;
  }
  if (exponent === undefined) return null; // the currency's own problem is reported by checkCurrency
  const [whole, fraction = ''] = text.split('.') as [string, string?];
  if (fraction.length > exponent) {
    p.add(
      path,
      exponent === 0
        ? `${currency} has no minor unit, so ${text} has too many decimals; give a whole number of ${currency}.`
        : `${text} has ${fraction.length} decimals but ${currency} allows ${exponent}; give the amount with at most ${exponent} decimals.`,
    );
    return null;
  }
  const digits = (whole + fraction.padEnd(exponent, '0')).replace(/^0+(?=\d)/, '');
  if (digits.length > 19 || BigInt(digits) > MAX_MINOR) {
    p.add(path, `${text} ${currency} is larger than the ledger can hold; split it into smaller amounts.`);
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
