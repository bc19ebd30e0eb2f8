import { HOUR_MS, Problems } from '@treaty/service-kit';
import { checkText } from './rules.js';

/**
 * Statements and domestic steps (DESIGN §13, issue 20): the calendar of synchronised statements and of
 * steps each party takes at home that peace frameworks commit the parties to (the seeds speak of joint
 * communiqués, coordinated public messaging and steps "through domestic processes"). Each is a milestone
 * of its own kind, due, certified, missed or waived like any other and counted in the scorecard, but
 * certified against evidence of its own kind:
 * - a STATEMENT is met when every party that must issue it has (the obligated party and the parties it
 *   is synchronised with), each issuance within the tolerance of the others: a communiqué read by one
 *   side on Monday and the other on Friday was not synchronised, and that is the point of it. It is met
 *   when the last issuance of the set was made.
 * - a DOMESTIC_STEP is met by an official record of the step (a gazette number, a session's minutes, a
 *   registry entry) from the institution that took it, and is met when the step was enacted.
 */
export const MILESTONE_KINDS = ['OBLIGATION', 'STATEMENT', 'DOMESTIC_STEP'] as const;
export type MilestoneKind = (typeof MILESTONE_KINDS)[number];

export const STATEMENT_FORMS = ['JOINT_COMMUNIQUE', 'PUBLIC_STATEMENT', 'ADDRESS_TO_THE_NATION', 'PRESS_CONFERENCE', 'MESSAGE_TO_FORCES'] as const;
export type StatementForm = (typeof STATEMENT_FORMS)[number];

export const DOMESTIC_STEP_FORMS = ['LAW_PASSED', 'DECREE_ISSUED', 'RATIFICATION', 'STAKEHOLDER_BRIEFING', 'BUDGET_ALLOCATED', 'INSTITUTION_ESTABLISHED'] as const;
export type DomesticStepForm = (typeof DOMESTIC_STEP_FORMS)[number];

/** How far apart the issuances of one synchronised statement may be, unless the milestone says: a day. */
export const DEFAULT_TOLERANCE_HOURS = 24;
const MAX_TOLERANCE_HOURS = 168;

export interface StatementTerms {
  form: StatementForm;
  /** The other parties that must issue it with the obligated party (may be empty: a statement by one party). */
  synchronisedWithPartyIds: string[];
  toleranceHours: number;
}

export interface DomesticStepTerms {
  form: DomesticStepForm;
  /** Who takes the step: "National Assembly of the Republic of Veltria", "Ministry of Justice". */
  institution: string;
}

export interface KindDraft {
  kind?: MilestoneKind | null;
  statement?: { form: string; synchronisedWithPartyIds?: string[] | null; toleranceHours?: number | null } | null;
  domesticStep?: { form: string; institution: string } | null;
}

/** Checks a milestone's kind and terms against the agreement's parties; returns the terms to store. */
export function checkKind(
  p: Problems,
  d: KindDraft,
  obligatedPartyId: string,
  parties: readonly { id: string; name: string }[],
): { kind: MilestoneKind; statement: StatementTerms | null; domesticStep: DomesticStepTerms | null } {
  const kind = d.kind ?? 'OBLIGATION';
  if (kind !== 'STATEMENT' && d.statement) p.add('input.statement', `statement terms are for a milestone of kind STATEMENT; this one is ${kind}. Set kind: STATEMENT or leave statement out.`);
  if (kind !== 'DOMESTIC_STEP' && d.domesticStep) p.add('input.domesticStep', `domesticStep terms are for a milestone of kind DOMESTIC_STEP; this one is ${kind}. Set kind: DOMESTIC_STEP or leave domesticStep out.`);
  if (kind === 'STATEMENT') {
    if (!d.statement) {
      p.add('input.statement', 'A STATEMENT milestone needs its terms: statement: { form: JOINT_COMMUNIQUE, synchronisedWithPartyIds: ["<the other party>"], toleranceHours: 24 }.');
      return { kind, statement: null, domesticStep: null };
    }
    const s = d.statement;
    if (!(STATEMENT_FORMS as readonly string[]).includes(s.form)) p.add('input.statement.form', `Unknown statement form ${s.form}; use ${STATEMENT_FORMS.join(', ')}.`);
    const withIds = (s.synchronisedWithPartyIds ?? []).map((x) => x.toLowerCase());
    const known = new Set(parties.map((x) => x.id.toLowerCase()));
    const strangers = withIds.filter((x) => !known.has(x));
    if (strangers.length) {
      p.add('input.statement.synchronisedWithPartyIds', `${strangers.join(', ')} ${strangers.length === 1 ? 'is not a party' : 'are not parties'} to the agreement; its parties are ${parties.map((x) => `${x.name} (${x.id})`).join(', ')}.`);
    }
    if (withIds.includes(obligatedPartyId.toLowerCase())) p.add('input.statement.synchronisedWithPartyIds', 'The obligated party issues the statement anyway; list only the other parties it is synchronised with.');
    if (new Set(withIds).size !== withIds.length) p.add('input.statement.synchronisedWithPartyIds', 'A party is listed twice; list each once.');
    if (s.form === 'JOINT_COMMUNIQUE' && withIds.length === 0) p.add('input.statement.synchronisedWithPartyIds', 'A JOINT_COMMUNIQUE is issued by at least two parties; list the other parties that issue it.');
    const tolerance = s.toleranceHours ?? DEFAULT_TOLERANCE_HOURS;
    if (!Number.isInteger(tolerance) || tolerance < 0 || tolerance > MAX_TOLERANCE_HOURS) {
      p.add('input.statement.toleranceHours', `toleranceHours is ${tolerance}; give a whole number of hours from 0 to ${MAX_TOLERANCE_HOURS} (24 is usual): how far apart the parties' issuances may be.`);
    }
    return { kind, statement: { form: s.form as StatementForm, synchronisedWithPartyIds: withIds, toleranceHours: tolerance }, domesticStep: null };
  }
  if (kind === 'DOMESTIC_STEP') {
    if (!d.domesticStep) {
      p.add('input.domesticStep', 'A DOMESTIC_STEP milestone needs its terms: domesticStep: { form: LAW_PASSED, institution: "National Assembly" }.');
      return { kind, statement: null, domesticStep: null };
    }
    if (!(DOMESTIC_STEP_FORMS as readonly string[]).includes(d.domesticStep.form)) p.add('input.domesticStep.form', `Unknown domestic step form ${d.domesticStep.form}; use ${DOMESTIC_STEP_FORMS.join(', ')}.`);
    checkText(p, 'input.domesticStep.institution', d.domesticStep.institution, 'Institution');
    return { kind, statement: null, domesticStep: { form: d.domesticStep.form as DomesticStepForm, institution: d.domesticStep.institution?.trim() ?? '' } };
  }
  if (!(MILESTONE_KINDS as readonly string[]).includes(kind)) p.add('input.kind', `Unknown milestone kind ${String(kind)}; use ${MILESTONE_KINDS.join(', ')}.`);
  return { kind, statement: null, domesticStep: null };
}

export interface IssuanceDraft {
  partyId: string;
  issuedAt: Date;
  reference: string;
  sha256?: string | null;
}

export interface RecordDraft {
  reference: string;
  institution: string;
  enactedAt: Date;
}

const SHA256 = /^[0-9a-f]{64}$/i;
const MAX_REFERENCE = 2000;

/**
 * Checks the evidence of kind that certifying a STATEMENT or DOMESTIC_STEP needs, and returns when the
 * milestone was met by it (the last issuance, or the enactment), or null when a problem was added.
 * `expected` is every party that must issue the statement (the obligated one first).
 */
export function checkKindEvidence(
  p: Problems,
  kind: MilestoneKind,
  terms: { statement: StatementTerms | null; domesticStep: DomesticStepTerms | null },
  given: { issuances?: IssuanceDraft[] | null; record?: RecordDraft | null },
  expected: readonly { id: string; name: string }[],
  window: { entryIntoForceAt: Date; now: Date },
): Date | null {
  const before = p.size;
  const inTime = (path: string, at: Date, what: string) => {
    if (at.getTime() > window.now.getTime()) p.add(path, `${what} is ${at.toISOString()}, in the future; give when it actually happened.`);
    if (at.getTime() < window.entryIntoForceAt.getTime()) p.add(path, `${what} is ${at.toISOString()}, before the agreement entered into force (${window.entryIntoForceAt.toISOString()}).`);
  };
  if (kind === 'OBLIGATION') {
    if (given.issuances?.length) p.add('input.issuances', 'issuances certify a STATEMENT milestone; this one is an OBLIGATION. Leave them out.');
    if (given.record) p.add('input.record', 'record certifies a DOMESTIC_STEP milestone; this one is an OBLIGATION. Leave it out.');
    return p.size === before ? window.now : null;
  }
  if (kind === 'STATEMENT') {
    if (given.record) p.add('input.record', 'record certifies a DOMESTIC_STEP milestone; a STATEMENT is certified by its issuances.');
    const issuances = given.issuances ?? [];
    const names = new Map(expected.map((x) => [x.id.toLowerCase(), x.name]));
    if (!issuances.length) {
      p.add('input.issuances', `A STATEMENT is certified by one issuance per party that must make it: ${expected.map((x) => `${x.name} (${x.id})`).join(', ')}; each { partyId, issuedAt, reference }.`);
      return null;
    }
    const seen = new Set<string>();
    issuances.forEach((i, k) => {
      const at = `input.issuances[${k}]`;
      const id = i.partyId.toLowerCase();
      if (!names.has(id)) p.add(`${at}.partyId`, `${i.partyId} is not among the parties that must issue this statement: ${expected.map((x) => `${x.name} (${x.id})`).join(', ')}.`);
      else if (seen.has(id)) p.add(`${at}.partyId`, `${names.get(id)} is listed twice; give one issuance per party (its first).`);
      seen.add(id);
      inTime(`${at}.issuedAt`, i.issuedAt, 'issuedAt');
      checkText(p, `${at}.reference`, i.reference, 'Reference', MAX_REFERENCE);
      if (i.sha256 != null && !SHA256.test(i.sha256)) p.add(`${at}.sha256`, 'sha256 must be 64 hexadecimal characters (the SHA-256 of the published text or recording).');
    });
    const missing = expected.filter((x) => !seen.has(x.id.toLowerCase()));
    if (missing.length) p.add('input.issuances', `No issuance by ${missing.map((x) => `${x.name} (${x.id})`).join(', ')}; a synchronised statement is met only when every party has made it.`);
    if (p.size !== before) return null;
    const times = issuances.map((i) => i.issuedAt.getTime());
    const spread = Math.max(...times) - Math.min(...times);
    const tolerance = terms.statement!.toleranceHours;
    if (spread > tolerance * HOUR_MS) {
      p.add(
        'input.issuances',
        `The issuances are ${Math.round((spread / HOUR_MS) * 10) / 10} hours apart, more than the ${tolerance} hours this statement allows: it was not synchronised. Certify it when the parties issue it together, or waive it.`,
      );
      return null;
    }
    return new Date(Math.max(...times));
  }
  if (given.issuances?.length) p.add('input.issuances', 'issuances certify a STATEMENT milestone; a DOMESTIC_STEP is certified by its record.');
  const r = given.record;
  if (!r) {
    p.add('input.record', `A DOMESTIC_STEP is certified by the official record of the step: record: { reference: "Official Gazette No. 112", institution: "${terms.domesticStep?.institution || 'the institution'}", enactedAt: "…" }.`);
    return null;
  }
  checkText(p, 'input.record.reference', r.reference, 'Reference', MAX_REFERENCE);
  checkText(p, 'input.record.institution', r.institution, 'Institution');
  inTime('input.record.enactedAt', r.enactedAt, 'enactedAt');
  return p.size === before ? r.enactedAt : null;
}

/** Every party that must issue a milestone: for a STATEMENT the obligated party and those it is synchronised with; else the obligated party. */
export function issuersOf(m: { obligatedPartyId: string; terms: { statement?: StatementTerms } | { domesticStep?: DomesticStepTerms } | null }): string[] {
  const statement = m.terms && 'statement' in m.terms ? m.terms.statement : undefined;
  return statement ? [m.obligatedPartyId, ...statement.synchronisedWithPartyIds.filter((id) => id !== m.obligatedPartyId)] : [m.obligatedPartyId];
}
