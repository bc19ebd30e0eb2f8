import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { context } from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadAllDemos, type DemoResult } from '@treaty/launcher';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { OPERATION_LABEL_CAP, createLogger, startTracing } from '@treaty/service-kit';
import { startFederation, type Federation } from '@treaty/testing';
import { ALL_SERVICES } from './services.js';

// Tracing starts before any database connection of this file is made (pg is instrumented as it loads),
// with an in-memory exporter in place of OTLP. Every server below, gateway and subgraphs, runs in this process.
const spans = new InMemorySpanExporter();
await startTracing('observability-e2e', {}, { spanProcessors: [new SimpleSpanProcessor(spans)] });

const NOW = '2026-06-15T09:30:00.000Z';
const operation = (file: string) => readFile(new URL(`../gateway/operations/${file}`, import.meta.url), 'utf8');
const opsUrl = (graphqlUrl: string, path: string) => new URL(path, graphqlUrl).toString();

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (enough of the format for these tests). */
function samples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of m[2]?.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g) ?? []) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

const find = (all: Sample[], name: string, labels: Record<string, string>) =>
  all.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

async function metricsOf(url: string): Promise<Sample[]> {
  const res = await fetch(opsUrl(url, '/metrics'));
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return samples(await res.text());
}

/** corridors' cargo rules @require permittedCargo, whose snap-back check makes milestones call corridors. */
const CARGO = 'query Cargo($id: ID!) { agreement(id: $id) { corridorCargo { permittedCargo } } }';

describe('readiness, metrics and traces of a running federation', () => {
  let f: Federation;
  let demo: DemoResult;
  beforeAll(async () => {
    f = await startFederation(ALL_SERVICES, { now: NOW });
    demo = await loadAllDemos(f.url, (claims) => f.token(claims), () => {}, f.clock.now());
  });
  afterAll(() => f?.stop());

  it('answers /health and /ready on every process without a token', async () => {
    for (const url of [f.url, ...Object.values(f.subgraphUrls)]) {
      const health = await fetch(opsUrl(url, '/health'));
      expect(health.status).toBe(200);
      expect(((await health.json()) as { status: string }).status).toBe('ok');
    }
    for (const [name, url] of Object.entries(f.subgraphUrls)) {
      const ready = await fetch(opsUrl(url, '/ready'));
      expect(ready.status, name).toBe(200);
      expect(await ready.json()).toEqual({ status: 'ready', service: name, checks: { database: 'ready' } });
    }
    const gateway = await fetch(opsUrl(f.url, '/ready'));
    expect(gateway.status).toBe(200);
    expect(await gateway.json()).toMatchObject({ status: 'ready', checks: { milestones: 'ready', prisoners: 'ready', corridors: 'ready', guarantors: 'ready' } });
  });

  it('counts requests by operation and outcome, times subgraph fetches, sibling calls and SQL, and reports the pool', async () => {
    // The demo's confidential report and redress case asked corridors about the incident they rest on: count from here.
    const corridorsCalls = (samples: Sample[]) => find(samples, 'treaty_peer_call_duration_seconds_count', { peer: 'corridors', outcome: 'ok' })[0]?.value ?? 0;
    const before = corridorsCalls(await metricsOf(f.subgraphUrls.milestones!));
    const ok = await f.request(await operation('compliance.graphql'), { id: demo.agreementId });
    expect(ok.body.errors).toBeUndefined();
    const bad = await f.request('query Broken { agreements { noSuchField } }');
    expect(bad.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');

    const gateway = await metricsOf(f.url);
    expect(find(gateway, 'treaty_requests_total', { service: 'gateway', operation: 'Compliance', outcome: 'ok', code: '' })[0]?.value).toBe(1);
    expect(find(gateway, 'treaty_requests_total', { operation: 'Broken', outcome: 'client_error', code: 'GRAPHQL_VALIDATION_FAILED' })[0]?.value).toBe(1);
    expect(find(gateway, 'treaty_request_duration_seconds_count', { operation: 'Compliance', outcome: 'ok' })[0]?.value).toBe(1);
    for (const subgraph of ['milestones', 'prisoners', 'corridors', 'guarantors']) {
      expect(find(gateway, 'treaty_subgraph_fetch_duration_seconds_count', { subgraph, outcome: 'ok' })[0]?.value, subgraph).toBeGreaterThan(0);
    }
    expect(find(gateway, 'process_cpu_user_seconds_total', {})).toHaveLength(1);
    // The gateway has no database and makes no sibling calls.
    expect(find(gateway, 'treaty_db_statement_duration_seconds_count', {})).toHaveLength(0);

    const milestones = await metricsOf(f.subgraphUrls.milestones!);
    const served = find(milestones, 'treaty_requests_total', { service: 'milestones', outcome: 'ok' });
    expect(served.reduce((n, s) => n + s.value, 0)).toBeGreaterThan(0);
    expect(find(milestones, 'treaty_db_statement_duration_seconds_count', { command: 'SELECT', outcome: 'ok' })[0]?.value).toBeGreaterThan(0);
    expect(find(milestones, 'treaty_db_pool_connections_total', {})[0]?.value).toBeGreaterThan(0);
    expect(find(milestones, 'treaty_db_pool_waiting_requests', {})[0]?.value).toBe(0);
    // The headline makes no sibling call; corridors' cargo rules do (milestones asks corridors for
    // violation times as itself: the one read around the plan, README "How a team changes its subgraph").
    expect(corridorsCalls(milestones)).toBe(before);
    const cargo = await f.request(CARGO, { id: demo.agreementId });
    expect(cargo.body.errors).toBeUndefined();
    const after = await metricsOf(f.subgraphUrls.milestones!);
    expect(corridorsCalls(after)).toBe(before + 1);
  });

  it('keeps a flood of random operation names from growing the label set past the cap', async () => {
    const flood = Array.from({ length: OPERATION_LABEL_CAP + 60 }, () => `Flood_${randomBytes(6).toString('hex')}`);
    // Names no GraphQL client would send, and names over 64 characters, never become labels at all.
    const odd = [`query Z${'x'.repeat(80)} { __typename }`];
    for (let i = 0; i < flood.length; i += 20) {
      await Promise.all(flood.slice(i, i + 20).map((name) => f.request(`query ${name} { __typename }`)));
    }
    await Promise.all(odd.map((q) => f.request(q)));
    const agreements = await f.request(await operation('agreements.graphql'));
    expect(agreements.body.errors).toBeUndefined();

    const counted = find(await metricsOf(f.url), 'treaty_requests_total', { service: 'gateway' });
    const floodLabels = counted.filter((s) => s.labels.operation!.startsWith('Flood_'));
    expect(floodLabels.length).toBeLessThanOrEqual(OPERATION_LABEL_CAP);
    expect(floodLabels.length).toBeGreaterThan(OPERATION_LABEL_CAP - 10);
    const distinct = new Set(counted.map((s) => s.labels.operation));
    expect(distinct.size).toBeLessThanOrEqual(OPERATION_LABEL_CAP + 8 + 2);
    expect(find(counted, 'treaty_requests_total', { operation: 'other', outcome: 'ok' })[0]?.value).toBeGreaterThanOrEqual(60);
    expect(distinct.has(`Z${'x'.repeat(80)}`)).toBe(false);
    // A trusted document's name is kept whatever came before it.
    expect(find(counted, 'treaty_requests_total', { operation: 'Agreements', outcome: 'ok' })[0]?.value).toBe(1);
  });

  it('makes one connected trace of one request: gateway, subgraphs, sibling calls and SQL, continuing the client\'s traceparent', async () => {
    spans.reset();
    const traceId = randomBytes(16).toString('hex');
    const traceparent = `00-${traceId}-${randomBytes(8).toString('hex')}-01`;
    // The test's own fetch is not traced (this process traces the servers), so the client's traceparent is the one sent.
    // The headline, with corridors' cargo rules so that the trace holds a sibling call too.
    const headline = (await operation('compliance.graphql')).replace('title currentDay quietHours', 'title currentDay quietHours corridorCargo { permittedCargo }');
    expect(headline).toContain('corridorCargo');
    const res = await context.with(suppressTracing(context.active()), () => f.request(headline, { id: demo.agreementId }, undefined, { traceparent }));
    expect(res.body.errors).toBeUndefined();

    const server = (s: ReadableSpan) => s.attributes['treaty.service'] as string | undefined;
    let all: ReadableSpan[] = [];
    await vi.waitFor(() => {
      all = spans.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
      expect(all.some((s) => server(s) === 'gateway')).toBe(true);
    });
    const byId = new Map(all.map((s) => [s.spanContext().spanId, s]));
    /** The service whose server span `span` descends from, nearest first. */
    const ancestors = (span: ReadableSpan): string[] => {
      const out: string[] = [];
      for (let p = span.parentSpanContext?.spanId; p && byId.has(p); p = byId.get(p)!.parentSpanContext?.spanId) {
        const name = server(byId.get(p)!);
        if (name) out.push(name);
      }
      return out;
    };
    const gateway = all.filter((s) => server(s) === 'gateway');
    expect(gateway).toHaveLength(1);
    // The gateway's server span continues the client's trace: its parent is the client's span.
    expect(gateway[0]!.parentSpanContext?.spanId).toBe(traceparent.split('-')[2]);

    const subgraphSpans = all.filter((s) => server(s) && server(s) !== 'gateway');
    const reached = new Set(subgraphSpans.map(server));
    for (const name of ['milestones', 'prisoners', 'corridors', 'guarantors']) expect(reached.has(name), name).toBe(true);
    // Every subgraph request hangs under the gateway's span (through its fetch), or under a sibling's
    // request when one subgraph called another as itself: never a trace of its own.
    for (const s of subgraphSpans) expect(ancestors(s), server(s)).toContain('gateway');
    expect(subgraphSpans.some((s) => ancestors(s)[0] === 'milestones'), 'a sibling call from milestones').toBe(true);

    const sql = all.filter((s) => s.attributes['db.system'] === 'postgresql' || s.attributes['db.system.name'] === 'postgresql');
    expect(sql.length).toBeGreaterThan(0);
    for (const s of sql) expect(['milestones', 'prisoners', 'corridors', 'guarantors']).toContain(ancestors(s)[0]);
    // Statement text only: a bound parameter (the agreement's id) never becomes an attribute.
    for (const s of sql) expect(JSON.stringify(s.attributes)).not.toContain(demo.agreementId);
  });

  it('answers /ready 503 naming the subgraph whose database is gone, and the gateway names it too', async () => {
    await f.databases.corridors!.db.destroy();
    const corridors = await fetch(opsUrl(f.subgraphUrls.corridors!, '/ready'));
    expect(corridors.status).toBe(503);
    expect(await corridors.json()).toEqual({ status: 'not ready', service: 'corridors', checks: { database: 'not ready: the database connection is closed' }, notReady: ['database'] });
    // /health still answers: the process is alive, only not ready.
    expect((await fetch(opsUrl(f.subgraphUrls.corridors!, '/health'))).status).toBe(200);
    const gateway = await fetch(opsUrl(f.url, '/ready'));
    expect(gateway.status).toBe(503);
    const body = (await gateway.json()) as { status: string; notReady: string[]; checks: Record<string, string> };
    expect(body.status).toBe('not ready');
    expect(body.notReady).toEqual(['corridors']);
    expect(body.checks.corridors).toBe('not ready (its /ready answered HTTP 503)');
    expect(body.checks.milestones).toBe('ready');
  });
});

/**
 * The federation with every process's logger writing into `lines` (startFederation silences them by
 * default), and milestones and the gateway, as in production, with /health, /ready and /metrics on a
 * port of their own.
 */
async function federationWithLogs(lines: Record<string, any>[]) {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line));
      done();
    },
  });
  return startFederation(ALL_SERVICES, { now: NOW, logger: (name) => createLogger(name, 'info', sink), ops: { milestones: { port: 0 }, gateway: { port: 0 } } });
}

describe('one log line per request', () => {
  const lines: Record<string, any>[] = [];
  let f: Awaited<ReturnType<typeof federationWithLogs>>;
  let demo: DemoResult;
  beforeAll(async () => {
    f = await federationWithLogs(lines);
    demo = await loadAllDemos(f.url, (claims) => f.token(claims), () => {}, f.clock.now());
  });
  afterAll(() => f?.stop());

  it('writes one line per process a request reaches, under the client\'s request id, with the caller and outcome and no personal data', async () => {
    const token = await f.token({ agency: 'Impartial Committee for Detainee Welfare', roles: ['INTERMEDIARY'], subject: 'case-officer-17' });
    const requestId = `support-${randomBytes(4).toString('hex')}`;
    lines.length = 0;
    const res = await fetch(f.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-purpose': 'release-verification', 'x-request-id': requestId },
      body: JSON.stringify({ query: await operation('wave-manifests.graphql'), variables: { id: demo.agreementId } }),
    });
    const body = (await res.json()) as { data: any; errors?: unknown[] };
    expect(res.headers.get('x-request-id')).toBe(requestId);
    expect(body.errors).toBeUndefined();
    const names: string[] = body.data.exchangeWaves.flatMap((w: any) => w.manifest.map((m: any) => m.detainee.name));
    expect(names.length).toBeGreaterThan(0);

    await vi.waitFor(() => expect(lines.some((l) => l.msg === 'request' && l.service === 'gateway' && l.requestId === requestId)).toBe(true));
    const requestLines = lines.filter((l) => l.msg === 'request');
    const gateway = requestLines.filter((l) => l.service === 'gateway');
    expect(gateway).toHaveLength(1);
    expect(gateway[0]).toMatchObject({
      level: 'info',
      requestId,
      operation: 'WaveManifests',
      agency: 'Impartial Committee for Detainee Welfare',
      roles: ['INTERMEDIARY'],
      status: 200,
      outcome: 'ok',
    });
    expect(typeof gateway[0]!.durationMs).toBe('number');
    expect(typeof gateway[0]!.t).toBe('string');
    // Tracing is on in this file, so the line names the trace.
    expect(gateway[0]!.traceId).toMatch(/^[0-9a-f]{32}$/);
    // The subgraphs the plan reached wrote theirs, under the same id and trace.
    const prisoners = requestLines.filter((l) => l.service === 'prisoners');
    expect(prisoners.length).toBeGreaterThan(0);
    for (const l of requestLines) {
      expect(l.requestId).toBe(requestId);
      expect(l.traceId).toBe(gateway[0]!.traceId);
      expect(l.outcome).toBe('ok');
    }
    // Nothing the caller sent or received beyond identifiers: no names, no variables, no token, no subject.
    const written = JSON.stringify(lines);
    for (const name of names) expect(written).not.toContain(name);
    expect(written).not.toContain(demo.agreementId);
    expect(written).not.toContain(token);
    expect(written).not.toContain('case-officer-17');
    expect(written).not.toContain('release-verification');
  });

  it('serves /metrics only on the ops port when one is configured; /health and /ready on both', async () => {
    const at = (port: number, path: string) => fetch(`http://127.0.0.1:${port}${path}`);
    for (const [publicPort, opsPort] of [
      [f.gateway.port, f.gateway.opsPort!],
      [f.running.milestones!.port, f.running.milestones!.opsPort!],
    ] as const) {
      expect(opsPort).toBeGreaterThan(0);
      expect((await at(publicPort, '/metrics')).status).toBe(404);
      const metrics = await at(opsPort, '/metrics');
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain('# TYPE treaty_requests_total counter');
      for (const path of ['/health', '/ready']) {
        expect((await at(publicPort, path)).status, `${path} on ${publicPort}`).toBe(200);
        expect((await at(opsPort, path)).status, `${path} on ${opsPort}`).toBe(200);
      }
      expect((await at(opsPort, '/graphql')).status).toBe(404);
    }
    // A subgraph without an ops port keeps /metrics on its own.
    expect((await at(f.running.prisoners!.port, '/metrics')).status).toBe(200);
  });

  it('logs a refusal with its code, and keeps a request id only when it is a plain token', async () => {
    lines.length = 0;
    const res = await fetch(f.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer not-a-jwt', 'x-request-id': 'has spaces and "quotes"' }, body: '{}' });
    expect(res.status).toBe(401);
    const sent = res.headers.get('x-request-id')!;
    expect(sent).not.toContain(' ');
    await vi.waitFor(() => expect(lines.filter((l) => l.msg === 'request')).toHaveLength(1));
    expect(lines.find((l) => l.msg === 'request')).toMatchObject({ requestId: sent, outcome: 'client_error', codes: ['UNAUTHENTICATED'], status: 401, agency: null, roles: [] });
    expect(JSON.stringify(lines)).not.toContain('not-a-jwt');
  });
});
