import type { IncomingMessage, ServerResponse } from 'node:http';
import { PUBLIC_CALLER, registerCounter, registerGauge, signInternal, type AlertBatch, type Caller, type InternalSigner, type Logger, type ServiceMetrics, type StoredAlert } from '@treaty/service-kit/edge';
import {
  KEEP_ALIVE,
  StreamRefusal,
  alertPayload,
  formatCursor,
  frame,
  mayReceive,
  mergeRound,
  passesFilters,
  preamble,
  requestedCursor,
  streamFilters,
  tokenExpiry,
  type AlertStreamSettings,
  type Cursor,
  type StreamFilters,
} from './alerts-format.js';

export * from './alerts-format.js';

/**
 * The alert stream, `GET /alerts` (DESIGN §12, issue 19): Server-Sent Events for the incident-response
 * cell, read from the four services' outboxes (packages/service-kit/src/alerts.ts).
 *
 * What a client reads (gateway/README.md documents it for partner agencies):
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
 * `id:` is the stream's position in every outbox after this event (milestones, prisoners, corridors,
 * guarantors: the order of SUBGRAPHS). A client that reconnects with it as `Last-Event-ID`, to this
 * replica or another, gets exactly the events after it, none twice and none missed, for as long as the
 * services keep them (7 days). `data.id` is the event's own id, the same at every replica. Other events:
 * `gap` (events after the position were purged: `{service, missedAfter, resumedAt}`),
 * `service_unavailable` / `service_available` (an outbox cannot be read, or can again; its events are
 * late, never lost), `reauthenticate` (the token expired; the stream ends), and `: keep-alive` comments.
 *
 * How it works. One hub per gateway process polls every outbox every `pollMs` while a stream is open,
 * from where it last read (`head`), and fans what is new out to the streams that are *live* for that
 * service: those whose position is at least the hub's. A stream that is behind on a service (it just
 * opened with a Last-Event-ID, or the service was down when it tried) reads that outbox itself, page by
 * page, until it reaches the hub's position, and only then takes the hub's events for it: the hub never
 * hands a stream an event past a hole in its position, so a stream's `id:` never skips an event it was
 * not sent. Each outbox numbers its events in commit order without gaps (except what retention purges),
 * which is what makes one number per service enough.
 */

/** The most events one read returns (the services' own bound). */
const BATCH = 500;
/** Pages the hub reads from one outbox in one round before it lets the round's events go out. */
const PAGES_PER_ROUND = 4;
/** Streams catching up at once; the others wait for the next poll round (a reconnect storm stays bounded). */
const MAX_CATCH_UPS = 32;
/** A read of an outbox that takes longer than this counts as the service being down. */
const READ_TIMEOUT_MS = 5_000;
/** Agreements' parties are asked again for new ids at most this often (the round waits for the answer). */
const PARTIES_MIN_INTERVAL_MS = 1_000;
/** An agreement id the graph did not know is asked about again only after this long (meanwhile: fail closed). */
const PARTIES_RETRY_MS = 5_000;
const MAX_UNRESOLVED = 10_000;

/** How the outboxes are read: the gateway's own credential, as an unprivileged caller of its own. */
const STREAM_CALLER: Caller = { ...PUBLIC_CALLER, subject: 'alert-stream' };

export interface AlertSource {
  name: string;
  /** The service's POST /internal/alerts URL (never shown to a client). */
  url: string;
}

interface Outbox extends AlertSource {
  /** The newest event the hub has read and fanned out; null until its first read since the hub started. */
  head: number | null;
  down: boolean;
}

interface Stream {
  caller: Caller;
  agency: string;
  res: ServerResponse;
  cursor: Cursor;
  /** Per service: whether the hub's events for it go to this stream (its position has reached the hub's). */
  live: boolean[];
  catchingUp: boolean;
  filters: StreamFilters;
  closed: boolean;
  expiry: NodeJS.Timeout | null;
}

export interface AlertHubDeps {
  sources: AlertSource[];
  signer: InternalSigner;
  logger: Logger;
  registry: ServiceMetrics['registry'];
  settings: AlertStreamSettings;
  /** Every agreement's party ids (public data, lower case), asked of the gateway's own graph as PUBLIC. */
  agreementParties(): Promise<Map<string, string[]>>;
}

/** A place held for a stream between its checks and its first byte, so concurrent opens cannot pass a limit together. */
export interface StreamTicket {
  agency: string;
  release(): void;
}

type CloseReason = 'client' | 'slow' | 'expired' | 'shutdown';

export class AlertHub {
  private readonly outboxes: Outbox[];
  private readonly streams = new Set<Stream>();
  private readonly held = new Map<string, number>();
  private heldTotal = 0;
  private timer: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private polling = false;
  /** Counts the hub's stops: a round begun before a stop changes nothing after it. */
  private generation = 0;
  private catchUps = 0;
  private parties = new Map<string, string[]>();
  /** Agreement ids a refresh did not find, with when that refresh started. */
  private readonly unresolved = new Map<string, number>();
  /** Agreement ids waiting for the next question to the graph, with when each was first wanted. */
  private readonly wanted = new Map<string, number>();
  private refreshing: Promise<void> | null = null;
  private refreshedAt = 0;
  private readonly open: ReturnType<typeof registerGauge>;
  private readonly delivered: ReturnType<typeof registerCounter<'type'>>;
  private readonly ended: ReturnType<typeof registerCounter<'reason'>>;

  constructor(private readonly deps: AlertHubDeps) {
    this.outboxes = deps.sources.map((s) => ({ ...s, head: null, down: false }));
    this.open = registerGauge(deps.registry, 'treaty_alert_streams', 'Alert streams (GET /alerts) open on this gateway process.');
    this.delivered = registerCounter(deps.registry, 'treaty_alert_events_delivered_total', 'Alert events written to streams, by type.', ['type']);
    this.ended = registerCounter(deps.registry, 'treaty_alert_streams_closed_total', 'Alert streams closed, by why: client, slow (too slow to keep up), expired (token), shutdown.', ['reason']);
  }

  get services(): number {
    return this.outboxes.length;
  }

  /** Open streams plus places held by streams still opening. */
  get size(): number {
    return this.streams.size + this.heldTotal;
  }

  /**
   * Holds a place for a stream of `agency`, or refuses: the per-process bound (503, another replica may
   * have room) and the per-agency bound (429). Synchronous, so two opens at once cannot both take the last place.
   */
  reserve(agency: string): StreamTicket {
    const { maxStreams, maxStreamsPerAgency } = this.deps.settings;
    if (this.size >= maxStreams) {
      throw new StreamRefusal(503, 'SERVICE_UNAVAILABLE', `This gateway already serves its limit of ${maxStreams} alert streams; retry in a minute, or at another replica.`, { 'retry-after': '60' });
    }
    if (this.countFor(agency) >= maxStreamsPerAgency) {
      throw new StreamRefusal(
        429,
        'RATE_LIMITED',
        `Your agency already has ${maxStreamsPerAgency} alert streams open on this gateway, its limit; close one before opening another (one stream, filtered with types= or agreement=, can serve a whole screen).`,
        { 'retry-after': '30' },
      );
    }
    this.held.set(agency, (this.held.get(agency) ?? 0) + 1);
    this.heldTotal += 1;
    let released = false;
    return {
      agency,
      release: () => {
        if (released) return;
        released = true;
        this.heldTotal -= 1;
        const n = (this.held.get(agency) ?? 1) - 1;
        if (n > 0) this.held.set(agency, n);
        else this.held.delete(agency);
      },
    };
  }

  countFor(agency: string): number {
    let n = this.held.get(agency) ?? 0;
    for (const s of this.streams) if (s.agency === agency) n += 1;
    return n;
  }

  /** Reads one outbox after event `after`; throws when the service cannot be read. */
  private async read(index: number, after: number, limit = BATCH): Promise<AlertBatch> {
    const outbox = this.outboxes[index]!;
    const body = JSON.stringify({ after, limit });
    const res = await fetch(outbox.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-treaty-internal-token': signInternal(this.deps.signer, outbox.name, STREAM_CALLER, body) },
      body,
      signal: AbortSignal.timeout(READ_TIMEOUT_MS),
    });
    if (!res.ok) throw new Error(`the ${outbox.name} outbox answered ${res.status}`);
    return (await res.json()) as AlertBatch;
  }

  /**
   * Where "now" is for a stream opened without Last-Event-ID: the hub's position where it has one, the
   * outbox's newest event otherwise. A service that cannot be read and whose position the hub does not
   * know refuses the stream (there is no "now" to start from); one with a Last-Event-ID can open anyway.
   */
  async currentHeads(): Promise<Cursor> {
    const heads = await Promise.all(
      this.outboxes.map(async (o, i) => {
        if (this.streams.size && o.head !== null) return o.head;
        const head = await this.read(i, Number.MAX_SAFE_INTEGER, 1).then(
          (b) => b.head,
          () => null,
        );
        // The hub starts from here too, so the new stream is live at once. Only while no stream can be
        // live on it: a position the hub has fanned out to streams never jumps.
        if (head !== null && (o.head === null || !this.streams.size)) o.head = head;
        return head;
      }),
    );
    const missing = this.outboxes.filter((_, i) => heads[i] === null).map((o) => o.name);
    if (missing.length) {
      throw new StreamRefusal(
        503,
        'SERVICE_UNAVAILABLE',
        `The alert stream cannot start: the ${missing.join(' and ')} service${missing.length > 1 ? 's do' : ' does'} not answer. Retry in a few seconds, or resume with the Last-Event-ID you have.`,
        { 'retry-after': '5' },
      );
    }
    return heads as number[];
  }

  /**
   * Opens a stream whose preamble is written, at `cursor`: live at once on each service where the
   * cursor is the hub's position (a stream that starts with the next events), catching up from the outbox first on the others
   * (a resumed stream). `ticket` becomes the stream's place.
   */
  add(o: { caller: Caller; agency: string; res: ServerResponse; cursor: Cursor; filters: StreamFilters; expiresAt: number | null; ticket: StreamTicket }): void {
    o.ticket.release();
    // Level with the hub on a service: live at once. Behind or ahead: it reads that outbox itself first.
    const live = this.outboxes.map((ob, i) => ob.head !== null && o.cursor[i] === ob.head);
    const stream: Stream = { caller: o.caller, agency: o.agency, res: o.res, cursor: [...o.cursor], live, catchingUp: false, filters: o.filters, closed: false, expiry: null };
    this.streams.add(stream);
    this.open.set(this.streams.size);
    stream.res.on('close', () => this.remove(stream, 'client'));
    if (o.expiresAt !== null) {
      const ms = Math.max(0, Math.min(o.expiresAt - Date.now(), 2_147_000_000));
      stream.expiry = setTimeout(() => {
        this.write(stream, frame('reauthenticate', { message: "Your token has expired: reconnect with a new one, sending this stream's last id: as Last-Event-ID, to resume where it stopped." }));
        this.remove(stream, 'expired');
      }, ms);
      stream.expiry.unref();
    }
    for (const ob of this.outboxes) if (ob.down) this.write(stream, frame('service_unavailable', unavailable(ob.name)));
    this.start();
    this.catchUp(stream);
  }

  /** Brings a stream level with the hub on every service it is behind on (one pass; the next round retries what failed). */
  private catchUp(stream: Stream): void {
    if (stream.catchingUp || stream.closed || this.catchUps >= MAX_CATCH_UPS) return;
    stream.catchingUp = true;
    this.catchUps += 1;
    void (async () => {
      for (let i = 0; i < this.outboxes.length; i += 1) {
        if (stream.live[i] || this.outboxes[i]!.down) continue;
        try {
          await this.level(stream, i);
        } catch (e) {
          this.deps.logger.warn('alert stream could not catch up on a service; it tries again at the next poll', { service: this.outboxes[i]!.name, error: (e as Error).message });
        }
      }
    })().finally(() => {
      stream.catchingUp = false;
      this.catchUps -= 1;
    });
  }

  /**
   * Reads service `i`'s outbox for `stream` from its position until the position reaches the hub's;
   * then the stream is live for `i`. While the hub has no position for `i`, the stream stays behind
   * and the next round, once the hub has one, brings it level.
   */
  private async level(stream: Stream, i: number): Promise<void> {
    for (;;) {
      const batch = await this.read(i, stream.cursor[i]!);
      if (stream.closed) return;
      this.gapCheck(stream, i, batch);
      await this.knowParties(batch.events.map((e) => e.agreementId));
      for (const e of batch.events) this.deliver(stream, i, e);
      if (stream.closed) return;
      if (batch.events.length >= BATCH) continue;
      const head = this.outboxes[i]!.head;
      if (head === null) return;
      // Single-threaded: nothing runs between this test and the flag, so no round of the hub falls between.
      if (stream.cursor[i]! >= head) {
        stream.live[i] = true;
        return;
      }
    }
  }

  /**
   * Positions the outbox no longer holds events for: after the stream's position but purged (past the
   * retention), or a position past the service's newest event (not one this deployment wrote). Either
   * way the stream says so with `event: gap` and goes on from where the outbox resumes.
   */
  private gapCheck(stream: Stream, i: number, batch: AlertBatch): void {
    const at = stream.cursor[i]!;
    const resumesAt = batch.oldest ?? batch.head + 1;
    if (resumesAt <= at + 1 && at <= batch.head) return;
    const resumedAt = at > batch.head ? batch.head + 1 : resumesAt;
    stream.cursor[i] = resumedAt - 1;
    this.write(stream, frame('gap', { service: this.outboxes[i]!.name, missedAfter: at, resumedAt }, formatCursor(stream.cursor)));
  }

  private remove(stream: Stream, reason: CloseReason): void {
    if (stream.closed) return;
    stream.closed = true;
    this.streams.delete(stream);
    if (stream.expiry) clearTimeout(stream.expiry);
    this.open.set(this.streams.size);
    this.ended.inc({ reason });
    if (!stream.res.writableEnded && !stream.res.destroyed) stream.res.end();
    if (this.streams.size === 0) this.stop();
  }

  /** Writes to a stream; one whose unsent output passes the bound is closed, not buffered without end. */
  private write(stream: Stream, text: string): void {
    if (stream.closed) return;
    if (!writeBounded(stream.res, text, this.deps.settings.maxBufferedBytes)) {
      this.deps.logger.warn('alert stream closed: the client reads too slowly to keep up; it may resume with its Last-Event-ID', { agency: stream.agency });
      this.remove(stream, 'slow');
    }
  }

  /** Moves the stream past `event` and sends it when the stream may see it and asked for it. */
  private deliver(stream: Stream, i: number, event: StoredAlert): void {
    if (stream.closed || event.seq <= stream.cursor[i]!) return;
    stream.cursor[i] = event.seq;
    if (!passesFilters(stream.filters, event)) return;
    if (!mayReceive(stream.caller, event, event.agreementId ? (this.parties.get(event.agreementId.toLowerCase()) ?? null) : null)) return;
    const service = this.outboxes[i]!.name;
    this.write(stream, frame(event.type, alertPayload(service, event), formatCursor(stream.cursor)));
    if (!stream.closed) this.delivered.inc({ type: event.type });
  }

  private broadcast(text: string): void {
    for (const s of [...this.streams]) this.write(s, text);
  }

  private start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.polling) return;
      this.polling = true;
      this.poll()
        .catch((e: Error) => this.deps.logger.warn('alert poll round failed; the next round tries again', { error: e.message }))
        .finally(() => (this.polling = false));
    }, this.deps.settings.pollMs);
    this.timer.unref();
    this.heartbeat = setInterval(() => this.broadcast(KEEP_ALIVE), this.deps.settings.heartbeatMs);
    this.heartbeat.unref();
  }

  /** No stream is open: the outboxes are not read, and the next stream starts from fresh positions. */
  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.timer = null;
    this.heartbeat = null;
    this.generation += 1;
    for (const o of this.outboxes) {
      o.head = null;
      o.down = false;
    }
  }

  /** One round: what is new in every outbox, merged by when it was recorded, to every live stream. */
  private async poll(): Promise<void> {
    const generation = this.generation;
    const fresh = await Promise.all(this.outboxes.map((_, i) => this.readNew(i, generation)));
    if (generation !== this.generation) return;
    const merged = mergeRound(fresh);
    if (merged.length) {
      await this.knowParties(merged.map((f) => f.event.agreementId));
      for (const s of [...this.streams]) for (const f of merged) if (s.live[f.index]) this.deliver(s, f.index, f.event);
    }
    for (const s of [...this.streams]) if (s.live.some((live, i) => !live && !this.outboxes[i]!.down && this.outboxes[i]!.head !== null)) this.catchUp(s);
  }

  /** What one outbox holds past the hub's position (nothing when it cannot be read: it is tried again next round). */
  private async readNew(i: number, generation: number): Promise<StoredAlert[]> {
    const outbox = this.outboxes[i]!;
    const events: StoredAlert[] = [];
    try {
      if (outbox.head === null) {
        // The hub's first read of this outbox: it starts at the newest event; streams behind catch up themselves.
        const { head } = await this.read(i, Number.MAX_SAFE_INTEGER, 1);
        if (generation !== this.generation) return [];
        outbox.head ??= head;
      } else {
        for (let page = 0; page < PAGES_PER_ROUND; page += 1) {
          const batch = await this.read(i, outbox.head!);
          if (generation !== this.generation) return [];
          if (batch.oldest !== null && batch.oldest > outbox.head + 1 && events.length === 0) this.fellBehind(i);
          events.push(...batch.events);
          if (batch.events.length) outbox.head = batch.events[batch.events.length - 1]!.seq;
          if (batch.events.length < BATCH) break;
        }
      }
      if (outbox.down) {
        outbox.down = false;
        this.broadcast(frame('service_available', { service: outbox.name }));
      }
    } catch (e) {
      if (generation !== this.generation) return [];
      if (!outbox.down) {
        outbox.down = true;
        this.deps.logger.warn('alert outbox cannot be read; its events are delayed until it answers', { service: outbox.name, error: (e as Error).message });
        this.broadcast(frame('service_unavailable', unavailable(outbox.name)));
      }
    }
    return events;
  }

  /** The hub's position was purged before it read it (it cannot, in practice): every stream re-reads, and says gap. */
  private fellBehind(i: number): void {
    for (const s of this.streams) s.live[i] = false;
  }

  /**
   * Makes sure the parties of these agreements are known before their events are filtered. An agreement
   * not known yet sends one question to the graph (at most one a second; the round waits for it, so an
   * agreement created a moment ago is known when its first event goes out). An id the graph did not
   * know is asked about again after a few seconds only; meanwhile PARTY streams do not get its events
   * (fail closed). Parties are fixed when an agreement is created, so what is known is kept.
   */
  private async knowParties(ids: readonly (string | null)[]): Promise<void> {
    const now = Date.now();
    const need = [...new Set(ids.filter((id): id is string => id !== null).map((id) => id.toLowerCase()))].filter((id) => {
      if (this.parties.has(id)) return false;
      const askedAt = this.unresolved.get(id);
      return askedAt === undefined || now - askedAt >= PARTIES_RETRY_MS;
    });
    if (!need.length) return;
    for (const id of need) if (!this.wanted.has(id)) this.wanted.set(id, now);
    // Twice at most: a question already under way may have been sent before these ids were wanted.
    for (let round = 0; round < 2 && need.some((id) => this.wanted.has(id)); round += 1) {
      this.refreshing ??= this.refreshParties().finally(() => (this.refreshing = null));
      await this.refreshing;
    }
  }

  private async refreshParties(): Promise<void> {
    const wait = this.refreshedAt + PARTIES_MIN_INTERVAL_MS - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const startedAt = (this.refreshedAt = Date.now());
    const asked = [...this.wanted.keys()];
    try {
      this.parties = await this.deps.agreementParties();
    } catch (e) {
      this.deps.logger.warn("agreements' parties could not be read; PARTY streams miss events of agreements not yet known", { error: (e as Error).message });
    }
    if (this.unresolved.size > MAX_UNRESOLVED) this.unresolved.clear();
    for (const id of asked) {
      this.wanted.delete(id);
      if (this.parties.has(id)) this.unresolved.delete(id);
      else this.unresolved.set(id, startedAt);
    }
  }

  /** Ends every stream (the gateway is shutting down): clients reconnect elsewhere with their Last-Event-ID. */
  closeAll(): void {
    for (const s of [...this.streams]) this.remove(s, 'shutdown');
    this.stop();
  }
}

function unavailable(service: string) {
  return { service, message: `The ${service} service's alert outbox does not answer: its events are delayed, not lost; they follow when it answers.` };
}

/** What writeBounded needs of a response: any Node writable stream. */
export interface BoundedTarget {
  write(text: string): unknown;
  readonly writableLength: number;
  readonly writableEnded: boolean;
  readonly destroyed: boolean;
  destroy(): unknown;
}

/**
 * Writes `text` unless the response already holds more than `maxBuffered` bytes the client has not
 * read; then destroys it (a client that cannot keep up resumes later with its Last-Event-ID rather than
 * making the gateway hold its backlog). Returns whether the response is still usable.
 */
export function writeBounded(res: BoundedTarget, text: string, maxBuffered: number): boolean {
  if (res.writableEnded || res.destroyed) return false;
  res.write(text);
  if (res.writableLength <= maxBuffered) return true;
  res.destroy();
  return false;
}

/**
 * Serves GET /alerts for a caller the verifier accepted: refuses PUBLIC, checks the filters, the
 * Last-Event-ID and the limits (in that order, so a refusal says the first thing to fix and a refused
 * stream holds no place), then opens the stream. Throws StreamRefusal for what the caller should fix.
 */
export async function openAlertStream(hub: AlertHub, req: IncomingMessage, res: ServerResponse, url: URL, caller: Caller, headers: Record<string, string>): Promise<void> {
  if (!caller.roles.length) {
    throw new StreamRefusal(401, 'UNAUTHENTICATED', 'The alert stream is for partner agencies: send your agency\'s token as "Authorization: Bearer <token>". Nothing in it is public.');
  }
  const filters = streamFilters(url.searchParams);
  const resume = requestedCursor(req.headers['last-event-id'], url.searchParams, hub.services);
  const agency = caller.agency ?? caller.subject ?? 'unknown';
  const ticket = hub.reserve(agency);
  // A client that hangs up while "now" is read frees its place at once.
  let gone = false;
  const hangUp = () => {
    gone = true;
    ticket.release();
  };
  res.once('close', hangUp);
  // A client that hung up earlier (while its token was checked) fired 'close' before anyone listened:
  // without this its place would be held until the next heartbeat found the stream dead.
  if (res.destroyed || req.socket?.destroyed) hangUp();
  try {
    if (gone) return;
    const start = resume ?? (await hub.currentHeads());
    if (gone) return;
    const exp = tokenExpiry(req.headers.authorization);
    res.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write(preamble(start));
    res.off('close', hangUp);
    hub.add({ caller, agency, res, cursor: start, filters, expiresAt: exp === null ? null : exp * 1000, ticket });
  } catch (e) {
    res.off('close', hangUp);
    ticket.release();
    throw e;
  }
}
