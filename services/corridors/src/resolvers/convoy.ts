import { BadUserInputError, decodeCursor, encodeCursor, pageSize, type PageArgs } from '@treaty/service-kit';
import type { Convoy as ConvoyRow } from '../entities/index.js';
import { allowedNext, currentStatus } from '../domain/convoy-status.js';
import { movementOf, placesAround, telemetryGaps } from '../domain/telemetry.js';
import { contains } from '../domain/windows.js';
import { windowKey } from '../domain/metrics.js';
import type { Context } from '../context.js';
import type { ConvoyPositionConflictsArgs, ConvoyPositionsArgs } from '../generated/graphql.js';
import { shapeOf, windowsCoveringConvoy } from './helpers/windows.js';
import type { GapOfConvoy } from './telemetry-gap.js';

const MAX_POSITIONS = 1000;

export const Convoy = {
  corridor(c: ConvoyRow, _: unknown, ctx: Context) {
    return ctx.loaders.corridor.load(c.corridorId);
  },
  cargo(c: ConvoyRow, _: unknown, ctx: Context) {
    return ctx.loaders.cargoOfConvoy.load(c.id);
  },
  async totalTrucks(c: ConvoyRow, _: unknown, ctx: Context) {
    return (await ctx.loaders.cargoOfConvoy.load(c.id)).reduce((sum, l) => sum + l.trucks, 0);
  },
  async totalTonnes(c: ConvoyRow, _: unknown, ctx: Context) {
    const kg = (await ctx.loaders.cargoOfConvoy.load(c.id)).reduce((sum, l) => sum + Math.round(l.tonnes * 1000), 0);
    return kg / 1000;
  },
  async status(c: ConvoyRow, _: unknown, ctx: Context) {
    return currentStatus(await ctx.loaders.eventsOfConvoy.load(c.id));
  },
  async allowedNextStatuses(c: ConvoyRow, _: unknown, ctx: Context) {
    const [events, latest] = await Promise.all([ctx.loaders.eventsOfConvoy.load(c.id), ctx.loaders.latestInspectionResult.load(c.id)]);
    return allowedNext(currentStatus(events), latest);
  },
  events(c: ConvoyRow, _: unknown, ctx: Context) {
    return ctx.loaders.eventsOfConvoy.load(c.id);
  },
  inspections(c: ConvoyRow, _: unknown, ctx: Context) {
    return ctx.loaders.inspectionsOfConvoy.load(c.id);
  },
  positions(c: ConvoyRow, { last }: ConvoyPositionsArgs, ctx: Context) {
    const limit = last ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_POSITIONS) throw BadUserInputError.one('last', `last is ${limit}; ask for 1 to ${MAX_POSITIONS} positions.`);
    return ctx.loaders.latestPositions(limit).load(c.id);
  },
  /** Keyset pages in SQL: a convoy may have hundreds of thousands of positions. */
  async positionsPage(c: ConvoyRow, args: PageArgs, ctx: Context) {
    const size = pageSize(args.first);
    const after = args.after == null ? null : decodeCursor(args.after, ['epochMs', 'text', 'int4']);
    const rows = await ctx.loaders.positionsPage(JSON.stringify([size, ...(after ?? [])])).load(c.id);
    const nodes = rows.slice(0, size);
    const last = nodes.at(-1);
    return {
      nodes,
      pageInfo: { endCursor: last ? encodeCursor([last.deviceTime.getTime(), last.deviceId, Number(last.sequence)]) : (args.after ?? null), hasNextPage: rows.length > size },
    };
  },
  positionConflicts(c: ConvoyRow, { last }: ConvoyPositionConflictsArgs, ctx: Context) {
    const limit = last ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_POSITIONS) throw BadUserInputError.one('last', `last is ${limit}; ask for 1 to ${MAX_POSITIONS} conflicts.`);
    return ctx.loaders.latestPositionConflicts(limit).load(c.id);
  },
  async telemetryGaps(c: ConvoyRow, _: unknown, ctx: Context) {
    const [events, corridor] = await Promise.all([ctx.loaders.eventsOfConvoy.load(c.id), ctx.loaders.corridor.load(c.corridorId)]);
    const movement = movementOf(events);
    if (!movement) return [];
    const thresholdMinutes = corridor!.telemetryGapMinutes;
    const positions = await ctx.loaders.telemetry.load(windowKey(c.id, movement, String(thresholdMinutes)));
    return telemetryGaps({ movement, ...positions, now: ctx.clock.now(), thresholdMinutes }).map((gap): GapOfConvoy => ({ ...gap, ...placesAround(gap, positions), convoy: c }));
  },
  /** Windows covering the convoy that hold one of its positions; the database narrows, the rules decide. */
  async windows(c: ConvoyRow, _: unknown, ctx: Context) {
    const [covering, candidates] = await Promise.all([windowsCoveringConvoy(c, ctx), ctx.loaders.windowCandidatesOfConvoy.load(c.id)]);
    return covering.filter((w) => candidates.some((p) => p.windowId === w.id && contains(shapeOf(w), p, p.deviceTime)));
  },
};
