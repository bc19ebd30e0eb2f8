import { Problems, isBlank } from '@treaty/service-kit';
import type { ContestReason, DetaineeCategory, InterviewOutcome, RatioCounterpart } from '../entities/index.js';
import type { Deadlines, ListEntryStatus } from './lists.js';

/** Pure validation of mutation inputs: each function adds every problem it finds, none throws. */

export function checkText(p: Problems, path: string, value: string | null | undefined, what: string, max = 300): void {
  if (isBlank(value)) {
    p.add(path, `${what} is empty; give a short, descriptive ${what.toLowerCase()}.`);
  } else if (value.length > max) {
    p.add(path, `${what} is ${value.length} characters long; shorten it to at most ${max}.`);
  }
}

/** A whole number from `min` to `max`. Null is not one: an explicit null replaces an argument's SDL default. */
export function isWholeNumber(value: number | null | undefined, min: number, max = Infinity): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function checkOptionalText(p: Problems, path: string, value: string | null | undefined, what: string, max: number): void {
  if (value !== null && value !== undefined && value.length > max) p.add(path, `${what} is ${value.length} characters long; shorten it to at most ${max}.`);
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses a YYYY-MM-DD calendar date; null when malformed or not a real date. */
export function parseDate(value: string): { y: number; m: number; d: number } | null {
  const match = DATE.exec(value);
  if (!match) return null;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return { y, m, d };
}

/** Age in completed years on the UTC date of `at`. */
export function ageOn(dateOfBirth: string, at: Date): number {
  const dob = parseDate(dateOfBirth)!;
  const [y, m, d] = [at.getUTCFullYear(), at.getUTCMonth() + 1, at.getUTCDate()];
  return y - dob.y - (m < dob.m || (m === dob.m && d < dob.d) ? 1 : 0);
}

/** Under this age a detainee is a child, and must be registered as CHILD (the highest priority). */
export const ADULT_AGE = 18;

export interface DetaineeDraft {
  name: string;
  dateOfBirth: string;
  holdingPartyId: string;
  affiliatedPartyId: string;
  category: DetaineeCategory;
  medicalNotes?: string | null;
}

/**
 * A detainee's record. The category must match the person: anyone under 18 is a CHILD (so that no child
 * loses priority through a clerical choice) and a CHILD is under 18; a MEDICAL case states the condition.
 * Messages never repeat the name, date of birth or notes: they are personal data.
 */
export function checkDetainee(p: Problems, d: DetaineeDraft, now: Date): void {
  checkText(p, 'input.name', d.name, 'Name');
  if (d.category === 'REMAINS') {
    p.add('input.category', 'registerDetainee is for living detainees; register the remains of a deceased person with registerRemains, which needs no date of birth and takes no medical notes.');
    return;
  }
  const dob = parseDate(d.dateOfBirth);
  if (!dob) {
    p.add('input.dateOfBirth', 'dateOfBirth must be a real calendar date written YYYY-MM-DD, e.g. "1988-04-17".');
  } else if (Date.UTC(dob.y, dob.m - 1, dob.d) > now.getTime()) {
    p.add('input.dateOfBirth', 'dateOfBirth is in the future; give the date the person was born.');
  } else if (dob.y < 1900) {
    p.add('input.dateOfBirth', 'dateOfBirth is before 1900; check the year.');
  } else {
    const age = ageOn(d.dateOfBirth, now);
    if (age < ADULT_AGE && d.category !== 'CHILD') {
      p.add('input.category', `The person is ${age} years old today; register anyone under ${ADULT_AGE} as CHILD, the highest priority.`);
    }
    if (age >= ADULT_AGE && d.category === 'CHILD') {
      p.add('input.category', `The person is ${age} years old today; CHILD is for those under ${ADULT_AGE}. Choose WOMAN, MEDICAL, ELDERLY or OTHER.`);
    }
  }
  if (d.holdingPartyId === d.affiliatedPartyId) {
    p.add('input.affiliatedPartyId', 'The holding party and the party the detainee belongs to are the same; an exchange returns a detainee to the other side.');
  }
  if (d.category === 'MEDICAL' && isBlank(d.medicalNotes)) {
    p.add('input.medicalNotes', 'A MEDICAL case needs medicalNotes describing the condition, so the intermediary can plan the transfer.');
  }
  checkOptionalText(p, 'input.medicalNotes', d.medicalNotes, 'medicalNotes', 5000);
}

export interface RemainsDraft {
  name: string;
  dateOfBirth?: string | null;
  holdingPartyId: string;
  affiliatedPartyId: string;
}

/**
 * A record of remains: the name of the deceased as the holding party reports it (confirmed later by the
 * identification), a date of birth if known, and two different parties. Messages never repeat the name.
 */
export function checkRemains(p: Problems, d: RemainsDraft, now: Date): void {
  checkText(p, 'input.name', d.name, 'Name');
  if (d.dateOfBirth !== null && d.dateOfBirth !== undefined) {
    const dob = parseDate(d.dateOfBirth);
    if (!dob) p.add('input.dateOfBirth', 'dateOfBirth must be a real calendar date written YYYY-MM-DD, e.g. "1988-04-17"; omit it when it is not known.');
    else if (Date.UTC(dob.y, dob.m - 1, dob.d) > now.getTime()) p.add('input.dateOfBirth', 'dateOfBirth is in the future; give the date the person was born, or omit it.');
    else if (dob.y < 1900) p.add('input.dateOfBirth', 'dateOfBirth is before 1900; check the year.');
  }
  if (d.holdingPartyId === d.affiliatedPartyId) {
    p.add('input.affiliatedPartyId', 'The holding party and the party the deceased belonged to are the same; a repatriation returns remains to the other side.');
  }
}

export interface IdentificationDraft {
  identifiedBy: string;
  identifiedAt: Date;
  evidenceReference: string;
  findings?: string | null;
}

/** An identification of remains: who made it, when (not in the future), on what evidence. */
export function checkIdentification(p: Problems, i: IdentificationDraft, now: Date): void {
  checkText(p, 'input.identifiedBy', i.identifiedBy, 'identifiedBy');
  checkPast(p, 'input.identifiedAt', i.identifiedAt, now, 'identifiedAt');
  checkText(p, 'input.evidenceReference', i.evidenceReference, 'Evidence reference', 500);
  checkOptionalText(p, 'input.findings', i.findings, 'findings', 5000);
}

/** A list of detainee ids on a list or a manifest: at least one, at most `max`, each once. */
export function checkIdList(p: Problems, path: string, ids: string[], max: number, what: string): void {
  if (ids.length === 0) p.add(path, `Give at least one detainee id for the ${what}.`);
  if (ids.length > max) p.add(path, `${ids.length} detainees in one request; send at most ${max} and the rest in further requests.`);
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const id of ids) (seen.has(id) ? twice : seen).add(id);
  if (twice.size) p.add(path, `Detainee ${[...twice].join(', ')} is listed more than once; list each detainee once.`);
}

/** A time a fact happened: not in the future. */
export function checkPast(p: Problems, path: string, at: Date, now: Date, what: string): void {
  if (at.getTime() > now.getTime()) p.add(path, `${what} ${at.toISOString()} is in the future; record what has happened, at the time it happened (now is ${now.toISOString()}).`);
}

export function checkContest(p: Problems, reason: ContestReason, note: string | null | undefined): void {
  if (reason === 'OTHER' && isBlank(note)) p.add('input.note', 'A contest for reason OTHER needs a note that says what is wrong with the entry.');
  checkOptionalText(p, 'input.note', note, 'note', 2000);
}

/**
 * List deadlines: comments close after submissions do. A deadline that has passed is fixed (entries
 * were deemed agreed, or lists judged late, on it), and a deadline that changes may not move into the
 * past. The first timetable may be recorded after the fact, with deadlines already passed.
 */
export function checkDeadlines(p: Problems, next: Deadlines, current: Deadlines | null, now: Date): void {
  if (next.commentDueAt.getTime() <= next.submissionDueAt.getTime()) {
    p.add('input.commentDueAt', `commentDueAt must come after submissionDueAt (${next.submissionDueAt.toISOString()}): comments are on submitted lists.`);
  }
  if (!current) return;
  const steps = [
    ['submissionDueAt', 'submission'],
    ['commentDueAt', 'comment'],
  ] as const;
  for (const [key, name] of steps) {
    const was = current[key].getTime();
    const will = next[key].getTime();
    if (was === will) continue;
    if (was <= now.getTime()) {
      p.add(`input.${key}`, `The ${name} deadline passed on ${current[key].toISOString()} and cannot be moved; give ${current[key].toISOString()} again.`);
    } else if (will <= now.getTime()) {
      p.add(`input.${key}`, `A changed ${name} deadline cannot be in the past (now is ${now.toISOString()}); choose a later time.`);
    }
  }
}

export interface RatioDraft {
  basePartyId: string;
  terms: { category: DetaineeCategory; counterpartPerDetainee: number; counterpart?: RatioCounterpart | null }[];
}

/** What a term asks in return when it does not say: remains for the remains term, living detainees otherwise. */
export function defaultCounterpart(category: DetaineeCategory): RatioCounterpart {
  return category === 'REMAINS' ? 'REMAINS' : 'LIVING';
}

export function checkWavePlan(p: Problems, sequence: number, ratio: RatioDraft | null | undefined, exceptionReason: string | null | undefined): void {
  if (!Number.isInteger(sequence) || sequence < 1) p.add('input.sequence', `sequence is ${sequence}; number waves 1, 2, 3… in the order they are to run.`);
  if (ratio) {
    if (ratio.terms.length === 0) {
      p.add('input.ratio.terms', 'A ratio needs at least one term, e.g. { category: WOMAN, counterpartPerDetainee: 30 } or { category: REMAINS, counterpartPerDetainee: 15 }; omit the ratio for a wave without one.');
    }
    const seen = new Set<string>();
    ratio.terms.forEach((t, i) => {
      if (seen.has(t.category)) p.add(`input.ratio.terms[${i}].category`, `${t.category} has two terms; give each category once.`);
      seen.add(t.category);
      if (!Number.isInteger(t.counterpartPerDetainee) || t.counterpartPerDetainee < 1 || t.counterpartPerDetainee > 1000) {
        p.add(`input.ratio.terms[${i}].counterpartPerDetainee`, `counterpartPerDetainee is ${t.counterpartPerDetainee}; give a whole number from 1 to 1000.`);
      }
    });
  }
  if (exceptionReason !== null && exceptionReason !== undefined) checkText(p, 'input.sequencingException.reason', exceptionReason, 'Reason', 2000);
}

export interface HandoverDraft {
  interview: InterviewOutcome;
  medicalCheck: { fitToTravel: boolean; notes?: string | null };
  confirmedAt: Date;
}

/** A handover: what happened, when; a consenting detainee must have been found fit to travel. */
export function checkHandover(p: Problems, h: HandoverDraft, now: Date): void {
  checkPast(p, 'input.confirmedAt', h.confirmedAt, now, 'confirmedAt');
  if (h.interview === 'CONSENTS' && !h.medicalCheck.fitToTravel) {
    p.add(
      'input.medicalCheck.fitToTravel',
      'The detainee consents but was found unfit to travel; do not transfer them. Record the handover once a medical check clears them (with a medical escort if needed).',
    );
  }
  checkOptionalText(p, 'input.medicalCheck.notes', h.medicalCheck.notes, 'Medical notes', 5000);
}

// ---------------------------------------------------------------------------------------------------
// Rules that need facts from the database or the milestones service: the caller loads them, these decide.

/** What the milestones service says about an agreement, as far as these rules need it. */
export interface AgreementTerms {
  title: string;
  /** ISO 8601, as the milestones service sends it. */
  entryIntoForceAt: string;
  parties: { id: string; name: string }[];
}

/** A time under an agreement (a deadline, a wave, a handover): not before the agreement entered into force. */
export function checkInForce(p: Problems, path: string, at: Date, agreement: Pick<AgreementTerms, 'title' | 'entryIntoForceAt'>, what: string): void {
  if (at.getTime() < new Date(agreement.entryIntoForceAt).getTime()) {
    p.add(path, `${what} is before "${agreement.title}" entered into force (${agreement.entryIntoForceAt}).`);
  }
}

export function describeParties(agreement: Pick<AgreementTerms, 'parties'>): string {
  return agreement.parties.map((x) => `${x.name} (${x.id})`).join(', ');
}

/** A party named in a write (a holder, the base of a ratio) is a party to the agreement. */
export function checkPartyTo(p: Problems, path: string, partyId: string, agreement: Pick<AgreementTerms, 'title' | 'parties'>): void {
  if (!agreement.parties.some((x) => x.id === partyId)) {
    p.add(path, `${partyId} is not a party to "${agreement.title}"; its parties are ${describeParties(agreement)}.`);
  }
}

/**
 * A party lists only detainees registered under the list's agreement that it holds or that belong to it:
 * a list is a party's own account of the people in question, never of the other side's.
 */
export function checkListDetainees(
  p: Problems,
  detainees: { id: string; agreementId: string; holdingPartyId: string; affiliatedPartyId: string }[],
  agreementId: string,
  submittingPartyId: string,
): void {
  detainees.forEach((d, i) => {
    const at = `input.detaineeIds[${i}]`;
    if (d.agreementId !== agreementId) {
      p.add(at, `Detainee ${d.id} is registered under another agreement (${d.agreementId}); list them there.`);
    } else if (d.holdingPartyId !== submittingPartyId && d.affiliatedPartyId !== submittingPartyId) {
      p.add(at, `Detainee ${d.id} is neither held by nor belongs to party ${submittingPartyId}; a party lists only detainees it holds or that belong to it.`);
    }
  });
}

/** The party that may contest a list entry: the detainee's side that did not submit the list. */
export function otherSide(d: { holdingPartyId: string; affiliatedPartyId: string }, submittingPartyId: string): string {
  return d.holdingPartyId === submittingPartyId ? d.affiliatedPartyId : d.holdingPartyId;
}

/** Only a SUBMITTED entry can be contested: once contested, agreed or removed, the mediator has it. */
export function contestable(status: ListEntryStatus): boolean {
  return status === 'SUBMITTED';
}

/** The mediator settles a SUBMITTED or CONTESTED entry; an AGREED or REMOVED one is settled already. */
export function resolvable(status: ListEntryStatus): boolean {
  return status !== 'AGREED' && status !== 'REMOVED';
}

/**
 * A new wave's number: not one an existing wave has, and not before the last sealed wave (waves are
 * sealed in order, so a wave numbered before a sealed one could never be sealed).
 */
export function checkWaveSequence(p: Problems, sequence: number, waves: { id: string; sequence: number; scheduledAt: Date; sealedAt: Date | null }[]): void {
  const taken = waves.find((w) => w.sequence === sequence);
  if (taken) {
    const next = Math.max(...waves.map((w) => w.sequence)) + 1;
    p.add('input.sequence', `Sequence ${sequence} is already wave ${taken.id} (scheduled ${taken.scheduledAt.toISOString()}); the next free number is ${next}.`);
    return;
  }
  const sealed = waves.filter((w) => w.sealedAt).map((w) => w.sequence);
  const lastSealed = sealed.length ? Math.max(...sealed) : null;
  if (lastSealed !== null && sequence < lastSealed) {
    p.add('input.sequence', `Wave ${lastSealed} is already sealed and waves are sealed in order; number the new wave after ${lastSealed}.`);
  }
}

/** Detainees put on a wave: registered under the wave's agreement, and not on its manifest already. */
export function checkManifestAdditions(
  p: Problems,
  detainees: { id: string; agreementId: string }[],
  wave: { agreementId: string; sequence: number },
  onManifest: readonly string[],
): void {
  detainees.forEach((d, i) => {
    if (d.agreementId !== wave.agreementId) p.add(`input.detaineeIds[${i}]`, `Detainee ${d.id} is registered under another agreement (${d.agreementId}) than wave ${wave.sequence}.`);
    if (onManifest.includes(d.id)) p.add(`input.detaineeIds[${i}]`, `Detainee ${d.id} is already on the manifest of wave ${wave.sequence}.`);
  });
}

/** Only detainees whose live list entry is AGREED go on a manifest: the others, with their status (null: on no list). */
export function notAgreed(statuses: ReadonlyMap<string, ListEntryStatus | null>): [string, ListEntryStatus | null][] {
  return [...statuses].filter(([, s]) => s !== 'AGREED');
}

/** What is recorded of a record, and for which kind: the living are seen alive and interviewed, remains are identified. */
export type RecordStep = 'proof-of-life' | 'interview' | 'identification' | 'remains-handover';

/**
 * Why `step` cannot be recorded for this record, or null when it can: proof of life and the private
 * interview (with its medical check) are for living detainees only, identification and the handover of
 * remains for remains only. Each message says which mutation fits the record instead.
 */
export function wrongKindFor(step: RecordStep, d: { id: string; category: DetaineeCategory }): string | null {
  const remains = d.category === 'REMAINS';
  switch (step) {
    case 'proof-of-life':
      return remains
        ? `Detainee ${d.id} is a record of remains (category REMAINS): proof of life is for living detainees. Record how the remains were identified with recordRemainsIdentification.`
        : null;
    case 'interview':
      return remains
        ? `Detainee ${d.id} is a record of remains (category REMAINS): there is no interview or medical check for remains. Confirm their handover with confirmRemainsHandover once they are identified (recordRemainsIdentification).`
        : null;
    case 'identification':
      return remains
        ? null
        : `Detainee ${d.id} is a living detainee (category ${d.category}): identification is for remains; record that they were seen alive with recordProofOfLife. ` +
            'If the person has died, the other side contests the list entry as DECEASED and their remains are registered with registerRemains.';
    case 'remains-handover':
      return remains
        ? null
        : `Detainee ${d.id} is a living detainee (category ${d.category}): confirm their handover with confirmHandover, after the private interview and the medical check.`;
  }
}
