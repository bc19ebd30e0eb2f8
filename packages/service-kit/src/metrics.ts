import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { DataSource } from 'typeorm';
import { observeStatements } from './statements.js';
import { OPERATION_NAME_PATTERN, type FinishedRequest } from './requests.js';

/**
 * Prometheus metrics (prom-client), one registry per server so that the gateway and subgraphs started in
 * one process (tests, the in-process federation) each report only their own; the process metrics (CPU,
 * memory, event loop, GC) are collected once per process and appended to every server's /metrics.
 */

/** How many distinct operation names a server keeps as label values; later ones are counted as `other`. */
export const OPERATION_LABEL_CAP = 200;

/**
 * Operation names as label values, bounded: a client chooses the name, and every new value is a new time
 * series. Trusted documents' names always pass; other names only when they look like GraphQL names, and
 * only the first OPERATION_LABEL_CAP of them. An unnamed operation is `anonymous`; the rest is `other`.
 */
export class OperationLabels {
  private readonly seen = new Set<string>();
  constructor(
    private readonly trusted: ReadonlySet<string> = new Set(),
    private readonly cap = OPERATION_LABEL_CAP,
  ) {}

  label(name: string | null | undefined): string {
    if (!name) return 'anonymous';
    if (this.trusted.has(name) || this.seen.has(name)) return name;
    if (!OPERATION_NAME_PATTERN.test(name) || this.seen.size >= this.cap) return 'other';
    this.seen.add(name);
    return name;
  }

  /** Distinct untrusted names kept so far (at most the cap). */
  get size(): number {
    return this.seen.size;
  }
}

let processRegistry: Registry | null = null;

/** CPU, memory, handles, event-loop lag and GC of this process, collected once however many servers it runs. */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** Seconds: from a millisecond statement to a subgraph that waits for its timeout. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const SQL_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5];

/** The first word of a statement (SELECT, INSERT, ...), a label with few values. */
function commandOf(sql: string): string {
  const word = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? '';
  return ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'WITH', 'BEGIN', 'COMMIT', 'ROLLBACK', 'START', 'SAVEPOINT', 'RELEASE'].includes(word) ? word : 'OTHER';
}

export interface ServiceMetrics {
  readonly registry: Registry;
  readonly operations: OperationLabels;
  /** Counts a finished GraphQL request and its duration. */
  observeRequest(done: FinishedRequest): void;
  /** Gateway: one fetch from a subgraph (`ok`, `error` or `timeout`). */
  observeSubgraphFetch(service: string, seconds: number, outcome: 'ok' | 'error' | 'timeout'): void;
  /** Subgraph: one call to a sibling (callPeer). */
  observePeerCall(peer: string, seconds: number, outcome: 'ok' | 'error' | 'timeout'): void;
  /** Reports `db`'s pool and times each of its statements; returns a function that stops doing so. */
  watchDatabase(db: DataSource): () => void;
  /** The Prometheus text exposition: this server's metrics, then the process's. */
  text(): Promise<string>;
  readonly contentType: string;
}

/** The pg Pool behind a TypeORM data source (its driver's `master`), when connected. */
function poolOf(db: DataSource): { totalCount: number; idleCount: number; waitingCount: number } | undefined {
  return db.isInitialized ? (db.driver as unknown as { master?: { totalCount: number; idleCount: number; waitingCount: number } }).master : undefined;
}

export function createMetrics(service: string, opts: { trustedOperations?: ReadonlySet<string> } = {}): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  const operations = new OperationLabels(opts.trustedOperations);
  const requests = new Counter({
    name: 'treaty_requests_total',
    help: 'GraphQL requests answered, by operation name and outcome (ok, client_error or server_error, with the error code).',
    labelNames: ['operation', 'outcome', 'code'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'treaty_request_duration_seconds',
    help: 'Time from receiving a GraphQL request to sending its answer, by operation name and outcome.',
    labelNames: ['operation', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const subgraphFetch = new Histogram({
    name: 'treaty_subgraph_fetch_duration_seconds',
    help: 'Gateway: time of each fetch from a subgraph, by subgraph and outcome (ok, error, timeout).',
    labelNames: ['subgraph', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const peerCall = new Histogram({
    name: 'treaty_peer_call_duration_seconds',
    help: 'Subgraph: time of each call to a sibling service made as itself, by sibling and outcome (ok, error, timeout).',
    labelNames: ['peer', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const statement = new Histogram({
    name: 'treaty_db_statement_duration_seconds',
    help: 'Time of each SQL statement, by its first keyword and outcome (ok, error).',
    labelNames: ['command', 'outcome'] as const,
    buckets: SQL_BUCKETS,
    registers: [registry],
  });
  const watched = new Set<DataSource>();
  const pool = (name: string, help: string, read: (p: NonNullable<ReturnType<typeof poolOf>>) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        let value = 0;
        for (const db of watched) {
          const p = poolOf(db);
          if (p) value += read(p);
        }
        this.set(value);
      },
    });
  pool('treaty_db_pool_connections_total', 'Connections the database pool holds, busy or idle.', (p) => p.totalCount);
  pool('treaty_db_pool_connections_idle', 'Connections in the database pool that are idle.', (p) => p.idleCount);
  pool('treaty_db_pool_waiting_requests', 'Queries waiting for a connection from the pool (the pool is exhausted while this is above 0).', (p) => p.waitingCount);

  return {
    registry,
    operations,
    contentType: registry.contentType,
    observeRequest({ scope, seconds, outcome, code }) {
      const operation = operations.label(scope.operation);
      requests.inc({ operation, outcome, code });
      duration.observe({ operation, outcome }, seconds);
    },
    observeSubgraphFetch: (subgraph, seconds, outcome) => subgraphFetch.observe({ subgraph, outcome }, seconds),
    observePeerCall: (peer, seconds, outcome) => peerCall.observe({ peer, outcome }, seconds),
    watchDatabase(db) {
      watched.add(db);
      const stop = observeStatements(db, (sql, seconds, ok) => statement.observe({ command: commandOf(sql), outcome: ok ? 'ok' : 'error' }, seconds));
      return () => {
        watched.delete(db);
        stop();
      };
    },
    async text() {
      return (await registry.metrics()) + (await processMetrics().metrics());
    },
  };
}

/** A gauge on a process's registry, for a part of the process with a count of its own (the gateway's alert streams). */
export function registerGauge(registry: Registry, name: string, help: string): Gauge {
  return new Gauge({ name, help, registers: [registry] });
}

/** A counter on a process's registry, with bounded labels. */
export function registerCounter<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]): Counter<L> {
  return new Counter({ name, help, labelNames, registers: [registry] });
}
