import { isUuid } from '@treaty/service-kit';
import { validLatitude, validLongitude } from './rules.js';

export type PositionRejection =
  | 'COORDINATES_OUT_OF_RANGE'
  | 'DEVICE_TIME_IN_FUTURE'
  | 'UNKNOWN_CONVOY'
  | 'NOT_YOUR_CONVOY'
  | 'INVALID_DEVICE_ID'
  | 'INVALID_SEQUENCE';

export const MAX_POINTS_PER_BATCH = 5000;
/** Device clocks drift; a point may be this far ahead of the service's clock. */
export const FUTURE_TOLERANCE_MS = 5 * 60_000;

export interface PointDraft {
  convoyId: string;
  deviceId: string;
  sequence: number;
  deviceTime: Date;
  latitude: number;
  longitude: number;
}

export interface RejectedPoint {
  index: number;
  deviceId: string;
  sequence: number;
  reasons: PositionRejection[];
  message: string;
}

const MESSAGES: Record<PositionRejection, (p: PointDraft, now: Date) => string> = {
  COORDINATES_OUT_OF_RANGE: (p) => `coordinates (${p.latitude}, ${p.longitude}) are out of range (latitude -90..90, longitude -180..180)`,
  DEVICE_TIME_IN_FUTURE: (p, now) => `deviceTime ${p.deviceTime.toISOString()} is more than 5 minutes ahead of the service clock (${now.toISOString()}); check the device's clock`,
  UNKNOWN_CONVOY: (p) => `no convoy has id "${p.convoyId}"`,
  NOT_YOUR_CONVOY: (p) => `convoy ${p.convoyId} is run by another agency; send only your own convoys' positions`,
  INVALID_DEVICE_ID: () => 'deviceId must be 1 to 100 characters',
  INVALID_SEQUENCE: (p) => `sequence ${p.sequence} is negative; sequence numbers start at 0`,
};

/**
 * Sorts a batch into points to store and points refused, each with every reason that applies. `convoys`
 * maps the ids found in the database to the agency running each; `agency` is the caller's.
 */
export function classifyPoints(
  points: readonly PointDraft[],
  convoys: ReadonlyMap<string, string>,
  agency: string | null,
  now: Date,
): { valid: number[]; rejected: RejectedPoint[] } {
  const valid: number[] = [];
  const rejected: RejectedPoint[] = [];
  const limit = now.getTime() + FUTURE_TOLERANCE_MS;
  for (let index = 0; index < points.length; index++) {
    const p = points[index]!;
    const reasons: PositionRejection[] = [];
    if (!validLatitude(p.latitude) || !validLongitude(p.longitude)) reasons.push('COORDINATES_OUT_OF_RANGE');
    if (p.deviceTime.getTime() > limit) reasons.push('DEVICE_TIME_IN_FUTURE');
    if (p.deviceId.length === 0 || p.deviceId.length > 100) reasons.push('INVALID_DEVICE_ID');
    if (!Number.isInteger(p.sequence) || p.sequence < 0) reasons.push('INVALID_SEQUENCE');
    const owner = isUuid(p.convoyId) ? convoys.get(p.convoyId.toLowerCase()) : undefined;
    if (owner === undefined) reasons.push('UNKNOWN_CONVOY');
    else if (agency === null || owner !== agency) reasons.push('NOT_YOUR_CONVOY');
    if (reasons.length === 0) valid.push(index);
    else rejected.push({ index, deviceId: p.deviceId, sequence: p.sequence, reasons, message: reasons.map((r) => MESSAGES[r](p, now)).join('; ') + '.' });
  }
  return { valid, rejected };
}
