import { ServiceUnavailableError } from '@treaty/service-kit';
import type { Agreement as AgreementRow } from '../entities/index.js';
import { missTrigger, rulingTriggers, snapBackState, violationsTrigger, type Trigger } from '../domain/snapback.js';
import type { Context } from '../context.js';

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
  // Each clause judges the facts from its own adoption (createdAt) on; see domain/snapback.ts.
  const triggers: Trigger[] = [];
  for (const clause of clauses) {
    if (clause.trigger === 'MILESTONE_MISSED') {
      const milestones = (await ctx.loaders.milestonesOfAgreement.load(a.id)).filter((m) => !clause.milestoneId || m.id === clause.milestoneId);
      const [certifications, waivers] = await Promise.all([
        Promise.all(milestones.map((m) => ctx.loaders.certificationsOfMilestone.load(m.id))),
        Promise.all(milestones.map((m) => ctx.loaders.waiversOfMilestone.load(m.id))),
      ]);
      milestones.forEach((m, i) => {
        const trigger = missTrigger(
          { entryIntoForceAt: a.entryIntoForceAt, dueDay: m.dueDay, title: m.title, certification: certifications[i]![0] ?? null, waivedAt: waivers[i]![0]?.waivedAt ?? null },
          clause.createdAt,
        );
        if (trigger) triggers.push(trigger);
      });
    } else if (clause.trigger === 'VIOLATIONS_THRESHOLD') {
      const trigger = violationsTrigger(await ctx.loaders.violationTimes.load(a.id), clause.threshold!, clause.windowHours!, clause.createdAt);
      if (trigger) triggers.push(trigger);
    } else {
      triggers.push(...rulingTriggers(await ctx.loaders.rulingsOfAgreement.load(a.id), clause.createdAt));
    }
  }
  const now = ctx.clock.now();
  const state = snapBackState(triggers, lifts.map((l) => l.liftedAt), now);
  const lastLift = [...lifts].reverse().find((l) => l.liftedAt.getTime() <= now.getTime()) ?? null;
  return { ...state, liftedAt: lastLift?.liftedAt ?? null, liftReason: lastLift?.reason ?? null };
}

/**
 * Through the gateway, corridors' violation times arrive with the representation: use them. A null
 * there means the gateway asked corridors and got no answer; asking corridors again behind the gateway
 * would only wait on the same outage, so the state is unknown and the error says why.
 */
export function primeViolationTimes(a: { id: string; verifiedMaterialViolationTimes?: (string | Date)[] | null }, ctx: Context): void {
  const times = a.verifiedMaterialViolationTimes;
  if (Array.isArray(times)) {
    ctx.loaders.violationTimes.clear(a.id).prime(a.id, times.map((t) => new Date(t)));
  } else if (times === null) {
    ctx.loaders.violationTimes
      .clear(a.id)
      .prime(a.id, new ServiceUnavailableError('corridors', 'The corridors service did not report the verified violations in this request, so whether snap-back is in force cannot be established; the rest of the answer is complete. Retry in a moment.'));
  }
}
