import type { ConvoyEvent as ConvoyEventRow } from '../entities/index.js';

export const ConvoyEvent = {
  from(e: ConvoyEventRow) {
    return e.fromStatus;
  },
  to(e: ConvoyEventRow) {
    return e.toStatus;
  },
};
