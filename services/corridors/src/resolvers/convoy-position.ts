import type { ConvoyPosition as PositionRow } from '../entities/index.js';
import type { Context } from '../context.js';
import { windowsCoveringConvoy, windowsHolding } from './helpers/windows.js';

async function windowsOf(p: PositionRow, _: unknown, ctx: Context) {
  const convoy = await ctx.loaders.convoy.load(p.convoyId);
  return convoy ? windowsHolding(await windowsCoveringConvoy(convoy, ctx), p, p.deviceTime) : [];
}

export const ConvoyPosition = {
  windows: windowsOf,
  async insideWindow(p: PositionRow, _: unknown, ctx: Context) {
    return (await windowsOf(p, null, ctx)).length > 0;
  },
};
