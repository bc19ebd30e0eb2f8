import { DAY_MS, Problems, isBlank } from '@treaty/service-kit';
import {
  CARGO_CLASSES,
  type CargoClass,
  type Confidence,
  type IncidentSeverity,
  type InspectionResult,
  type VerificationState,
} from '../entities/enums.js';
import { FINDINGS } from './verification.js';

/** Pure validation of mutation inputs: each function adds every problem it finds; none throws. */

const MAX_NAME = 200;
const MAX_TEXT = 5000;
export const MAX_TONNES_PER_TRUCK = 40;
export const MAX_TRUCKS_PER_LINE = 500;
export const MAX_CARGO_LINES = 10;
/** Field reports may be entered late, but not later than this after the fact. */
export const MAX_BACKDATE_DAYS = 30;
export const MAX_CLOSURE_DAYS = 90;
export const MAX_INSPECTION_DAYS = 7;

export function checkText(p: Problems, path: string, value: string | null | undefined, what: string, max = MAX_NAME): void {
  if (isBlank(value)) {
    p.add(path, `${what} is empty; write a short, plain description.`);
  } else if (value.length > max) {
    p.add(path, `${what} is ${value.length} characters long; shorten it to at most ${max}.`);
  }
}

/** Optional free text: absent is fine, but not blank or too long. */
export function checkOptionalText(p: Problems, path: string, value: string | null | undefined, what: string, max = MAX_TEXT): void {
  if (value !== null && value !== undefined) checkText(p, path, value, what, max);
}

export function validLatitude(lat: number): boolean {
  return Number.isFinite(lat) && lat >= -90 && lat <= 90;
}

export function validLongitude(lon: number): boolean {
  return Number.isFinite(lon) && lon >= -180 && lon <= 180;
}

export function checkCoordinates(p: Problems, path: string, latitude: number, longitude: number): void {
  if (!validLatitude(latitude)) p.add(`${path}latitude`, `latitude ${latitude} is out of range; give decimal degrees from -90 to 90 (e.g. 31.52).`);
  if (!validLongitude(longitude)) p.add(`${path}longitude`, `longitude ${longitude} is out of range; give decimal degrees from -180 to 180 (e.g. 34.45).`);
}

/** A time something happened, reported late: not in the future and not more than MAX_BACKDATE_DAYS ago. */
export function checkReportedTime(p: Problems, path: string, at: Date, now: Date, what: string): void {
  if (at.getTime() > now.getTime()) {
    p.add(path, `${what} ${at.toISOString()} is in the future; record what has happened, at the time it happened (now is ${now.toISOString()}).`);
  } else if (now.getTime() - at.getTime() > MAX_BACKDATE_DAYS * DAY_MS) {
    p.add(path, `${what} ${at.toISOString()} is more than ${MAX_BACKDATE_DAYS} days ago; records must be entered within ${MAX_BACKDATE_DAYS} days.`);
  }
}

export interface CorridorDraft {
  name: string;
  latitude: number;
  longitude: number;
  handles?: string[] | null;
  telemetryGapMinutes?: number | null;
}

export function checkCorridor(p: Problems, c: CorridorDraft): void {
  checkText(p, 'input.name', c.name, 'Name');
  checkCoordinates(p, 'input.', c.latitude, c.longitude);
  if (c.handles) {
    if (c.handles.length === 0) p.add('input.handles', `A corridor handles at least one cargo class; omit handles for all of ${CARGO_CLASSES.join(', ')}.`);
    if (new Set(c.handles).size !== c.handles.length) p.add('input.handles', 'A cargo class is listed twice; list each once.');
  }
  const gap = c.telemetryGapMinutes;
  if (gap !== null && gap !== undefined && (!Number.isInteger(gap) || gap < 1 || gap > 1440)) {
    p.add('input.telemetryGapMinutes', `telemetryGapMinutes is ${gap}; give a whole number of minutes from 1 to 1440 (30 is usual).`);
  }
}

export interface ClosureDraft {
  startsAt: Date;
  endsAt: Date;
  cause: string;
  note?: string | null;
}

export function checkClosure(p: Problems, c: ClosureDraft): void {
  if (c.endsAt.getTime() <= c.startsAt.getTime()) {
    p.add('input.endsAt', `endsAt ${c.endsAt.toISOString()} is not after startsAt ${c.startsAt.toISOString()}; a closure ends after it starts.`);
  } else if (c.endsAt.getTime() - c.startsAt.getTime() > MAX_CLOSURE_DAYS * DAY_MS) {
    p.add('input.endsAt', `A closure may last at most ${MAX_CLOSURE_DAYS} days; record a longer one as successive closures, reviewed as they run.`);
  }
  if (c.cause === 'OTHER' && isBlank(c.note)) p.add('input.note', 'A closure with cause OTHER needs a note saying what the cause was.');
  checkOptionalText(p, 'input.note', c.note, 'Note');
}

export interface CargoLineDraft {
  cargoClass: string;
  tonnes: number;
  trucks: number;
}

/** Tonnes are kept to the kilogram. */
function hasAtMostThreeDecimals(x: number): boolean {
  return Math.abs(Math.round(x * 1000) - x * 1000) < 1e-6;
}

export function checkCargoLines(p: Problems, lines: CargoLineDraft[]): void {
  if (lines.length === 0) p.add('input.cargo', 'A convoy carries at least one cargo line, e.g. { cargoClass: HUMANITARIAN_AID, tonnes: 120, trucks: 6 }.');
  if (lines.length > MAX_CARGO_LINES) p.add('input.cargo', `A convoy has at most ${MAX_CARGO_LINES} cargo lines; got ${lines.length}.`);
  const seen = new Set<string>();
  lines.forEach((l, i) => {
    const at = `input.cargo[${i}]`;
    if (seen.has(l.cargoClass)) p.add(`${at}.cargoClass`, `${l.cargoClass} is listed twice; put all of it on one line.`);
    seen.add(l.cargoClass);
    if (!Number.isInteger(l.trucks) || l.trucks < 1 || l.trucks > MAX_TRUCKS_PER_LINE) {
      p.add(`${at}.trucks`, `trucks is ${l.trucks}; give a whole number from 1 to ${MAX_TRUCKS_PER_LINE}.`);
    }
    if (!Number.isFinite(l.tonnes) || l.tonnes < 0) {
      p.add(`${at}.tonnes`, `tonnes is ${l.tonnes}; give the metric tonnes carried, 0 or more.`);
    } else if (Number.isInteger(l.trucks) && l.trucks >= 1 && l.tonnes > l.trucks * MAX_TONNES_PER_TRUCK) {
      p.add(`${at}.tonnes`, `${l.tonnes} t on ${l.trucks} truck(s) is more than ${MAX_TONNES_PER_TRUCK} t per truck; check the figure (tonnes, not kilograms).`);
    } else if (!hasAtMostThreeDecimals(l.tonnes)) {
      p.add(`${at}.tonnes`, `tonnes ${l.tonnes} has more than three decimals; give it to the kilogram.`);
    }
  });
}

/** The cargo classes of `lines` outside `permitted`, in the order given. */
export function outside(lines: readonly { cargoClass: string }[], permitted: readonly string[]): CargoClass[] {
  return lines.map((l) => l.cargoClass as CargoClass).filter((c) => !permitted.includes(c));
}

/**
 * What a corridor may carry today: the classes the agreement permits today that the corridor handles.
 * `permitted` is what milestones says the agreement permits now; while a snap-back is in force that is
 * already Phase 1's cargo (milestones decides it), so nothing here knows about phases.
 */
export function mayCarry(permitted: readonly string[], handles: readonly string[]): CargoClass[] {
  return CARGO_CLASSES.filter((c) => permitted.includes(c) && handles.includes(c));
}

export interface CargoRefusal {
  message: string;
  details: { refused: CargoClass[]; permittedToday: CargoClass[]; phasePermits: readonly CargoClass[]; corridorHandles: readonly CargoClass[] };
}

/**
 * Why `lines` may not pass through a corridor today, naming what is allowed, or null when they may:
 * classes the agreement's current phase does not permit, then classes the corridor does not handle.
 */
export function cargoRefusal(
  lines: readonly { cargoClass: string }[],
  agreement: { title: string; permittedCargo: readonly CargoClass[] },
  corridor: { name: string; handles: readonly CargoClass[] },
): CargoRefusal | null {
  const notPermitted = outside(lines, agreement.permittedCargo);
  const notHandled = outside(lines, corridor.handles).filter((c) => !notPermitted.includes(c));
  if (notPermitted.length === 0 && notHandled.length === 0) return null;
  const allowedToday = mayCarry(agreement.permittedCargo, corridor.handles);
  const parts: string[] = [];
  if (notPermitted.length) {
    parts.push(
      agreement.permittedCargo.length
        ? `${notPermitted.join(', ')} ${notPermitted.length === 1 ? 'is' : 'are'} not permitted by the current phase of "${agreement.title}", which permits ${agreement.permittedCargo.join(', ')} today.`
        : `"${agreement.title}" permits no cargo today (no phase is running), so ${notPermitted.join(', ')} cannot pass.`,
    );
  }
  if (notHandled.length) parts.push(`${corridor.name} does not handle ${notHandled.join(', ')}; it handles ${corridor.handles.join(', ')}.`);
  parts.push(
    allowedToday.length
      ? `Allowed through ${corridor.name} today: ${allowedToday.join(', ')}. Remove the other lines or use another corridor.`
      : `Nothing may pass through ${corridor.name} today.`,
  );
  return {
    message: parts.join(' '),
    details: { refused: [...notPermitted, ...notHandled], permittedToday: allowedToday, phasePermits: agreement.permittedCargo, corridorHandles: corridor.handles },
  };
}

export interface RejectedItemDraft {
  cargoClass: string;
  description: string;
  reason: string;
  trucks?: number | null;
  tonnes?: number | null;
}

export interface InspectionDraft {
  team: string[];
  startedAt: Date;
  endedAt: Date;
  result: InspectionResult;
  rejectedItems?: RejectedItemDraft[] | null;
  notes?: string | null;
}

export function checkInspection(p: Problems, d: InspectionDraft, now: Date): void {
  const agencies = new Set(d.team.map((a) => a.trim().toLowerCase()).filter(Boolean));
  d.team.forEach((a, i) => checkText(p, `input.team[${i}]`, a, 'Agency name'));
  if (agencies.size < 2) {
    p.add('input.team', `A joint inspection needs at least two different agencies present; got ${agencies.size === 0 ? 'none' : [...d.team].join(', ')}.`);
  }
  if (d.team.length !== agencies.size && agencies.size >= 2) p.add('input.team', 'An agency is listed twice; list each agency present once.');
  if (d.endedAt.getTime() <= d.startedAt.getTime()) {
    p.add('input.endedAt', `endedAt ${d.endedAt.toISOString()} is not after startedAt ${d.startedAt.toISOString()}; an inspection ends after it starts.`);
  } else if (d.endedAt.getTime() - d.startedAt.getTime() > MAX_INSPECTION_DAYS * DAY_MS) {
    p.add('input.endedAt', `The inspection would have lasted more than ${MAX_INSPECTION_DAYS} days; check startedAt and endedAt.`);
  }
  checkReportedTime(p, 'input.endedAt', d.endedAt, now, 'endedAt');
  const items = d.rejectedItems ?? [];
  if (d.result === 'PASSED' && items.length > 0) p.add('input.rejectedItems', 'A PASSED inspection turned nothing back; remove the rejected items or record the result as PARTIAL.');
  if (d.result !== 'PASSED' && items.length === 0) p.add('input.rejectedItems', `A ${d.result} inspection lists at least one rejected item with its reason.`);
  items.forEach((it, i) => {
    const at = `input.rejectedItems[${i}]`;
    checkText(p, `${at}.description`, it.description, 'Description');
    checkText(p, `${at}.reason`, it.reason, 'Reason', MAX_TEXT);
    const trucks = it.trucks ?? 0;
    const tonnes = it.tonnes ?? 0;
    if (!Number.isInteger(trucks) || trucks < 0) p.add(`${at}.trucks`, `trucks is ${trucks}; give the whole number of trucks turned back, 0 or more.`);
    if (!Number.isFinite(tonnes) || tonnes < 0 || !hasAtMostThreeDecimals(tonnes)) p.add(`${at}.tonnes`, `tonnes is ${tonnes}; give the tonnes turned back, 0 or more, to the kilogram.`);
  });
  checkOptionalText(p, 'input.notes', d.notes, 'Notes');
}

/** One problem with an input: where it is and what to change. */
export interface Problem {
  path: string;
  message: string;
}

/** An amount of one cargo class: a convoy's line, or what inspections turned back of it. */
export interface CargoAmount {
  cargoClass: string;
  trucks: number;
  tonnes: number;
}

/**
 * Rejected items must be cargo the convoy still carries: its lines less what earlier inspections turned
 * back (`earlier`, one total per class), less the items before them in this inspection. Tonnes are
 * compared in whole kilograms, so decimals never leave a gram over or short.
 */
export function remainingCargoProblems(lines: readonly CargoAmount[], earlier: readonly CargoAmount[], items: readonly RejectedItemDraft[]): Problem[] {
  const kg = (tonnes: number) => Math.round(tonnes * 1000);
  const remaining = new Map(
    lines.map((l) => {
      const e = earlier.find((x) => x.cargoClass === l.cargoClass);
      return [l.cargoClass, { trucks: l.trucks - (e?.trucks ?? 0), kg: kg(l.tonnes) - kg(e?.tonnes ?? 0) }];
    }),
  );
  const problems: Problem[] = [];
  items.forEach((it, i) => {
    const at = `input.rejectedItems[${i}]`;
    const left = remaining.get(it.cargoClass);
    if (!left) {
      problems.push({ path: `${at}.cargoClass`, message: `The convoy carries no ${it.cargoClass}; it carries ${lines.map((l) => l.cargoClass).join(', ')}.` });
      return;
    }
    left.trucks -= it.trucks ?? 0;
    left.kg -= kg(it.tonnes ?? 0);
    if (left.trucks < 0) problems.push({ path: `${at}.trucks`, message: `More trucks of ${it.cargoClass} turned back than the convoy still carries; check the figures.` });
    if (left.kg < 0) problems.push({ path: `${at}.tonnes`, message: `More tonnes of ${it.cargoClass} turned back than the convoy still carries; check the figures.` });
  });
  return problems;
}

export interface IncidentDraft {
  agreementId?: string | null;
  corridorId?: string | null;
  convoyId?: string | null;
  occurredAt: Date;
  latitude: number;
  longitude: number;
  placeDescription: string;
  description: string;
}

export function checkIncident(p: Problems, d: IncidentDraft, now: Date): void {
  if (!d.agreementId && !d.corridorId && !d.convoyId) {
    p.add('input.agreementId', 'Say which agreement the incident concerns: give agreementId, or the corridorId or convoyId concerned.');
  }
  checkCoordinates(p, 'input.', d.latitude, d.longitude);
  checkText(p, 'input.placeDescription', d.placeDescription, 'Place description', 500);
  checkText(p, 'input.description', d.description, 'Description', MAX_TEXT);
  if (d.occurredAt.getTime() > now.getTime()) {
    p.add('input.occurredAt', `occurredAt ${d.occurredAt.toISOString()} is in the future; report what has happened (now is ${now.toISOString()}).`);
  }
}

/**
 * An incident is monitored under an agreement from its entry into force (Day 0): one that occurred
 * before it is refused, whether the agreement is named directly or through a corridor or convoy.
 */
export function checkInForce(p: Problems, occurredAt: Date, agreement: { title: string; entryIntoForceAt: string }, now: Date): void {
  const inForce = new Date(agreement.entryIntoForceAt);
  if (occurredAt.getTime() >= inForce.getTime()) return;
  const verb = inForce.getTime() <= now.getTime() ? 'entered' : 'enters';
  p.add(
    'input.occurredAt',
    `occurredAt ${occurredAt.toISOString()} is before "${agreement.title}" ${verb} into force (${inForce.toISOString()}); incidents are monitored under an agreement only from its entry into force. Check the date and time (UTC) and the agreement concerned.`,
  );
}

export interface VerificationDraft {
  state: VerificationState;
  confidence?: Confidence | null;
  severity?: IncidentSeverity | null;
  attributedPartyId?: string | null;
  findings?: string | null;
}

/**
 * Confidence and findings belong to a finding (VERIFIED, FALSE, INCONCLUSIVE); severity and attribution
 * to a VERIFIED finding only. Whether the step may follow the incident's state at all (REPORTED never
 * may) is the verification machine's question, asked first (`verificationRefusal`).
 */
export function checkVerification(p: Problems, d: VerificationDraft): void {
  const finding = FINDINGS.includes(d.state);
  if (finding && !d.confidence) p.add('input.confidence', `A ${d.state} finding states its confidence: LOW, MEDIUM or HIGH.`);
  if (!finding && d.confidence) p.add('input.confidence', 'Confidence belongs to a finding (VERIFIED, FALSE or INCONCLUSIVE); omit it when taking a report UNDER_REVIEW.');
  if (finding) checkText(p, 'input.findings', d.findings, 'Findings', MAX_TEXT);
  else checkOptionalText(p, 'input.findings', d.findings, 'Findings');
  if (d.attributedPartyId && d.state !== 'VERIFIED') {
    p.add('input.attributedPartyId', `An incident can be attributed to a party only by a VERIFIED finding, not ${d.state}; omit attributedPartyId.`);
  }
  if (d.severity && d.state !== 'VERIFIED') p.add('input.severity', `Severity is found only with a VERIFIED finding, not ${d.state}; omit it.`);
}
