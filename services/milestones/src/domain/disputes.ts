import { HOUR_MS } from '@treaty/service-kit';

export interface TierRule {
  ordinal: number;
  name: string;
  hours: number;
  rulingRole: 'MEDIATOR' | 'GUARANTOR' | 'MONITOR';
}

/** The agreement's dispute ladder when it sets none: joint commission 48 h, then guarantor panel 72 h. */
export const DEFAULT_TIERS: TierRule[] = [
  { ordinal: 1, name: 'Joint commission', hours: 48, rulingRole: 'MEDIATOR' },
  { ordinal: 2, name: 'Guarantor panel', hours: 72, rulingRole: 'GUARANTOR' },
];

export type DisputeStage =
  | { kind: 'OPEN'; tier: TierRule; deadline: Date }
  | { kind: 'RULED' }
  | { kind: 'EXHAUSTED'; since: Date };

/** Each tier's deadline: the filing time plus the hours of that tier and every tier before it. */
export function tierDeadlines(filedAt: Date, tiers: TierRule[]): { tier: TierRule; opensAt: Date; deadline: Date }[] {
  let t = filedAt.getTime();
  return [...tiers]
    .sort((a, b) => a.ordinal - b.ordinal)
    .map((tier) => {
      const opensAt = new Date(t);
      t += tier.hours * HOUR_MS;
      return { tier, opensAt, deadline: new Date(t) };
    });
}

/**
 * Where a dispute stands, from the clock alone: a tier whose deadline passes without a ruling hands the
 * dispute to the next tier by itself; after the last tier's deadline it is EXHAUSTED. No job runs.
 */
export function disputeStage(filedAt: Date, tiers: TierRule[], ruledAt: Date | null, now: Date): DisputeStage {
  if (ruledAt) return { kind: 'RULED' };
  const ladder = tierDeadlines(filedAt, tiers);
  const current = ladder.find((l) => now.getTime() < l.deadline.getTime());
  if (!current) return { kind: 'EXHAUSTED', since: ladder[ladder.length - 1]!.deadline };
  return { kind: 'OPEN', tier: current.tier, deadline: current.deadline };
}
