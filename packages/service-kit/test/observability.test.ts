import { Writable } from 'node:stream';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { anyone } from '../src/access.js';
import { PersonalReads } from '../src/access-log.js';
import { PUBLIC_CALLER } from '../src/caller.js';
import { loadSubgraphConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { OPERATION_LABEL_CAP, OperationLabels, createMetrics } from '../src/metrics.js';
import { beginRequest, inRequest, operationNameOf, outcomeOf, requestIdFrom } from '../src/requests.js';
import { buildSubgraphServer } from '../src/subgraph.js';
import { tracingConfigured } from '../src/tracing.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l));
      done();
    },
  });
  return { lines, sink };
}

describe('createLogger (pino)', () => {
  it('writes one JSON line in the shape the launcher and collectors read, and honours the level', () => {
    const { lines, sink } = capture();
    const log = createLogger('milestones', 'info', sink);
    log.debug('hidden');
    log.info('request', { requestId: 'r-1', durationMs: 3.2 });
    log.warn('careful');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 'info', service: 'milestones', msg: 'request', requestId: 'r-1', durationMs: 3.2 });
    expect(new Date(lines[0]!.t as string).toISOString()).toBe(lines[0]!.t);
    expect(lines[1]).toMatchObject({ level: 'warn', msg: 'careful' });
    const debug = capture();
    createLogger('x', 'debug', debug.sink).debug('shown');
    expect(debug.lines).toHaveLength(1);
  });

  it('withholds fields named like secrets, whoever hands them in', () => {
    const { lines, sink } = capture();
    createLogger('gateway', 'info', sink).info('oops', { authorization: 'Bearer abc', variables: { name: 'Maren Ostilka' }, nested: { token: 't' } });
    const text = JSON.stringify(lines);
    expect(text).not.toContain('Bearer abc');
    expect(text).not.toContain('Maren Ostilka');
    expect(lines[0]).toMatchObject({ authorization: '[withheld]', variables: '[withheld]', nested: { token: '[withheld]' } });
  });
});

describe('operation labels', () => {
  it('keeps trusted names always, other GraphQL names up to the cap, and counts the rest as other', () => {
    const labels = new OperationLabels(new Set(['Compliance']));
    expect(labels.label(null)).toBe('anonymous');
    expect(labels.label('not a name')).toBe('other');
    expect(labels.label(`A${'b'.repeat(64)}`)).toBe('other');
    for (let i = 0; i < OPERATION_LABEL_CAP; i++) expect(labels.label(`Op${i}`)).toBe(`Op${i}`);
    expect(labels.label('OneTooMany')).toBe('other');
    expect(labels.label('Op7')).toBe('Op7');
    expect(labels.label('Compliance')).toBe('Compliance');
    expect(labels.size).toBe(OPERATION_LABEL_CAP);
  });

  it('names the operation a document runs', () => {
    expect(operationNameOf(parse('query A { x }'))).toBe('A');
    expect(operationNameOf(parse('{ x }'))).toBeNull();
    expect(operationNameOf(parse('query A { x } query B { y }'))).toBeNull();
    expect(operationNameOf(parse('query A { x } query B { y }'), 'B')).toBe('B');
  });
});

describe('outcomeOf', () => {
  it('is ok, a client error with its code, or a server error (which wins over client codes)', () => {
    expect(outcomeOf([], 200)).toEqual({ outcome: 'ok', code: '' });
    expect(outcomeOf(['BAD_USER_INPUT'], 200)).toEqual({ outcome: 'client_error', code: 'BAD_USER_INPUT' });
    expect(outcomeOf(['GRAPHQL_VALIDATION_FAILED'], 400)).toEqual({ outcome: 'client_error', code: 'GRAPHQL_VALIDATION_FAILED' });
    expect(outcomeOf(['NOT_FOUND', 'SERVICE_UNAVAILABLE'], 200)).toEqual({ outcome: 'server_error', code: 'SERVICE_UNAVAILABLE' });
    // A code nobody documented is an internal error, and never a label value of its own.
    expect(outcomeOf(['SOMETHING_ODD'], 200)).toEqual({ outcome: 'server_error', code: 'INTERNAL_SERVER_ERROR' });
    expect(outcomeOf([], 502)).toEqual({ outcome: 'server_error', code: 'INTERNAL_SERVER_ERROR' });
    expect(outcomeOf([], 405)).toEqual({ outcome: 'client_error', code: 'BAD_REQUEST' });
  });
});

describe('request ids', () => {
  it('keeps a plain token and replaces anything else', () => {
    expect(requestIdFrom('support-123:a.b_c')).toBe('support-123:a.b_c');
    for (const bad of [undefined, '', 'has space', 'x'.repeat(129), '"quoted"', ['a', 'b']]) {
      const id = requestIdFrom(bad as never);
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it('is the reference of an internal error, so support finds the log line from what the caller quotes', async () => {
    const { lines, sink } = capture();
    const server = buildSubgraphServer({
      name: 'test',
      typeDefs: parse('type Query { boom: String }'),
      resolvers: { Query: { boom: () => { throw new Error('connection to 10.0.0.5 lost'); } } },
      rules: { 'Query.boom': anyone },
      logger: createLogger('test', 'info', sink),
    });
    await server.start();
    const scope = beginRequest('support-ticket-42');
    const res = await inRequest(scope, () =>
      server.executeOperation({ query: '{ boom }' }, { contextValue: { caller: PUBLIC_CALLER, personalReads: new PersonalReads(), requestId: 'support-ticket-42' } as never }),
    );
    await server.stop();
    const error = (res.body as unknown as { singleResult: { errors: { message: string; extensions: Record<string, unknown> }[] } }).singleResult.errors[0]!;
    expect(error.extensions).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', reference: 'support-ticket-42' });
    expect(error.message).toContain('support-ticket-42');
    expect(error.message).not.toContain('10.0.0.5');
    expect(lines.find((l) => l.msg === 'internal error')).toMatchObject({ requestId: 'support-ticket-42', reference: 'support-ticket-42' });
    // The request's outcome was noted for its log line and metrics.
    expect(scope.codes).toEqual(['INTERNAL_SERVER_ERROR']);
  });
});

describe('tracing configuration', () => {
  it('is off unless an exporter or an OTLP endpoint is configured', () => {
    expect(tracingConfigured({})).toBe(false);
    expect(tracingConfigured({ OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
    expect(tracingConfigured({ OTEL_TRACES_EXPORTER: 'otlp' })).toBe(true);
    expect(tracingConfigured({ OTEL_TRACES_EXPORTER: 'console,otlp' })).toBe(true);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(true);
    expect(tracingConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' })).toBe(false);
  });
});

describe('metrics registry', () => {
  it('reports the request counter with operation, outcome and code, and the process metrics, in Prometheus text', async () => {
    const metrics = createMetrics('milestones');
    metrics.observeRequest({ scope: { ...beginRequest('r'), operation: 'Agreements' }, status: 200, seconds: 0.01, outcome: 'ok', code: '' });
    metrics.observeRequest({ scope: { ...beginRequest('r'), operation: 'Agreements' }, status: 200, seconds: 0.01, outcome: 'client_error', code: 'NOT_FOUND' });
    const text = await metrics.text();
    expect(text).toContain('treaty_requests_total{operation="Agreements",outcome="ok",code="",service="milestones"} 1');
    expect(text).toContain('treaty_requests_total{operation="Agreements",outcome="client_error",code="NOT_FOUND",service="milestones"} 1');
    expect(text).toContain('treaty_request_duration_seconds_count{service="milestones",operation="Agreements",outcome="ok"} 1');
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });
});

describe('ops listener settings', () => {
  const keys = JSON.stringify({ 'gateway>milestones': 'a'.repeat(43) });
/** A 32-byte Ed25519 seed, base64url, as npm start and make-secrets write TREATY_EVIDENCE_KEY. */
const evidenceKey = Buffer.alloc(32, 7).toString('base64url');
  const base = { DATABASE_URL: 'postgres://u@localhost/m', TREATY_INTERNAL_KEYS: keys, TREATY_EVIDENCE_KEY: evidenceKey };
  it('serves /health, /ready and /metrics on the service port unless TREATY_OPS_PORT is set; the ops host defaults to HOST', () => {
    expect(loadSubgraphConfig('milestones', 4001, base).opsPort).toBeUndefined();
    const c = loadSubgraphConfig('milestones', 4001, { ...base, HOST: '0.0.0.0', TREATY_OPS_PORT: '9101' });
    expect(c.opsPort).toBe(9101);
    expect(c.opsHost).toBe('0.0.0.0');
    expect(loadSubgraphConfig('milestones', 4001, { ...base, TREATY_OPS_PORT: '9101', TREATY_OPS_HOST: '10.1.2.3' }).opsHost).toBe('10.1.2.3');
    expect(() => loadSubgraphConfig('milestones', 4001, { ...base, TREATY_OPS_PORT: 'metrics' })).toThrow(/TREATY_OPS_PORT: must be a port number/);
  });
});
