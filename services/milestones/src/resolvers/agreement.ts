import { BadUserInputError, DAY_MS, isUuid } from '@treaty/service-kit';
import type { Agreement as AgreementRow } from '../entities/index.js';
import { dayNumber } from '../domain/calendar.js';
import { score, tally } from '../domain/compliance.js';
import { MILESTONE_KINDS, issuersOf } from '../domain/communications.js';
import { disputeActivity } from '../domain/disputes.js';
import type { Context } from '../context.js';
import { statusOf } from './milestone.js';
import { primeViolationTimes, snapBackOf } from './snap-back.js';

export const Agreement = {
  async __resolveReference(ref: { id: string; verifiedMaterialViolationTimes?: string[] }, ctx: Context) {
    if (!isUuid(ref.id)) return null;
    // Prime before anything awaits: resolvers of other entities in the same _entities call (a
    // milestone's underSnapBack) may compute snap-back, and must use the times the gateway sent
    // rather than ask corridors again.
    primeViolationTimes(ref, ctx);
    const row = await ctx.loaders.agreement.load(ref.id);
    // Keep the fields the gateway sent for @requires alongside the stored ones.
    return row ? { ...row, ...ref } : null;
  },
  async parties(a: AgreementRow, _: unknown, ctx: Context) {
    return (await ctx.loaders.partiesOfAgreement.load(a.id)).map((ap) => ap.party);
  },
  currentDay(a: AgreementRow, _: unknown, ctx: Context) {
    return dayNumber(a.entryIntoForceAt, ctx.clock.now());
  },
  async currentPhase(a: AgreementRow, _: unknown, ctx: Context) {
    const today = dayNumber(a.entryIntoForceAt, ctx.clock.now());
    const phases = await ctx.loaders.phasesOfAgreement.load(a.id);
    return phases.find((p) => today >= p.startDay && today <= p.endDay) ?? null;
  },
  /** The current phase's cargo; while snap-back is in force, Phase 1's. */
  async permittedCargo(a: AgreementRow, _: unknown, ctx: Context) {
    const today = dayNumber(a.entryIntoForceAt, ctx.clock.now());
    const phases = await ctx.loaders.phasesOfAgreement.load(a.id);
    const current = phases.find((p) => today >= p.startDay && today <= p.endDay);
    if (!current) return [];
    if ((await snapBackOf(a, ctx)).active) return phases.find((p) => p.ordinal === 1)?.permittedCargo ?? [];
    return current.permittedCargo;
  },
  phases(a: AgreementRow, _: unknown, ctx: Context) {
    return ctx.loaders.phasesOfAgreement.load(a.id);
  },
  milestones(a: AgreementRow, _: unknown, ctx: Context) {
    return ctx.loaders.milestonesOfAgreement.load(a.id);
  },
  disputeTiers(a: AgreementRow, _: unknown, ctx: Context) {
    return ctx.loaders.disputeTiersOfAgreement.load(a.id);
  },
  disputes(a: AgreementRow, _: unknown, ctx: Context) {
    return ctx.loaders.disputesOfAgreement.load(a.id);
  },
  /** Public counts for the weekly bulletin; the disputes themselves stay with partner agencies. */
  async disputeActivity(a: AgreementRow, args: { from: Date; until: Date }, ctx: Context) {
    if (args.until.getTime() <= args.from.getTime()) throw BadUserInputError.one('until', `must be after from (${args.from.toISOString()}).`);
    if (args.until.getTime() - args.from.getTime() > 366 * DAY_MS) throw BadUserInputError.one('until', 'must be at most 366 days after from; ask for a year at a time.');
    const [disputes, tiers] = await Promise.all([ctx.loaders.disputesOfAgreement.load(a.id), ctx.loaders.disputeTiersOfAgreement.load(a.id)]);
    const rulings = await ctx.loaders.rulingOfDispute.loadMany(disputes.map((d) => d.id));
    const withRulings = disputes.map((d, i) => {
      const r = rulings[i];
      return { filedAt: d.filedAt, ruling: r && !(r instanceof Error) ? { ruledAt: r.ruledAt, outcome: r.outcome } : null };
    });
    return disputeActivity(withRulings, tiers, args.from, args.until, ctx.clock.now());
  },
  snapBackClauses(a: AgreementRow, _: unknown, ctx: Context) {
    return ctx.loaders.clausesOfAgreement.load(a.id);
  },
  snapBack(a: AgreementRow, _: unknown, ctx: Context) {
    return snapBackOf(a, ctx);
  },
  async scorecard(a: AgreementRow, _: unknown, ctx: Context) {
    const [parties, milestones] = await Promise.all([ctx.loaders.partiesOfAgreement.load(a.id), ctx.loaders.milestonesOfAgreement.load(a.id)]);
    const statuses = await Promise.all(milestones.map((m) => statusOf(m, ctx)));
    // A synchronised statement is every issuing party's obligation; any other milestone its obligated party's.
    const issuers = milestones.map((m) => issuersOf(m));
    return parties.map(({ party }) => {
      const mine = milestones.map((m, i) => ({ kind: m.kind, status: statuses[i]! })).filter((_, i) => issuers[i]!.includes(party.id));
      const t = tally(mine.map((x) => x.status));
      const byKind = MILESTONE_KINDS.filter((k) => mine.some((x) => x.kind === k)).map((kind) => {
        const k = tally(mine.filter((x) => x.kind === kind).map((x) => x.status));
        return { kind, ...k, score: score(k) };
      });
      return { party, ...t, score: score(t), byKind };
    });
  },
  async communicationsCalendar(a: AgreementRow, _: unknown, ctx: Context) {
    return (await ctx.loaders.milestonesOfAgreement.load(a.id)).filter((m) => m.kind !== 'OBLIGATION');
  },
};
