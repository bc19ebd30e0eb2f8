import type { DetaineeCategory } from '../entities/index.js';

export type WaveStatus = 'PLANNED' | 'SEALED' | 'IN_PROGRESS' | 'COMPLETED';

export interface WaveFacts {
  sealedAt: Date | null;
  scheduledAt: Date;
  /** Entries on the manifest, and how many have a recorded handover outcome. */
  entries: number;
  decided: number;
  now: Date;
}

/**
 * A wave's status, from its facts and the clock: PLANNED until sealed; COMPLETED once every manifest
 * entry has a handover outcome (released or declined); IN_PROGRESS once the first outcome is recorded
 * or the scheduled time has come; SEALED before that.
 */
export function waveStatus(f: WaveFacts): WaveStatus {
  if (!f.sealedAt) return 'PLANNED';
  if (f.entries > 0 && f.decided === f.entries) return 'COMPLETED';
  if (f.decided > 0 || f.now.getTime() >= f.scheduledAt.getTime()) return 'IN_PROGRESS';
  return 'SEALED';
}

export interface Ratio {
  basePartyId: string;
  terms: { category: DetaineeCategory; counterpartPerDetainee: number }[];
}

export interface RatioCheck {
  /** Releases the ratio asks of the other side(s) for what the base party releases. */
  required: number;
  /** Detainees on the manifest held by a party other than the base party. */
  counterpart: number;
  met: boolean;
}

/**
 * The agreed ratio: for each detainee held by the base party on the manifest, the other side must put
 * `counterpartPerDetainee` of the term for that detainee's category on the same manifest (30 per civilian
 * hostage, in the precedent). A category without a term asks nothing in return; more than the minimum is
 * allowed. A wave without a ratio always meets it.
 */
export function checkRatio(manifest: { holdingPartyId: string; category: DetaineeCategory }[], ratio: Ratio | null): RatioCheck {
  if (!ratio) return { required: 0, counterpart: manifest.length, met: true };
  const per = new Map(ratio.terms.map((t) => [t.category, t.counterpartPerDetainee]));
  let required = 0;
  let counterpart = 0;
  for (const e of manifest) {
    if (e.holdingPartyId === ratio.basePartyId) required += per.get(e.category) ?? 0;
    else counterpart += 1;
  }
  return { required, counterpart, met: counterpart >= required };
}

/** The age of a proof of life at a handover, in whole and part days. */
export function proofOfLifeAgeDays(observedAt: Date, handoverAt: Date): number {
  return (handoverAt.getTime() - observedAt.getTime()) / 86_400_000;
}

/** Whether a handover may go ahead on this proof of life: there is one, and it is no older than the limit. */
export function proofOfLifeFresh(latestObservedAt: Date | null, handoverAt: Date, maxAgeDays: number): boolean {
  return latestObservedAt !== null && proofOfLifeAgeDays(latestObservedAt, handoverAt) <= maxAgeDays;
}
