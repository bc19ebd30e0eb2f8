import { DETAINEE_CATEGORIES, LIVING_CATEGORIES, type DetaineeCategory, type LivingCategory } from '../entities/index.js';

/**
 * Priority order for exchanges, highest first: children, then women, then medical cases, then the
 * elderly, then everyone else. This follows the precedents (women, children, the sick and the elderly
 * first) with children ahead of women because a child's detention is the gravest, and medical cases ahead
 * of the elderly because their need is acute. LIVING_CATEGORIES is declared in this order. Remains are
 * not in it: returning the dead neither waits for nor holds back the release of the living.
 */
export const PRIORITY_ORDER: readonly LivingCategory[] = LIVING_CATEGORIES;

/** The categories counted by `priorityDetaineesReleased`: every living category but OTHER. */
export const PRIORITY_CATEGORIES: readonly LivingCategory[] = ['CHILD', 'WOMAN', 'MEDICAL', 'ELDERLY'];

/** The category of remains: counted apart from living detainees everywhere. */
export const REMAINS = 'REMAINS' satisfies DetaineeCategory;

export const isRemains = (d: { category: DetaineeCategory }): boolean => d.category === REMAINS;
export const isLiving = (d: { category: DetaineeCategory }): boolean => d.category !== REMAINS;

/** 0 for the highest priority (CHILD), 4 for the lowest (OTHER); REMAINS sorts after them all (5). */
export function rank(category: DetaineeCategory): number {
  return DETAINEE_CATEGORIES.indexOf(category);
}

export interface Held {
  detaineeId: string;
  holdingPartyId: string;
  category: DetaineeCategory;
}

export interface SequencingViolation {
  /** A detainee the wave would carry... */
  placed: Held;
  /** ...while these detainees of a higher category, held by the same party, still wait. */
  waitingAhead: Held[];
}

/**
 * The sequencing rule. A wave may not carry a detainee of a lower-priority category while agreed,
 * unreleased detainees of a higher category held by the same party are on neither this wave nor an
 * earlier one. `waiting` lists those agreed, unreleased detainees that are on no wave up to and including
 * this one (from the database); detainees being placed on the wave by the same request count as covered.
 * A recorded mediator exception lifts the rule for the wave. Remains are outside the rule both ways: they
 * may travel on any wave, and none waits ahead of a living detainee.
 */
export function sequencingViolations(placed: Held[], waiting: Held[], hasException: boolean): SequencingViolation[] {
  if (hasException) return [];
  const covered = new Set(placed.map((p) => p.detaineeId));
  const stillWaiting = waiting.filter((w) => !covered.has(w.detaineeId) && isLiving(w));
  const out: SequencingViolation[] = [];
  for (const p of placed.filter(isLiving)) {
    const ahead = stillWaiting.filter((w) => w.holdingPartyId === p.holdingPartyId && rank(w.category) < rank(p.category));
    if (ahead.length) out.push({ placed: p, waitingAhead: ahead });
  }
  return out;
}

/** "2 CHILD, 1 WOMAN, 1 REMAINS": a count per category in priority order, for messages that never name people. */
export function describeCategories(items: { category: DetaineeCategory }[]): string {
  return DETAINEE_CATEGORIES.map((c) => [c, items.filter((i) => i.category === c).length] as const)
    .filter(([, n]) => n > 0)
    .map(([c, n]) => `${n} ${c}`)
    .join(', ');
}
