import { logEntryField } from '@treaty/service-kit';
import type { Incident as IncidentRow, LocalisedWindow as WindowRow, LocalisedWindowClosure as ClosureRow } from '../entities/index.js';
import { contains, effectiveUntil, windowStatus } from '../domain/windows.js';
import type { Context } from '../context.js';
import { shapeOf } from './helpers/windows.js';

export const LocalisedWindow = {
  agreement(w: WindowRow) {
    return { id: w.agreementId };
  },
  corridor(w: WindowRow, _: unknown, ctx: Context) {
    return w.corridorId ? ctx.loaders.corridor.load(w.corridorId) : null;
  },
  effectiveUntil(w: WindowRow) {
    return effectiveUntil(shapeOf(w));
  },
  status(w: WindowRow, _: unknown, ctx: Context) {
    return windowStatus(shapeOf(w), ctx.clock.now());
  },
  area(w: WindowRow) {
    const area = shapeOf(w).area;
    return area.kind === 'POLYGON'
      ? { kind: area.kind, polygon: area.vertices, centre: null, radiusMetres: null }
      : { kind: area.kind, polygon: null, centre: area.centre, radiusMetres: area.radiusMetres };
  },
  closure(w: WindowRow) {
    return w.closure ?? null;
  },
  /** The database narrows by agreement, agreed times and bounding box; the rules decide. */
  async incidents(w: WindowRow, _: unknown, ctx: Context) {
    const candidates = await ctx.loaders.incidentCandidatesOfWindow.load(w.id);
    const incidents = await ctx.loaders.incident.loadMany(candidates.map((c) => c.incidentId));
    return incidents.filter((i): i is IncidentRow => {
      if (i instanceof Error) throw i;
      return i !== null && contains(shapeOf(w), i, i.occurredAt);
    });
  },
  logEntry: logEntryField('localised-window', (w: WindowRow) => w.id),
};

export const LocalisedWindowClosure = {
  logEntry: logEntryField('localised-window-closure', (c: ClosureRow) => c.windowId),
};
