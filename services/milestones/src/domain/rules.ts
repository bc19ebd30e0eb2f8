import { DAY_MS, Problems, isBlank } from '@treaty/service-kit';
import { BENCHMARK_METRICS, CARGO_CLASSES, COMPARATORS, PARTY_KINDS } from '../entities/index.js';

/** Pure validation of mutation inputs: each function adds every problem it finds, none throws. */

const MAX_TITLE = 300;

export function checkText(p: Problems, path: string, value: string | null | undefined, what: string, max = MAX_TITLE): void {
  if (isBlank(value)) {
    p.add(path, `${what} is empty; give a short, descriptive ${what.toLowerCase()}.`);
  } else if (value.length > max) {
    p.add(path, `${what} is ${value.length} characters long; shorten it to at most ${max}.`);
  }
}

export interface PhaseDraft {
  ordinal: number;
  name: string;
  startDay: number;
  endDay: number;
  permittedCargo: string[];
}

/** Phases are numbered 1..n without gaps, start on day 0 or later, end on or after their start, and never overlap. */
export function checkPhases(p: Problems, phases: PhaseDraft[]): void {
  if (phases.length === 0) {
    p.add('input.phases', 'An agreement needs at least one phase, e.g. { ordinal: 1, name: "Phase 1", startDay: 0, endDay: 42, permittedCargo: [HUMANITARIAN_AID] }.');
    return;
  }
  const ordinals = phases.map((ph) => ph.ordinal).sort((a, b) => a - b);
  if (ordinals.some((o, i) => o !== i + 1)) {
    p.add('input.phases', `Phase ordinals must run 1, 2, … ${phases.length} without gaps or repeats; got ${phases.map((ph) => ph.ordinal).join(', ')}.`);
  }
  phases.forEach((ph, i) => {
    const at = `input.phases[${i}]`;
    checkText(p, `${at}.name`, ph.name, 'Name');
    if (ph.startDay < 0) p.add(`${at}.startDay`, `startDay is ${ph.startDay}; phases start on Day 0 (entry into force) or later.`);
    if (ph.endDay < ph.startDay) p.add(`${at}.endDay`, `endDay ${ph.endDay} is before startDay ${ph.startDay}; a phase ends on or after the day it starts.`);
    const unknown = ph.permittedCargo.filter((c) => !(CARGO_CLASSES as readonly string[]).includes(c));
    if (unknown.length) p.add(`${at}.permittedCargo`, `Unknown cargo classes ${unknown.join(', ')}; use ${CARGO_CLASSES.join(', ')}.`);
    if (new Set(ph.permittedCargo).size !== ph.permittedCargo.length) p.add(`${at}.permittedCargo`, 'A cargo class is listed twice; list each once.');
  });
  const byStart = phases.map((ph, i) => ({ ...ph, i })).sort((a, b) => a.startDay - b.startDay);
  for (let k = 1; k < byStart.length; k++) {
    const prev = byStart[k - 1]!;
    const cur = byStart[k]!;
    if (cur.startDay <= prev.endDay) {
      p.add(
        `input.phases[${cur.i}]`,
        `Phase ${cur.ordinal} (days ${cur.startDay}–${cur.endDay}) overlaps phase ${prev.ordinal} (days ${prev.startDay}–${prev.endDay}); start it on day ${prev.endDay + 1} or later, or end phase ${prev.ordinal} sooner.`,
      );
    }
  }
  const sortedByOrdinal = [...phases].sort((a, b) => a.ordinal - b.ordinal);
  for (let k = 1; k < sortedByOrdinal.length; k++) {
    if (sortedByOrdinal[k]!.startDay < sortedByOrdinal[k - 1]!.startDay) {
      p.add('input.phases', `Phase ${sortedByOrdinal[k]!.ordinal} starts before phase ${sortedByOrdinal[k - 1]!.ordinal}; number phases in the order they run.`);
      break;
    }
  }
}

export interface PartyDraft {
  id?: string | null;
  name?: string | null;
  kind?: string | null;
}

export function checkPartyDrafts(p: Problems, parties: PartyDraft[]): void {
  if (parties.length < 2) p.add('input.parties', `An agreement needs at least two parties; got ${parties.length}.`);
  const names = new Set<string>();
  const ids = new Set<string>();
  parties.forEach((party, i) => {
    const at = `input.parties[${i}]`;
    if (party.id && (party.name || party.kind)) {
      p.add(at, 'Give either the id of an existing party, or a name and kind for a new one, not both.');
    } else if (party.id) {
      if (ids.has(party.id)) p.add(at, `Party ${party.id} is listed twice; list each party once.`);
      ids.add(party.id);
    } else {
      checkText(p, `${at}.name`, party.name, 'Name');
      if (!party.kind || !(PARTY_KINDS as readonly string[]).includes(party.kind)) p.add(`${at}.kind`, `A new party needs a kind: one of ${PARTY_KINDS.join(', ')}.`);
      const key = (party.name ?? '').trim().toLowerCase();
      if (key && names.has(key)) p.add(at, `Party "${party.name}" is listed twice; list each party once.`);
      names.add(key);
    }
  });
}

export interface BenchmarkDraft {
  metric: string;
  comparator: string;
  threshold: number;
  description?: string | null;
}

export function checkBenchmarks(p: Problems, benchmarks: BenchmarkDraft[]): void {
  benchmarks.forEach((b, i) => {
    const at = `input.benchmarks[${i}]`;
    if (!(BENCHMARK_METRICS as readonly string[]).includes(b.metric)) p.add(`${at}.metric`, `Unknown metric ${b.metric}; use ${BENCHMARK_METRICS.join(', ')}.`);
    if (!(COMPARATORS as readonly string[]).includes(b.comparator)) p.add(`${at}.comparator`, `Unknown comparator ${b.comparator}; use ${COMPARATORS.join(' or ')}.`);
    if (!Number.isFinite(b.threshold) || b.threshold < 0) p.add(`${at}.threshold`, `threshold ${b.threshold} must be a number of at least 0.`);
    if (b.metric === 'ESCROW_FUNDED_RATIO' && b.threshold > 1) {
      p.add(`${at}.threshold`, `ESCROW_FUNDED_RATIO is a share between 0 and 1; write ${b.threshold}% as ${b.threshold / 100}.`);
    }
  });
}

const SHA256 = /^[0-9a-f]{64}$/i;

export interface EvidenceDraft {
  reference: string;
  description?: string | null;
  sha256?: string | null;
}

export function checkEvidence(p: Problems, evidence: EvidenceDraft[]): void {
  if (evidence.length === 0) p.add('input.evidence', 'A certification needs at least one piece of evidence, e.g. { reference: "JMC report 2026-014" }.');
  evidence.forEach((e, i) => {
    checkText(p, `input.evidence[${i}].reference`, e.reference, 'Reference', 2000);
    if (e.sha256 && !SHA256.test(e.sha256)) p.add(`input.evidence[${i}].sha256`, 'sha256 must be 64 hexadecimal characters (the SHA-256 of the evidence file).');
  });
}

export interface TierDraft {
  ordinal: number;
  name: string;
  hours: number;
  rulingRole: string;
}

/** A dispute ladder: tiers numbered 1..n, each with a name, 1 to 720 hours and a ruling role. */
export function checkTiers(p: Problems, tiers: TierDraft[]): void {
  if (tiers.length === 0) p.add('input.disputeTiers', 'Give at least one tier, or omit disputeTiers for the default ladder.');
  const ordinals = tiers.map((t) => t.ordinal).sort((a, b) => a - b);
  if (ordinals.some((o, i) => o !== i + 1)) p.add('input.disputeTiers', `Tier ordinals must run 1, 2, … ${tiers.length}; got ${tiers.map((t) => t.ordinal).join(', ')}.`);
  tiers.forEach((t, i) => {
    checkText(p, `input.disputeTiers[${i}].name`, t.name, 'Name');
    if (!Number.isInteger(t.hours) || t.hours < 1 || t.hours > 720) p.add(`input.disputeTiers[${i}].hours`, `hours is ${t.hours}; give a whole number from 1 to 720 (e.g. 48).`);
  });
}

/** When a verifier says an obligation was met: not in the future, not before entry into force. */
export function checkMetAt(p: Problems, metAt: Date, now: Date, entryIntoForceAt: Date): void {
  if (metAt.getTime() > now.getTime()) {
    p.add('input.metAt', `metAt ${metAt.toISOString()} is in the future; certify what has happened, at the time it happened (now is ${now.toISOString()}).`);
  }
  if (metAt.getTime() < entryIntoForceAt.getTime()) {
    p.add('input.metAt', `metAt ${metAt.toISOString()} is before the agreement entered into force (${entryIntoForceAt.toISOString()}).`);
  }
}

/** How long after a complaint is lodged it may still be entered (its ladder's clocks start when lodged). */
const LODGED_WITHIN_MS = 7 * DAY_MS;

/** When a complaint was lodged: not in the future, at most a week ago, not before entry into force. */
export function checkLodgedAt(p: Problems, lodgedAt: Date, now: Date, entryIntoForceAt: Date): void {
  if (lodgedAt.getTime() > now.getTime()) p.add('input.lodgedAt', `lodgedAt ${lodgedAt.toISOString()} is in the future; give when the complaint was received (now is ${now.toISOString()}).`);
  else if (now.getTime() - lodgedAt.getTime() > LODGED_WITHIN_MS) p.add('input.lodgedAt', 'lodgedAt is more than 7 days ago; a complaint must be entered within a week of being lodged.');
  if (lodgedAt.getTime() < entryIntoForceAt.getTime()) p.add('input.lodgedAt', `lodgedAt is before the agreement entered into force (${entryIntoForceAt.toISOString()}).`);
}

export interface ClauseDraft {
  trigger: string;
  milestoneId?: string | null;
  threshold?: number | null;
  windowHours?: number | null;
  reverts: string;
}

/** A snap-back clause: what it reverts, and only the fields its trigger uses (a violations clause needs both). */
export function checkSnapBackClause(p: Problems, clause: ClauseDraft): void {
  checkText(p, 'input.reverts', clause.reverts, 'Reverts', 5000);
  if (clause.trigger === 'VIOLATIONS_THRESHOLD') {
    if (!isWholeIn(clause.threshold, 1, Infinity)) p.add('input.threshold', 'A violations clause needs threshold: a whole number of violations, 1 or more.');
    if (!isWholeIn(clause.windowHours, 1, 8760)) p.add('input.windowHours', 'A violations clause needs windowHours from 1 to 8760 (e.g. 72).');
  } else if (clause.threshold != null || clause.windowHours != null) {
    p.add('input', `threshold and windowHours apply only to VIOLATIONS_THRESHOLD clauses; remove them for ${clause.trigger}.`);
  }
  if (clause.milestoneId && clause.trigger !== 'MILESTONE_MISSED') p.add('input.milestoneId', 'milestoneId applies only to MILESTONE_MISSED clauses.');
}

function isWholeIn(n: number | null | undefined, min: number, max: number): n is number {
  return Number.isInteger(n) && n! >= min && n! <= max;
}
