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

/** The part of a caller that decides who may rule. */
export interface RulingCaller {
  roles: readonly string[];
  guarantorId: string | null;
}

/**
 * Why `caller` may not rule on a dispute before `open.tier`, from the token alone, or null. The tier's
 * ruling role is needed; at a GUARANTOR tier the token must also name the guarantor it acts for, since
 * only a guarantor of the agreement sits on that panel (confirmed next: guarantorStandingRefusal).
 */
export function tierRoleRefusal(open: { tier: TierRule; deadline: Date }, caller: RulingCaller, agreementTitle: string): string | null {
  const where = `The dispute is before tier ${open.tier.ordinal} (${open.tier.name}) until ${open.deadline.toISOString()}`;
  if (!caller.roles.includes(open.tier.rulingRole)) {
    return open.tier.rulingRole === 'GUARANTOR'
      ? `${where}; only the GUARANTOR role rules there, for a guarantor of "${agreementTitle}" (a token naming that guarantor).`
      : `${where}; only the ${open.tier.rulingRole} role rules there.`;
  }
  if (open.tier.rulingRole === 'GUARANTOR' && !caller.guarantorId) {
    return (
      `${where}, where only a guarantor of "${agreementTitle}" rules, and your GUARANTOR token names no guarantor. ` +
      "Ask your agency administrator for a token that carries your guarantor's id (guarantorId)."
    );
  }
  return null;
}

/** What the guarantors service confirms about the guarantor a token names: null when it knows none. */
export interface GuarantorStanding {
  id: string;
  name: string;
  /** How many commitments (security assurances and funding pledges, in any status) it has to the agreement. */
  commitments: number;
}

/**
 * Why the guarantor a token names may not rule at a GUARANTOR tier of this agreement, or null: it must
 * be registered with the guarantors service and have at least one commitment to the agreement. A
 * guarantor of another agreement has no standing on this one's panel.
 */
export function guarantorStandingRefusal(open: { tier: TierRule }, guarantorId: string, agreementTitle: string, standing: GuarantorStanding | null): string | null {
  const tier = `tier ${open.tier.ordinal} (${open.tier.name})`;
  if (!standing) {
    return `Your token names guarantor ${guarantorId}, which the guarantors service does not know; only a guarantor of "${agreementTitle}" rules at ${tier}. Ask your agency administrator for a token naming your registered guarantor.`;
  }
  if (standing.commitments === 0) {
    return (
      `${standing.name} (guarantor ${standing.id}) has made no commitment to "${agreementTitle}"; only a guarantor of the agreement (one with a security assurance or funding pledge to it) rules at ${tier}. ` +
      'If it does guarantee the agreement, record its commitment with the guarantors service (pledge) first.'
    );
  }
  return null;
}

/** What the public bulletin may say of disputes in a window: counts only, never the allegation or who. */
export interface DisputeActivity {
  filed: number;
  ruled: number;
  breachesConfirmed: number;
  escalated: number;
}

/**
 * Disputes filed, ruled, and found to be breaches in [from, until), and tier deadlines that passed in
 * it without a ruling (each such passing is one escalation: to the next tier, or past the last), up to
 * `now`: an escalation is derived from the clock, so none is counted before it happens.
 */
export function disputeActivity(
  disputes: ReadonlyArray<{ filedAt: Date; ruling: { ruledAt: Date; outcome: string } | null }>,
  tiers: TierRule[],
  from: Date,
  until: Date,
  now: Date,
): DisputeActivity {
  const inWindow = (t: Date) => t.getTime() >= from.getTime() && t.getTime() < until.getTime() && t.getTime() <= now.getTime();
  const out: DisputeActivity = { filed: 0, ruled: 0, breachesConfirmed: 0, escalated: 0 };
  for (const d of disputes) {
    if (inWindow(d.filedAt)) out.filed += 1;
    if (d.ruling && inWindow(d.ruling.ruledAt)) {
      out.ruled += 1;
      if (d.ruling.outcome === 'BREACH_CONFIRMED') out.breachesConfirmed += 1;
    }
    for (const { deadline } of tierDeadlines(d.filedAt, tiers)) {
      if (d.ruling && d.ruling.ruledAt.getTime() < deadline.getTime()) break;
      if (inWindow(deadline)) out.escalated += 1;
    }
  }
  return out;
}
