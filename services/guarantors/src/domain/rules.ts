import { isBlank, type Problems } from '@treaty/service-kit';
import type { CommitmentKind } from './commitment.js';
import { checkCurrency, parseAmount } from './money.js';

/** Pure validation of mutation inputs: each function adds every problem it finds, none throws. */

export const GUARANTOR_KINDS = ['UN_BODY', 'STATE', 'REGIONAL_ORGANISATION'] as const;
export type GuarantorKind = (typeof GUARANTOR_KINDS)[number];
export const GUARANTOR_ROLES = ['FUNDER', 'SECURITY_GUARANTOR', 'MONITOR'] as const;
export type GuarantorRole = (typeof GUARANTOR_ROLES)[number];
export const COMMITMENT_KINDS = ['SECURITY_ASSURANCE', 'FUNDING_PLEDGE'] as const;

const MAX_NAME = 300;

export function checkText(p: Problems, path: string, value: string | null | undefined, what: string, max = MAX_NAME): void {
  if (isBlank(value)) {
    p.add(path, `${what} is empty; give a short, descriptive ${what.toLowerCase()}.`);
  } else if (value.length > max) {
    p.add(path, `${what} is ${value.length} characters long; shorten it to at most ${max}.`);
  }
}

/** Optional text: absent is fine, present must be non-empty and not too long. */
export function checkOptionalText(p: Problems, path: string, value: string | null | undefined, what: string, max = 2000): void {
  if (value !== null && value !== undefined) checkText(p, path, value, what, max);
}

/** The role a guarantor needs to make a commitment of `kind`, and what that commitment is called. */
export function pledgeNeeds(kind: CommitmentKind): { role: GuarantorRole; what: string } {
  return kind === 'FUNDING_PLEDGE' ? { role: 'FUNDER', what: 'a funding pledge' } : { role: 'SECURITY_GUARANTOR', what: 'a security assurance' };
}

/** Why this guarantor may not take part in `what` for lack of `role`, or null when it holds the role. */
export function roleProblem(g: { name: string; roles: readonly string[] }, role: GuarantorRole, what: string): string | null {
  return g.roles.includes(role) ? null : `${g.name} is registered with the roles ${g.roles.join(', ')}; ${what} needs a guarantor with the ${role} role.`;
}

export interface GuarantorDraft {
  name: string;
  kind: string;
  roles: string[];
}

export function checkGuarantor(p: Problems, g: GuarantorDraft): void {
  checkText(p, 'input.name', g.name, 'Name');
  if (!(GUARANTOR_KINDS as readonly string[]).includes(g.kind)) p.add('input.kind', `Unknown kind ${g.kind}; use ${GUARANTOR_KINDS.join(', ')}.`);
  if (g.roles.length === 0) p.add('input.roles', `A guarantor needs at least one role: ${GUARANTOR_ROLES.join(', ')}.`);
  const unknown = g.roles.filter((r) => !(GUARANTOR_ROLES as readonly string[]).includes(r));
  if (unknown.length) p.add('input.roles', `Unknown roles ${unknown.join(', ')}; use ${GUARANTOR_ROLES.join(', ')}.`);
  if (new Set(g.roles).size !== g.roles.length) p.add('input.roles', 'A role is listed twice; list each role once.');
}

/** An amount and currency from an input, parsed into minor units; null (with problems added) when invalid. */
export function checkMoney(p: Problems, path: string, amount: string, currency: string): bigint | null {
  const known = checkCurrency(p, `${path}.currency`, currency);
  const minor = parseAmount(p, `${path}.amount`, amount, currency);
  return known ? minor : null;
}

export interface PledgeDraft {
  kind: string;
  description?: string | null;
  amount?: string | null;
  currency?: string | null;
}

/** A security assurance is words (a description, no money); a funding pledge is money (amount and currency). */
export function checkPledge(p: Problems, d: PledgeDraft): bigint | null {
  checkOptionalText(p, 'input.description', d.description, 'Description', 5000);
  if (d.kind === 'SECURITY_ASSURANCE') {
    if (d.description === null || d.description === undefined) {
      p.add('input.description', 'A security assurance needs a description of what is assured, e.g. "Monitors deployed along the line of contact within 10 days".');
    }
    if (d.amount != null || d.currency != null) p.add('input.amount', 'A security assurance carries no money; leave amount and currency out, or pledge FUNDING_PLEDGE.');
    return null;
  }
  if (d.kind === 'FUNDING_PLEDGE') {
    if (d.amount == null || d.currency == null) {
      p.add('input.amount', 'A funding pledge needs an amount and a currency, e.g. amount: "2500000.00", currency: "USD".');
      return null;
    }
    return checkMoney(p, 'input', d.amount, d.currency);
  }
  p.add('input.kind', `Unknown kind ${d.kind}; use ${COMMITMENT_KINDS.join(' or ')}.`);
  return null;
}

export function checkBasisPoints(p: Problems, path: string, bp: number): void {
  if (!Number.isInteger(bp) || bp < 0 || bp > 10_000) {
    p.add(path, `${bp} is not a share in basis points; give a whole number from 0 (nothing forfeited) to 10000 (all of it), e.g. 2500 for 25%.`);
  }
}
