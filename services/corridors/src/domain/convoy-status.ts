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

export function describeAllowed(status: ConvoyStatus, allowed: readonly ConvoyStatus[]): string {
  return allowed.length === 0 ? `${status} is final; no further status can follow it.` : `From ${status} it may move to ${allowed.join(' or ')}.`;
}
