import type { DetaineeCategory, RatioCounterpart } from '../entities/index.js';
import { isLiving, isRemains } from './priority.js';

export type WaveStatus = 'PLANNED' | 'SEALED' | 'IN_PROGRESS' | 'COMPLETED' | 'WITHDRAWN';

export interface WaveFacts {
  sealedAt: Date | null;
  /** When the mediator withdrew the wave (only ever while unsealed), or null. */
  withdrawnAt?: Date | null;
  scheduledAt: Date;
  /** Entries on the manifest (living detainees and remains), and how many have a recorded handover outcome. */
  entries: number;
  decided: number;
  now: Date;
}

/**
 * A wave's status, from its facts and the clock: WITHDRAWN once the mediator withdrew it; PLANNED until
 * sealed; COMPLETED once every manifest entry has a handover outcome (released, declined, or remains
 * repatriated); IN_PROGRESS once the first outcome is recorded or the scheduled time has come; SEALED
 * before that.
 */
export function waveStatus(f: WaveFacts): WaveStatus {
  if (f.withdrawnAt) return 'WITHDRAWN';
  if (!f.sealedAt) return 'PLANNED';
  if (f.entries > 0 && f.decided === f.entries) return 'COMPLETED';
  if (f.decided > 0 || f.now.getTime() >= f.scheduledAt.getTime()) return 'IN_PROGRESS';
  return 'SEALED';
}

export interface RatioTermFacts {
  category: DetaineeCategory;
  counterpartPerDetainee: number;
  /** What the other side hands over in return: living detainees (the default), or remains. */
  counterpart: RatioCounterpart;
}

export interface Ratio {
  basePartyId: string;
  terms: RatioTermFacts[];
}

export interface RatioCheck {
  /** Living detainees the ratio asks of the other side(s) for what the base party hands over. */
  required: number;
  /** Living detainees on the manifest held by a party other than the base party. */
  counterpart: number;
  /** Remains the ratio asks of the other side(s) for what the base party hands over. */
  requiredRemains: number;
  /** Remains on the manifest held by a party other than the base party. */
  remainsCounterpart: number;
  /** Remains on the manifest that the ratio has no REMAINS term for (always refused, see remainsWithoutTerm). */
  remainsWithoutTerm: number;
  met: boolean;
}

/**
 * The agreed ratio: for each detainee held by the base party on the manifest, the other side must put
 * `counterpartPerDetainee` of the term for that detainee's category on the same manifest (30 per civilian
 * hostage, in the precedent). A term asks for living detainees unless it says REMAINS, and the two are
 * tallied apart: remains never make up for living detainees owed, nor living for remains (so remains
 * never inflate a count of living people). The REMAINS category has its own term: for the remains of
 * each person the base party returns, so many in return (in the precedents, the remains of 15 people,
 * or living prisoners). A category without a term asks nothing in return; more than the minimum is allowed.
 * Remains on a wave whose ratio has no REMAINS term (or that has no ratio) break it, whoever holds them.
 */
export function checkRatio(manifest: { holdingPartyId: string; category: DetaineeCategory }[], ratio: Ratio | null): RatioCheck {
  const per = new Map((ratio?.terms ?? []).map((t) => [t.category, t]));
  const out = { required: 0, counterpart: 0, requiredRemains: 0, remainsCounterpart: 0, remainsWithoutTerm: 0 };
  for (const e of manifest) {
    const term = per.get(e.category);
    if (isRemains(e) && !term) out.remainsWithoutTerm += 1;
    if (ratio && e.holdingPartyId === ratio.basePartyId) {
      if (term?.counterpart === 'REMAINS') out.requiredRemains += term.counterpartPerDetainee;
      else if (term) out.required += term.counterpartPerDetainee;
    } else if (isRemains(e)) out.remainsCounterpart += 1;
    else out.counterpart += 1;
  }
  return { ...out, met: out.remainsWithoutTerm === 0 && out.counterpart >= out.required && out.remainsCounterpart >= out.requiredRemains };
}

/** Remains among `added` that a wave with this ratio may not carry: it has no REMAINS term (or no ratio at all). */
export function remainsWithoutTerm<T extends { category: DetaineeCategory }>(added: T[], ratio: Pick<Ratio, 'terms'> | null): T[] {
  if (ratio?.terms.some((t) => t.category === 'REMAINS')) return [];
  return added.filter(isRemains);
}

/** The age of a proof of life at a handover, in whole and part days. */
export function proofOfLifeAgeDays(observedAt: Date, handoverAt: Date): number {
  return (handoverAt.getTime() - observedAt.getTime()) / 86_400_000;
}

/** Whether a handover may go ahead on this proof of life: there is one, and it is no older than the limit. */
export function proofOfLifeFresh(latestObservedAt: Date | null, handoverAt: Date, maxAgeDays: number): boolean {
  return latestObservedAt !== null && proofOfLifeAgeDays(latestObservedAt, handoverAt) <= maxAgeDays;
}

/**
 * The identification a handover of remains rests on: the most recent one made by the time of the
 * handover, or null when the remains were not identified by then (they may not be handed over).
 */
export function identificationAt<T extends { identifiedAt: Date }>(identifications: readonly T[], handoverAt: Date): T | null {
  let latest: T | null = null;
  for (const i of identifications) {
    if (i.identifiedAt.getTime() <= handoverAt.getTime() && (!latest || i.identifiedAt.getTime() > latest.identifiedAt.getTime())) latest = i;
  }
  return latest;
}
