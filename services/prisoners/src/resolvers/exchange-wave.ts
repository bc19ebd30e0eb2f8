import type { ExchangeWave as WaveRow } from '../entities/index.js';
import { rank } from '../domain/priority.js';
import { checkRatio, waveStatus } from '../domain/waves.js';
import { onlyVisible } from './detainee-list.js';
import type { Context } from '../context.js';

export async function statusOf(w: WaveRow, ctx: Context) {
  const counts = await ctx.loaders.waveCounts.load(w.id);
  return waveStatus({ sealedAt: w.sealedAt, withdrawnAt: w.withdrawnAt, scheduledAt: w.scheduledAt, entries: counts.entries, decided: counts.decided, now: ctx.clock.now() });
}

export const ExchangeWave = {
  agreement: (w: WaveRow) => ({ id: w.agreementId }),
  milestone: (w: WaveRow) => ({ id: w.milestoneId }),
  status: (w: WaveRow, _: unknown, ctx: Context) => statusOf(w, ctx),
  async ratio(w: WaveRow, _: unknown, ctx: Context) {
    if (!w.ratioBasePartyId) return null;
    const [terms, manifest] = await Promise.all([ctx.loaders.ratioTermsOfWave.load(w.id), ctx.loaders.manifestDetaineesOfWave.load(w.id)]);
    const check = checkRatio(manifest, { basePartyId: w.ratioBasePartyId, terms });
    return {
      baseParty: { id: w.ratioBasePartyId },
      terms: [...terms].sort((a, b) => rank(a.category) - rank(b.category)),
      requiredCounterpart: check.required,
      counterpartOnManifest: check.counterpart,
      requiredRemainsCounterpart: check.requiredRemains,
      remainsCounterpartOnManifest: check.remainsCounterpart,
      met: check.met,
    };
  },
  sequencingException(w: WaveRow) {
    return w.exceptionReason ? { reason: w.exceptionReason, recordedBy: w.exceptionBy, recordedAt: w.exceptionAt } : null;
  },
  // Living detainees and remains are counted apart: manifestSize, released and declined are of the living.
  async manifestSize(w: WaveRow, _: unknown, ctx: Context) {
    return (await ctx.loaders.waveCounts.load(w.id)).living;
  },
  async remainsOnManifest(w: WaveRow, _: unknown, ctx: Context) {
    return (await ctx.loaders.waveCounts.load(w.id)).remains;
  },
  async remainsRepatriated(w: WaveRow, _: unknown, ctx: Context) {
    return (await ctx.loaders.waveCounts.load(w.id)).repatriated;
  },
  async released(w: WaveRow, _: unknown, ctx: Context) {
    return (await ctx.loaders.waveCounts.load(w.id)).released;
  },
  async declined(w: WaveRow, _: unknown, ctx: Context) {
    return (await ctx.loaders.waveCounts.load(w.id)).declined;
  },
  async manifest(w: WaveRow, _: unknown, ctx: Context) {
    return onlyVisible(await ctx.loaders.manifestOfWave.load(w.id), ctx);
  },
};
