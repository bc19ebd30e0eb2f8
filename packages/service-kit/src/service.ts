import type { KeyObject } from 'node:crypto';
import type { ApolloServer } from '@apollo/server';
import type { DataSource, EntitySchema, MixedList } from 'typeorm';
import type { Caller } from './caller.js';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import { describeDatabaseError, loadSubgraphConfig } from './config.js';
import type { BaseContext } from './context.js';
import type { OperationScope } from './operation-scope.js';
import { createDataSource, migrate } from './database.js';
import { parseInternalKeys, type InternalKeys } from './internal-auth.js';
import { createLogger, type Logger } from './log.js';
import { startTracing } from './tracing.js';
import type { DataKeys } from './field-crypto.js';
import { onShutdown, serveSubgraph, type RunningSubgraph } from './subgraph.js';
import type { ResponseSealer } from './exactly-once.js';
import type { PeerDeps } from './peer.js';
import { openEvidenceLog, type EvidenceLog, type FactKind } from './evidence-log.js';
import type { AlertScan } from './alerts.js';

/** What a service needs from outside to build its server; `signer` and `peers` are for sibling calls. */
export interface ServiceDeps extends PeerDeps {
  db: DataSource;
  clock: Clock;
  logger: Logger;
  /** TREATY_DATA_KEYS: the KEKs for a service that encrypts personal data (see field-crypto.ts). */
  dataKeys?: DataKeys;
  /** The service's evidence log (DESIGN §11), signing with TREATY_EVIDENCE_KEY; mutations append to it. */
  evidence: EvidenceLog;
  /** How long before a deadline the alert stream says it is near (TREATY_ALERT_HORIZON_HOURS, 12 h by default). */
  alertHorizonMs?: number;
}

/** How long before a deadline the alert stream says it is near, unless configured. */
export const ALERT_HORIZON_MS = 12 * 3_600_000;

export interface BuiltService<C extends BaseContext> {
  server: ApolloServer<C>;
  /**
   * A request's context; with `db`, every read and write of the request goes through that data source.
   * `scope`: what the gateway query operation the request is part of has read here already
   * (operation-scope.ts); null outside one.
   */
  context(caller: Caller, requestId?: string, db?: DataSource, scope?: OperationScope | null): C;
  /** Seals the first responses kept for Idempotency-Keys; given by a service whose answers can hold personal data. */
  responseSealer?: ResponseSealer;
  /** The clock-driven events of the service's alert outbox (alerts.ts): its watcher asks this each tick. */
  alertScan?: AlertScan;
}

/** Every service exports one of these from its server.ts; launcher, tests and index.ts all use it. */
export interface ServiceModule<C extends BaseContext = any> {
  name: string;
  defaultPort: number;
  entities: MixedList<Function | string | EntitySchema>;
  migrations: MixedList<Function | string>;
  /** What the service writes to its evidence log, by kind (src/evidence.ts). */
  evidenceFacts: readonly FactKind[];
  /** True for a service that holds personal data: it encrypts it at rest and will not start without TREATY_DATA_KEYS. */
  encryptsPersonalData?: boolean;
  build(deps: ServiceDeps): Promise<BuiltService<C>>;
  /**
   * Work the running service does on its own, on a timer (the retention of personal data); started by
   * runService once it listens, never by tests' in-process services. Returns a function that stops it.
   */
  jobs?(deps: { db: DataSource; clock: Clock; logger: Logger; retentionDays: number; evidence: EvidenceLog }): () => void;
}

/**
 * Builds and serves a service on an already migrated database (tests and in-process federations).
 * `keys` are the service's pairwise internal keys: it verifies what is addressed to it and signs its own
 * calls to siblings with them.
 */
export async function startService<C extends BaseContext>(
  module: ServiceModule<C>,
  opts: Omit<PeerDeps, 'signer'> & {
    db: DataSource;
    keys: InternalKeys;
    clock?: Clock;
    port?: number;
    host?: string;
    logger?: Logger;
    idempotencyRetentionMs?: number;
    dataKeys?: DataKeys;
    /** The Ed25519 key of the service's evidence log (TREATY_EVIDENCE_KEY). */
    evidenceKey: KeyObject;
    /** A separate listener for /health, /ready and /metrics (TREATY_OPS_PORT / TREATY_OPS_HOST). */
    ops?: { port: number; host?: string };
    /** How often the alert watcher checks the clock (TREATY_ALERT_TICK_MS); 1 s by default. */
    alertTickMs?: number;
    /** TREATY_ALERT_HORIZON_HOURS in ms; 12 h by default. */
    alertHorizonMs?: number;
  },
): Promise<RunningSubgraph> {
  const logger = opts.logger ?? createLogger(module.name);
  const clock = opts.clock ?? systemClock;
  const signer = { issuer: module.name, keys: opts.keys };
  const built = await module.build({ db: opts.db, clock, logger, signer, peers: opts.peers, timeoutMs: opts.timeoutMs, dataKeys: opts.dataKeys, evidence: openEvidenceLog(module, { key: opts.evidenceKey, clock }), alertHorizonMs: opts.alertHorizonMs ?? ALERT_HORIZON_MS });
  return serveSubgraph({
    name: module.name,
    server: built.server,
    db: opts.db,
    keys: opts.keys,
    clock,
    idempotencyRetentionMs: opts.idempotencyRetentionMs,
    context: built.context,
    responseSealer: built.responseSealer,
    port: opts.port ?? 0,
    host: opts.host,
    logger,
    ops: opts.ops,
    alertScan: built.alertScan,
    alertTickMs: opts.alertTickMs,
  });
}

/** The body of every service's index.ts: read config, migrate, listen, stop cleanly on a signal. */
export async function runService<C extends BaseContext>(module: ServiceModule<C>, env: Record<string, string | undefined>): Promise<void> {
  const config = loadSubgraphConfig(module.name, module.defaultPort, env, { dataKeysRequired: module.encryptsPersonalData });
  // Before any connection is made: pg is instrumented as it loads. Off unless OTEL_* configures it.
  const tracing = await startTracing(module.name, env);
  const logger = createLogger(module.name, config.logLevel);
  const db = createDataSource({ url: config.databaseUrl, entities: module.entities, migrations: module.migrations, applicationName: module.name });
  // Connecting first, on its own, so a bad URL or a server that is down is reported by the variable's name.
  await db.initialize().catch((e: unknown) => {
    throw new Error(describeDatabaseError(config.databaseUrlVariable, config.databaseUrl, e), { cause: e });
  });
  const applied = await migrate(db);
  if (applied.length) logger.info('migrations applied', { migrations: applied });
  const keys = parseInternalKeys(config.internalKeys);
  const peers = Object.fromEntries(
    Object.entries(env)
      .filter(([k, v]) => k.endsWith('_URL') && k.startsWith('TREATY_PEER_') && v)
      .map(([k, v]) => [k.slice('TREATY_PEER_'.length, -'_URL'.length).toLowerCase(), v as string]),
  );
  const running = await startService(module, {
    db,
    keys,
    port: config.port,
    host: config.host,
    logger,
    peers,
    timeoutMs: config.peerTimeoutMs,
    idempotencyRetentionMs: config.idempotencyRetentionMs,
    dataKeys: config.dataKeys,
    evidenceKey: config.evidenceKey,
    ops: config.opsPort === undefined ? undefined : { port: config.opsPort, host: config.opsHost },
    alertTickMs: config.alertTickMs,
    alertHorizonMs: config.alertHorizonMs,
  });
  const evidence = openEvidenceLog(module, { key: config.evidenceKey, clock: systemClock });
  const stopJobs = module.jobs?.({ db, clock: systemClock, logger, retentionDays: config.retentionDays, evidence }) ?? (() => undefined);
  onShutdown(async () => {
    stopJobs();
    await running.close();
    await tracing?.shutdown();
  }, logger);
  logger.info('ready', { url: running.url, ...(running.opsPort !== undefined ? { opsPort: running.opsPort } : {}), tracing: tracing !== null });
}
