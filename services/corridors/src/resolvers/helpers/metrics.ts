import { BadUserInputError, DAY_MS, isUuid } from '@treaty/service-kit';
import { daysBetween, isoDate } from '../../domain/calendar.js';
import { windowKey } from '../../domain/metrics.js';
import type { Context, DeliveryDayRow, DeliveryTotals, InspectionStats, Scope } from '../../context.js';
import type {
  AgreementDeliveriesArgs,
  AgreementDeliveriesByDayArgs,
  AgreementInspectionStatsArgs,
  AgreementVerifiedViolationsArgs,
  CorridorDeliveriesArgs,
  CorridorDeliveriesByDayArgs,
  CorridorInspectionStatsArgs,
  PartyAttributedViolationsArgs,
} from '../../generated/graphql.js';
import { window } from './requires.js';

/** Windowed metrics shared by Agreement and Corridor: every call is a DataLoader key, batched per request. */

const MAX_DAYS = 366;

export function deliveries(scope: Scope, id: string, args: AgreementDeliveriesArgs | CorridorDeliveriesArgs, ctx: Context): Promise<DeliveryTotals> {
  const w = window(args.from, args.until);
  if (!isUuid(id)) return Promise.resolve({ convoys: 0, trucks: 0, tonnes: 0 });
  return ctx.loaders.deliveries[scope].load(windowKey(id, w));
}

export async function deliveriesByDay(scope: Scope, id: string, args: AgreementDeliveriesByDayArgs | CorridorDeliveriesByDayArgs, ctx: Context): Promise<DeliveryDayRow[]> {
  if (args.until.getTime() < args.from.getTime()) {
    throw BadUserInputError.one('until', `until ${args.until.toISOString()} is before from ${args.from.toISOString()}; give the first day in from and the last in until.`);
  }
  const days = daysBetween(args.from, args.until);
  if (days.length > MAX_DAYS) throw BadUserInputError.one('until', `Ask for at most ${MAX_DAYS} days at a time; this window covers ${days.length}.`);
  // The window is whole UTC days, so each day's figure is complete.
  const w = { from: days[0]!, until: new Date(days[days.length - 1]!.getTime() + DAY_MS) };
  const rows = isUuid(id) ? await ctx.loaders.deliveriesByDay[scope].load(windowKey(id, w)) : [];
  const byDate = new Map(rows.map((r) => [r.date, r]));
  return days.map((d) => byDate.get(isoDate(d)) ?? { date: isoDate(d), convoys: 0, trucks: 0, tonnes: 0 });
}

export function inspectionStats(scope: Scope, id: string, args: AgreementInspectionStatsArgs | CorridorInspectionStatsArgs, ctx: Context): Promise<InspectionStats> {
  const w = window(args.from, args.until);
  if (!isUuid(id)) return Promise.resolve({ inspections: 0, passed: 0, partial: 0, rejected: 0, rejectionRate: null, averageDwellMinutes: null, longestDwellMinutes: null });
  return ctx.loaders.inspectionStats[scope].load(windowKey(id, w));
}

export function verifiedViolations(
  by: 'agreement' | 'party',
  id: string,
  args: AgreementVerifiedViolationsArgs | PartyAttributedViolationsArgs,
  ctx: Context,
): Promise<number> {
  const w = window(args.since, args.until, ['since', 'until']);
  if (!isUuid(id)) return Promise.resolve(0);
  return ctx.loaders.verifiedViolations[by].load(windowKey(id, w, args.severity ?? ''));
}
