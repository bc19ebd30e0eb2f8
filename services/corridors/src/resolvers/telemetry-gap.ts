import type { Convoy as ConvoyRow } from '../entities/index.js';
import type { TelemetryGap as Gap } from '../domain/telemetry.js';
import { gapInside, type GapPlace } from '../domain/windows.js';
import type { Context } from '../context.js';
import { shapeOf, windowsCoveringConvoy } from './helpers/windows.js';

/** A gap as Convoy.telemetryGaps returns it: the domain's gap, where the convoy was on either side, and whose it is. */
export type GapOfConvoy = Gap & GapPlace & { convoy: ConvoyRow };

async function windowsOf(g: GapOfConvoy, _: unknown, ctx: Context) {
  const now = ctx.clock.now();
  return (await windowsCoveringConvoy(g.convoy, ctx)).filter((w) => gapInside(shapeOf(w), g, now));
}

export const TelemetryGap = {
  windows: windowsOf,
  async insideWindow(g: GapOfConvoy, _: unknown, ctx: Context) {
    return (await windowsOf(g, null, ctx)).length > 0;
  },
};
