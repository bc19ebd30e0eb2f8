import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAllDemos, type DemoResult } from '@treaty/launcher';
import { startFederation, type Federation } from '@treaty/testing';
import { ALL_SERVICES } from './services.js';

/**
 * Hostile input through the real gateway over HTTP (DESIGN §5, §8): every refusal has its documented
 * code, HTTP status and a message that names what was wrong; those that must come first are refused
 * before any subgraph sees a request; no answer carries an internal address, a stack or SQL; and the
 * headline query still answers afterwards.
 */

/** Day 24 of the demo agreement, 09:30. */
const NOW = '2026-06-15T09:30:00.000Z';
const HEADLINE_FILE = new URL('../gateway/operations/compliance.graphql', import.meta.url);
const ALLOWED_ORIGIN = 'https://dashboard.example.org';
const MAX_BODY_BYTES = 1024 * 1024;

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

async function send(url: string, init: RequestInit): Promise<Answer> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, text, body };
}

/** POSTs `payload` (an object, or raw JSON text sent as it is) with content-type application/json. */
function post(f: Federation, payload: unknown, opts: { token?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  return send(f.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...opts.headers },
    body: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
}

const op = (f: Federation, query: string, variables: Record<string, unknown> = {}, token?: string) => post(f, { query, variables }, { token });

/** Nothing internal in any answer: no address, no stack, no SQL (DESIGN §5). */
function expectClean(a: Answer): void {
  const whole = a.body === undefined ? a.text : JSON.stringify(a.body);
  for (const leak of ['127.0.0.1', 'localhost:', 'http://', 'stacktrace', 'SELECT', 'INSERT']) expect(whole, `answer leaks "${leak}": ${whole.slice(0, 600)}`).not.toContain(leak);
  for (const e of a.body?.errors ?? []) expect(e.extensions?.stacktrace, JSON.stringify(e)).toBeUndefined();
}

const messages = (a: Answer): string => (a.body?.errors ?? []).map((e: any) => e.message).join('\n');

/** A refusal: HTTP status, code of the first error, a distinctive part of its message, nothing internal. */
function expectRefusal(a: Answer, status: number, code: string, message?: RegExp): void {
  const shown = `HTTP ${a.status}: ${a.text.slice(0, 800)}`;
  expect(a.status, shown).toBe(status);
  expect(a.body?.errors?.[0]?.extensions?.code, shown).toBe(code);
  if (message) expect(a.body.errors[0].message, shown).toMatch(message);
  expect(a.body?.data ?? null, shown).toBeNull();
  expectClean(a);
}

function expectAnswered(a: Answer): void {
  const shown = `HTTP ${a.status}: ${a.text.slice(0, 800)}`;
  expect(a.status, shown).toBe(200);
  expect(a.body?.errors, shown).toBeUndefined();
  expect(a.body?.data, shown).toBeTruthy();
}

/** Counts the requests that reach each subgraph's HTTP server. */
function subgraphCounter(f: Federation) {
  const counts: Record<string, number> = {};
  for (const [name, running] of Object.entries(f.running)) {
    counts[name] = 0;
    running.http.on('request', () => (counts[name] = (counts[name] ?? 0) + 1));
  }
  const settle = () => new Promise((r) => setTimeout(r, 50));
  const total = () => Object.values(counts).reduce((s, n) => s + n, 0);
  return {
    /** Runs `action` and asserts that no subgraph saw a request meanwhile. */
    async untouched<T>(action: () => Promise<T>): Promise<T> {
      await settle();
      const before = { ...counts };
      const out = await action();
      await settle();
      expect(counts, 'a subgraph was called for a request the gateway must refuse first').toEqual(before);
      return out;
    },
    /** Runs `action` and asserts that at least one subgraph saw a request (the counter works). */
    async touched<T>(action: () => Promise<T>): Promise<T> {
      await settle();
      const before = total();
      const out = await action();
      await settle();
      expect(total(), 'an accepted query must reach a subgraph').toBeGreaterThan(before);
      return out;
    },
  };
}

async function federationWithDemo(gateway: NonNullable<Parameters<typeof startFederation>[1]>['gateway']) {
  // The alert watchers stay idle: their own calls between services would be counted as the attack's.
  const f = await startFederation(ALL_SERVICES, { now: NOW, gateway, alertTickMs: 3_600_000 });
  const demo = await loadAllDemos(f.url, (claims) => f.token(claims), () => {}, f.clock.now());
  return { f, demo, calls: subgraphCounter(f) };
}

// ---- the attacks -------------------------------------------------------------------------------------

/** `levels` nested fields, agreements { parties { agreements { parties ... } } }, ending in id. */
function deepQuery(levels: number): string {
  const fields = Array.from({ length: levels }, (_, i) => (i % 2 === 0 ? 'agreements' : 'parties'));
  return `{ ${fields.map((f) => `${f} {`).join(' ')} id ${'}'.repeat(levels)} }`;
}
const aliasesQuery = (n: number, selection = 'agreements { milestones { compliance { verdict } } }') => `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${selection}`).join(' ')} }`;
const rootAliasesQuery = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}:__typename`).join(' ')} }`;
const OVER_TOKENS = `{ ${'agreements { id } '.repeat(600)} }`;
const DIRECTIVES = `{ agreements { ${'id @include(if: true) '.repeat(50)} } }`;
/** Seven levels deep (within the depth limit of 10), but wide at the bottom: over the cost limit. */
const COSTLY = `{ agreements { parties { agreements { parties { agreements { milestones { ${'title dueDay status dueAt '.repeat(60)} } } } } } } }`;
const CIRCULAR = `{ agreements { ...A } } fragment A on Agreement { parties { agreements { ...B } } } fragment B on Agreement { ...A }`;

const BAD_DATETIMES: { label: string; value: string | number }[] = [
  { label: 'month 13, day 45', value: '2026-13-45T00:00:00Z' },
  { label: 'a word', value: 'yesterday' },
  { label: 'a date without a time', value: '2026-11-01' },
  { label: '30 February', value: '2026-02-30T10:00:00Z' },
  { label: 'a number', value: 5 },
];
/** A value as a GraphQL literal: strings quoted (JSON quoting is valid GraphQL here), numbers bare. */
const literal = (v: string | number) => (typeof v === 'string' ? JSON.stringify(v) : String(v));

const CREATE_AGREEMENT = `mutation ($input: CreateAgreementInput!) { createAgreement(input: $input) { id title } }`;
/** Parties are registered by name once: every agreement this file creates names new ones. */
let partySerial = 0;
const partyName = (side: 'A' | 'B') => `Attack Party ${side}${++partySerial}`;
function agreementInput(over: Record<string, unknown> = {}) {
  return {
    title: 'Attack test agreement',
    entryIntoForceAt: '2026-06-01T00:00:00Z',
    parties: [
      { name: partyName('A'), kind: 'GOVERNMENT' },
      { name: partyName('B'), kind: 'OTHER' },
    ],
    phases: [{ ordinal: 1, name: 'Only phase', startDay: 0, endDay: 30, permittedCargo: ['HUMANITARIAN_AID'] }],
    ...over,
  };
}
/** createAgreement with its input written inline; `fields` replaces or adds literal fields. */
function createAgreementLiteral(fields: Record<string, string> = {}): string {
  const all: Record<string, string> = {
    title: '"Attack test agreement"',
    entryIntoForceAt: '"2026-06-01T00:00:00Z"',
    parties: `[{ name: "${partyName('A')}", kind: GOVERNMENT }, { name: "${partyName('B')}", kind: OTHER }]`,
    phases: '[{ ordinal: 1, name: "Only phase", startDay: 0, endDay: 30, permittedCargo: [HUMANITARIAN_AID] }]',
    ...fields,
  };
  return `mutation { createAgreement(input: { ${Object.entries(all).map(([k, v]) => `${k}: ${v}`).join(', ')} }) { id } }`;
}

const REPORT_INCIDENT = `mutation ($input: ReportIncidentInput!) { reportIncident(input: $input) { id } }`;
function incidentInput(agreementId: string, over: Record<string, unknown> = {}) {
  return {
    agreementId,
    category: 'SMALL_ARMS_FIRE',
    occurredAt: '2026-06-14T22:00:00Z',
    latitude: 41.62,
    longitude: 22.48,
    placeDescription: 'Attack test, ridge road',
    severity: 'MINOR',
    description: 'Attack test: shots heard, no casualties.',
    ...over,
  };
}
function reportIncidentLiteral(agreementId: string, fields: Record<string, string> = {}): string {
  const all: Record<string, string> = {
    agreementId: JSON.stringify(agreementId),
    category: 'SMALL_ARMS_FIRE',
    occurredAt: '"2026-06-14T22:00:00Z"',
    latitude: '41.62',
    longitude: '22.48',
    placeDescription: '"Attack test, ridge road"',
    severity: 'MINOR',
    description: '"Attack test: shots heard, no casualties."',
    ...fields,
  };
  return `mutation { reportIncident(input: { ${Object.entries(all).map(([k, v]) => `${k}: ${v}`).join(', ')} }) { id } }`;
}

// ---- outside production: limits, transport, truthful errors, HTTP edges --------------------------------

describe('outside production: limits, transport, truthful errors and HTTP edges', () => {
  let f: Federation;
  let demo: DemoResult;
  let calls: ReturnType<typeof subgraphCounter>;
  let mediator: string;
  let monitor: string;
  const agreementCount = async () => {
    const r = await op(f, '{ agreements { id } }', {}, mediator);
    expectAnswered(r);
    return r.body.data.agreements.length as number;
  };
  const incidentCount = async () => {
    const r = await op(f, 'query ($id: ID!) { agreement(id: $id) { incidents { id } } }', { id: demo.agreementId }, monitor);
    expectAnswered(r);
    return r.body.data.agreement.incidents.length as number;
  };

  beforeAll(async () => {
    ({ f, demo, calls } = await federationWithDemo({ corsOrigins: [ALLOWED_ORIGIN] }));
    mediator = await f.token({ roles: ['MEDIATOR'], agency: 'Attack test envoy' });
    monitor = await f.token({ roles: ['MONITOR'], agency: 'Attack test monitors' });
  });
  afterAll(() => f?.stop());

  it('counts subgraph calls: an accepted query reaches a subgraph', async () => {
    expectAnswered(await calls.touched(() => op(f, '{ agreements { title } }')));
  });

  describe('operation limits, refused before any subgraph is called', () => {
    it('refuses a 101-level-deep query, naming the depth limit and the depth found', async () => {
      const r = await calls.untouched(() => op(f, deepQuery(101)));
      expectRefusal(r, 400, 'OPERATION_TOO_COMPLEX');
      for (const e of r.body.errors) expect(e.extensions.code, r.text).toBe('OPERATION_TOO_COMPLEX');
      const depth = /depth limit of 10 exceeded, found (\d+)/i.exec(messages(r));
      expect(depth, `no error names the depth limit: ${messages(r)}`).not.toBeNull();
      expect(Number(depth![1])).toBeGreaterThanOrEqual(101);
    });

    it('refuses 1,000 aliases of the compliance verdict', async () => {
      const r = await calls.untouched(() => op(f, aliasesQuery(1000)));
      expectRefusal(r, 400, 'OPERATION_TOO_COMPLEX', /limit of \d+ exceeded/i);
    });

    it('refuses 31 aliases, one over the alias limit, naming it', async () => {
      const r = await calls.untouched(() => op(f, aliasesQuery(31, 'agreements { id }')));
      expectRefusal(r, 400, 'OPERATION_TOO_COMPLEX');
      expect(messages(r)).toMatch(/Aliases limit of 30 exceeded, found 31/);
    });

    it('refuses 200,000 root aliases (a ~3.7 MB body) as too large, with 413', async () => {
      const query = rootAliasesQuery(200_000);
      expect(query.length).toBeGreaterThan(3_500_000);
      const r = await calls.untouched(() => op(f, query));
      expectRefusal(r, 413, 'PAYLOAD_TOO_LARGE', new RegExp(`${MAX_BODY_BYTES} bytes`));
    });

    it('refuses a document under the body limit but over 2,000 tokens, naming the token limit', async () => {
      expect(OVER_TOKENS.length).toBeLessThan(MAX_BODY_BYTES);
      const r = await calls.untouched(() => op(f, OVER_TOKENS));
      expectRefusal(r, 400, 'OPERATION_TOO_COMPLEX', /Token limit of 2000 exceeded/);
    });

    it('refuses 50 @include directives, naming the directive limit', async () => {
      const r = await calls.untouched(() => op(f, DIRECTIVES));
      expectRefusal(r, 400, 'OPERATION_TOO_COMPLEX');
      expect(messages(r)).toMatch(/Directives limit of 20 exceeded, found 50/);
    });

    it('refuses a wide cyclic query within the depth limit but over the cost limit', async () => {
      const r = await calls.untouched(() => op(f, COSTLY));
      expectRefusal(r, 400, 'OPERATION_TOO_COMPLEX', /Cost limit of 2500 exceeded, found \d+/i);
      expect(messages(r), 'it is within the depth limit: only cost may refuse it').not.toMatch(/depth/i);
    });

    it('refuses circular fragments as a validation failure', async () => {
      const r = await calls.untouched(() => op(f, CIRCULAR));
      expectRefusal(r, 400, 'GRAPHQL_VALIDATION_FAILED', /Cannot spread fragment "[AB]" within itself/);
    });
  });

  describe('transport', () => {
    it('refuses a batch (a JSON array body)', async () => {
      const r = await calls.untouched(() => post(f, [{ query: '{ agreements { title } }' }, { query: '{ agreements { id } }' }]));
      expectRefusal(r, 400, 'BAD_REQUEST', /Batched operations are not accepted/);
    });

    it('refuses a mutation sent with GET, and writes nothing', async () => {
      const before = await agreementCount();
      const mutation = createAgreementLiteral({ title: '"Written over GET"' });
      const r = await calls.untouched(() =>
        send(`${f.url}?query=${encodeURIComponent(mutation)}`, { method: 'GET', headers: { authorization: `Bearer ${mediator}`, 'apollo-require-preflight': 'true' } }),
      );
      expect([400, 405], r.text).toContain(r.status);
      expect(r.body?.errors?.[0]?.extensions?.code, r.text).toBe('BAD_REQUEST');
      expect(messages(r)).toMatch(/mutation/);
      expectClean(r);
      expect(await agreementCount()).toBe(before);
    });

    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=xyz']) {
      it(`refuses a POST with content-type ${type.split(';')[0]} (what a cross-site form sends) with 415`, async () => {
        const r = await calls.untouched(() =>
          send(f.url, { method: 'POST', headers: { 'content-type': type }, body: JSON.stringify({ query: '{ agreements { title } }' }) }),
        );
        expectRefusal(r, 415, 'BAD_REQUEST', /Content-Type: application\/json/);
      });
    }

    it('refuses a GET query without a content-type or apollo-require-preflight (CSRF prevention), and answers it with the header', async () => {
      const url = `${f.url}?query=${encodeURIComponent('{ agreements { title } }')}`;
      const r = await calls.untouched(() => send(url, { method: 'GET' }));
      expectRefusal(r, 400, 'BAD_REQUEST', /Cross-Site Request Forgery|CSRF/);
      expectAnswered(await send(url, { method: 'GET', headers: { 'apollo-require-preflight': 'true' } }));
    });
  });

  describe('truthful errors: a malformed value is BAD_USER_INPUT, before any subgraph, and writes nothing', () => {
    for (const { label, value } of BAD_DATETIMES) {
      it(`refuses a DateTime that is ${label} (${JSON.stringify(value)}), as a variable and inline, on mutations and on query arguments`, async () => {
        const agreements = await agreementCount();
        const incidents = await incidentCount();
        const attempts: [string, () => Promise<Answer>][] = [
          ['createAgreement, variable', () => op(f, CREATE_AGREEMENT, { input: agreementInput({ entryIntoForceAt: value }) }, mediator)],
          ['createAgreement, inline', () => op(f, createAgreementLiteral({ entryIntoForceAt: literal(value) }), {}, mediator)],
          ['reportIncident, variable', () => op(f, REPORT_INCIDENT, { input: incidentInput(demo.agreementId, { occurredAt: value }) }, monitor)],
          ['reportIncident, inline', () => op(f, reportIncidentLiteral(demo.agreementId, { occurredAt: literal(value) }), {}, monitor)],
          ['deliveries(from:), variable', () => op(f, 'query ($id: ID!, $from: DateTime) { agreement(id: $id) { deliveries(from: $from) { trucks } } }', { id: demo.agreementId, from: value })],
          ['verifiedViolations(since:), inline', () => op(f, `query ($id: ID!) { agreement(id: $id) { verifiedViolations(since: ${literal(value)}) } }`, { id: demo.agreementId })],
        ];
        for (const [what, attempt] of attempts) {
          const r = await calls.untouched(attempt);
          expect(r.body?.errors?.[0]?.extensions?.code, `${what}: HTTP ${r.status} ${r.text.slice(0, 600)}`).toBe('BAD_USER_INPUT');
          expectRefusal(r, 400, 'BAD_USER_INPUT', /DateTime/);
        }
        expect(await agreementCount()).toBe(agreements);
        expect(await incidentCount()).toBe(incidents);
      });
    }

    it('refuses a NUL character in a string variable and as an escaped literal', async () => {
      const before = await agreementCount();
      const variable = await calls.untouched(() => op(f, CREATE_AGREEMENT, { input: agreementInput({ title: 'a\u0000b' }) }, mediator));
      expectRefusal(variable, 400, 'BAD_USER_INPUT', /NUL/);
      // The document holds the six characters \u0000, GraphQL's escape for NUL.
      const inline = await calls.untouched(() => op(f, createAgreementLiteral({ title: '"a\\u0000b"' }), {}, mediator));
      expectRefusal(inline, 400, 'BAD_USER_INPUT', /NUL/);
      expect(await agreementCount()).toBe(before);
    });

    it('refuses a lone UTF-16 surrogate in a variable', async () => {
      const before = await agreementCount();
      const r = await calls.untouched(() => op(f, CREATE_AGREEMENT, { input: agreementInput({ title: 'x\ud800y' }) }, mediator));
      expectRefusal(r, 400, 'BAD_USER_INPUT', /surrogate/);
      expect(await agreementCount()).toBe(before);
    });

    it('refuses a body that is not valid UTF-8 (a surrogate as raw CESU-8 bytes, a Latin-1 é) instead of storing U+FFFD', async () => {
      const before = await agreementCount();
      const text = JSON.stringify({ query: CREATE_AGREEMENT, variables: { input: agreementInput({ title: 'xMARKy' }) } });
      for (const bad of [Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xe9])]) {
        const [head, tail] = text.split('MARK') as [string, string];
        const body = Buffer.concat([Buffer.from(head), bad, Buffer.from(tail)]);
        const r = await calls.untouched(() =>
          send(f.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${mediator}` }, body }),
        );
        expectRefusal(r, 400, 'BAD_USER_INPUT', /not valid UTF-8/);
      }
      expect(await agreementCount()).toBe(before);
      // Nothing with a replacement character was stored either.
      const stored = await f.databases.milestones!.db.query(`SELECT count(*)::int AS n FROM agreement WHERE title LIKE '%' || chr(65533) || '%'`);
      expect(stored[0].n).toBe(0);
    });

    it('refuses 1e400 as a Float literal and as a variable', async () => {
      const before = await incidentCount();
      const inline = await calls.untouched(() => op(f, reportIncidentLiteral(demo.agreementId, { latitude: '1e400' }), {}, monitor));
      expectRefusal(inline, 400, 'BAD_USER_INPUT', /too large/);
      // JSON.stringify cannot write 1e400 (it is Infinity to JavaScript): send the JSON text itself.
      const query = reportIncidentLiteral(demo.agreementId, { latitude: '$lat' }).replace(/^mutation/, 'mutation ($lat: Float!)');
      const raw = `{"query": ${JSON.stringify(query)}, "variables": {"lat": 1e400}}`;
      const variable = await calls.untouched(() => post(f, raw, { token: monitor }));
      expectRefusal(variable, 400, 'BAD_USER_INPUT', /finite/);
      expect(await incidentCount()).toBe(before);
    });

    it('refuses the Int literal 99999999999, on a mutation and on a query argument', async () => {
      const before = await agreementCount();
      const mutation = await calls.untouched(() => op(f, createAgreementLiteral({ proofOfLifeMaxAgeDays: '99999999999' }), {}, mediator));
      expectRefusal(mutation, 400, 'BAD_USER_INPUT', /Int cannot represent/);
      // A list size multiplies graphql-armor's cost too, so the cost limit may refuse it as well: both are true.
      const query = await calls.untouched(() => op(f, '{ convoy(id: "00000000-0000-4000-8000-000000000001") { positions(last: 99999999999) { sequence } } }', {}, monitor));
      expect(query.status, query.text).toBe(400);
      expect(query.body?.data ?? null, query.text).toBeNull();
      expect(query.body.errors, query.text).toContainEqual(expect.objectContaining({ message: expect.stringMatching(/Int cannot represent/), extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) }));
      for (const e of query.body.errors) expect(['BAD_USER_INPUT', 'OPERATION_TOO_COMPLEX'], query.text).toContain(e.extensions.code);
      expectClean(query);
      expect(await agreementCount()).toBe(before);
    });

    it('accepts the same mutations with valid values (so the refusals above are the values\' alone)', async () => {
      const agreements = await agreementCount();
      const incidents = await incidentCount();
      expectAnswered(await op(f, CREATE_AGREEMENT, { input: agreementInput() }, mediator));
      expectAnswered(await op(f, createAgreementLiteral(), {}, mediator));
      expectAnswered(await op(f, REPORT_INCIDENT, { input: incidentInput(demo.agreementId) }, monitor));
      expect(await agreementCount()).toBe(agreements + 2);
      expect(await incidentCount()).toBe(incidents + 1);
    });
  });

  describe('HTTP edges', () => {
    it('answers a 6 MB body with 413 PAYLOAD_TOO_LARGE naming the limit in bytes, not a reset connection', async () => {
      const body = JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(6 * 1024 * 1024) } });
      let r: Answer | undefined;
      let failure: unknown;
      await calls.untouched(async () => {
        try {
          r = await post(f, body);
        } catch (e) {
          failure = e;
        }
      });
      expect(failure, `the connection failed instead of answering 413: ${String((failure as Error)?.cause ?? failure)}`).toBeUndefined();
      expectRefusal(r!, 413, 'PAYLOAD_TOO_LARGE', new RegExp(`\\b${MAX_BODY_BYTES} bytes`));
    });

    it('answers a CORS preflight from an allowed origin, and not from another', async () => {
      const allowed = await send(f.url, { method: 'OPTIONS', headers: { origin: ALLOWED_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } });
      expect(allowed.status).toBe(204);
      expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
      const allowHeaders = (allowed.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/\s*,\s*/);
      expect(allowHeaders).toEqual(expect.arrayContaining(['authorization', 'content-type']));
      expect(allowed.headers.get('access-control-allow-methods') ?? '').toMatch(/POST/);

      const other = await send(f.url, { method: 'OPTIONS', headers: { origin: 'https://evil.example.net', 'access-control-request-method': 'POST' } });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
      expect(other.headers.get('access-control-allow-headers')).toBeNull();
    });

    it('sends access-control-allow-origin on a POST from the allowed origin only', async () => {
      const allowed = await post(f, { query: '{ agreements { title } }' }, { headers: { origin: ALLOWED_ORIGIN } });
      expectAnswered(allowed);
      expect(allowed.headers.get('access-control-allow-origin')).toBe(ALLOWED_ORIGIN);
      const other = await post(f, { query: '{ agreements { title } }' }, { headers: { origin: 'https://evil.example.net' } });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    });

    it('lets an automatic-persisted-query client fall back to the full text when its hash is not a trusted document', async () => {
      const query = '{ agreements { title } }';
      const sha256Hash = createHash('sha256').update(query).digest('hex');
      const first = await calls.untouched(() => post(f, { extensions: { persistedQuery: { version: 1, sha256Hash } } }));
      expectRefusal(first, 400, 'PERSISTED_QUERY_NOT_FOUND', /^PersistedQueryNotFound/);
      expectAnswered(await post(f, { query, extensions: { persistedQuery: { version: 1, sha256Hash } } }));
    });

    it('echoes the client\'s x-request-id, on answers and on refusals', async () => {
      const answered = await post(f, { query: '{ agreements { title } }' }, { headers: { 'x-request-id': 'attack-test-answer-1' } });
      expectAnswered(answered);
      expect(answered.headers.get('x-request-id')).toBe('attack-test-answer-1');
      const refused = await post(f, { query: deepQuery(101) }, { headers: { 'x-request-id': 'attack-test-refusal-2' } });
      expect(refused.status).toBe(400);
      expect(refused.headers.get('x-request-id')).toBe('attack-test-refusal-2');
    });

    it('refuses a garbage bearer token with 401 UNAUTHENTICATED, before any subgraph', async () => {
      const r = await calls.untouched(() => post(f, { query: '{ agreements { title } }' }, { headers: { authorization: 'Bearer not.a-real.token' } }));
      expectRefusal(r, 401, 'UNAUTHENTICATED', /Bearer|token/);
    });

    it('outside production, suggests field names and serves the playground (the production checks can fail)', async () => {
      const typo = await op(f, '{ agreements { titel } }', {}, mediator);
      expectRefusal(typo, 400, 'GRAPHQL_VALIDATION_FAILED', /Cannot query field "titel"/);
      expect(messages(typo)).toMatch(/Did you mean/);
      const page = await send(f.url, { method: 'GET', headers: { accept: 'text/html' } });
      expect(page.status).toBe(200);
      expect(page.text).toMatch(/graphiql/i);
      expect((await send(f.url.replace(/\/graphql$/, '/playground/graphiql.js'), { method: 'GET' })).status).toBe(200);
    });
  });

  it('still answers the headline query without errors after all of that', async () => {
    const r = await op(f, await readFile(HEADLINE_FILE, 'utf8'), { id: demo.agreementId });
    expectAnswered(r);
    expect(r.body.data.agreement.title).toBe('Veltria Ceasefire and Phased Exchange Framework');
  });
});

// ---- production mode ---------------------------------------------------------------------------------

describe('in production: no introspection, no playground, no suggestions, trusted documents for anonymous callers', () => {
  let f: Federation;
  let demo: DemoResult;
  let calls: ReturnType<typeof subgraphCounter>;
  let mediator: string;
  let headline: string;
  let expected: unknown;

  beforeAll(async () => {
    ({ f, demo, calls } = await federationWithDemo({ production: true }));
    mediator = await f.token({ roles: ['MEDIATOR'], agency: 'Attack test envoy' });
    headline = await readFile(HEADLINE_FILE, 'utf8');
    const r = await op(f, headline, { id: demo.agreementId }, mediator);
    expectAnswered(r);
    expected = r.body.data;
  });
  afterAll(() => f?.stop());

  it('refuses anonymous introspection as not trusted, before any subgraph', async () => {
    const r = await calls.untouched(() => op(f, '{ __schema { types { name } } }'));
    expectRefusal(r, 400, 'OPERATION_NOT_TRUSTED', /trusted documents/);
  });

  it('refuses introspection even with a MEDIATOR token', async () => {
    for (const query of ['{ __schema { types { name } } }', '{ __type(name: "Agreement") { fields { name } } }']) {
      const r = await calls.untouched(() => op(f, query, {}, mediator));
      expectRefusal(r, 400, 'GRAPHQL_VALIDATION_FAILED', /introspection/i);
    }
  });

  it('serves no playground: GET /graphql as a browser and the GraphiQL assets are 404', async () => {
    const page = await send(f.url, { method: 'GET', headers: { accept: 'text/html' } });
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type') ?? '').not.toMatch(/html/);
    expect(page.text).not.toMatch(/<html|graphiql/i);
    for (const asset of ['graphiql.js', 'graphiql.css', 'start.js', 'examples.js']) {
      expect((await send(f.url.replace(/\/graphql$/, `/playground/${asset}`), { method: 'GET' })).status, asset).toBe(404);
    }
  });

  it('suggests no field names', async () => {
    const r = await calls.untouched(() => op(f, '{ agreements { titel } }', {}, mediator));
    expectRefusal(r, 400, 'GRAPHQL_VALIDATION_FAILED', /"titel"/);
    expect(messages(r)).not.toMatch(/Did you mean/i);
    expect(messages(r)).not.toMatch(/"title"/);
    expect(messages(r)).toBe('Cannot query field "titel" on type "Agreement".');
  });

  it('answers an anonymous caller sending the exact text of a trusted document', async () => {
    const r = await op(f, headline, { id: demo.agreementId });
    expectAnswered(r);
    expect(r.body.data).toEqual(expected);
  });

  it('answers the same document reformatted (whitespace and comments)', async () => {
    const reformatted = `# reformatted by a client\n\n${headline.replace(/\n/g, '\n\n    ').replace(/ \{/g, '{').replace(/\{ /g, '{\n  ')}  # trailing comment\n`;
    expect(reformatted).not.toBe(headline);
    const r = await op(f, reformatted, { id: demo.agreementId });
    expectAnswered(r);
    expect(r.body.data).toEqual(expected);
  });

  it('answers the document sent only by its SHA-256 hash, and refuses an unknown hash', async () => {
    const sha256Hash = createHash('sha256').update(headline).digest('hex');
    const r = await post(f, { variables: { id: demo.agreementId }, extensions: { persistedQuery: { version: 1, sha256Hash } } });
    expectAnswered(r);
    expect(r.body.data).toEqual(expected);
    const unknown = await calls.untouched(() => post(f, { variables: { id: demo.agreementId }, extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } }));
    expectRefusal(unknown, 400, 'OPERATION_NOT_TRUSTED');
  });

  it('refuses an arbitrary anonymous query before any subgraph, and answers it with a token', async () => {
    const r = await calls.untouched(() => op(f, '{ agreements { title } }'));
    expectRefusal(r, 400, 'OPERATION_NOT_TRUSTED', /trusted documents/);
    const withToken = await calls.touched(() => op(f, '{ agreements { title } }', {}, mediator));
    expectAnswered(withToken);
    expect(withToken.body.data.agreements.map((a: any) => a.title)).toContain('Veltria Ceasefire and Phased Exchange Framework');
  });

  it('keeps the limits for callers with a token', async () => {
    const deep = await calls.untouched(() => op(f, deepQuery(101), {}, mediator));
    expectRefusal(deep, 400, 'OPERATION_TOO_COMPLEX');
    expect(messages(deep)).toMatch(/depth limit of 10 exceeded/i);
    const costly = await calls.untouched(() => op(f, COSTLY, {}, mediator));
    expectRefusal(costly, 400, 'OPERATION_TOO_COMPLEX', /Cost limit of 2500 exceeded/i);
    const circular = await calls.untouched(() => op(f, CIRCULAR, {}, mediator));
    expectRefusal(circular, 400, 'GRAPHQL_VALIDATION_FAILED', /within itself/);
  });

  it('refuses a malformed DateTime as BAD_USER_INPUT without a stack, with a token', async () => {
    const r = await calls.untouched(() => op(f, CREATE_AGREEMENT, { input: agreementInput({ entryIntoForceAt: '2026-02-30T10:00:00Z' }) }, mediator));
    expectRefusal(r, 400, 'BAD_USER_INPUT', /DateTime/);
  });

  it('still answers the headline query, anonymously, without errors after all of that', async () => {
    const r = await op(f, headline, { id: demo.agreementId });
    expectAnswered(r);
    expect(r.body.data).toEqual(expected);
  });
});
