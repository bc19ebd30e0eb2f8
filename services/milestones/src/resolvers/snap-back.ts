import type { Agreement as AgreementRow } from '../entities/index.js';
import { endOfDay } from '../domain/calendar.js';
import { snapBackState, violationThresholdCrossed, type Trigger } from '../domain/snapback.js';
import type { Context } from '../context.js';
import { statusOf } from './milestone.js';

/**
 * Whether snap-back is in force for an agreement, from its clauses and the facts, once per request.
 * Violation times come from corridors (see loaders.violationTimes) and are only needed, and only
 * fetched, when the agreement has a violations clause.
 */
export function snapBackOf(a: AgreementRow, ctx: Context) {
  let cached = ctx.snapBack.get(a.id);
  if (!cached) {
    cached = compute(a, ctx);
    ctx.snapBack.set(a.id, cached);
  }
  return cached;
}

async function compute(a: AgreementRow, ctx: Context) {
  const [clauses, lifts] = await Promise.all([ctx.loaders.clausesOfAgreement.load(a.id), ctx.loaders.liftsOfAgreement.load(a.id)]);
  const triggers: Trigger[] = [];
  for (const clause of clauses) {
    if (clause.trigger === 'MILESTONE_MISSED') {
      const milestones = (await ctx.loaders.milestonesOfAgreement.load(a.id)).filter((m) => !clause.milestoneId || m.id === clause.milestoneId);
      const statuses = await Promise.all(milestones.map((m) => statusOf(m, ctx)));
      milestones.forEach((m, i) => {
        // MET_LATE means it was missed when its deadline passed; the trigger fired then.
        if (statuses[i] === 'MISSED' || statuses[i] === 'MET_LATE') {
          triggers.push({ at: endOfDay(a.entryIntoForceAt, m.dueDay), reason: `Milestone '${m.title}' missed (due Day ${m.dueDay}).` });
        }
      });
    } else if (clause.trigger === 'VIOLATIONS_THRESHOLD') {
      const times = await ctx.loaders.violationTimes.load(a.id);
      const at = violationThresholdCrossed(times, clause.threshold!, clause.windowHours!);
      if (at) triggers.push({ at, reason: `More than ${clause.threshold} verified material violations within ${clause.windowHours} hours.` });
    } else {
      for (const ruling of await ctx.loaders.rulingsOfAgreement.load(a.id)) {
        if (ruling.outcome === 'BREACH_CONFIRMED') triggers.push({ at: ruling.ruledAt, reason: `A ruling confirmed a breach (dispute ${ruling.disputeId}).` });
      }
    }
  }
  const now = ctx.clock.now();
  const state = snapBackState(triggers, lifts.map((l) => l.liftedAt), now);
  const lastLift = [...lifts].reverse().find((l) => l.liftedAt.getTime() <= now.getTime()) ?? null;
  return { ...state, liftedAt: lastLift?.liftedAt ?? null, liftReason: lastLift?.reason ?? null };
}

/** Through the gateway, corridors' violation times arrive with the representation: use them. */
export function primeViolationTimes(a: { id: string; verifiedMaterialViolationTimes?: (string | Date)[] }, ctx: Context): void {
  if (Array.isArray(a.verifiedMaterialViolationTimes)) {
    ctx.loaders.violationTimes.clear(a.id).prime(a.id, a.verifiedMaterialViolationTimes.map((t) => new Date(t)));
  }
}
