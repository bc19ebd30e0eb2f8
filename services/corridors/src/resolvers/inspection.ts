import type { Inspection as InspectionRow } from '../entities/index.js';
import type { Context } from '../context.js';

export const Inspection = {
  convoy(i: InspectionRow, _: unknown, ctx: Context) {
    return ctx.loaders.convoy.load(i.convoyId);
  },
  dwellMinutes(i: InspectionRow) {
    return Math.round(((i.endedAt.getTime() - i.startedAt.getTime()) / 60_000) * 100) / 100;
  },
  rejectedItems(i: InspectionRow, _: unknown, ctx: Context) {
    return ctx.loaders.rejectedItemsOfInspection.load(i.id);
  },
};
