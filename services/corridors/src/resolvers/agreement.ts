import { isUuid, pageOf, timeKey, type PageArgs } from '@treaty/service-kit';
import type { CargoClass } from '../entities/index.js';
import { windowStatus } from '../domain/windows.js';
import { currentVerificationState } from '../domain/verification.js';
import { quietHours } from '../domain/metrics.js';
import { mayCarry } from '../domain/rules.js';
import type { Context } from '../context.js';
import type {
  AgreementDeliveriesArgs,
  AgreementDeliveriesByDayArgs,
  AgreementIncidentsArgs,
  AgreementInspectionStatsArgs,
  AgreementLocalisedWindowsArgs,
  AgreementVerifiedViolationsArgs,
  AgreementVerifiedViolationsByWindowArgs,
} from '../generated/graphql.js';
import { required, requiredDate } from './helpers/requires.js';
import { deliveries, deliveriesByDay, inspectionStats, verifiedViolations } from './helpers/metrics.js';
import { shapeOf, verifiedViolationsByWindow } from './helpers/windows.js';

/** An agreement as this service sees it: its key, plus what the gateway supplies for `@requires`. */
export interface AgreementRef {
  id: string;
  permittedCargo?: CargoClass[];
  entryIntoForceAt?: string;
}

export const Agreement = {
  __resolveReference(ref: AgreementRef) {
    return isUuid(ref.id) ? ref : null;
  },
  corridors(a: AgreementRef, _: unknown, ctx: Context) {
    return ctx.loaders.corridorsOfAgreement.load(a.id);
  },
  async corridorCargo(a: AgreementRef, _: unknown, ctx: Context) {
    const permitted = required(a.permittedCargo, 'Agreement.permittedCargo');
    const corridors = await ctx.loaders.corridorsOfAgreement.load(a.id);
    return corridors.map((corridor) => ({ corridor, permittedCargo: mayCarry(permitted, corridor.handles) }));
  },
  deliveries(a: AgreementRef, args: AgreementDeliveriesArgs, ctx: Context) {
    return deliveries('agreement', a.id, args, ctx);
  },
  deliveriesByDay(a: AgreementRef, args: AgreementDeliveriesByDayArgs, ctx: Context) {
    return deliveriesByDay('agreement', a.id, args, ctx);
  },
  inspectionStats(a: AgreementRef, args: AgreementInspectionStatsArgs, ctx: Context) {
    return inspectionStats('agreement', a.id, args, ctx);
  },
  verifiedViolations(a: AgreementRef, args: AgreementVerifiedViolationsArgs, ctx: Context) {
    return verifiedViolations('agreement', a.id, args, ctx);
  },
  async verifiedMaterialViolationTimes(a: AgreementRef, _: unknown, ctx: Context) {
    return (await ctx.loaders.materialViolationTimes.load(a.id)).map((v) => v.occurredAt);
  },
  async quietHours(a: AgreementRef, _: unknown, ctx: Context) {
    const entryIntoForceAt = requiredDate(a.entryIntoForceAt, 'Agreement.entryIntoForceAt');
    const times = await ctx.loaders.materialViolationTimes.load(a.id);
    return quietHours(entryIntoForceAt, times[times.length - 1]?.occurredAt ?? null, ctx.clock.now());
  },
  async incidentsPage(a: AgreementRef, args: AgreementIncidentsArgs & PageArgs, ctx: Context) {
    return pageOf(await Agreement.incidents(a, args, ctx), args, (i) => [timeKey(i.occurredAt), i.id], ['desc', 'asc']);
  },
  async incidents(a: AgreementRef, { state }: AgreementIncidentsArgs, ctx: Context) {
    const incidents = await ctx.loaders.incidentsOfAgreement.load(a.id);
    if (!state) return incidents;
    const steps = await ctx.loaders.verificationsOfIncident.loadMany(incidents.map((i) => i.id));
    return incidents.filter((_, k) => {
      const s = steps[k];
      if (s instanceof Error) throw s;
      return currentVerificationState(s!) === state;
    });
  },
  /** Latest opening first: the loader's order (oldest first) reversed. */
  async localisedWindows(a: AgreementRef, { status }: AgreementLocalisedWindowsArgs, ctx: Context) {
    const windows = [...(await ctx.loaders.windowsOfAgreement.load(a.id))].reverse();
    const now = ctx.clock.now();
    return status ? windows.filter((w) => windowStatus(shapeOf(w), now) === status) : windows;
  },
  async localisedWindowsPage(a: AgreementRef, args: AgreementLocalisedWindowsArgs & PageArgs, ctx: Context) {
    return pageOf(await Agreement.localisedWindows(a, args, ctx), args, (w) => [timeKey(w.from), w.id], ['desc', 'desc']);
  },
  verifiedViolationsByWindow(a: AgreementRef, args: AgreementVerifiedViolationsByWindowArgs, ctx: Context) {
    return verifiedViolationsByWindow(a.id, args, ctx);
  },
};
