import type { ManifestEntry as ManifestEntryRow } from '../entities/index.js';
import { visibleDetainee } from './query.js';
import type { Context } from '../context.js';

export const ManifestEntry = {
  wave(e: ManifestEntryRow, _: unknown, ctx: Context) {
    return ctx.loaders.wave.load(e.waveId);
  },
  detainee(e: ManifestEntryRow, _: unknown, ctx: Context) {
    return visibleDetainee(e.detaineeId, ctx);
  },
  status(e: ManifestEntryRow) {
    return e.outcome === null ? 'PENDING' : e.outcome === 'CONSENTS' ? 'RELEASED' : 'DECLINED';
  },
  /** The handover's fields live on the manifest entry's row; Handover resolves from it. */
  handover(e: ManifestEntryRow) {
    return e.outcome === null ? null : e;
  },
};
