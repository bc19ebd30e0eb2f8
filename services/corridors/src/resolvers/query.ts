import { isUuid } from '@treaty/service-kit';
import type { Context } from '../context.js';
import type { QueryConvoyArgs, QueryCorridorArgs, QueryIncidentArgs, QueryLocalisedWindowArgs } from '../generated/graphql.js';

export const Query = {
  convoy(_: unknown, { id }: QueryConvoyArgs, ctx: Context) {
    return isUuid(id) ? ctx.loaders.convoy.load(id) : null;
  },
  corridor(_: unknown, { id }: QueryCorridorArgs, ctx: Context) {
    return isUuid(id) ? ctx.loaders.corridor.load(id) : null;
  },
  incident(_: unknown, { id }: QueryIncidentArgs, ctx: Context) {
    return isUuid(id) ? ctx.loaders.incident.load(id) : null;
  },
  localisedWindow(_: unknown, { id }: QueryLocalisedWindowArgs, ctx: Context) {
    return isUuid(id) ? ctx.loaders.localisedWindow.load(id.toLowerCase()) : null;
  },
};
