import { DAY_MS, type Problems } from '@treaty/service-kit';
import type { WindowStatus } from '../entities/enums.js';
import { checkCoordinates, checkText, MAX_BACKDATE_DAYS, validLatitude, validLongitude } from './rules.js';
import {
  allInLine,
  circleBoundingBox,
  haversineMetres,
  openRing,
  pointInPolygon,
  polygonBoundingBox,
  samePoint,
  selfIntersection,
  type BoundingBox,
  type Point,
} from './geometry.js';

/**
 * Localised windows: a time and an area, agreed under an agreement (and optionally for one corridor's
 * convoys), in which movement is expected, e.g. a crew repairing a water main or an evacuation. Pure
 * rules: what a valid window is, when it is open, what it contains, and how a closure shortens it.
 *
 * A window is open over [from, effectiveUntil): `until` as agreed, or the moment it was closed early.
 * Something is inside a window when it happened while the window was open and where its area is.
 */

export const MIN_VERTICES = 3;
export const MAX_VERTICES = 200;
export const MIN_RADIUS_METRES = 10;
export const MAX_RADIUS_METRES = 50_000;
/** A localised area: at most one degree of latitude and of longitude (about 111 km north to south). */
export const MAX_EXTENT_DEGREES = 1;
export const MAX_WINDOW_DAYS = 30;
/** How far ahead a window may be recorded: once its dates are agreed, not as a standing reservation. */
export const MAX_LEAD_DAYS = 90;
const MAX_DESCRIPTION = 500;

export type WindowArea = { kind: 'POLYGON'; vertices: Point[] } | { kind: 'CIRCLE'; centre: Point; radiusMetres: number };

/** What the rules need of a window on record. */
export interface WindowShape {
  from: Date;
  until: Date;
  /** When it was closed early, or null. */
  closedAt: Date | null;
  area: WindowArea;
  /** The one corridor whose convoys it covers, or null for every corridor of the agreement. */
  corridorId: string | null;
}

export type WindowSpan = Pick<WindowShape, 'from' | 'until' | 'closedAt'>;

/** When the window stops (or stopped) being open: `until`, or its early closure (never before `from`). */
export function effectiveUntil(w: WindowSpan): Date {
  if (!w.closedAt) return w.until;
  return new Date(Math.min(w.until.getTime(), Math.max(w.from.getTime(), w.closedAt.getTime())));
}

/**
 * Where the window stands. A closure is final whatever the clock says: CANCELLED when it came before the
 * window opened, CLOSED_EARLY otherwise.
 */
export function windowStatus(w: WindowSpan, now: Date): WindowStatus {
  if (w.closedAt) return w.closedAt.getTime() <= w.from.getTime() ? 'CANCELLED' : 'CLOSED_EARLY';
  if (now.getTime() < w.from.getTime()) return 'SCHEDULED';
  if (now.getTime() < w.until.getTime()) return 'ACTIVE';
  return 'ENDED';
}

/** Whether the window is open at `at`: from `from` up to, not including, its effective end. */
export function openAt(w: WindowSpan, at: Date): boolean {
  return at.getTime() >= w.from.getTime() && at.getTime() < effectiveUntil(w).getTime();
}

/** Whether `p` is in the area: inside the polygon (its boundary included) or within the circle's radius. */
export function areaContains(area: WindowArea, p: Point): boolean {
  return area.kind === 'POLYGON' ? pointInPolygon(p, area.vertices) : haversineMetres(area.centre, p) <= area.radiusMetres;
}

/** Whether something at `p` at time `at` is inside the window. */
export function contains(w: WindowShape, p: Point, at: Date): boolean {
  return openAt(w, at) && areaContains(w.area, p);
}

/** The windows that hold something at `p` at time `at`, in the order given. Overlapping windows all do. */
export function windowsContaining<W extends WindowShape>(windows: readonly W[], p: Point, at: Date): W[] {
  return windows.filter((w) => contains(w, p, at));
}

/** Whether a window covers a corridor's convoys: it names that corridor, or none (the whole agreement). */
export function coversCorridor(w: Pick<WindowShape, 'corridorId'>, corridorId: string): boolean {
  return w.corridorId === null || w.corridorId === corridorId;
}

/** A telemetry gap with the fixes on either side of the silence, where there are any. */
export interface GapPlace {
  from: Date;
  /** Null while the silence lasts. */
  to: Date | null;
  /** The last position before the silence (none for a gap from the arrival at the crossing). */
  before: Point | null;
  /** The first position after it (none for a gap that runs to the end of the movement, or to now). */
  after: Point | null;
}

/**
 * Whether a telemetry gap fell inside a window: the silence overlapped the time the window was open,
 * and the convoy was last seen, or seen again, inside its area. A movement with no position at all is
 * never inside a window: where the convoy went unseen cannot be told.
 */
export function gapInside(w: WindowShape, gap: GapPlace, now: Date): boolean {
  const end = (gap.to ?? now).getTime();
  const overlaps = gap.from.getTime() < effectiveUntil(w).getTime() && end > w.from.getTime();
  return overlaps && [gap.before, gap.after].some((p) => p !== null && areaContains(w.area, p));
}

/** Verified violations, how many were inside at least one window and how many outside every window. */
export interface WindowSplit {
  total: number;
  insideWindows: number;
  outsideWindows: number;
}

export function splitByWindows(incidents: readonly (Point & { occurredAt: Date })[], windows: readonly WindowShape[]): WindowSplit {
  const inside = incidents.filter((i) => windows.some((w) => contains(w, i, i.occurredAt))).length;
  return { total: incidents.length, insideWindows: inside, outsideWindows: incidents.length - inside };
}

/** A box holding the whole area: the database narrows candidates with it, the rules above decide. */
export function areaBoundingBox(area: WindowArea): BoundingBox {
  return area.kind === 'POLYGON' ? polygonBoundingBox(area.vertices) : circleBoundingBox(area.centre, area.radiusMetres);
}

/** Why a window may not be closed now, or null when it may. */
export function closureRefusal(w: WindowSpan, now: Date): string | null {
  if (w.closedAt) {
    return `It was closed at ${w.closedAt.toISOString()}; a window is closed once and its record never changes. If the work resumes, create a new window.`;
  }
  if (now.getTime() >= w.until.getTime()) return `It ended at ${w.until.toISOString()} as agreed; there is nothing left to close.`;
  return null;
}

export interface WindowAreaDraft {
  polygon?: readonly Point[] | null;
  centre?: Point | null;
  radiusMetres?: number | null;
}

export interface WindowDraft {
  description: string;
  from: Date;
  until: Date;
  area: WindowAreaDraft;
}

/**
 * Checks a window to create and returns its area as it will be kept (a polygon without its closing
 * vertex), or null when the area is refused. Adds every problem found; throws nothing.
 */
export function checkWindow(p: Problems, d: WindowDraft, now: Date): WindowArea | null {
  checkText(p, 'input.description', d.description, 'Description', MAX_DESCRIPTION);
  checkWindowTimes(p, d.from, d.until, now);
  return checkArea(p, d.area);
}

function checkWindowTimes(p: Problems, from: Date, until: Date, now: Date): void {
  if (until.getTime() <= from.getTime()) {
    p.add('input.until', `until ${until.toISOString()} is not after from ${from.toISOString()}; a window closes after it opens.`);
  } else if (until.getTime() - from.getTime() > MAX_WINDOW_DAYS * DAY_MS) {
    p.add('input.until', `A window may last at most ${MAX_WINDOW_DAYS} days; agree a longer one as successive windows, reviewed as they run.`);
  }
  if (now.getTime() - from.getTime() > MAX_BACKDATE_DAYS * DAY_MS) {
    p.add('input.from', `from ${from.toISOString()} is more than ${MAX_BACKDATE_DAYS} days ago; a window must be recorded within ${MAX_BACKDATE_DAYS} days of opening.`);
  } else if (from.getTime() - now.getTime() > MAX_LEAD_DAYS * DAY_MS) {
    p.add('input.from', `from ${from.toISOString()} is more than ${MAX_LEAD_DAYS} days ahead; record a window once its dates are agreed, at most ${MAX_LEAD_DAYS} days before it opens.`);
  }
}

function checkArea(p: Problems, a: WindowAreaDraft): WindowArea | null {
  const polygon = a.polygon ?? null;
  const circle = a.centre != null || a.radiusMetres != null;
  if ((polygon !== null) === circle) {
    p.add(
      'input.area',
      polygon
        ? 'Give the area either as a polygon or as a centre and radiusMetres, not both.'
        : 'Give the area as a polygon (3 to 200 vertices) or as a centre and radiusMetres (10 to 50,000 m).',
    );
    return null;
  }
  return polygon ? checkPolygon(p, polygon) : checkCircle(p, a.centre ?? null, a.radiusMetres ?? null);
}

function checkPolygon(p: Problems, given: readonly Point[]): WindowArea | null {
  given.forEach((v, i) => checkCoordinates(p, `input.area.polygon[${i}].`, v.latitude, v.longitude));
  if (!given.every(onTheMap)) return null;
  const at = 'input.area.polygon';
  const vertices = openRing(given);
  const distinct = new Set(vertices.map((v) => `${v.latitude},${v.longitude}`)).size;
  if (distinct < MIN_VERTICES) {
    p.add(at, `A polygon needs at least ${MIN_VERTICES} distinct vertices; got ${distinct} (a last vertex equal to the first only closes the ring and is not counted).`);
    return null;
  }
  if (vertices.length > MAX_VERTICES) {
    p.add(at, `A polygon has at most ${MAX_VERTICES} vertices; got ${vertices.length}. Simplify the outline: a localised area needs no more.`);
    return null;
  }
  const repeated = vertices.findIndex((v, k) => k > 0 && samePoint(v, vertices[k - 1]!));
  if (repeated !== -1) {
    p.add(`${at}[${repeated}]`, `Vertex ${repeated} repeats the vertex before it; remove it.`);
    return null;
  }
  const box = polygonBoundingBox(vertices);
  const spans = [box.maxLatitude - box.minLatitude, box.maxLongitude - box.minLongitude];
  if (spans.some((s) => s > MAX_EXTENT_DEGREES)) {
    p.add(
      at,
      `The polygon spans ${round(spans[0]!)}° of latitude and ${round(spans[1]!)}° of longitude; a localised window covers at most ${MAX_EXTENT_DEGREES}° each way (about 111 km north to south). Split a larger area into several windows; an area across the antimeridian (±180°) must be split there too.`,
    );
    return null;
  }
  if (allInLine(vertices)) {
    p.add(at, 'The vertices lie on one line, so the polygon encloses nothing; give the outline of the area.');
    return null;
  }
  const crossing = selfIntersection(vertices);
  if (crossing) {
    const [i, j] = crossing.map((k) => `${k} (vertex ${k} to ${(k + 1) % vertices.length})`);
    p.add(at, `Edges ${i} and ${j} cross or touch; the outline must not cross itself. List the vertices in order around the boundary, one way round.`);
    return null;
  }
  return { kind: 'POLYGON', vertices: vertices.map((v) => ({ latitude: v.latitude, longitude: v.longitude })) };
}

function checkCircle(p: Problems, centre: Point | null, radius: number | null): WindowArea | null {
  if (!centre) p.add('input.area.centre', 'A circle needs its centre; give centre { latitude longitude }.');
  else checkCoordinates(p, 'input.area.centre.', centre.latitude, centre.longitude);
  const radiusOk = radius !== null && Number.isFinite(radius) && radius >= MIN_RADIUS_METRES && radius <= MAX_RADIUS_METRES;
  if (radius === null) {
    p.add('input.area.radiusMetres', `A circle needs radiusMetres, from ${MIN_RADIUS_METRES} to ${MAX_RADIUS_METRES.toLocaleString('en')}.`);
  } else if (!radiusOk) {
    p.add(
      'input.area.radiusMetres',
      `radiusMetres is ${radius}; give ${MIN_RADIUS_METRES} to ${MAX_RADIUS_METRES.toLocaleString('en')} metres. A wider area is not localised: split it into several windows.`,
    );
  }
  if (!centre || !onTheMap(centre) || !radiusOk) return null;
  return { kind: 'CIRCLE', centre: { latitude: centre.latitude, longitude: centre.longitude }, radiusMetres: radius! };
}

/**
 * A window is agreed under an agreement in force: one opening before its entry into force (Day 0) is
 * refused, whether the agreement has entered into force yet or not.
 */
export function checkWindowInForce(p: Problems, from: Date, agreement: { title: string; entryIntoForceAt: string }): void {
  const inForce = new Date(agreement.entryIntoForceAt);
  if (from.getTime() >= inForce.getTime()) return;
  p.add('input.from', `from ${from.toISOString()} is before "${agreement.title}" enters into force (${inForce.toISOString()}); a window opens no earlier than Day 0.`);
}

const onTheMap = (v: Point) => validLatitude(v.latitude) && validLongitude(v.longitude);

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
