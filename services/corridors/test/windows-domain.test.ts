import { describe, expect, it } from 'vitest';
import { BadUserInputError, Problems } from '@treaty/service-kit';
import {
  EARTH_RADIUS_METRES,
  allInLine,
  circleBoundingBox,
  haversineMetres,
  onSegment,
  openRing,
  pointInPolygon,
  polygonBoundingBox,
  selfIntersection,
  type Point,
} from '../src/domain/geometry.js';
import {
  areaContains,
  checkWindow,
  checkWindowInForce,
  closureRefusal,
  contains,
  coversCorridor,
  effectiveUntil,
  gapInside,
  splitByWindows,
  windowStatus,
  windowsContaining,
  type WindowArea,
  type WindowDraft,
  type WindowShape,
} from '../src/domain/windows.js';
import { placesAround } from '../src/domain/telemetry.js';

const d = (iso: string) => new Date(iso);
const pt = (latitude: number, longitude: number): Point => ({ latitude, longitude });
/** The polygon of [latitude, longitude] pairs. */
const ring = (...pairs: [number, number][]) => pairs.map(([la, lo]) => pt(la, lo));
const square = ring([0, 0], [0, 1], [1, 1], [1, 0]);
const ONE_DEGREE_METRES = (EARTH_RADIUS_METRES * Math.PI) / 180;

/** The problems `check` finds, as [path, message]. */
function problemsOf(check: (p: Problems) => void): [string, string][] {
  const p = new Problems();
  check(p);
  try {
    p.throwIfAny();
    return [];
  } catch (e) {
    return (e as BadUserInputError).problems.map((x) => [x.path, x.message]);
  }
}

describe('haversine distance', () => {
  it('measures a degree of latitude or of longitude on the equator as R·π/180 (about 111.2 km)', () => {
    expect(haversineMetres(pt(0, 0), pt(1, 0))).toBeCloseTo(ONE_DEGREE_METRES, 6);
    expect(haversineMetres(pt(0, 0), pt(0, 1))).toBeCloseTo(ONE_DEGREE_METRES, 6);
    expect(ONE_DEGREE_METRES).toBeCloseTo(111_195.08, 1);
  });

  it('is zero for one point, symmetric, half the circumference between the poles, and shrinks a degree of longitude by cos(latitude)', () => {
    expect(haversineMetres(pt(41.6, 22.5), pt(41.6, 22.5))).toBe(0);
    expect(haversineMetres(pt(41.6, 22.5), pt(41.7, 22.4))).toBeCloseTo(haversineMetres(pt(41.7, 22.4), pt(41.6, 22.5)), 9);
    expect(haversineMetres(pt(90, 0), pt(-90, 0))).toBeCloseTo(Math.PI * EARTH_RADIUS_METRES, 3);
    // Small steps of longitude at 60° are half as long as on the equator.
    expect(haversineMetres(pt(60, 10), pt(60, 10.001)) / haversineMetres(pt(0, 10), pt(0, 10.001))).toBeCloseTo(0.5, 6);
  });

  it('goes the short way across the antimeridian', () => {
    expect(haversineMetres(pt(0, 179.5), pt(0, -179.5))).toBeCloseTo(ONE_DEGREE_METRES, 6);
  });

  it('does not return NaN for antipodal points', () => {
    expect(haversineMetres(pt(0, 0), pt(0, 180))).toBeCloseTo(Math.PI * EARTH_RADIUS_METRES, 3);
  });
});

describe('point in polygon (ray casting on latitude and longitude)', () => {
  it('tells inside from outside, either way round', () => {
    expect(pointInPolygon(pt(0.5, 0.5), square)).toBe(true);
    expect(pointInPolygon(pt(0.5, 0.5), [...square].reverse())).toBe(true);
    for (const outside of [pt(1.5, 0.5), pt(-0.5, 0.5), pt(0.5, 1.5), pt(0.5, -0.5), pt(2, 2)]) expect(pointInPolygon(outside, square)).toBe(false);
  });

  it('counts a point on an edge or a vertex as inside, and one a hair beyond as outside', () => {
    for (const edge of [pt(0, 0.5), pt(1, 0.5), pt(0.5, 0), pt(0.5, 1), pt(0, 0), pt(1, 1)]) expect(pointInPolygon(edge, square)).toBe(true);
    expect(pointInPolygon(pt(1 + 1e-7, 0.5), square)).toBe(false);
    expect(pointInPolygon(pt(0.5, -1e-7), square)).toBe(false);
    // A slanted edge: its midpoint is on it.
    const triangle = ring([0, 0], [0, 2], [2, 1]);
    expect(pointInPolygon(pt(1, 1.5), triangle)).toBe(true);
    expect(pointInPolygon(pt(1.001, 1.5), triangle)).toBe(false);
  });

  it('gets concave outlines right, the notch of a U outside', () => {
    const u = ring([0, 0], [0, 3], [3, 3], [3, 2], [1, 2], [1, 1], [3, 1], [3, 0]);
    expect(pointInPolygon(pt(2, 1.5), u)).toBe(false);
    expect(pointInPolygon(pt(0.5, 1.5), u)).toBe(true);
    expect(pointInPolygon(pt(2, 0.5), u)).toBe(true);
    expect(pointInPolygon(pt(2, 2.5), u)).toBe(true);
  });

  it('counts a ray through a vertex once: points level with a vertex are judged right', () => {
    const diamond = ring([0, 1], [1, 2], [2, 1], [1, 0]);
    expect(pointInPolygon(pt(1, 0.5), diamond)).toBe(true);
    expect(pointInPolygon(pt(1, -0.5), diamond)).toBe(false);
    expect(pointInPolygon(pt(1, 2.5), diamond)).toBe(false);
    expect(pointInPolygon(pt(2, 0.5), diamond)).toBe(false);
  });

  it('finds points on segments, ends included', () => {
    expect(onSegment(pt(0.5, 0.5), pt(0, 0), pt(1, 1))).toBe(true);
    expect(onSegment(pt(1, 1), pt(0, 0), pt(1, 1))).toBe(true);
    expect(onSegment(pt(1.5, 1.5), pt(0, 0), pt(1, 1))).toBe(false);
    expect(onSegment(pt(0.5, 0.51), pt(0, 0), pt(1, 1))).toBe(false);
  });
});

describe('polygon outlines', () => {
  it('drops a closing vertex equal to the first, and nothing else', () => {
    expect(openRing([...square, pt(0, 0)])).toEqual(square);
    expect(openRing(square)).toEqual(square);
  });

  it('finds edges that cross, touch, or run back over each other; a simple outline has none', () => {
    expect(selfIntersection(square)).toBeNull();
    expect(selfIntersection(ring([0, 0], [0, 3], [3, 3], [3, 2], [1, 2], [1, 1], [3, 1], [3, 0]))).toBeNull();
    // A bow tie: edges 0 (0,0)→(1,1) and 2 (1,0)→(0,1) cross.
    expect(selfIntersection(ring([0, 0], [1, 1], [1, 0], [0, 1]))).toEqual([0, 2]);
    // A figure of eight touching at one vertex.
    expect(selfIntersection(ring([0, 0], [1, 1], [0, 2], [2, 2], [1, 1], [2, 0]))).not.toBeNull();
    // A spike running back along the edge before it.
    expect(selfIntersection(ring([0, 0], [0, 2], [0, 1], [1, 1]))).not.toBeNull();
  });

  it('tells an outline that encloses nothing (every vertex on one line) from a bow tie, whose signed area is zero too', () => {
    expect(allInLine(ring([0, 0], [0.5, 0.5], [1, 1], [0.25, 0.25]))).toBe(true);
    expect(allInLine(ring([0, 0], [1, 1], [1, 0], [0, 1]))).toBe(false);
    expect(allInLine(square)).toBe(false);
  });

  it('bounds a polygon by its vertices', () => {
    expect(polygonBoundingBox(ring([1, 5], [3, 4], [2, 7]))).toEqual({ minLatitude: 1, maxLatitude: 3, minLongitude: 4, maxLongitude: 7 });
  });
});

describe('circle bounding box', () => {
  it('holds the points at the radius due north, south, east and west, and the farthest longitude reached', () => {
    const centre = pt(41.62, 22.47);
    const r = 5_000;
    const box = circleBoundingBox(centre, r);
    const inBox = (p: Point) => p.latitude >= box.minLatitude && p.latitude <= box.maxLatitude && p.longitude >= box.minLongitude && p.longitude <= box.maxLongitude;
    const dLat = (r / EARTH_RADIUS_METRES) * (180 / Math.PI);
    expect(inBox(pt(centre.latitude + dLat, centre.longitude))).toBe(true);
    expect(inBox(pt(centre.latitude - dLat, centre.longitude))).toBe(true);
    // Walk the circle: every point on it is in the box, and the box is barely wider than the circle.
    let widest = 0;
    for (let k = 0; k < 3600; k++) {
      const bearing = (k / 3600) * 2 * Math.PI;
      const p = destination(centre, r, bearing);
      expect(haversineMetres(centre, p)).toBeCloseTo(r, 3);
      expect(inBox(p)).toBe(true);
      widest = Math.max(widest, p.longitude - centre.longitude);
    }
    expect(box.maxLongitude - centre.longitude - widest).toBeLessThan(1e-5);
  });

  it('spans every longitude across the antimeridian or around a pole', () => {
    expect(circleBoundingBox(pt(0, 179.99), 5_000)).toMatchObject({ minLongitude: -180, maxLongitude: 180 });
    expect(circleBoundingBox(pt(89.99, 0), 5_000)).toMatchObject({ minLongitude: -180, maxLongitude: 180, maxLatitude: 90 });
  });
});

/** The point `metres` from `p` on the initial bearing `bearing` (radians), on the sphere. */
function destination(p: Point, metres: number, bearing: number): Point {
  const δ = metres / EARTH_RADIUS_METRES;
  const φ1 = (p.latitude * Math.PI) / 180;
  const λ1 = (p.longitude * Math.PI) / 180;
  const φ2 = Math.asin(Math.sin(φ1) * Math.cos(δ) + Math.cos(φ1) * Math.sin(δ) * Math.cos(bearing));
  const λ2 = λ1 + Math.atan2(Math.sin(bearing) * Math.sin(δ) * Math.cos(φ1), Math.cos(δ) - Math.sin(φ1) * Math.sin(φ2));
  return pt((φ2 * 180) / Math.PI, (λ2 * 180) / Math.PI);
}

const repair: WindowShape = {
  from: d('2026-03-20T06:00:00Z'),
  until: d('2026-03-22T18:00:00Z'),
  closedAt: null,
  area: { kind: 'POLYGON', vertices: square },
  corridorId: null,
};
const circle: WindowArea = { kind: 'CIRCLE', centre: pt(41.62, 22.47), radiusMetres: 1_000 };

describe('windows in time', () => {
  it('is open from `from` up to, not including, its effective end', () => {
    expect(contains(repair, pt(0.5, 0.5), d('2026-03-20T06:00:00Z'))).toBe(true);
    expect(contains(repair, pt(0.5, 0.5), d('2026-03-22T17:59:59.999Z'))).toBe(true);
    expect(contains(repair, pt(0.5, 0.5), d('2026-03-22T18:00:00Z'))).toBe(false);
    expect(contains(repair, pt(0.5, 0.5), d('2026-03-20T05:59:59.999Z'))).toBe(false);
    expect(contains(repair, pt(1.5, 0.5), d('2026-03-21T00:00:00Z'))).toBe(false);
  });

  it('ends at its early closure, never before it opened; statuses follow', () => {
    const closed = { ...repair, closedAt: d('2026-03-21T12:00:00Z') };
    expect(effectiveUntil(repair)).toEqual(repair.until);
    expect(effectiveUntil(closed)).toEqual(d('2026-03-21T12:00:00Z'));
    expect(contains(closed, pt(0.5, 0.5), d('2026-03-21T11:59:00Z'))).toBe(true);
    expect(contains(closed, pt(0.5, 0.5), d('2026-03-21T12:00:00Z'))).toBe(false);
    const cancelled = { ...repair, closedAt: d('2026-03-19T12:00:00Z') };
    expect(effectiveUntil(cancelled)).toEqual(repair.from);
    expect(contains(cancelled, pt(0.5, 0.5), repair.from)).toBe(false);

    expect(windowStatus(repair, d('2026-03-20T05:00:00Z'))).toBe('SCHEDULED');
    expect(windowStatus(repair, d('2026-03-20T06:00:00Z'))).toBe('ACTIVE');
    expect(windowStatus(repair, d('2026-03-22T18:00:00Z'))).toBe('ENDED');
    expect(windowStatus(closed, d('2026-03-21T13:00:00Z'))).toBe('CLOSED_EARLY');
    expect(windowStatus(cancelled, d('2026-03-21T13:00:00Z'))).toBe('CANCELLED');
  });

  it('may be closed once, while it has not ended', () => {
    expect(closureRefusal(repair, d('2026-03-21T00:00:00Z'))).toBeNull();
    expect(closureRefusal(repair, d('2026-03-19T00:00:00Z'))).toBeNull();
    expect(closureRefusal(repair, d('2026-03-22T18:00:00Z'))).toBe('It ended at 2026-03-22T18:00:00.000Z as agreed; there is nothing left to close.');
    expect(closureRefusal({ ...repair, closedAt: d('2026-03-21T12:00:00Z') }, d('2026-03-21T13:00:00Z'))).toBe(
      'It was closed at 2026-03-21T12:00:00.000Z; a window is closed once and its record never changes. If the work resumes, create a new window.',
    );
  });
});

describe('windows in space', () => {
  it('holds a point within a circle’s radius, boundary included, and none beyond', () => {
    expect(areaContains(circle, circle.centre)).toBe(true);
    expect(areaContains(circle, destination(circle.centre, 999, 1))).toBe(true);
    expect(areaContains(circle, destination(circle.centre, 1_001, 1))).toBe(false);
    const across: WindowArea = { kind: 'CIRCLE', centre: pt(0, 179.999), radiusMetres: 1_000 };
    expect(areaContains(across, pt(0, -179.999))).toBe(true);
  });

  it('lists every overlapping window that holds something, and only those', () => {
    const second: WindowShape = { ...repair, area: { kind: 'POLYGON', vertices: ring([0.5, 0.5], [0.5, 2], [2, 2], [2, 0.5]) } };
    const later: WindowShape = { ...repair, from: d('2026-03-23T00:00:00Z'), until: d('2026-03-24T00:00:00Z') };
    const at = d('2026-03-21T00:00:00Z');
    expect(windowsContaining([repair, second, later], pt(0.75, 0.75), at)).toEqual([repair, second]);
    expect(windowsContaining([repair, second, later], pt(0.25, 0.25), at)).toEqual([repair]);
    expect(windowsContaining([repair, second, later], pt(3, 3), at)).toEqual([]);
  });

  it('covers the convoys of its corridor, or of every corridor when it names none', () => {
    expect(coversCorridor({ corridorId: null }, 'a')).toBe(true);
    expect(coversCorridor({ corridorId: 'a' }, 'a')).toBe(true);
    expect(coversCorridor({ corridorId: 'a' }, 'b')).toBe(false);
  });

  it('splits violations into inside and outside, each counted once however many windows overlap', () => {
    const second: WindowShape = { ...repair, area: circle };
    const split = splitByWindows(
      [
        { ...pt(0.5, 0.5), occurredAt: d('2026-03-21T00:00:00Z') },
        { ...pt(0.5, 0.5), occurredAt: d('2026-03-25T00:00:00Z') },
        { ...circle.centre, occurredAt: d('2026-03-21T00:00:00Z') },
        { ...pt(5, 5), occurredAt: d('2026-03-21T00:00:00Z') },
      ],
      [repair, second, { ...repair }],
    );
    expect(split).toEqual({ total: 4, insideWindows: 2, outsideWindows: 2 });
    expect(splitByWindows([], [repair])).toEqual({ total: 0, insideWindows: 0, outsideWindows: 0 });
  });
});

describe('telemetry gaps inside windows', () => {
  const now = d('2026-03-23T00:00:00Z');
  const inside = pt(0.5, 0.5);
  const outside = pt(3, 3);

  it('are silences that overlap the open window with the convoy last seen, or seen again, inside its area', () => {
    const gap = (from: string, to: string | null, before: Point | null, after: Point | null) => ({ from: d(from), to: to ? d(to) : null, before, after });
    expect(gapInside(repair, gap('2026-03-21T10:00:00Z', '2026-03-21T11:00:00Z', inside, outside), now)).toBe(true);
    expect(gapInside(repair, gap('2026-03-21T10:00:00Z', '2026-03-21T11:00:00Z', outside, inside), now)).toBe(true);
    expect(gapInside(repair, gap('2026-03-21T10:00:00Z', '2026-03-21T11:00:00Z', outside, outside), now)).toBe(false);
    // A silence that began before the window opened and ran into it, and one that lasts until now.
    expect(gapInside(repair, gap('2026-03-20T05:00:00Z', '2026-03-20T06:30:00Z', inside, null), now)).toBe(true);
    expect(gapInside(repair, gap('2026-03-22T17:00:00Z', null, inside, null), now)).toBe(true);
    // Entirely before it, entirely after it, or after an early closure.
    expect(gapInside(repair, gap('2026-03-20T04:00:00Z', '2026-03-20T06:00:00Z', inside, inside), now)).toBe(false);
    expect(gapInside(repair, gap('2026-03-22T18:00:00Z', '2026-03-22T19:00:00Z', inside, inside), now)).toBe(false);
    expect(gapInside({ ...repair, closedAt: d('2026-03-21T00:00:00Z') }, gap('2026-03-21T10:00:00Z', '2026-03-21T11:00:00Z', inside, inside), now)).toBe(false);
    // No position on either side: where the convoy was cannot be told.
    expect(gapInside(repair, gap('2026-03-21T10:00:00Z', '2026-03-21T11:00:00Z', null, null), now)).toBe(false);
  });

  it('know where the convoy was on either side of each kind of gap', () => {
    const [a, b, c, e] = [pt(1, 1), pt(2, 2), pt(3, 3), pt(4, 4)];
    const t = {
      between: [[d('2026-03-21T08:00:00Z'), d('2026-03-21T09:00:00Z')], [d('2026-03-21T10:00:00Z'), d('2026-03-21T11:00:00Z')]] as [Date, Date][],
      places: { first: a, last: e, between: [[a, b], [c, e]] as [Point, Point][] },
    };
    const gap = (kind: 'NO_POSITION' | 'BEFORE_FIRST_POSITION' | 'BETWEEN_POSITIONS' | 'AFTER_LAST_POSITION', from: string, to: string | null) => ({ kind, from: d(from), to: to ? d(to) : null, minutes: 60, ongoing: to === null });
    expect(placesAround(gap('NO_POSITION', '2026-03-21T07:00:00Z', null), t)).toEqual({ before: null, after: null });
    expect(placesAround(gap('BEFORE_FIRST_POSITION', '2026-03-21T07:00:00Z', '2026-03-21T08:00:00Z'), t)).toEqual({ before: null, after: a });
    expect(placesAround(gap('BETWEEN_POSITIONS', '2026-03-21T10:00:00Z', '2026-03-21T11:00:00Z'), t)).toEqual({ before: c, after: e });
    expect(placesAround(gap('AFTER_LAST_POSITION', '2026-03-21T11:00:00Z', null), t)).toEqual({ before: e, after: null });
  });
});

describe('checking a window to create', () => {
  const now = d('2026-03-20T10:00:00Z');
  const draft = (over: Partial<WindowDraft> = {}, area: WindowDraft['area'] = { polygon: square }): WindowDraft => ({
    description: 'Repair of the water main',
    from: d('2026-03-20T06:00:00Z'),
    until: d('2026-03-22T18:00:00Z'),
    area,
    ...over,
  });
  const check = (w: WindowDraft) => problemsOf((p) => checkWindow(p, w, now));

  it('keeps a valid polygon without its closing vertex, and a valid circle as given', () => {
    const p = new Problems();
    expect(checkWindow(p, draft({}, { polygon: [...square, pt(0, 0)] }), now)).toEqual({ kind: 'POLYGON', vertices: square });
    expect(checkWindow(p, draft({}, { centre: circle.centre, radiusMetres: 1_000 }), now)).toEqual(circle);
    expect(p.any).toBe(false);
  });

  it('asks for exactly one kind of area', () => {
    expect(check(draft({}, {}))).toEqual([['input.area', 'Give the area as a polygon (3 to 200 vertices) or as a centre and radiusMetres (10 to 50,000 m).']]);
    expect(check(draft({}, { polygon: square, radiusMetres: 100 }))).toEqual([['input.area', 'Give the area either as a polygon or as a centre and radiusMetres, not both.']]);
  });

  it('takes 3 to 200 distinct vertices, a closing one not counted', () => {
    expect(check(draft({}, { polygon: ring([0, 0], [0, 1], [0, 0]) }))[0]![1]).toMatch(/^A polygon needs at least 3 distinct vertices; got 2 \(a last vertex equal to the first only closes the ring/);
    // Repeats are one vertex: three times the same point is a polygon of one.
    expect(check(draft({}, { polygon: [pt(1, 1), pt(1, 1), pt(1, 1)] }))[0]![1]).toMatch(/^A polygon needs at least 3 distinct vertices; got 1 /);
    expect(check(draft({}, { polygon: [pt(0, 0), pt(0, 1), pt(0, 0), pt(0, 1)] }))[0]![1]).toMatch(/; got 2 /);
    const many = Array.from({ length: 201 }, (_, k) => pt(0.4 * Math.sin((2 * Math.PI * k) / 201), 0.4 * Math.cos((2 * Math.PI * k) / 201)));
    expect(check(draft({}, { polygon: many }))).toEqual([['input.area.polygon', 'A polygon has at most 200 vertices; got 201. Simplify the outline: a localised area needs no more.']]);
    expect(check(draft({}, { polygon: many.slice(0, 200) }))).toEqual([]);
    expect(check(draft({}, { polygon: [...many.slice(0, 200), many[0]!] }))).toEqual([]);
  });

  it('refuses vertices off the map, a repeated vertex, a line, a crossing outline and an area over a degree wide', () => {
    expect(check(draft({}, { polygon: ring([0, 0], [91, 1], [1, 200]) }))).toEqual([
      ['input.area.polygon[1].latitude', 'latitude 91 is out of range; give decimal degrees from -90 to 90 (e.g. 31.52).'],
      ['input.area.polygon[2].longitude', 'longitude 200 is out of range; give decimal degrees from -180 to 180 (e.g. 34.45).'],
    ]);
    expect(check(draft({}, { polygon: ring([0, 0], [0, 1], [0, 1], [1, 1]) }))).toEqual([['input.area.polygon[2]', 'Vertex 2 repeats the vertex before it; remove it.']]);
    expect(check(draft({}, { polygon: ring([0, 0], [0.5, 0.5], [1, 1]) }))).toEqual([['input.area.polygon', 'The vertices lie on one line, so the polygon encloses nothing; give the outline of the area.']]);
    expect(check(draft({}, { polygon: ring([0, 0], [1, 1], [1, 0], [0, 1]) }))).toEqual([
      ['input.area.polygon', 'Edges 0 (vertex 0 to 1) and 2 (vertex 2 to 3) cross or touch; the outline must not cross itself. List the vertices in order around the boundary, one way round.'],
    ]);
    expect(check(draft({}, { polygon: ring([0, 0], [0, 1.5], [1, 1.5], [1, 0]) }))[0]![1]).toMatch(/^The polygon spans 1° of latitude and 1.5° of longitude; a localised window covers at most 1° each way/);
    // Across the antimeridian, the ring's longitudes jump by nearly 360°: refused, with a way out.
    expect(check(draft({}, { polygon: ring([0, 179.9], [0, -179.9], [0.1, -179.9], [0.1, 179.9]) }))[0]![1]).toMatch(/spans 0\.1° of latitude and 359\.8° of longitude.*antimeridian \(±180°\) must be split there/);
  });

  it('takes a circle of 10 m to 50 km around a point on the map', () => {
    expect(check(draft({}, { centre: pt(95, 0), radiusMetres: 100 }))).toEqual([['input.area.centre.latitude', 'latitude 95 is out of range; give decimal degrees from -90 to 90 (e.g. 31.52).']]);
    expect(check(draft({}, { centre: pt(1, 1) }))).toEqual([['input.area.radiusMetres', 'A circle needs radiusMetres, from 10 to 50,000.']]);
    expect(check(draft({}, { radiusMetres: 100 }))).toEqual([['input.area.centre', 'A circle needs its centre; give centre { latitude longitude }.']]);
    for (const r of [9.99, 50_000.5, Number.NaN]) {
      expect(check(draft({}, { centre: pt(1, 1), radiusMetres: r }))).toEqual([
        ['input.area.radiusMetres', `radiusMetres is ${r}; give 10 to 50,000 metres. A wider area is not localised: split it into several windows.`],
      ]);
    }
    expect(check(draft({}, { centre: pt(1, 1), radiusMetres: 10 }))).toEqual([]);
    expect(check(draft({}, { centre: pt(1, 1), radiusMetres: 50_000 }))).toEqual([]);
  });

  it('needs a description, an end after the start, at most 30 days long, recorded within 30 days and at most 90 days ahead', () => {
    expect(check(draft({ description: '  ' }))).toEqual([['input.description', 'Description is empty; write a short, plain description.']]);
    expect(check(draft({ until: d('2026-03-20T06:00:00Z') }))).toEqual([['input.until', 'until 2026-03-20T06:00:00.000Z is not after from 2026-03-20T06:00:00.000Z; a window closes after it opens.']]);
    expect(check(draft({ until: d('2026-04-19T06:00:01Z') }))).toEqual([['input.until', 'A window may last at most 30 days; agree a longer one as successive windows, reviewed as they run.']]);
    expect(check(draft({ until: d('2026-04-19T06:00:00Z') }))).toEqual([]);
    expect(check(draft({ from: d('2026-02-18T09:59:59Z'), until: d('2026-02-19T00:00:00Z') }))).toEqual([
      ['input.from', 'from 2026-02-18T09:59:59.000Z is more than 30 days ago; a window must be recorded within 30 days of opening.'],
    ]);
    expect(check(draft({ from: d('2026-06-18T10:00:01Z'), until: d('2026-06-19T00:00:00Z') }))).toEqual([
      ['input.from', 'from 2026-06-18T10:00:01.000Z is more than 90 days ahead; record a window once its dates are agreed, at most 90 days before it opens.'],
    ]);
    // A window that ended before it was recorded is a late record, not a rewrite.
    expect(check(draft({ from: d('2026-03-10T06:00:00Z'), until: d('2026-03-11T06:00:00Z') }))).toEqual([]);
  });

  it('opens no earlier than the agreement’s entry into force', () => {
    const agreement = { title: 'Accord', entryIntoForceAt: '2026-03-01T00:00:00.000Z' };
    expect(problemsOf((p) => checkWindowInForce(p, d('2026-02-28T23:59:59Z'), agreement))).toEqual([
      ['input.from', 'from 2026-02-28T23:59:59.000Z is before "Accord" enters into force (2026-03-01T00:00:00.000Z); a window opens no earlier than Day 0.'],
    ]);
    expect(problemsOf((p) => checkWindowInForce(p, d('2026-03-01T00:00:00Z'), agreement))).toEqual([]);
  });
});
