import { Problems } from '@treaty/service-kit';
import type { ContestReason, DetaineeCategory, InterviewOutcome } from '../entities/index.js';
import type { Deadlines } from './lists.js';

/** Pure validation of mutation inputs: each function adds every problem it finds, none throws. */

export function checkText(p: Problems, path: string, value: string | null | undefined, what: string, max = 300): void {
  if (value === null || value === undefined || value.trim().length === 0) {
    p.add(path, `${what} is empty; give a short, descriptive ${what.toLowerCase()}.`);
  } else if (value.length > max) {
    p.add(path, `${what} is ${value.length} characters long; shorten it to at most ${max}.`);
  }
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
  if (d.category === 'MEDICAL' && !d.medicalNotes?.trim()) {
    p.add('input.medicalNotes', 'A MEDICAL case needs medicalNotes describing the condition, so the intermediary can plan the transfer.');
  }
  checkOptionalText(p, 'input.medicalNotes', d.medicalNotes, 'medicalNotes', 5000);
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
  if (reason === 'OTHER' && !note?.trim()) p.add('input.note', 'A contest for reason OTHER needs a note that says what is wrong with the entry.');
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
  terms: { category: DetaineeCategory; counterpartPerDetainee: number }[];
}

export function checkWavePlan(p: Problems, sequence: number, ratio: RatioDraft | null | undefined, exceptionReason: string | null | undefined): void {
  if (!Number.isInteger(sequence) || sequence < 1) p.add('input.sequence', `sequence is ${sequence}; number waves 1, 2, 3… in the order they are to run.`);
  if (ratio) {
    if (ratio.terms.length === 0) p.add('input.ratio.terms', 'A ratio needs at least one term, e.g. { category: WOMAN, counterpartPerDetainee: 30 }; omit the ratio for a wave without one.');
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
