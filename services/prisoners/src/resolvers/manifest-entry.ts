import type { ManifestEntry as ManifestEntryRow } from '../entities/index.js';
import { visibleDetainee } from './query.js';
import type { Context } from '../context.js';

const STATUS = { PENDING: 'PENDING', CONSENTS: 'RELEASED', REFUSES: 'DECLINED', REPATRIATED: 'REPATRIATED' } as const;

export const ManifestEntry = {
  wave(e: ManifestEntryRow, _: unknown, ctx: Context) {
    return ctx.loaders.wave.load(e.waveId);
  },
  detainee(e: ManifestEntryRow, _: unknown, ctx: Context) {
    return visibleDetainee(e.detaineeId, ctx);
  },
  status(e: ManifestEntryRow) {
    return STATUS[e.outcome ?? 'PENDING'];
  },
  /** The handover's fields live on the manifest entry's row; Handover resolves from it (a living detainee's only). */
  handover(e: ManifestEntryRow) {
    return e.outcome === 'CONSENTS' || e.outcome === 'REFUSES' ? e : null;
  },
  /** The same row, for remains handed over; RemainsHandover resolves from it. */
  remainsHandover(e: ManifestEntryRow) {
    return e.outcome === 'REPATRIATED' ? e : null;
  },
};
