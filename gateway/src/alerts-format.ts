import { ALERT_TYPES, type Role, type StoredAlert } from '@treaty/service-kit/edge';

/**
 * The pure parts of the alert stream (GET /alerts, alerts.ts): the cursor a client resumes from, who
 * may receive an event, the order of one poll round, and the Server-Sent Events framing. No I/O here,
 * so each rule is tested on its own (gateway/test/alerts.test.ts).
 */

export interface AlertStreamSettings {
  /** How often the outboxes are read while a stream is open (GATEWAY_ALERT_POLL_MS). */
  pollMs: number;
  /** Open streams per gateway process (GATEWAY_ALERT_MAX_STREAMS); more get 503 with Retry-After. */
  maxStreams: number;
  /** Open streams per agency on one gateway process (GATEWAY_ALERT_MAX_STREAMS_PER_AGENCY); more get 429. */
  maxStreamsPerAgency: number;
  /** How often a `: keep-alive` comment goes to every stream, so proxies keep a quiet stream open. */
  heartbeatMs: number;
  /** Unsent output a stream may hold before it is closed as too slow (it resumes with Last-Event-ID). */
  maxBufferedBytes: number;
}

export const DEFAULT_ALERT_STREAM: AlertStreamSettings = { pollMs: 250, maxStreams: 500, maxStreamsPerAgency: 10, heartbeatMs: 15_000, maxBufferedBytes: 1024 * 1024 };

/** What the client is told to wait before reconnecting (the SSE `retry:` field), in milliseconds. */
export const RETRY_MS = 3_000;

/** A position in every outbox, one number per service, in the order of `SUBGRAPHS` (topology.ts). */
export type Cursor = number[];

const CURSOR_TEXT = /^v1(\.\d{1,15})+$/;
export const CURSOR_EXAMPLE = 'v1.12.0.40.3';

export function formatCursor(c: readonly number[]): string {
  return `v1.${c.join('.')}`;
}

/** A Last-Event-ID as this gateway writes it for `services` outboxes; null when it is not one. */
export function parseCursor(text: string, services: number): Cursor | null {
  const t = text.trim();
  if (t.length > 200 || !CURSOR_TEXT.test(t)) return null;
  const parts = t.split('.').slice(1).map(Number);
  if (parts.length !== services || !parts.every((n) => Number.isSafeInteger(n))) return null;
  return parts;
}

export interface StreamCaller {
  roles: readonly Role[];
  partyId: string | null;
}

/**
 * Whether `caller` may receive `event`. A role of the audience other than PARTY is enough. PARTY in the
 * audience means the parties to the event's agreement only: a caller whose one matching role is PARTY
 * receives it when its party is among `parties` (the agreement's party ids, lower case). `parties` is
 * null when the agreement could not be resolved, and then a PARTY does not receive it: fail closed.
 */
export function mayReceive(caller: StreamCaller, event: Pick<StoredAlert, 'audience' | 'agreementId'>, parties: readonly string[] | null): boolean {
  if (caller.roles.some((r) => r !== 'PARTY' && event.audience.includes(r))) return true;
  if (!caller.roles.includes('PARTY') || !event.audience.includes('PARTY')) return false;
  if (!caller.partyId || !event.agreementId || !parties) return false;
  return parties.includes(caller.partyId.toLowerCase());
}

export interface StreamFilters {
  types: ReadonlySet<string> | null;
  agreements: ReadonlySet<string> | null;
}

/** Whether an event passes a stream's own `?types=` and `?agreement=` filters (none: everything). */
export function passesFilters(f: StreamFilters, event: Pick<StoredAlert, 'type' | 'agreementId'>): boolean {
  if (f.types && !f.types.has(event.type)) return false;
  if (f.agreements && (event.agreementId === null || !f.agreements.has(event.agreementId.toLowerCase()))) return false;
  return true;
}

/** A refusal of GET /alerts the caller can fix: its HTTP status, domain code and message. */
export class StreamRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The query parameters of GET /alerts, checked: `types=a,b` (repeatable) and `agreement=<id>` (repeatable). */
export function streamFilters(params: URLSearchParams): StreamFilters {
  const types = params
    .getAll('types')
    .flatMap((t) => t.split(','))
    .map((t) => t.trim())
    .filter(Boolean);
  const unknown = [...new Set(types.filter((t) => !Object.hasOwn(ALERT_TYPES, t)))];
  if (unknown.length) {
    const shown = unknown.slice(0, 5).map((t) => `"${t.slice(0, 60)}"`).join(', ');
    throw new StreamRefusal(400, 'BAD_USER_INPUT', `Unknown alert type${unknown.length > 1 ? 's' : ''} ${shown} in types=; use any of ${Object.keys(ALERT_TYPES).join(', ')}.`);
  }
  const agreements = params.getAll('agreement').map((a) => a.trim().toLowerCase());
  const bad = agreements.find((a) => !UUID.test(a));
  if (bad !== undefined) throw new StreamRefusal(400, 'BAD_USER_INPUT', `agreement= must be an agreement's id (a UUID, like 6f1c2a4e-0b7d-4e8a-9c3f-2d5e8b1a7c90); got "${bad.slice(0, 60)}".`);
  return { types: types.length ? new Set(types) : null, agreements: agreements.length ? new Set(agreements) : null };
}

/**
 * Where a client asks to resume: the Last-Event-ID header (what EventSource sends when it reconnects),
 * else the `lastEventId` query parameter (for clients that cannot set headers); null to start with the events that come next.
 */
export function requestedCursor(header: string | string[] | undefined, params: URLSearchParams, services: number): Cursor | null {
  const sent = (Array.isArray(header) ? header[0] : header) ?? params.get('lastEventId') ?? '';
  if (sent.trim() === '') return null;
  const cursor = parseCursor(sent, services);
  if (!cursor) {
    throw new StreamRefusal(
      400,
      'BAD_USER_INPUT',
      `Last-Event-ID must be the id: of an event this stream sent: "v1." and ${services} whole numbers separated by dots, like ${CURSOR_EXAMPLE}. To start with the events that come next, leave it out.`,
    );
  }
  return cursor;
}

/** When a bearer token (already verified) expires, in seconds since the epoch; null when it does not say. */
export function tokenExpiry(authorization: string | undefined): number | null {
  const token = authorization?.trim().replace(/^Bearer\s+/i, '') ?? '';
  try {
    const exp = (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp : null;
  } catch {
    return null;
  }
}

/** An event of one outbox in a poll round: `index` is its service's place in the cursor. */
export interface Fresh {
  index: number;
  event: StoredAlert;
}

/**
 * One poll round's events, merged across services by when each was recorded, each service's own order
 * kept (a k-way merge of lists already in seq order: a service's clock may record a later event at an
 * earlier instant, and no sort may put it before one with a smaller number). Ties go in service order.
 */
export function mergeRound(perService: readonly (readonly StoredAlert[])[]): Fresh[] {
  const at = perService.map(() => 0);
  const out: Fresh[] = [];
  for (;;) {
    let pick = -1;
    for (let i = 0; i < perService.length; i += 1) {
      const next = perService[i]![at[i]!];
      if (!next) continue;
      if (pick < 0 || next.recordedAt < perService[pick]![at[pick]!]!.recordedAt) pick = i;
    }
    if (pick < 0) return out;
    out.push({ index: pick, event: perService[pick]![at[pick]!]! });
    at[pick]! += 1;
  }
}

/** What a client reads in `data:` for an alert: never the outbox's key or audience. */
export function alertPayload(service: string, e: StoredAlert) {
  return { id: `${service}:${e.seq}`, type: e.type, service, agreementId: e.agreementId, occurredAt: e.occurredAt, recordedAt: e.recordedAt, data: e.data };
}

/**
 * One SSE event. `data` is JSON, which escapes every newline, so it is always one `data:` line; `event`
 * and `id` are written by this gateway (alert types, cursors) and hold no newline either.
 */
export function frame(event: string, data: unknown, id?: string): string {
  return `${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** What opens every stream: the reconnection delay, then where the stream starts. */
export function preamble(start: readonly number[]): string {
  return `retry: ${RETRY_MS}\n\n${frame('ready', { cursor: formatCursor(start) })}`;
}

export const KEEP_ALIVE = ': keep-alive\n\n';
