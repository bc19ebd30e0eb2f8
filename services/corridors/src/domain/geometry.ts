/**
 * Plane and sphere geometry for localised windows, small enough to read in one sitting and with no
 * dependency. Two models, each where it is good enough:
 *
 * - Polygons are tested on the plane of (longitude, latitude) in degrees, by ray casting: an edge is a
 *   straight line on a latitude/longitude map, as a polygon drawn on a map means, not a great circle. For
 *   an edge a few kilometres long the two differ by well under a metre, less than a GPS fix; only a
 *   single edge a whole degree long (the most windows.ts allows) bows by up to about 120 m at
 *   mid-latitudes, and outlines with vertices every few km never do. Polygons across the antimeridian (±180°)
 *   or around a pole are not supported: windows.ts refuses any polygon over a degree wide, which a ring
 *   given across ±180° always is (its longitudes jump by about 360°).
 * - Circles are tested on the sphere, by great-circle (haversine) distance, so they work anywhere,
 *   across the antimeridian included.
 */

export interface Point {
  /** Decimal degrees, -90 to 90. */
  latitude: number;
  /** Decimal degrees, -180 to 180. */
  longitude: number;
}

/** The mean radius of the Earth (IUGG), in metres. */
export const EARTH_RADIUS_METRES = 6_371_008.8;

/**
 * How far apart, in degrees, two values may be and still be the same point or lie on the same line:
 * about a tenth of a millimetre on the ground, far below any fix, and far above floating-point noise.
 */
const EPSILON = 1e-9;

const radians = (deg: number) => (deg * Math.PI) / 180;
const degrees = (rad: number) => (rad * 180) / Math.PI;

/** The great-circle distance between two points, in metres (haversine formula on a sphere). */
export function haversineMetres(a: Point, b: Point): number {
  const dLat = radians(b.latitude - a.latitude);
  const dLon = radians(b.longitude - a.longitude);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(radians(a.latitude)) * Math.cos(radians(b.latitude)) * Math.sin(dLon / 2) ** 2;
  // min(1, …) keeps antipodal points from a NaN when rounding pushes h just over 1.
  return 2 * EARTH_RADIUS_METRES * Math.asin(Math.min(1, Math.sqrt(h)));
}

export function samePoint(a: Point, b: Point): boolean {
  return Math.abs(a.latitude - b.latitude) <= EPSILON && Math.abs(a.longitude - b.longitude) <= EPSILON;
}

/**
 * 1 when a → b → c turns left (counter-clockwise on the map), -1 when right, 0 when c lies on the line
 * through a and b (within EPSILON of it: the cross product is the distance from the line times |ab|).
 */
function turn(a: Point, b: Point, c: Point): number {
  const cross = (b.longitude - a.longitude) * (c.latitude - a.latitude) - (b.latitude - a.latitude) * (c.longitude - a.longitude);
  const length = Math.hypot(b.longitude - a.longitude, b.latitude - a.latitude);
  return Math.abs(cross) <= EPSILON * length ? 0 : Math.sign(cross);
}

/** Whether `p`, known to be in line with a and b, lies between them (ends included). */
function withinSpan(p: Point, a: Point, b: Point): boolean {
  return (
    p.longitude >= Math.min(a.longitude, b.longitude) - EPSILON &&
    p.longitude <= Math.max(a.longitude, b.longitude) + EPSILON &&
    p.latitude >= Math.min(a.latitude, b.latitude) - EPSILON &&
    p.latitude <= Math.max(a.latitude, b.latitude) + EPSILON
  );
}

/** Whether `p` lies on the segment from a to b, ends included. */
export function onSegment(p: Point, a: Point, b: Point): boolean {
  return turn(a, b, p) === 0 && withinSpan(p, a, b);
}

/** Whether the segments a1–a2 and b1–b2 meet anywhere: crossing, touching or overlapping. */
export function segmentsMeet(a1: Point, a2: Point, b1: Point, b2: Point): boolean {
  const d1 = turn(b1, b2, a1);
  const d2 = turn(b1, b2, a2);
  const d3 = turn(a1, a2, b1);
  const d4 = turn(a1, a2, b2);
  if (d1 * d2 < 0 && d3 * d4 < 0) return true;
  return (d1 === 0 && withinSpan(a1, b1, b2)) || (d2 === 0 && withinSpan(a2, b1, b2)) || (d3 === 0 && withinSpan(b1, a1, a2)) || (d4 === 0 && withinSpan(b2, a1, a2));
}

/**
 * Whether `p` is inside the polygon with these vertices (in order, either way round; the closing edge
 * from the last vertex back to the first is implied). A point on an edge or a vertex counts as inside:
 * a crew working on the line of the agreed area is in it. Ray casting: a ray from `p` towards growing
 * longitude crosses the boundary an odd number of times exactly when `p` is inside; the half-open test
 * on latitude counts a ray through a vertex once, not twice.
 */
export function pointInPolygon(p: Point, vertices: readonly Point[]): boolean {
  let inside = false;
  for (let i = 0, j = vertices.length - 1; i < vertices.length; j = i++) {
    const a = vertices[j]!;
    const b = vertices[i]!;
    if (onSegment(p, a, b)) return true;
    if (b.latitude > p.latitude !== a.latitude > p.latitude) {
      const crossesAt = a.longitude + ((p.latitude - a.latitude) * (b.longitude - a.longitude)) / (b.latitude - a.latitude);
      if (p.longitude < crossesAt) inside = !inside;
    }
  }
  return inside;
}

/** The vertices of a ring without its closing vertex: a ring given closed (last = first) is opened. */
export function openRing(points: readonly Point[]): Point[] {
  return points.length > 1 && samePoint(points[0]!, points[points.length - 1]!) ? points.slice(0, -1) : [...points];
}

/** Whether every vertex lies on the line through the first two (which must differ): an outline enclosing nothing. */
export function allInLine(vertices: readonly Point[]): boolean {
  return vertices.every((v) => turn(vertices[0]!, vertices[1]!, v) === 0);
}

/**
 * The first two edges of the polygon that meet other than at the vertex they share, as indexes of
 * their first vertices (edge k runs from vertex k to vertex k+1, the last back to vertex 0), or null
 * when the boundary does not cross or touch itself. Edges next to each other meet only at their common
 * vertex unless the boundary doubles back along itself. O(n²): at most 200 vertices, about 20,000 pairs.
 */
export function selfIntersection(vertices: readonly Point[]): [number, number] | null {
  const n = vertices.length;
  const edge = (k: number): [Point, Point] => [vertices[k]!, vertices[(k + 1) % n]!];
  for (let i = 0; i < n; i++) {
    const [a1, a2] = edge(i);
    for (let j = i + 1; j < n; j++) {
      const [b1, b2] = edge(j);
      const adjacent = j === i + 1 || (i === 0 && j === n - 1);
      if (!adjacent) {
        if (segmentsMeet(a1, a2, b1, b2)) return [i, j];
      } else {
        // They share one vertex; they meet elsewhere only when one runs back over the other.
        const [shared, aOther, bOther] = j === i + 1 ? [a2, a1, b2] : [a1, a2, b1];
        if (samePoint(aOther, bOther) || (turn(shared, aOther, bOther) === 0 && (withinSpan(bOther, shared, aOther) || withinSpan(aOther, shared, bOther)))) return [i, j];
      }
    }
  }
  return null;
}

/** A box of latitudes and longitudes, bounds included. */
export interface BoundingBox {
  minLatitude: number;
  maxLatitude: number;
  minLongitude: number;
  maxLongitude: number;
}

export function polygonBoundingBox(vertices: readonly Point[]): BoundingBox {
  const lats = vertices.map((v) => v.latitude);
  const lons = vertices.map((v) => v.longitude);
  return { minLatitude: Math.min(...lats), maxLatitude: Math.max(...lats), minLongitude: Math.min(...lons), maxLongitude: Math.max(...lons) };
}

/**
 * A box that holds every point within `radiusMetres` of `centre` on the sphere (the bounding
 * coordinates of a spherical cap). Where the circle reaches a pole or crosses the antimeridian the box
 * spans every longitude: wider than needed, never too narrow. A hair of margin absorbs rounding.
 */
export function circleBoundingBox(centre: Point, radiusMetres: number): BoundingBox {
  const angular = radiusMetres / EARTH_RADIUS_METRES;
  const margin = 1e-7;
  const minLatitude = centre.latitude - degrees(angular) - margin;
  const maxLatitude = centre.latitude + degrees(angular) + margin;
  if (minLatitude <= -90 || maxLatitude >= 90) {
    return { minLatitude: Math.max(-90, minLatitude), maxLatitude: Math.min(90, maxLatitude), minLongitude: -180, maxLongitude: 180 };
  }
  const dLon = degrees(Math.asin(Math.sin(angular) / Math.cos(radians(centre.latitude)))) + margin;
  const minLongitude = centre.longitude - dLon;
  const maxLongitude = centre.longitude + dLon;
  if (minLongitude < -180 || maxLongitude > 180) return { minLatitude, maxLatitude, minLongitude: -180, maxLongitude: 180 };
  return { minLatitude, maxLatitude, minLongitude, maxLongitude };
}
