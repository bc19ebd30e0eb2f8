import { BadUserInputError, DAY_MS, pageOf, timeKey, type PageArgs } from '@treaty/service-kit';
import type { Corridor as CorridorRow, CorridorClosure } from '../entities/index.js';
import { closuresTouching, dayStatus } from '../domain/corridor-status.js';
import { isoDate, utcDayStart } from '../domain/calendar.js';
import { currentStatus } from '../domain/convoy-status.js';
import type { Context } from '../context.js';
import type {
  CorridorConvoysArgs,
  CorridorDailyStatusArgs,
  CorridorDeliveriesArgs,
  CorridorDeliveriesByDayArgs,
  CorridorInspectionStatsArgs,
} from '../generated/graphql.js';
import { deliveries, deliveriesByDay, inspectionStats } from './helpers/metrics.js';

const MAX_STATUS_DAYS = 92;

export const Corridor = {
  agreement(c: CorridorRow) {
    return { id: c.agreementId };
  },
  async statusToday(c: CorridorRow, _: unknown, ctx: Context) {
    return dayStatus(await ctx.loaders.closuresOfCorridor.load(c.id), ctx.clock.now());
  },
  async dailyStatus(c: CorridorRow, { from, days }: CorridorDailyStatusArgs, ctx: Context) {
    const count = days ?? 7;
    if (!Number.isInteger(count) || count < 1 || count > MAX_STATUS_DAYS) {
      throw BadUserInputError.one('days', `days is ${count}; ask for 1 to ${MAX_STATUS_DAYS} days.`);
    }
    const closures = await ctx.loaders.closuresOfCorridor.load(c.id);
    const first = utcDayStart(from).getTime();
    return Array.from({ length: count }, (_, k) => {
      const start = new Date(first + k * DAY_MS);
      return {
        date: isoDate(start),
        status: dayStatus(closures, start),
        closures: closuresTouching<CorridorClosure>(closures, start, new Date(start.getTime() + DAY_MS)),
      };
    });
  },
  closures(c: CorridorRow, _: unknown, ctx: Context) {
    return ctx.loaders.closuresOfCorridor.load(c.id);
  },
  async convoys(c: CorridorRow, { status }: CorridorConvoysArgs, ctx: Context) {
    const convoys = await ctx.loaders.convoysOfCorridor.load(c.id);
    if (!status) return convoys;
    const events = await ctx.loaders.eventsOfConvoy.loadMany(convoys.map((cv) => cv.id));
    return convoys.filter((_, k) => {
      const e = events[k];
      if (e instanceof Error) throw e;
      return currentStatus(e!) === status;
    });
  },
  async convoysPage(c: CorridorRow, args: CorridorConvoysArgs & PageArgs, ctx: Context) {
    return pageOf(await Corridor.convoys(c, args, ctx), args, (v) => [timeKey(v.requestedAt), v.id], ['desc', 'asc']);
  },
  deliveries(c: CorridorRow, args: CorridorDeliveriesArgs, ctx: Context) {
    return deliveries('corridor', c.id, args, ctx);
  },
  deliveriesByDay(c: CorridorRow, args: CorridorDeliveriesByDayArgs, ctx: Context) {
    return deliveriesByDay('corridor', c.id, args, ctx);
  },
  inspectionStats(c: CorridorRow, args: CorridorInspectionStatsArgs, ctx: Context) {
    return inspectionStats('corridor', c.id, args, ctx);
  },
};
