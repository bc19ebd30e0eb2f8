import { isUuid } from '@treaty/service-kit';
import type { Context } from '../context.js';

export const Query = {
  convoy(_: unknown, { id }: { id: string }, ctx: Context) {
    return isUuid(id) ? ctx.loaders.convoy.load(id) : null;
  },
  corridor(_: unknown, { id }: { id: string }, ctx: Context) {
    return isUuid(id) ? ctx.loaders.corridor.load(id) : null;
  },
  incident(_: unknown, { id }: { id: string }, ctx: Context) {
    return isUuid(id) ? ctx.loaders.incident.load(id) : null;
  },
};
