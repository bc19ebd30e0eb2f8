import { isUuid } from '@treaty/service-kit';
import type { Convoy, Incident, LocalisedWindow } from '../../entities/index.js';
import type { Point } from '../../domain/geometry.js';
import { contains, coversCorridor, splitByWindows, type WindowArea, type WindowShape, type WindowSplit } from '../../domain/windows.js';
import { windowKey } from '../../domain/metrics.js';
import type { AgreementVerifiedViolationsByWindowArgs } from '../../generated/graphql.js';
import type { Context } from '../../context.js';
import { window } from './requires.js';

/** How localised windows on record meet the rules of src/domain/windows.ts, shared by resolvers and mutations. */

/** A stored window's area, as the rules take it. */
export function areaOf(w: LocalisedWindow): WindowArea {
  if (w.areaKind === 'CIRCLE') return { kind: 'CIRCLE', centre: { latitude: w.centreLatitude!, longitude: w.centreLongitude! }, radiusMetres: w.radiusMetres! };
  return { kind: 'POLYGON', vertices: w.vertexLatitudes!.map((latitude, k) => ({ latitude, longitude: w.vertexLongitudes![k]! })) };
}

const shapes = new WeakMap<LocalisedWindow, WindowShape>();

/** A stored window (loaded with its closure) as the rules take it; made once per row. */
export function shapeOf(w: LocalisedWindow): WindowShape {
  let shape = shapes.get(w);
  if (!shape) {
    shape = { from: w.from, until: w.until, closedAt: w.closure?.closedAt ?? null, area: areaOf(w), corridorId: w.corridorId };
    shapes.set(w, shape);
  }
  return shape;
}

/** The windows of `windows` that hold something at `p` at time `at`, in the order given. */
export function windowsHolding(windows: readonly LocalisedWindow[], p: Point, at: Date): LocalisedWindow[] {
  return windows.filter((w) => contains(shapeOf(w), p, at));
}

/** The windows an incident occurred inside, as they stand now: its agreement's, by time and place alone. */
export async function windowsOfIncident(i: Incident, ctx: Context): Promise<LocalisedWindow[]> {
  return windowsHolding(await ctx.loaders.windowsOfAgreement.load(i.agreementId), i, i.occurredAt);
}

/** The windows that cover a convoy's movements: its agreement's, for its corridor or every corridor. */
export async function windowsCoveringConvoy(convoy: Convoy, ctx: Context): Promise<LocalisedWindow[]> {
  const corridor = await ctx.loaders.corridor.load(convoy.corridorId);
  if (!corridor) return [];
  return (await ctx.loaders.windowsOfAgreement.load(corridor.agreementId)).filter((w) => coversCorridor(w, convoy.corridorId));
}

/** verifiedViolations for the same arguments, split by windows: one statement per batch for the incidents, one for the windows. */
export async function verifiedViolationsByWindow(agreementId: string, args: AgreementVerifiedViolationsByWindowArgs, ctx: Context): Promise<WindowSplit> {
  const w = window(args.since, args.until, ['since', 'until']);
  if (!isUuid(agreementId)) return { total: 0, insideWindows: 0, outsideWindows: 0 };
  const [found, windows] = await Promise.all([
    ctx.loaders.verifiedIncidentIds.load(windowKey(agreementId, w, args.severity ?? '')),
    ctx.loaders.windowsOfAgreement.load(agreementId),
  ]);
  const incidents = (await ctx.loaders.incident.loadMany(found.map((f) => f.incidentId))).map((i) => {
    if (i instanceof Error || !i) throw i ?? new Error('A verified incident vanished while it was being counted.');
    return i;
  });
  return splitByWindows(incidents, windows.map(shapeOf));
}
