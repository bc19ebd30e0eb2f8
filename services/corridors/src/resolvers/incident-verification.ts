import { logEntryField } from '@treaty/service-kit';
import type { IncidentVerification as StepRow, LocalisedWindow } from '../entities/index.js';
import type { Context } from '../context.js';

export const IncidentVerification = {
  logEntry: logEntryField('incident-verification', (s: StepRow) => s.id),
  attributedParty(v: StepRow) {
    return v.attributedPartyId ? { id: v.attributedPartyId } : null;
  },
  /** As recorded with the step; windows are never deleted, so every id names one. */
  async windows(v: StepRow, _: unknown, ctx: Context) {
    return (await ctx.loaders.localisedWindow.loadMany(v.windowIds)).filter((w): w is LocalisedWindow => {
      if (w instanceof Error) throw w;
      return w !== null;
    });
  },
  insideWindow(v: StepRow) {
    return v.windowIds.length > 0;
  },
};
