import { isUuid } from '@treaty/service-kit';
import type { Milestone as MilestoneRow } from '../entities/index.js';
import { endOfDay, startOfDay } from '../domain/calendar.js';
import { milestoneStatus } from '../domain/status.js';
import { evaluateBenchmark, verdict, type Metric } from '../domain/compliance.js';
import { underSnapBackAt } from '../domain/snapback.js';
import { issuersOf } from '../domain/communications.js';
import { primeViolationTimes, snapBackOf } from './snap-back.js';
import type { Context } from '../context.js';

/** The status of one milestone from its batched facts; shared by every field that needs it. */
export async function statusOf(m: MilestoneRow, ctx: Context) {
  const derived = ctx.loaders.derived.get(m.id);
  if (derived) return derived.status;
  const [agreement, certifications, waivers] = await Promise.all([
    ctx.loaders.agreement.load(m.agreementId),
    ctx.loaders.certificationsOfMilestone.load(m.id),
    ctx.loaders.waiversOfMilestone.load(m.id),
  ]);
  return milestoneStatus({
    entryIntoForceAt: agreement!.entryIntoForceAt,
    dueDay: m.dueDay,
    metAt: certifications[0]?.metAt ?? null,
    waived: waivers.length > 0,
    now: ctx.clock.now(),
  });
}

export const Milestone = {
  async __resolveReference(ref: { id: string; agreement?: { verifiedMaterialViolationTimes?: string[]; quietHours?: number | null } }, ctx: Context) {
    const row = isUuid(ref.id) ? await ctx.loaders.milestone.load(ref.id) : null;
    if (!row) return null;
    // `underSnapBack` @requires the agreement's violation times: they arrive here, from corridors, through the plan.
    if (ref.agreement) primeViolationTimes({ id: row.agreementId, verifiedMaterialViolationTimes: ref.agreement.verifiedMaterialViolationTimes }, ctx);
    // Keep the measured fields the gateway sent for @requires (Measured) alongside the stored ones.
    return { ...row, ...ref };
  },
  agreement(m: MilestoneRow, _: unknown, ctx: Context) {
    return ctx.loaders.agreement.load(m.agreementId);
  },
  kind(m: MilestoneRow) {
    return m.kind ?? 'OBLIGATION';
  },
  async statement(m: MilestoneRow, _: unknown, ctx: Context) {
    const terms = m.terms && 'statement' in m.terms ? m.terms.statement : null;
    if (!terms) return null;
    const parties = async (ids: string[]) => (await ctx.loaders.party.loadMany(ids)).filter((p): p is NonNullable<typeof p> & object => p !== null && !(p instanceof Error));
    return { form: terms.form, toleranceHours: terms.toleranceHours, synchronisedWith: parties(terms.synchronisedWithPartyIds), issuers: parties(issuersOf(m)) };
  },
  domesticStep(m: MilestoneRow) {
    return m.terms && 'domesticStep' in m.terms ? m.terms.domesticStep : null;
  },
  phase(m: MilestoneRow, _: unknown, ctx: Context) {
    return ctx.loaders.phase.load(m.phaseId);
  },
  obligatedParty(m: MilestoneRow, _: unknown, ctx: Context) {
    return ctx.loaders.party.load(m.obligatedPartyId);
  },
  // Synchronous when the agreement's facts are loaded (ctx.loaders.derived): 300 milestones, no awaits.
  dueAt(m: MilestoneRow, _: unknown, ctx: Context) {
    return ctx.loaders.derived.get(m.id)?.dueAt ?? ctx.loaders.agreement.load(m.agreementId).then((a) => endOfDay(a!.entryIntoForceAt, m.dueDay));
  },
  windowStartsAt(m: MilestoneRow, _: unknown, ctx: Context) {
    return (
      ctx.loaders.derived.get(m.id)?.windowStartsAt ??
      Promise.all([ctx.loaders.agreement.load(m.agreementId), ctx.loaders.phase.load(m.phaseId)]).then(([a, p]) => startOfDay(a!.entryIntoForceAt, p!.startDay))
    );
  },
  benchmarks(m: MilestoneRow, _: unknown, ctx: Context) {
    return ctx.loaders.benchmarksOfMilestone.load(m.id);
  },
  certifications(m: MilestoneRow, _: unknown, ctx: Context) {
    return ctx.loaders.certificationsOfMilestone.load(m.id);
  },
  waivers(m: MilestoneRow, _: unknown, ctx: Context) {
    return ctx.loaders.waiversOfMilestone.load(m.id);
  },
  status(m: MilestoneRow, _: unknown, ctx: Context) {
    return ctx.loaders.derived.get(m.id)?.status ?? statusOf(m, ctx);
  },
  /**
   * Through the gateway the agreement's violation times come with the representation (`@requires`), so
   * this asks no one. Only a sibling's direct `_entities` call (guarantors confirming a release) arrives
   * without them; then snapBackOf asks corridors itself (loaders.violationTimes, the one direct read).
   */
  async underSnapBack(m: MilestoneRow, _: unknown, ctx: Context) {
    const agreement = (await ctx.loaders.agreement.load(m.agreementId))!;
    return underSnapBackAt(await snapBackOf(agreement, ctx), agreement.entryIntoForceAt, m.dueDay);
  },
  disputes(m: MilestoneRow, _: unknown, ctx: Context) {
    return ctx.loaders.disputesOfMilestone.load(m.id);
  },
  async compliance(m: MilestoneRow & Measured, _: unknown, ctx: Context) {
    const [status, benchmarks, agreement, phase] = await Promise.all([
      statusOf(m, ctx),
      ctx.loaders.benchmarksOfMilestone.load(m.id),
      ctx.loaders.agreement.load(m.agreementId),
      ctx.loaders.phase.load(m.phaseId),
    ]);
    const measured: Record<Metric, number | null | undefined> = {
      DETAINEES_RELEASED: m.detaineesReleased,
      PRIORITY_DETAINEES_RELEASED: m.priorityDetaineesReleased,
      TRUCKS_DELIVERED: m.trucksDelivered,
      ESCROW_FUNDED_RATIO: m.escrowFundedRatio,
      QUIET_HOURS: m.agreement?.quietHours,
    };
    const results = benchmarks.map((b) => {
      const value = measured[b.metric];
      // Only the gateway can supply the measured facts (@requires); a direct read has none.
      if (typeof value !== 'number') throw new Error(`compliance needs ${b.metric} from another service; query it through the gateway`);
      return evaluateBenchmark(b, value);
    });
    const derived = ctx.loaders.derived.get(m.id);
    const windowStart = derived?.windowStartsAt ?? startOfDay(agreement!.entryIntoForceAt, phase!.startDay);
    const dueAt = derived?.dueAt ?? endOfDay(agreement!.entryIntoForceAt, m.dueDay);
    return { verdict: verdict(status, results, windowStart, dueAt, ctx.clock.now()), benchmarks: results };
  },
};

/**
 * The facts other services contribute to a milestone, present when the gateway resolves compliance. Each
 * is nullable in the schema (null when its service is unavailable), so it may arrive as null.
 */
export interface Measured {
  detaineesReleased?: number | null;
  priorityDetaineesReleased?: number | null;
  trucksDelivered?: number | null;
  escrowFundedRatio?: number | null;
  agreement?: { quietHours?: number | null } | null;
}
