import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServer } from '@apollo/server';
import { PUBLIC_CALLER, isUuid, type Caller } from '@treaty/service-kit/edge';
import { AuthenticationError, type TokenVerifier } from '../auth.js';
import type { GatewayContext } from '../context.js';
import { hxlCsv, type HxlColumn } from './hxl.js';
import { PUBLIC_PAGE_CSP } from './html.js';
import { iatiActivities, type IatiAgreement } from './iati.js';
import { formatIsoWeek, isoWeekOf, parseIsoWeek, weekRange } from './iso-week.js';
import { renderAgreement, renderBulletin, renderIndex, renderProblem, type AgreementPage, type AgreementSummary, type BulletinData } from './pages.js';
import { runOperation, unavailableParts, type GraphAnswer } from './run.js';

/**
 * The gateway's report paths (DESIGN §12), fixed like the GraphQL contract:
 *   GET /public/                                        index of agreements
 *   GET /public/agreements/{id}                         an agreement's public page
 *   GET /public/agreements/{id}/bulletin/{yyyy}-W{ww}   its bulletin of an ISO week
 *   GET /exports/agreements/{id}/incidents.csv | convoys.csv | deliveries.csv   (HXL-tagged CSV)
 *   GET /exports/agreements/{id}/iati.xml                                       (IATI 2.03)
 * Pages need no token and show what PUBLIC may read; exports carry the caller's bearer token and show
 * what that caller may read, exactly as the same query would through /graphql.
 */
export interface ReportDeps {
  server: ApolloServer<GatewayContext>;
  verifier: TokenVerifier;
  now: () => Date;
}

const DAY = 86_400_000;
/** How many days of deliveries the agreement page charts. */
export const PAGE_DELIVERY_DAYS = 28;

const PAGE_HEADERS = {
  'content-security-policy': PUBLIC_PAGE_CSP,
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  // Built from a clock-derived view (status, quiet hours): short-lived in any shared cache.
  'cache-control': 'public, max-age=30',
};

function send(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string>): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'x-content-type-options': 'nosniff', ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

const notFound = (what: string) => `${what} Agreements are listed at /public/.`;

/** Answers a report path; false when the path is not one (the caller then 404s as before). */
export async function handleReport(req: IncomingMessage, res: ServerResponse, pathname: string, base: Record<string, string>, deps: ReportDeps, requestId: string): Promise<boolean> {
  const isPublic = pathname === '/public' || pathname.startsWith('/public/');
  const isExport = pathname.startsWith('/exports/');
  if (!isPublic && !isExport) return false;
  const now = deps.now();
  const html = (status: number, body: string, extra: Record<string, string> = {}) => send(res, status, 'text/html; charset=utf-8', body, { ...base, ...PAGE_HEADERS, ...extra });
  const problem = (status: number, title: string, message: string) =>
    isPublic ? html(status, renderProblem(status, title, message, now), { 'cache-control': 'no-store' }) : send(res, status, 'text/plain; charset=utf-8', `${message}\n`, { ...base, 'cache-control': 'no-store' });
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    problem(405, 'Method not allowed', `${req.method} is not supported here; these pages and files are read with GET.`);
    return true;
  }

  if (isPublic) {
    if (pathname === '/public') {
      send(res, 301, 'text/plain; charset=utf-8', 'See /public/\n', { ...base, location: '/public/' });
      return true;
    }
    if (pathname === '/public/') {
      const r = await runOperation<{ agreements: AgreementSummary[] | null }>(deps.server, 'public-agreements.graphql', {}, PUBLIC_CALLER, requestId);
      html(200, renderIndex(r.data?.agreements ?? [], now, unavailableParts(r.errors)));
      return true;
    }
    const m = /^\/public\/agreements\/([^/]+)(?:\/bulletin(?:\/([^/]+))?)?\/?$/.exec(pathname);
    if (!m) {
      problem(404, 'Not found', notFound(`There is no public page at ${pathname.slice(0, 120)}.`));
      return true;
    }
    const id = decodedSegment(m[1]!);
    if (!isUuid(id)) {
      problem(404, 'No such agreement', notFound(`"${String(id).slice(0, 60)}" is not an agreement id (ids look like 0a6f…-…).`));
      return true;
    }
    const isBulletin = pathname.includes('/bulletin');
    if (isBulletin && m[2] === undefined) {
      send(res, 302, 'text/plain; charset=utf-8', 'See this week\'s bulletin\n', { ...base, location: `/public/agreements/${id}/bulletin/${formatIsoWeek(isoWeekOf(now))}` });
      return true;
    }
    if (isBulletin) {
      const week = parseIsoWeek(m[2]!);
      if ('problem' in week) {
        problem(400, 'No such week', `${week.problem} This week is ${formatIsoWeek(isoWeekOf(now))}.`);
        return true;
      }
      const range = weekRange(week);
      const r = await runOperation<{ agreement: BulletinData | null }>(deps.server, 'public-bulletin.graphql', { id, from: range.from.toISOString(), until: range.until.toISOString() }, PUBLIC_CALLER, requestId);
      if (!r.data?.agreement) return void answerMissing(r, id, problem), true;
      html(200, renderBulletin(r.data.agreement, week, now, unavailableParts(r.errors)));
      return true;
    }
    const until = new Date(Math.floor(now.getTime() / DAY) * DAY + DAY);
    const window = { from: new Date(until.getTime() - PAGE_DELIVERY_DAYS * DAY), until };
    const r = await runOperation<{ agreement: AgreementPage | null }>(deps.server, 'public-agreement.graphql', { id, from: window.from.toISOString(), until: new Date(until.getTime() - 1).toISOString() }, PUBLIC_CALLER, requestId);
    if (!r.data?.agreement) return void answerMissing(r, id, problem), true;
    html(200, renderAgreement(r.data.agreement, window, now, unavailableParts(r.errors)));
    return true;
  }

  // Exports: the caller's own rights, from the same bearer token as /graphql.
  const m = /^\/exports\/agreements\/([^/]+)\/(incidents\.csv|convoys\.csv|deliveries\.csv|iati\.xml)$/.exec(pathname);
  if (!m) {
    problem(404, 'Not found', `No export at ${pathname.slice(0, 120)}; the exports are /exports/agreements/{id}/incidents.csv, convoys.csv, deliveries.csv and iati.xml.`);
    return true;
  }
  let caller: Caller;
  try {
    caller = await deps.verifier.authenticate(req.headers.authorization, req.headers['x-purpose'] as string | undefined);
  } catch (e) {
    if (!(e instanceof AuthenticationError)) throw e;
    problem(401, 'Unauthenticated', `${e.message} Send the same bearer token as for /graphql, or none for what the public may read.`);
    return true;
  }
  const id = decodedSegment(m[1]!);
  if (!isUuid(id)) {
    problem(404, 'No such agreement', `"${String(id).slice(0, 60)}" is not an agreement id; list agreements with { agreements { id title } }.`);
    return true;
  }
  const file = m[2]!;
  const exported = await exportFile(deps, file, id, caller, now, requestId);
  if ('status' in exported) {
    problem(exported.status, 'Export refused', exported.message);
    return true;
  }
  send(res, 200, exported.type, exported.body, { ...base, 'cache-control': 'no-store', 'content-disposition': `attachment; filename="${file.replace('.', `-${id}.`)}"` });
  return true;
}

function answerMissing(r: GraphAnswer<unknown>, id: string, problem: (status: number, title: string, message: string) => void): void {
  const unavailable = unavailableParts(r.errors);
  if (unavailable.length) return problem(503, 'Not available right now', `${unavailable.join(' ')} Try again in a moment.`);
  problem(404, 'No such agreement', notFound(`No agreement has id ${id}.`));
}

/** Refusals the caller can act on, from the graph's errors (never an internal detail). */
function refusal(r: GraphAnswer<unknown>): { status: number; message: string } | null {
  const e = r.errors.find((x) => x.extensions?.code === 'FORBIDDEN' || x.extensions?.code === 'UNAUTHENTICATED');
  if (e) return { status: 403, message: `${e.message}` };
  const down = unavailableParts(r.errors);
  if (down.length) return { status: 503, message: `${down.join(' ')} Try again in a moment; nothing partial is exported.` };
  return null;
}

type Exported = { type: string; body: string } | { status: number; message: string };

interface IncidentRow {
  id: string;
  category: string;
  occurredAt: string;
  latitude: number;
  longitude: number;
  placeDescription: string;
  reportedSeverity: string;
  severity: string;
  verificationState: string;
  reportedBy: string;
  reportedAt: string;
  corridor: { name: string } | null;
  attributedParty: { name: string } | null;
  verifications: Array<{ state: string; at: string }>;
}

interface ConvoyRow {
  id: string;
  agency: string;
  requestedAt: string;
  status: string;
  totalTrucks: number;
  totalTonnes: number;
  cargo: Array<{ cargoClass: string; trucks: number; tonnes: number }>;
  events: Array<{ to: string; at: string }>;
  corridor: string;
}

export const INCIDENT_COLUMNS: HxlColumn<IncidentRow>[] = [
  { header: 'Incident', tag: '#event+id', value: (i) => i.id },
  { header: 'Occurred (UTC)', tag: '#date+occurred', value: (i) => i.occurredAt },
  { header: 'Category', tag: '#event+type', value: (i) => i.category },
  { header: 'Severity', tag: '#severity', value: (i) => i.severity },
  { header: 'Severity reported', tag: '#severity+reported', value: (i) => i.reportedSeverity },
  { header: 'Verification', tag: '#status+verification', value: (i) => i.verificationState },
  { header: 'Verified (UTC)', tag: '#date+verified', value: (i) => [...i.verifications].reverse().find((v) => v.state === 'VERIFIED')?.at },
  { header: 'Attributed to', tag: '#org+attributed', value: (i) => i.attributedParty?.name },
  { header: 'Corridor', tag: '#loc+name+corridor', value: (i) => i.corridor?.name },
  { header: 'Place', tag: '#loc+name', value: (i) => i.placeDescription },
  { header: 'Latitude', tag: '#geo+lat', value: (i) => i.latitude },
  { header: 'Longitude', tag: '#geo+lon', value: (i) => i.longitude },
  { header: 'Reported by', tag: '#org+reporting', value: (i) => i.reportedBy },
  { header: 'Reported (UTC)', tag: '#date+reported', value: (i) => i.reportedAt },
];

export const CONVOY_COLUMNS: HxlColumn<ConvoyRow>[] = [
  { header: 'Convoy', tag: '#activity+id+convoy', value: (c) => c.id },
  { header: 'Agency', tag: '#org+impl', value: (c) => c.agency },
  { header: 'Corridor', tag: '#loc+name+corridor', value: (c) => c.corridor },
  { header: 'Requested (UTC)', tag: '#date+requested', value: (c) => c.requestedAt },
  { header: 'Status', tag: '#status', value: (c) => c.status },
  { header: 'Status since (UTC)', tag: '#date+status', value: (c) => c.events.at(-1)?.at },
  { header: 'Delivered (UTC)', tag: '#date+delivered', value: (c) => c.events.find((e) => e.to === 'DELIVERED')?.at },
  { header: 'Cargo classes', tag: '#item+type', value: (c) => c.cargo.map((l) => l.cargoClass).join(' ') },
  { header: 'Trucks', tag: '#indicator+trucks+num', value: (c) => c.totalTrucks },
  { header: 'Tonnes', tag: '#indicator+tonnes+num', value: (c) => c.totalTonnes },
];

interface DeliveryRow {
  date: string;
  corridor: string;
  convoys: number;
  trucks: number;
  tonnes: number;
}

export const DELIVERY_COLUMNS: HxlColumn<DeliveryRow>[] = [
  { header: 'Day (UTC)', tag: '#date', value: (d) => d.date },
  { header: 'Corridor', tag: '#loc+name+corridor', value: (d) => d.corridor },
  { header: 'Convoys delivered', tag: '#indicator+convoys+delivered+num', value: (d) => d.convoys },
  { header: 'Trucks delivered', tag: '#indicator+trucks+delivered+num', value: (d) => d.trucks },
  { header: 'Tonnes delivered', tag: '#indicator+tonnes+delivered+num', value: (d) => d.tonnes },
];

const CSV = 'text/csv; charset=utf-8; header=present';

async function exportFile(deps: ReportDeps, file: string, id: string, caller: Caller, now: Date, requestId: string): Promise<Exported> {
  const missing = { status: 404, message: `No agreement has id ${id}; list agreements with { agreements { id title } }.` };
  if (file === 'incidents.csv') {
    const r = await runOperation<{ agreement: { incidents: IncidentRow[] | null } | null }>(deps.server, 'export-incidents.graphql', { id }, caller, requestId);
    const refused = refusal(r);
    if (refused) return refused;
    if (!r.data?.agreement) return missing;
    return { type: CSV, body: hxlCsv(INCIDENT_COLUMNS, r.data.agreement.incidents ?? []) };
  }
  if (file === 'convoys.csv') {
    const r = await runOperation<{ agreement: { corridors: Array<{ name: string; convoys: Omit<ConvoyRow, 'corridor'>[] }> | null } | null }>(deps.server, 'export-convoys.graphql', { id }, caller, requestId);
    const refused = refusal(r);
    if (refused) return refused;
    if (!r.data?.agreement) return missing;
    const rows = (r.data.agreement.corridors ?? []).flatMap((c) => c.convoys.map((v) => ({ ...v, corridor: c.name })));
    return { type: CSV, body: hxlCsv(CONVOY_COLUMNS, rows) };
  }
  if (file === 'deliveries.csv') {
    // Every day of the last year (the most the graph serves in one ask) to today, from entry into force on.
    const until = new Date(Math.floor(now.getTime() / DAY) * DAY + DAY - 1);
    const from = new Date(until.getTime() + 1 - 365 * DAY);
    const r = await runOperation<{ agreement: { entryIntoForceAt: string; corridors: Array<{ name: string; deliveriesByDay: Omit<DeliveryRow, 'corridor'>[] }> | null } | null }>(
      deps.server,
      'export-deliveries.graphql',
      { id, from: from.toISOString(), until: until.toISOString() },
      caller,
      requestId,
    );
    const refused = refusal(r);
    if (refused) return refused;
    if (!r.data?.agreement) return missing;
    const first = r.data.agreement.entryIntoForceAt.slice(0, 10);
    const rows = (r.data.agreement.corridors ?? [])
      .flatMap((c) => c.deliveriesByDay.filter((d) => d.date >= first).map((d) => ({ ...d, corridor: c.name })))
      .sort((a, b) => (a.date === b.date ? a.corridor.localeCompare(b.corridor) : a.date < b.date ? -1 : 1));
    return { type: CSV, body: hxlCsv(DELIVERY_COLUMNS, rows) };
  }
  const r = await runOperation<{ agreement: IatiAgreement | null }>(deps.server, 'export-iati.graphql', { id }, caller, requestId);
  const refused = refusal(r);
  if (refused) return refused;
  if (!r.data?.agreement) return missing;
  return { type: 'application/xml; charset=utf-8', body: iatiActivities(r.data.agreement, now) };
}

/**
 * A path segment as the caller meant it, or the segment as sent when its percent-encoding is broken
 * (`%E0%A4%A`): that can never be an agreement id, so it is answered as one that does not exist, not as
 * a failure of the gateway.
 */
function decodedSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
