import type { IncomingMessage, ServerResponse } from 'node:http';
import { ALERT_TYPES, PUBLIC_CALLER, registerCounter, registerGauge, signInternal, type Caller, type InternalSigner, type Logger, type Role, type ServiceMetrics, type StoredAlert } from '@treaty/service-kit/edge';

/**
 * The alert stream, `GET /alerts` (DESIGN §12, issue 19): Server-Sent Events for the incident-response
 * cell, read from the four services' outboxes (packages/service-kit/src/alerts.ts).
 *
 * One hub per gateway process polls every service's outbox (`POST /internal/alerts`, with the gateway's
 * credential) every `pollMs` while at least one stream is open, and fans what is new out to the streams,
 * each filtered by its caller's roles. The format, for a partner agency's client:
 *
 *   retry: 3000
 *
 *   event: ready
 *   data: {"cursor":"v1.12.0.40.3"}
 *
 *   id: v1.12.0.41.3
 *   event: incident.verified
 *   data: {"id":"corridors:41","type":"incident.verified","service":"corridors","agreementId":"…",
 *          "occurredAt":"…","recordedAt":"…","data":{"incidentId":"…","material":true,…}}
 *
 * `id:` is the stream's position in each outbox after this event (milestones, prisoners, corridors,
 * guarantors, in the supergraph's order). A client that reconnects with it as `Last-Event-ID` (header, or
 * `lastEventId` query parameter) to this replica or another gets exactly the events after it, none twice
 * and none missed, for as long as the services keep them (7 days); one older gets `event: gap` naming
 * what was purged. `data.id` is the event's own id, the same wherever it is read, for a client that
 * deduplicates. Other events: `service_unavailable` / `service_available` (an outbox could not be read,
 * or can again; events are delayed, never lost), `reauthenticate` (the token expired: reconnect with a
 * new one and the Last-Event-ID), and a `: keep-alive` comment every 15 s.
 *
 * Who receives what: an event goes to a caller holding one of its audience's roles (the roles that may
 * read its fact, as the owning service says); where that role is only PARTY, to the parties to the
 * event's agreement alone. PUBLIC (no token) is refused: nothing in the stream is public.
 */
export interface AlertStreamSettings {
  /** How often the outboxes are read while a stream is open (GATEWAY_ALERT_POLL_MS). */
  pollMs: number;
  /** Open streams per gateway process (GATEWAY_ALERT_MAX_STREAMS). */
  maxStreams: number;
  /** Open streams per agency (GATEWAY_ALERT_MAX_STREAMS_PER_AGENCY). */
  maxStreamsPerAgency: number;
  heartbeatMs: number;
}

export const DEFAULT_ALERT_STREAM: AlertStreamSettings = { pollMs: 250, maxStreams: 500, maxStreamsPerAgency: 10, heartbeatMs: 15_000 };

/** A stream whose unsent output exceeds this is too slow to keep: it is closed (it resumes with Last-Event-ID). */
const MAX_BUFFERED_BYTES = 1024 * 1024;
const BATCH = 500;
const CURSOR = /^v1(\.\d{1,15})+$/;

/** A position in every outbox, by service, in the supergraph's order. */
export type Cursor = number[];

export function formatCursor(c: Cursor): string {
  return `v1.${c.join('.')}`;
}

/** Parses a Last-Event-ID; null when it is not one this gateway wrote for `services` outboxes. */
export function parseCursor(text: string, services: number): Cursor | null {
  if (text.length > 200 || !CURSOR.test(text)) return null;
  const parts = text.split('.').slice(1).map(Number);
  if (parts.length !== services || parts.some((n) => !Number.isSafeInteger(n))) return null;
  return parts;
}

export interface StreamCaller {
  roles: readonly Role[];
  partyId: string | null;
}

/**
 * Whether `caller` may receive `event`: a role of the audience other than PARTY is enough; PARTY is
 * enough only for the parties to the event's agreement (`parties`, null when unknown: then no).
 */
export function mayReceive(caller: StreamCaller, event: Pick<StoredAlert, 'audience' | 'agreementId'>, parties: readonly string[] | null): boolean {
  if (caller.roles.some((r) => r !== 'PARTY' && event.audience.includes(r))) return true;
  if (!caller.roles.includes('PARTY') || !event.audience.includes('PARTY') || !caller.partyId || !event.agreementId || !parties) return false;
  return parties.includes(caller.partyId.toLowerCase());
}

/** One SSE frame; `data` is JSON and never holds a newline, so it is one data line. */
export function frame(event: string, data: unknown, id?: string): string {
  return `${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

interface OutboxBatch {
  head: number;
  oldest: number | null;
  events: StoredAlert[];
}

interface Source {
  name: string;
  url: string;
}

interface Stream {
  caller: Caller;
  agency: string;
  res: ServerResponse;
  cursor: Cursor;
  types: ReadonlySet<string> | null;
  agreements: ReadonlySet<string> | null;
  /** Live events that arrived while the stream was catching up from its Last-Event-ID. */
  queue: { index: number; event: StoredAlert }[] | null;
  timers: NodeJS.Timeout[];
}

export interface AlertHubDeps {
  sources: Source[];
  signer: InternalSigner;
  logger: Logger;
  registry: ServiceMetrics['registry'];
  settings: AlertStreamSettings;
  /** Every agreement's party ids (public data), asked of the graph when an event names one not yet known. */
  agreementParties(): Promise<Map<string, string[]>>;
}

const STREAM_CALLER: Caller = { ...PUBLIC_CALLER, subject: 'alert-stream' };

export class AlertHub {
  private readonly streams = new Set<Stream>();
  /** How far the hub has read each outbox (null until its first read). */
  private heads: Cursor | null = null;
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<void> | null = null;
  private readonly down = new Set<string>();
  private parties = new Map<string, string[]>();
  private partiesAskedAt = 0;
  private asking: Promise<void> | null = null;
  private readonly open: ReturnType<typeof registerGauge>;
  private readonly delivered: ReturnType<typeof registerCounter<'type'>>;

  constructor(private readonly deps: AlertHubDeps) {
    this.open = registerGauge(deps.registry, 'treaty_alert_streams', 'Alert streams (GET /alerts) open on this gateway.');
    this.delivered = registerCounter(deps.registry, 'treaty_alert_events_delivered_total', 'Alert events written to streams, by type.', ['type']);
  }

  get size(): number {
    return this.streams.size;
  }

  countFor(agency: string): number {
    let n = 0;
    for (const s of this.streams) if (s.agency === agency) n += 1;
    return n;
  }

  /** Reads one outbox after `after`; throws when the service cannot be read. */
  private async read(index: number, after: number, limit = BATCH): Promise<OutboxBatch> {
    const source = this.deps.sources[index]!;
    const body = JSON.stringify({ after, limit });
    const res = await fetch(source.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-treaty-internal-token': signInternal(this.deps.signer, source.name, STREAM_CALLER, body) },
      body,
      signal: AbortSignal.timeout(5_000),
    });
    if (!res.ok) throw new Error(`the ${source.name} outbox answered ${res.status}`);
    return (await res.json()) as OutboxBatch;
  }

  /** Where each outbox stands now: a stream opened without Last-Event-ID starts there. */
  async currentHeads(): Promise<Cursor> {
    if (this.heads && this.timer) return [...this.heads];
    return Promise.all(this.deps.sources.map((_, i) => this.read(i, Number.MAX_SAFE_INTEGER, 1).then((b) => b.head)));
  }

  /** Opens a stream at `cursor`: catches up from the outboxes, then joins the live fan-out. */
  async add(s: Omit<Stream, 'queue' | 'timers'>): Promise<void> {
    const stream: Stream = { ...s, queue: [], timers: [] };
    this.streams.add(stream);
    this.open.set(this.streams.size);
    stream.res.on('close', () => this.remove(stream));
    stream.timers.push(setInterval(() => this.write(stream, ': keep-alive\n\n'), this.deps.settings.heartbeatMs).unref());
    this.start();
    try {
      for (let i = 0; i < this.deps.sources.length; i += 1) await this.catchUp(stream, i);
    } catch (e) {
      this.deps.logger.warn('alert stream could not catch up; it continues live and names the outbox it could not read', { error: (e as Error).message });
    }
    const queued = stream.queue ?? [];
    stream.queue = null;
    for (const q of queued) this.deliver(stream, q.index, q.event);
  }

  private async catchUp(stream: Stream, index: number): Promise<void> {
    for (;;) {
      if (!this.streams.has(stream)) return;
      const batch = await this.read(index, stream.cursor[index]!);
      this.gapCheck(stream, index, batch);
      await this.knowParties(batch.events.map((e) => e.agreementId));
      for (const e of batch.events) this.deliver(stream, index, e);
      if (batch.events.length < BATCH) return;
    }
  }

  /**
   * Events after the stream's position that the service no longer keeps (past its retention): the
   * stream says so and goes on from the oldest still kept (or from the head, when none is kept).
   */
  private gapCheck(stream: Stream, index: number, batch: OutboxBatch): void {
    const at = stream.cursor[index]!;
    const resumesAt = batch.oldest ?? batch.head + 1;
    if (resumesAt > at + 1) {
      this.write(stream, frame('gap', { service: this.deps.sources[index]!.name, missedAfter: at, resumedAt: resumesAt }));
      stream.cursor[index] = resumesAt - 1;
    }
  }

  private remove(stream: Stream): void {
    if (!this.streams.delete(stream)) return;
    for (const t of stream.timers) clearInterval(t);
    this.open.set(this.streams.size);
    if (!stream.res.writableEnded) stream.res.end();
    if (this.streams.size === 0) this.stop();
  }

  /** Writes to a stream; a stream too slow to keep up is closed rather than buffered without bound. */
  private write(stream: Stream, text: string): void {
    if (stream.res.writableEnded || stream.res.destroyed) return;
    stream.res.write(text);
    if (stream.res.writableLength > MAX_BUFFERED_BYTES) {
      this.deps.logger.warn('alert stream closed: the client reads too slowly', { agency: stream.agency });
      stream.res.destroy();
      this.remove(stream);
    }
  }

  /** Sends `event` to `stream` if it is after the stream's position, and the stream may see it. */
  private deliver(stream: Stream, index: number, event: StoredAlert): void {
    if (event.seq <= stream.cursor[index]!) return;
    stream.cursor[index] = event.seq;
    const visible =
      (!stream.types || stream.types.has(event.type)) &&
      (!stream.agreements || (event.agreementId !== null && stream.agreements.has(event.agreementId))) &&
      mayReceive(stream.caller, event, event.agreementId ? (this.parties.get(event.agreementId) ?? null) : null);
    if (!visible) return;
    const service = this.deps.sources[index]!.name;
    this.write(
      stream,
      frame(event.type, { id: `${service}:${event.seq}`, type: event.type, service, agreementId: event.agreementId, occurredAt: event.occurredAt, recordedAt: event.recordedAt, data: event.data }, formatCursor(stream.cursor)),
    );
    this.delivered.inc({ type: event.type });
  }

  private broadcast(text: string): void {
    for (const s of this.streams) this.write(s, text);
  }

  private start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.polling) return;
      this.polling = this.poll().finally(() => (this.polling = null));
    }, this.deps.settings.pollMs);
    this.timer.unref();
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.heads = null;
  }

  /** Reads what is new in every outbox and fans it out, merged by when each event was recorded. */
  private async poll(): Promise<void> {
    this.heads ??= await this.currentHeads().catch(() => null);
    if (!this.heads) return;
    const batches = await Promise.all(
      this.deps.sources.map(async (source, i) => {
        try {
          const b = await this.read(i, this.heads![i]!);
          if (this.down.delete(source.name)) this.broadcast(frame('service_available', { service: source.name }));
          return b;
        } catch (e) {
          if (!this.down.has(source.name)) {
            this.down.add(source.name);
            this.deps.logger.warn('alert outbox unreadable; events from it are delayed until it answers', { service: source.name, error: (e as Error).message });
            this.broadcast(frame('service_unavailable', { service: source.name, message: `The ${source.name} service's alerts are delayed: it does not answer. Nothing is lost; they follow when it does.` }));
          }
          return null;
        }
      }),
    );
    const fresh: { index: number; event: StoredAlert }[] = [];
    batches.forEach((b, i) => {
      if (!b) return;
      for (const event of b.events) fresh.push({ index: i, event });
      if (b.events.length) this.heads![i] = b.events[b.events.length - 1]!.seq;
    });
    if (!fresh.length) return;
    // Merged by when recorded, each outbox's own order kept (a stable sort on a per-outbox ordered list).
    fresh.sort((a, b) => (a.index === b.index ? a.event.seq - b.event.seq : a.event.recordedAt.localeCompare(b.event.recordedAt)));
    await this.knowParties(fresh.map((f) => f.event.agreementId));
    for (const s of this.streams) {
      for (const f of fresh) {
        if (s.queue) s.queue.push(f);
        else this.deliver(s, f.index, f.event);
      }
    }
  }

  /**
   * Makes sure the parties of these agreements are known before their events are filtered: an event of
   * an agreement not yet known sends one question to the graph (at most one a second, one at a time).
   * Agreements do not change parties, so what is known is kept. Still unknown (the graph did not
   * answer), PARTY streams do not get the event: fail closed.
   */
  private async knowParties(ids: (string | null)[]): Promise<void> {
    if (!ids.some((id) => id !== null && !this.parties.has(id))) return;
    this.asking ??= (async () => {
      const wait = this.partiesAskedAt + 1_000 - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      this.partiesAskedAt = Date.now();
      try {
        this.parties = await this.deps.agreementParties();
      } catch (e) {
        this.deps.logger.warn("agreements' parties could not be read; PARTY streams miss events of agreements not yet known", { error: (e as Error).message });
      }
    })().finally(() => (this.asking = null));
    await this.asking;
  }

  /** Ends every stream (the gateway is shutting down): clients reconnect elsewhere with their Last-Event-ID. */
  closeAll(): void {
    for (const s of [...this.streams]) this.remove(s);
    this.stop();
  }
}

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

/** The query parameters of GET /alerts, checked: `types` and `agreement` narrow the stream. */
export function streamFilters(url: URL): { types: Set<string> | null; agreements: Set<string> | null } {
  const typeList = url.searchParams.getAll('types').flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean);
  const unknown = typeList.filter((t) => !(t in ALERT_TYPES));
  if (unknown.length) throw new StreamRefusal(400, 'BAD_USER_INPUT', `Unknown alert types ${unknown.slice(0, 5).join(', ')}; use any of ${Object.keys(ALERT_TYPES).join(', ')}.`);
  const agreements = url.searchParams.getAll('agreement').map((a) => a.toLowerCase());
  const bad = agreements.filter((a) => !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(a));
  if (bad.length) throw new StreamRefusal(400, 'BAD_USER_INPUT', `agreement must be an agreement's id (a UUID); got "${bad[0]!.slice(0, 60)}".`);
  return { types: typeList.length ? new Set(typeList) : null, agreements: agreements.length ? new Set(agreements) : null };
}

/** When a verified bearer token expires (seconds since the epoch), read from its claims. */
export function tokenExpiry(authorization: string | undefined): number | null {
  const token = authorization?.replace(/^Bearer\s+/i, '') ?? '';
  try {
    const exp = (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp : null;
  } catch {
    return null;
  }
}

/**
 * Serves GET /alerts for a caller already authenticated: checks the limits, the filters and the
 * Last-Event-ID, then opens the stream. Throws StreamRefusal for anything the caller should fix.
 */
export async function openAlertStream(hub: AlertHub, req: IncomingMessage, res: ServerResponse, url: URL, caller: Caller, settings: AlertStreamSettings, headers: Record<string, string>): Promise<void> {
  if (!caller.roles.length) {
    throw new StreamRefusal(401, 'UNAUTHENTICATED', 'The alert stream is for partner agencies: send your token as "Authorization: Bearer <token>". Nothing in it is public.');
  }
  const filters = streamFilters(url);
  const sent = (req.headers['last-event-id'] as string | undefined) ?? url.searchParams.get('lastEventId') ?? undefined;
  let cursor: Cursor | null = null;
  if (sent !== undefined && sent !== '') {
    cursor = parseCursor(sent.trim(), 4);
    if (!cursor) throw new StreamRefusal(400, 'BAD_USER_INPUT', 'Last-Event-ID must be the id: of an event this stream sent, like v1.12.0.40.3; to start from now, leave it out.');
  }
  const agency = caller.agency ?? caller.subject ?? 'unknown';
  if (hub.size >= settings.maxStreams) throw new StreamRefusal(503, 'SERVICE_UNAVAILABLE', 'This gateway has as many alert streams open as it serves; retry in a minute or at another replica.', { 'retry-after': '60' });
  if (hub.countFor(agency) >= settings.maxStreamsPerAgency) {
    throw new StreamRefusal(429, 'RATE_LIMITED', `Your agency already has ${settings.maxStreamsPerAgency} alert streams open on this gateway; close one (one stream per screen is enough) before opening another.`, { 'retry-after': '30' });
  }
  const start = cursor ?? (await hub.currentHeads().catch(() => null));
  if (!start) throw new StreamRefusal(503, 'SERVICE_UNAVAILABLE', 'The alert stream cannot start: a service does not answer. Retry in a moment.', { 'retry-after': '5' });
  res.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  res.flushHeaders();
  res.write(`retry: 3000\n\n${frame('ready', { cursor: formatCursor(start) })}`);
  const exp = tokenExpiry(req.headers.authorization);
  await hub.add({ caller, agency, res, cursor: [...start], types: filters.types, agreements: filters.agreements });
  if (exp !== null) {
    const ms = exp * 1000 - Date.now();
    const timer = setTimeout(() => {
      if (!res.writableEnded) res.end(frame('reauthenticate', { message: 'Your token has expired: reconnect with a new one and this stream\'s last event id to resume where it stopped.' }));
    }, Math.max(0, Math.min(ms, 2_147_000_000)));
    timer.unref();
    res.on('close', () => clearTimeout(timer));
  }
}
