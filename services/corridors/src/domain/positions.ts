import { isUuid, type PositionRow } from '@treaty/service-kit';
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

/** A device's points on one convoy in compact form (ConvoyTrackInput). */
export interface TrackDraft {
  convoyId: string;
  deviceId: string;
  rows: readonly PositionRow[];
}

/**
 * The points of a batch in the order they are numbered: `points` first, then each track's rows in turn.
 * A batch sent only as `points` is returned as it came.
 */
export function batchPoints(points: readonly PointDraft[] | null | undefined, tracks: readonly TrackDraft[] | null | undefined): readonly PointDraft[] {
  if (!tracks?.length) return points ?? [];
  const all: PointDraft[] = points ? points.slice() : [];
  for (const t of tracks) {
    for (const r of t.rows) all.push({ convoyId: t.convoyId, deviceId: t.deviceId, sequence: r.sequence, deviceTime: r.deviceTime, latitude: r.latitude, longitude: r.longitude });
  }
  return all;
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
 * The reasons a point is refused on its own, before its convoy is looked up, in the order they are
 * reported; null when it has none (the common case, so nothing is allocated for it). `limitMs` is the
 * latest device time accepted: the service's clock plus FUTURE_TOLERANCE_MS.
 */
export function ownReasons(p: PointDraft, limitMs: number): PositionRejection[] | null {
  let reasons: PositionRejection[] | null = null;
  if (!validLatitude(p.latitude) || !validLongitude(p.longitude)) (reasons ??= []).push('COORDINATES_OUT_OF_RANGE');
  if (p.deviceTime.getTime() > limitMs) (reasons ??= []).push('DEVICE_TIME_IN_FUTURE');
  if (p.deviceId.length === 0 || p.deviceId.length > 100) (reasons ??= []).push('INVALID_DEVICE_ID');
  if (!Number.isInteger(p.sequence) || p.sequence < 0) (reasons ??= []).push('INVALID_SEQUENCE');
  return reasons;
}

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
    let reasons = ownReasons(p, limit);
    const owner = isUuid(p.convoyId) ? convoys.get(p.convoyId.toLowerCase()) : undefined;
    if (owner === undefined) (reasons ??= []).push('UNKNOWN_CONVOY');
    else if (agency === null || owner !== agency) (reasons ??= []).push('NOT_YOUR_CONVOY');
    if (reasons === null) valid.push(index);
    else rejected.push({ index, deviceId: p.deviceId, sequence: p.sequence, reasons, message: reasons.map((r) => MESSAGES[r](p, now)).join('; ') + '.' });
  }
  return { valid, rejected };
}

/** What the device reports in a point, and so what a resend must repeat exactly to be a duplicate. */
export interface Fix {
  deviceTime: Date;
  latitude: number;
  longitude: number;
}

/** A field of a point on which a resend disagrees with the point on record. */
export type PositionField = 'DEVICE_TIME' | 'LATITUDE' | 'LONGITUDE';

/** A point's identity: convoy ids compare case-insensitively (they are UUIDs), device ids exactly. */
export function positionKey(p: Pick<PointDraft, 'convoyId' | 'deviceId' | 'sequence'>): string {
  return JSON.stringify([p.convoyId.toLowerCase(), p.deviceId, p.sequence]);
}

/**
 * Sorts the valid points of a batch by identity (the same identity as positionKey). The first point with
 * each (convoy, device, sequence) is the one offered for storage; every later one in the batch is a
 * repeat, compared with what is on record once the first has been stored, so a batch that repeats a point
 * always resolves the same way. `repeatOf` maps each repeat's index to the index of the first, in batch
 * order. Nested maps rather than a key string per point: a batch of thousands builds no strings.
 */
export function firstOfEach(points: readonly PointDraft[], valid: readonly number[]): { first: number[]; repeatOf: Map<number, number> } {
  const byConvoy = new Map<string, Map<string, Map<number, number>>>();
  const first: number[] = [];
  const repeatOf = new Map<number, number>();
  for (const index of valid) {
    const p = points[index]!;
    const convoy = p.convoyId.toLowerCase();
    let byDevice = byConvoy.get(convoy);
    if (byDevice === undefined) byConvoy.set(convoy, (byDevice = new Map()));
    let bySequence = byDevice.get(p.deviceId);
    if (bySequence === undefined) byDevice.set(p.deviceId, (bySequence = new Map()));
    const earlier = bySequence.get(p.sequence);
    if (earlier === undefined) {
      bySequence.set(p.sequence, index);
      first.push(index);
    } else repeatOf.set(index, earlier);
  }
  return { first, repeatOf };
}

/** Where a resend disagrees with the point on record; empty for an exact duplicate. */
export function differences(onRecord: Fix, sent: Fix): PositionField[] {
  const out: PositionField[] = [];
  if (onRecord.deviceTime.getTime() !== sent.deviceTime.getTime()) out.push('DEVICE_TIME');
  if (onRecord.latitude !== sent.latitude) out.push('LATITUDE');
  if (onRecord.longitude !== sent.longitude) out.push('LONGITUDE');
  return out;
}

const describeFix = (f: Fix) => `${f.deviceTime.toISOString()} at (${f.latitude}, ${f.longitude})`;

/**
 * Tells a partner agency what a conflicting point collided with and what to do about it.
 * `storedFromIndex` is the index of the point on record when this same batch stored it.
 */
export function conflictMessage(sent: PointDraft, onRecord: Fix & { receivedAt: Date }, storedFromIndex: number | null): string {
  const where = storedFromIndex === null ? `received ${onRecord.receivedAt.toISOString()}` : `stored from index ${storedFromIndex} of this batch`;
  return (
    `Convoy ${sent.convoyId.toLowerCase()} already has device "${sent.deviceId}" sequence ${sent.sequence} on record as ${describeFix(onRecord)} (${where}); ` +
    `this point says ${describeFix(sent)}. The point on record stays and this one is logged as a conflict for review. ` +
    'A device must not reuse a sequence number on one convoy: if it restarted its count, continue from its last sequence or report under a new deviceId.'
  );
}
