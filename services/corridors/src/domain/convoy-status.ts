import type { ConvoyStatus, InspectionResult } from '../entities/enums.js';

/**
 * The convoy status machine. A convoy's status is the `to` of its latest recorded transition; this table
 * says where it may go next. INSPECTED is reached only by recording the primary inspection.
 */
export const CONVOY_TRANSITIONS: Readonly<Record<ConvoyStatus, readonly ConvoyStatus[]>> = {
  REQUESTED: ['CLEARED', 'DENIED'],
  CLEARED: ['AT_CROSSING'],
  DENIED: [],
  AT_CROSSING: ['INSPECTED'],
  INSPECTED: ['IN_TRANSIT', 'RETURNED'],
  IN_TRANSIT: ['DELIVERED', 'INTERCEPTED', 'RETURNED'],
  DELIVERED: [],
  INTERCEPTED: [],
  RETURNED: [],
};

/** Statuses from which a convoy is physically on its way (its trackers should be reporting). */
export const MOVING_STATUSES: readonly ConvoyStatus[] = ['AT_CROSSING', 'INSPECTED', 'IN_TRANSIT'];

/** Where a convoy's movement ends: handed over, stopped on the way, or turned back. */
export const END_OF_MOVEMENT: readonly ConvoyStatus[] = ['DELIVERED', 'INTERCEPTED', 'RETURNED'];

/**
 * Where a convoy may go next. After a REJECTED inspection (the latest one decides) an INSPECTED convoy
 * may only be RETURNED.
 */
export function allowedNext(status: ConvoyStatus, latestInspection: InspectionResult | null): readonly ConvoyStatus[] {
  if (status === 'INSPECTED' && latestInspection === 'REJECTED') return ['RETURNED'];
  return CONVOY_TRANSITIONS[status];
}

export function isAllowed(from: ConvoyStatus, to: ConvoyStatus, latestInspection: InspectionResult | null): boolean {
  return allowedNext(from, latestInspection).includes(to);
}

/** The status of a convoy from its transitions, given oldest first. */
export function currentStatus(events: readonly { toStatus: ConvoyStatus }[]): ConvoyStatus {
  const last = events[events.length - 1];
  if (!last) throw new Error('a convoy always has its REQUESTED event');
  return last.toStatus;
}

/**
 * Who takes a step: a clearance decision belongs to the mediator or the monitoring cell, an inspection to
 * the monitoring cell (through recordInspection), a movement step to the agency running the convoy.
 */
export type StepKind = 'CLEARANCE' | 'INSPECTION' | 'MOVEMENT';

export function stepKind(to: ConvoyStatus): StepKind | null {
  if (to === 'CLEARED' || to === 'DENIED') return 'CLEARANCE';
  if (to === 'INSPECTED') return 'INSPECTION';
  if (to === 'REQUESTED') return null;
  return 'MOVEMENT';
}

/** "A", "A or B", "A, B or C". */
export function oneOf(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

export function describeAllowed(status: ConvoyStatus, allowed: readonly ConvoyStatus[]): string {
  if (allowed.length === 0) return `${status} is final; no further status can follow it.`;
  const via = allowed.includes('INSPECTED') ? ', once its PRIMARY inspection is recorded with recordInspection' : '';
  return `From ${status} it may move to ${oneOf(allowed)}${via}.`;
}

/**
 * Why advanceConvoy may not move a convoy from `from` to `to`, or null when it may. advanceConvoy takes
 * every step of the machine except INSPECTED, which only recording the primary inspection reaches (so a
 * convoy is never INSPECTED without an inspection on record). Any other refused move is a move the
 * machine does not allow; every refusal is INVALID_TRANSITION, whatever else the request gets wrong.
 */
export function advanceRefusal(from: ConvoyStatus, to: ConvoyStatus, latestInspection: InspectionResult | null): string | null {
  const allowed = allowedNext(from, latestInspection);
  if (to === 'INSPECTED') {
    const how = 'A convoy becomes INSPECTED only when the monitoring cell records its PRIMARY inspection with recordInspection (MONITOR role)';
    return from === 'AT_CROSSING' ? `${how}, not through advanceConvoy.` : `${how} while the convoy is AT_CROSSING. ${describeAllowed(from, allowed)}`;
  }
  if (allowed.includes(to)) return null;
  const rejected = from === 'INSPECTED' && latestInspection === 'REJECTED' ? 'Its latest inspection REJECTED the cargo, so it can only be RETURNED. ' : '';
  return rejected + describeAllowed(from, allowed);
}
