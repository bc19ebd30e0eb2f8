import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ALERT_TYPES, ConfigError, silentLogger, type Caller, type Role, type StoredAlert } from '@treaty/service-kit';
import {
  AlertHub,
  DEFAULT_ALERT_STREAM,
  openAlertStream,
  KEEP_ALIVE,
  StreamRefusal,
  alertPayload,
  formatCursor,
  frame,
  mayReceive,
  mergeRound,
  parseCursor,
  passesFilters,
  preamble,
  requestedCursor,
  streamFilters,
  tokenExpiry,
  writeBounded,
} from '../src/alerts.js';
import { loadGatewayConfig } from '../src/config.js';
import { SUBGRAPHS } from '../src/topology.js';

/** The pure parts of GET /alerts (src/alerts-format.ts, writeBounded): the stream itself is tested in test/alerts-stream.e2e.ts. */

const AGREEMENT = '6f1c2a4e-0b7d-4e8a-9c3f-2d5e8b1a7c90';
const VELTRIA = 'a1a1a1a1-0000-4000-8000-000000000001';
const MARREN = 'b2b2b2b2-0000-4000-8000-000000000002';

function alert(seq: number, recordedAt: string, extra: Partial<StoredAlert> = {}): StoredAlert {
  return { seq, key: `k:${seq}`, type: 'incident.reported', agreementId: AGREEMENT, occurredAt: recordedAt, recordedAt, audience: ['MONITOR'], data: {}, ...extra };
}

const refusalOf = (f: () => unknown): StreamRefusal => {
  try {
    f();
  } catch (e) {
    if (e instanceof StreamRefusal) return e;
    throw e;
  }
  throw new Error('expected a StreamRefusal');
};

describe('the cursor (id: and Last-Event-ID)', () => {
  it('has one number per subgraph, in the order of SUBGRAPHS, and reads back what it wrote', () => {
    expect(SUBGRAPHS.map((s) => s.name)).toEqual(['milestones', 'prisoners', 'corridors', 'guarantors']);
    expect(formatCursor([12, 0, 40, 3])).toBe('v1.12.0.40.3');
    expect(parseCursor('v1.12.0.40.3', 4)).toEqual([12, 0, 40, 3]);
    expect(parseCursor(' v1.0.0.0.0 ', 4)).toEqual([0, 0, 0, 0]);
    expect(parseCursor(formatCursor([9_007_199_254_740, 1, 2, 3]), 4)).toEqual([9_007_199_254_740, 1, 2, 3]);
  });

  it('refuses anything else: another version, another count, signs, fractions, words, overlong numbers', () => {
    for (const bad of ['', 'v2.1.2.3.4', 'v1.1.2.3', 'v1.1.2.3.4.5', 'v1.-1.2.3.4', 'v1.1.2.3.4.', 'v1..2.3.4', 'v1.1.5e3.3.4', 'v1.1.2.3.x', '1.2.3.4', 'v1.1234567890123456.0.0.0', `v1.${'1.'.repeat(100)}1`]) {
      expect(parseCursor(bad, 4), bad).toBeNull();
    }
  });

  it('comes from the Last-Event-ID header, else ?lastEventId=; a malformed one is BAD_USER_INPUT showing the shape', () => {
    expect(requestedCursor('v1.1.2.3.4', new URLSearchParams('lastEventId=v1.9.9.9.9'), 4)).toEqual([1, 2, 3, 4]);
    expect(requestedCursor(undefined, new URLSearchParams('lastEventId=v1.9.9.9.9'), 4)).toEqual([9, 9, 9, 9]);
    expect(requestedCursor(undefined, new URLSearchParams(), 4)).toBeNull();
    expect(requestedCursor('  ', new URLSearchParams(), 4)).toBeNull();
    const r = refusalOf(() => requestedCursor('v1.1.2', new URLSearchParams(), 4));
    expect(r).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });
    expect(r.message).toBe('Last-Event-ID must be the id: of an event this stream sent: "v1." and 4 whole numbers separated by dots, like v1.12.0.40.3. To start with the events that come next, leave it out.');
    expect(refusalOf(() => requestedCursor(undefined, new URLSearchParams('lastEventId=latest'), 4)).code).toBe('BAD_USER_INPUT');
  });
});

describe('who receives an event', () => {
  const party = (partyId: string | null) => ({ roles: ['PARTY'] as Role[], partyId });
  const toParties = { audience: ['MONITOR', 'PARTY'] as Role[], agreementId: AGREEMENT };

  it('a role in the audience other than PARTY is enough; a role outside it gets nothing', () => {
    expect(mayReceive({ roles: ['MONITOR'], partyId: null }, toParties, null)).toBe(true);
    expect(mayReceive({ roles: ['AGENCY'], partyId: null }, toParties, [VELTRIA])).toBe(false);
    expect(mayReceive({ roles: ['AGENCY', 'GUARANTOR'], partyId: null }, { audience: ['GUARANTOR'], agreementId: null }, null)).toBe(true);
    expect(mayReceive({ roles: [], partyId: null }, { audience: ['MONITOR', 'MEDIATOR', 'INTERMEDIARY', 'GUARANTOR', 'AGENCY', 'PARTY'], agreementId: null }, null)).toBe(false);
  });

  it('PARTY alone: only a party to the agreement, whatever the case of the ids', () => {
    expect(mayReceive(party(VELTRIA), toParties, [VELTRIA, MARREN])).toBe(true);
    expect(mayReceive(party(VELTRIA.toUpperCase()), toParties, [VELTRIA])).toBe(true);
    expect(mayReceive(party(VELTRIA), toParties, [MARREN])).toBe(false);
    expect(mayReceive(party(VELTRIA), { audience: ['MONITOR'], agreementId: AGREEMENT }, [VELTRIA])).toBe(false);
  });

  it('fails closed for PARTY: an agreement not resolved, an event of no agreement, a token without a party', () => {
    expect(mayReceive(party(VELTRIA), toParties, null)).toBe(false);
    expect(mayReceive(party(VELTRIA), { audience: ['PARTY'], agreementId: null }, [VELTRIA])).toBe(false);
    expect(mayReceive(party(null), toParties, [VELTRIA])).toBe(false);
    // Another role in the audience still receives it, whatever the party.
    expect(mayReceive({ roles: ['PARTY', 'MONITOR'], partyId: MARREN }, toParties, null)).toBe(true);
  });

  it("then the stream's own filters: types and agreements, an event of no agreement never matching one", () => {
    const f = streamFilters(new URLSearchParams(`types=incident.verified, snapback.triggered&types=tranche.released&agreement=${AGREEMENT.toUpperCase()}`));
    expect([...f.types!]).toEqual(['incident.verified', 'snapback.triggered', 'tranche.released']);
    expect([...f.agreements!]).toEqual([AGREEMENT]);
    expect(passesFilters(f, { type: 'incident.verified', agreementId: AGREEMENT })).toBe(true);
    expect(passesFilters(f, { type: 'incident.reported', agreementId: AGREEMENT })).toBe(false);
    expect(passesFilters(f, { type: 'incident.verified', agreementId: MARREN })).toBe(false);
    expect(passesFilters(f, { type: 'incident.verified', agreementId: null })).toBe(false);
    expect(passesFilters(streamFilters(new URLSearchParams('types=')), { type: 'redress.due', agreementId: null })).toBe(true);
  });

  it('refuses an unknown type (even one every object has) listing the valid ones, and an agreement that is not a UUID', () => {
    const r = refusalOf(() => streamFilters(new URLSearchParams('types=incident.verified,shelling.happened,constructor')));
    expect(r).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });
    expect(r.message).toBe(`Unknown alert types "shelling.happened", "constructor" in types=; use any of ${Object.keys(ALERT_TYPES).join(', ')}.`);
    const a = refusalOf(() => streamFilters(new URLSearchParams(`agreement=${AGREEMENT}&agreement=lakeshore`)));
    expect(a).toMatchObject({ status: 400, code: 'BAD_USER_INPUT' });
    expect(a.message).toMatch(/^agreement= must be an agreement's id \(a UUID, like .*\); got "lakeshore"\.$/);
  });
});

describe('the order of one poll round', () => {
  it("merges services by when recorded and never puts a service's event before one with a smaller number", () => {
    // Milestones recorded its second event at an earlier instant than its first (commit order is what numbers it).
    const milestones = [alert(1, '2026-06-15T09:00:10.000Z'), alert(2, '2026-06-15T09:00:05.000Z')];
    const corridors = [alert(7, '2026-06-15T09:00:07.000Z'), alert(8, '2026-06-15T09:00:20.000Z')];
    const merged = mergeRound([milestones, [], corridors, []]).map((f) => `${SUBGRAPHS[f.index]!.name}:${f.event.seq}`);
    expect(merged).toEqual(['corridors:7', 'milestones:1', 'milestones:2', 'corridors:8']);
    expect(mergeRound([[], [], [], []])).toEqual([]);
    // Equal instants go in service order.
    const same = mergeRound([[alert(3, '2026-06-15T09:00:00.000Z')], [alert(4, '2026-06-15T09:00:00.000Z')]]);
    expect(same.map((f) => f.index)).toEqual([0, 1]);
  });
});

describe('the framing', () => {
  it('writes retry, then ready with the start cursor, then events with id, event and one data line', () => {
    expect(preamble([12, 0, 40, 3])).toBe('retry: 3000\n\nevent: ready\ndata: {"cursor":"v1.12.0.40.3"}\n\n');
    const e = alert(41, '2026-06-15T09:30:00.000Z', { type: 'incident.verified', data: { note: 'line one\nline two', material: true }, audience: ['MONITOR', 'PARTY'] });
    const text = frame(e.type, alertPayload('corridors', e), 'v1.12.0.41.3');
    const lines = text.split('\n');
    expect(lines.slice(0, 2)).toEqual(['id: v1.12.0.41.3', 'event: incident.verified']);
    expect(lines[2]!.startsWith('data: ')).toBe(true);
    expect(lines.slice(3)).toEqual(['', '']);
    const data = JSON.parse(lines[2]!.slice('data: '.length));
    expect(data).toEqual({ id: 'corridors:41', type: 'incident.verified', service: 'corridors', agreementId: AGREEMENT, occurredAt: e.occurredAt, recordedAt: e.recordedAt, data: { note: 'line one\nline two', material: true } });
    // The outbox's key and audience stay inside.
    expect(text).not.toContain('k:41');
    expect(text).not.toContain('audience');
    expect(frame('gap', { service: 'prisoners', missedAfter: 0, resumedAt: 3 })).toBe('event: gap\ndata: {"service":"prisoners","missedAfter":0,"resumedAt":3}\n\n');
    expect(KEEP_ALIVE).toBe(': keep-alive\n\n');
  });

  it("reads a verified token's expiry, and nothing from what is not a token", () => {
    const claims = Buffer.from(JSON.stringify({ exp: 1_781_000_000, roles: ['MONITOR'] })).toString('base64url');
    expect(tokenExpiry(`Bearer eyJhbGciOiJFZERTQSJ9.${claims}.sig`)).toBe(1_781_000_000);
    expect(tokenExpiry(undefined)).toBeNull();
    expect(tokenExpiry('Bearer not-a-token')).toBeNull();
    expect(tokenExpiry(`Bearer x.${Buffer.from('{"exp":"soon"}').toString('base64url')}.y`)).toBeNull();
  });
});

describe('a client too slow to read', () => {
  it('is cut off once its unsent output passes the bound, instead of the gateway holding it', () => {
    // A consumer that never finishes a write: everything after the first chunk stays buffered.
    const stalled = new Writable({ highWaterMark: 16, write: () => undefined });
    stalled.on('error', () => undefined);
    const chunk = 'x'.repeat(100);
    let writes = 0;
    while (writeBounded(stalled, chunk, 1_000)) writes += 1;
    expect(writes).toBeGreaterThanOrEqual(9);
    expect(writes).toBeLessThanOrEqual(11);
    expect(stalled.destroyed).toBe(true);
    expect(writeBounded(stalled, chunk, 1_000)).toBe(false);
  });
});

describe('settings', () => {
  const base = { TREATY_INTERNAL_KEYS: JSON.stringify({ 'gateway>milestones': Buffer.alloc(32, 1).toString('base64url') }), TREATY_JWKS_FILE: '/tmp/jwks.json' };
  const problems = (env: Record<string, string>) => {
    try {
      loadGatewayConfig({ ...base, ...env });
      return [];
    } catch (e) {
      if (e instanceof ConfigError) return e.problems;
      throw e;
    }
  };

  it('are 250 ms, 500 streams and 10 per agency by default, and what is set otherwise', () => {
    expect(loadGatewayConfig(base).settings.alertStream).toEqual(DEFAULT_ALERT_STREAM);
    expect(DEFAULT_ALERT_STREAM).toMatchObject({ pollMs: 250, maxStreams: 500, maxStreamsPerAgency: 10, heartbeatMs: 15_000 });
    expect(loadGatewayConfig({ ...base, GATEWAY_ALERT_POLL_MS: '100', GATEWAY_ALERT_MAX_STREAMS: '40', GATEWAY_ALERT_MAX_STREAMS_PER_AGENCY: '3' }).settings.alertStream).toMatchObject({ pollMs: 100, maxStreams: 40, maxStreamsPerAgency: 3 });
  });

  it('refuse what is not a sensible number, naming the variable and an example, all at once', () => {
    const found = problems({ GATEWAY_ALERT_POLL_MS: '5', GATEWAY_ALERT_MAX_STREAMS: 'many', GATEWAY_ALERT_MAX_STREAMS_PER_AGENCY: '0' });
    expect(found).toHaveLength(3);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^GATEWAY_ALERT_POLL_MS: must be at least 50 ms, e\.g\. 250$/),
        expect.stringMatching(/^GATEWAY_ALERT_MAX_STREAMS: must be a whole number .*e\.g\. 500$/),
        expect.stringMatching(/^GATEWAY_ALERT_MAX_STREAMS_PER_AGENCY: .*e\.g\. 10$/),
      ]),
    );
    expect(problems({ GATEWAY_ALERT_POLL_MS: '2000' })).toEqual([expect.stringMatching(/^GATEWAY_ALERT_POLL_MS: must be at most 1500 ms/)]);
  });
});

describe('a client that hangs up before its stream opens', () => {
  /** A request and response as Node hands them over once the client has gone: destroyed, 'close' already past. */
  const gone = (cursor: string) => {
    const res = Object.assign(new EventEmitter(), { destroyed: true, writableEnded: false, writableLength: 0, writeHead: () => res, write: () => true, end: () => undefined, destroy: () => undefined });
    const req = { headers: { 'last-event-id': cursor }, socket: { destroyed: true } };
    return { req, res };
  };

  it('holds no place afterwards, so the agency can open its streams at once', async () => {
    const hub = new AlertHub({
      sources: SUBGRAPHS.map((s) => ({ name: s.name, url: `http://127.0.0.1:9/${s.name}` })),
      signer: null as never,
      logger: silentLogger,
      registry: new Registry(),
      settings: { ...DEFAULT_ALERT_STREAM, maxStreamsPerAgency: 1 },
      agreementParties: async () => new Map(),
    });
    const caller = { agency: 'Impatient Cell', roles: ['MONITOR'], subject: 'x' } as unknown as Caller;
    try {
      for (let i = 0; i < 3; i++) {
        const { req, res } = gone(formatCursor(SUBGRAPHS.map(() => 0)));
        await openAlertStream(hub, req as never, res as never, new URL('http://gateway/alerts'), caller, {});
        expect(hub.countFor('Impatient Cell')).toBe(0);
        expect(hub.size).toBe(0);
      }
    } finally {
      hub.closeAll();
    }
  });
});
