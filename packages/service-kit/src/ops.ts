import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DataSource } from 'typeorm';
import { listen, sendJson, type Listening } from './http.js';
import type { Logger } from './log.js';
import type { ServiceMetrics } from './metrics.js';

/**
 * What a platform asks of every process, without a token: `/health` (the process is alive; no I/O),
 * `/ready` (it can serve: 200, or 503 with a JSON body naming what is not ready) and `/metrics`
 * (Prometheus text). Served on the public port, or on a separate one for production (TREATY_OPS_PORT,
 * GATEWAY_OPS_PORT), in which case the public port no longer serves /metrics.
 */

/** How long a readiness check may take before it counts as "not ready". */
export const READY_TIMEOUT_MS = 2_000;

export interface Readiness {
  ready: boolean;
  /** Each check by name: `ready`, or why not in words that reveal no address. */
  checks: Record<string, string>;
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
    timer.unref();
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

interface Pool {
  query(sql: string): Promise<{ rows: Record<string, unknown>[] }>;
}

/**
 * A subgraph's database is ready when it answers `SELECT 1` and every migration this build knows is
 * applied. Asked of the pg pool directly, not through TypeORM, so probes neither count as a request's
 * statements nor appear in the statement metrics.
 */
export async function databaseReadiness(db: DataSource, timeoutMs = READY_TIMEOUT_MS): Promise<string> {
  if (!db.isInitialized) return 'not ready: the database connection is closed';
  const pool = (db.driver as unknown as { master?: Pool }).master;
  if (!pool) return 'not ready: the database connection is closed';
  try {
    await withTimeout(pool.query('SELECT 1'), timeoutMs);
    const table = db.driver.escape(db.options.migrationsTableName ?? 'migrations');
    const { rows } = await withTimeout(pool.query(`SELECT name FROM ${table}`), timeoutMs);
    const applied = new Set(rows.map((r) => r.name));
    const pending = db.migrations.map((m) => m.name ?? m.constructor.name).filter((n) => !applied.has(n));
    return pending.length ? `not ready: ${pending.length} migration(s) not applied (${pending.join(', ')})` : 'ready';
  } catch (e) {
    const message = (e as Error).message ?? '';
    return message.startsWith('no answer') ? `not ready: the database gave ${message}` : 'not ready: the database is not reachable';
  }
}

export interface OpsEndpoints {
  service: string;
  /** Runs the readiness checks; called on every GET /ready. */
  ready(): Promise<Readiness>;
  metrics: ServiceMetrics;
  logger: Logger;
}

/**
 * Answers /health, /ready and (when `withMetrics`) /metrics; returns false for any other path so the
 * caller can go on. A change of readiness is logged once, not on every probe.
 */
export function opsRoutes(ops: OpsEndpoints) {
  let last: boolean | null = null;
  return async (req: IncomingMessage, res: ServerResponse, pathname: string, withMetrics: boolean): Promise<boolean> => {
    if (pathname === '/health') {
      sendJson(res, 200, { status: 'ok', service: ops.service });
      return true;
    }
    if (pathname === '/ready') {
      const { ready, checks } = await ops.ready();
      if (ready !== last) {
        if (ready) ops.logger.info('ready to serve', { checks });
        else ops.logger.warn('not ready to serve', { checks });
        last = ready;
      }
      sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'not ready', service: ops.service, checks, ...(ready ? {} : { notReady: Object.keys(checks).filter((k) => checks[k] !== 'ready') }) });
      return true;
    }
    if (pathname === '/metrics' && withMetrics) {
      const text = await ops.metrics.text();
      res.writeHead(200, { 'content-type': ops.metrics.contentType, 'content-length': Buffer.byteLength(text) });
      res.end(text);
      return true;
    }
    return false;
  };
}

/** A listener of its own for /health, /ready and /metrics (TREATY_OPS_PORT, GATEWAY_OPS_PORT). */
export function serveOps(ops: OpsEndpoints, opts: { port: number; host?: string }): Promise<Listening> {
  const routes = opsRoutes(ops);
  return listen(
    async (req, res) => {
      const { pathname } = new URL(req.url ?? '/', 'http://localhost');
      if (!(await routes(req, res, pathname, true))) sendJson(res, 404, { error: 'Not found. This port serves /health, /ready and /metrics.' });
    },
    { port: opts.port, host: opts.host, logger: ops.logger, failureMessage: `The ${ops.service} operations endpoint failed.` },
  );
}

/** Readiness of the gateway: each subgraph's own /ready, asked in parallel with a short timeout. */
export async function subgraphsReadiness(subgraphUrls: Record<string, string>, timeoutMs = READY_TIMEOUT_MS): Promise<Readiness> {
  const entries = await Promise.all(
    Object.entries(subgraphUrls).map(async ([name, url]): Promise<[string, string]> => {
      try {
        // `ready` beside `graphql`, so a subgraph served under a path prefix is asked under it too.
        const res = await fetch(new URL('ready', url), { signal: AbortSignal.timeout(timeoutMs) });
        await res.body?.cancel();
        return [name, res.ok ? 'ready' : `not ready (its /ready answered HTTP ${res.status})`];
      } catch (e) {
        const name_ = (e as Error).name;
        return [name, name_ === 'TimeoutError' || name_ === 'AbortError' ? `not ready: no answer within ${timeoutMs / 1000} s` : 'not ready: not reachable'];
      }
    }),
  );
  const checks = Object.fromEntries(entries);
  return { ready: entries.every(([, v]) => v === 'ready'), checks };
}
