import type { KeyObject } from 'node:crypto';
import { parseSigningKey } from '@treaty/evidence';
import { z } from 'zod';
import { parseInternalKeys } from './internal-auth.js';
import { DATA_KEYS_VARIABLE, parseDataKeys, type DataKeys } from './field-crypto.js';

/** Days personal data is kept after a person's case closes (TREATY_RETENTION_DAYS), unless configured. */
export const DEFAULT_RETENTION_DAYS = 180;

/** TREATY_RETENTION_DAYS, as every process that reads it (the service and its purge command) checks it. */
export const retentionDaysSetting = z.coerce
  .number({ message: 'must be a number of days, e.g. 180' })
  .int('must be a whole number of days, e.g. 180')
  .min(1, 'must be at least 1 day, e.g. 180')
  .max(3650, 'must be at most 3650 days (ten years), e.g. 180')
  .default(DEFAULT_RETENTION_DAYS);

/** Raised when the environment does not describe a runnable service; lists every problem at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * A TCP port variable: digits only (Number() would read "0x10" or "1e3"), 1 to 65535. `example` is the
 * usual value, shown in the message so the reader sees what a valid one looks like.
 */
export const portSetting = (example: number) => {
  const message = `must be a port number from 1 to 65535, e.g. ${example}`;
  return z
    .string({ message })
    .trim()
    .regex(/^\d{1,5}$/, message)
    .transform(Number)
    .refine((n) => n >= 1 && n <= 65535, message);
};
const portNumber = portSetting(4001);
const port = (fallback: number) => portSetting(fallback).default(fallback);

/** HOST: an address to listen on, never a URL (a scheme or a path makes listen() fail with a bare ENOTFOUND). */
export const hostSetting = () =>
  z
    .string()
    .regex(/^[A-Za-z0-9.:\-[\]%]+$/, 'must be an address to listen on, e.g. 0.0.0.0 (every interface, in a container) or 127.0.0.1 (this machine only), without scheme or port')
    .default('127.0.0.1');

/** The levels LOG_LEVEL accepts. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export const logLevelSetting = () => z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}, e.g. info` }).default('info');

function isInternalKeys(s: string): boolean {
  try {
    parseInternalKeys(s);
    return true;
  } catch {
    return false;
  }
}

function isPostgresUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'postgres:' || u.protocol === 'postgresql:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/** A PostgreSQL connection URL; `database` names the example's database. */
export const postgresUrlSetting = (database: string) =>
  z.string().refine(isPostgresUrl, `must be a PostgreSQL URL such as postgres://user:password@localhost:5432/${database}`);
const postgresUrl = postgresUrlSetting('milestones');

function toDataKeys(s: string, ctx: z.RefinementCtx): DataKeys {
  try {
    return parseDataKeys(s);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
}

function toEvidenceKey(s: string, ctx: z.RefinementCtx): KeyObject {
  try {
    return parseSigningKey(s);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: `is not an Ed25519 key (${(e as Error).message}); give a 32-byte seed in base64url, like the 43 characters of deploy/secrets/evidence-<service>.key, or a PKCS8 PEM` });
    return z.NEVER;
  }
}

/** TREATY_DATA_KEYS, parsed: the KEKs that wrap a service's data keys (see field-crypto.ts). */
export const dataKeysSetting = (required: string | null) =>
  (required ? z.string({ message: required }) : z.string()).transform(toDataKeys);

export interface SubgraphConfigOptions {
  /** A service that holds personal data encrypts it at rest and cannot start without TREATY_DATA_KEYS. */
  dataKeysRequired?: boolean;
}

/** Settings every subgraph process reads. The service name prefixes its own variables. */
export function subgraphConfigSchema(service: string, defaultPort: number, opts: SubgraphConfigOptions = {}) {
  const upper = service.toUpperCase();
  const dataKeys = opts.dataKeysRequired
    ? dataKeysSetting(
        `is required: the ${service} service encrypts personal data at rest under data keys wrapped by these KEKs, ` +
          'a JSON object like {"active":"kek-1","keys":{"kek-1":"<32 random bytes, base64url>"}}; npm start provides it',
      )
    : dataKeysSetting(null).optional();
  return z
    .object({
      // <NAME>_PORT wins over PORT and has no default of its own: with one, PORT could never apply.
      [`${upper}_PORT`]: portSetting(defaultPort).optional(),
      PORT: port(defaultPort),
      HOST: hostSetting(),
      [`${upper}_DATABASE_URL`]: postgresUrlSetting(service).optional(),
      DATABASE_URL: postgresUrlSetting(service).optional(),
      TREATY_INTERNAL_KEYS: z
        .string({ message: 'is required: a JSON object from "issuer>audience" to a 32-byte base64url key (see packages/service-kit/internal-credentials.md); npm start provides it' })
        .refine(isInternalKeys, 'must be a JSON object like {"gateway>milestones":"<43 base64url characters>"} (see packages/service-kit/internal-credentials.md)'),
      TREATY_IDEMPOTENCY_RETENTION_HOURS: z.coerce
        .number({ message: 'must be a number of hours, e.g. 48' })
        .int('must be a whole number of hours, e.g. 48')
        .min(24, 'must be at least 24 hours, e.g. 48: partner agencies retry for up to a day')
        .max(24 * 90, 'must be at most 2160 hours (90 days), e.g. 48')
        .default(48),
      LOG_LEVEL: logLevelSetting(),
      TREATY_PEER_TIMEOUT_MS: z.coerce
        .number({ message: 'must be a number of milliseconds, e.g. 2000' })
        .int('must be a whole number of milliseconds, e.g. 2000')
        .min(100, 'must be at least 100 ms, e.g. 2000')
        .max(60_000, 'must be at most 60000 ms, e.g. 2000')
        .default(2_000),
      [DATA_KEYS_VARIABLE]: dataKeys,
      TREATY_EVIDENCE_KEY: z
        .string({ message: `is required: the Ed25519 key of the ${service} service's evidence log, a 32-byte seed in base64url or a PKCS8 PEM; npm start provides it (deploy/make-secrets.mjs for a deployment)` })
        .transform(toEvidenceKey),
      TREATY_RETENTION_DAYS: retentionDaysSetting,
      TREATY_ALERT_TICK_MS: z.coerce
        .number({ message: 'must be a number of milliseconds, e.g. 1000' })
        .int('must be a whole number of milliseconds, e.g. 1000')
        .min(100, 'must be at least 100 ms, e.g. 1000')
        .max(60_000, 'must be at most 60000 ms (a minute), e.g. 1000: alerts must reach the cell within seconds')
        .default(1_000),
      TREATY_ALERT_HORIZON_HOURS: z.coerce
        .number({ message: 'must be a number of hours, e.g. 12' })
        .int('must be a whole number of hours, e.g. 12')
        .min(1, 'must be at least 1 hour, e.g. 12')
        .max(720, 'must be at most 720 hours (30 days), e.g. 12')
        .default(12),
      // A separate listener for /health, /ready and /metrics; unset, they are served on the service's port.
      TREATY_OPS_PORT: portSetting(9464).optional(),
      TREATY_OPS_HOST: hostSetting().unwrap().optional(),
    })
    .transform((env) => ({
      service,
      port: (env[`${upper}_PORT`] as number | undefined) ?? (env.PORT as number),
      host: env.HOST as string,
      databaseUrl: (env[`${upper}_DATABASE_URL`] as string | undefined) ?? (env.DATABASE_URL as string | undefined),
      databaseUrlVariable: env[`${upper}_DATABASE_URL`] !== undefined ? `${upper}_DATABASE_URL` : 'DATABASE_URL',
      internalKeys: env.TREATY_INTERNAL_KEYS as string,
      idempotencyRetentionMs: (env.TREATY_IDEMPOTENCY_RETENTION_HOURS as number) * 3_600_000,
      logLevel: env.LOG_LEVEL as 'debug' | 'info' | 'warn' | 'error',
      peerTimeoutMs: env.TREATY_PEER_TIMEOUT_MS as number,
      dataKeys: env[DATA_KEYS_VARIABLE] as DataKeys | undefined,
      evidenceKey: env.TREATY_EVIDENCE_KEY as KeyObject,
      retentionDays: env.TREATY_RETENTION_DAYS as number,
      alertTickMs: env.TREATY_ALERT_TICK_MS as number,
      alertHorizonMs: (env.TREATY_ALERT_HORIZON_HOURS as number) * 3_600_000,
      opsPort: env.TREATY_OPS_PORT as number | undefined,
      opsHost: (env.TREATY_OPS_HOST as string | undefined) ?? (env.HOST as string),
    }))
    .refine((c) => c.databaseUrl !== undefined, {
      message: `${upper}_DATABASE_URL or DATABASE_URL is required (npm start provides one from the embedded PostgreSQL)`,
      path: ['DATABASE_URL'],
    });
}

export type SubgraphConfig = {
  service: string;
  port: number;
  host: string;
  databaseUrl: string;
  /** The variable databaseUrl came from (<NAME>_DATABASE_URL or DATABASE_URL), for messages that must name it. */
  databaseUrlVariable: string;
  /** TREATY_INTERNAL_KEYS: the pairwise keys this service signs and verifies internal credentials with. */
  internalKeys: string;
  /** How long an Idempotency-Key and its first response are kept. */
  idempotencyRetentionMs: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** How long a call to a sibling service may take (TREATY_PEER_TIMEOUT_MS). */
  peerTimeoutMs: number;
  /** TREATY_DATA_KEYS: the KEKs wrapping the data keys of personal fields; absent for a service without any. */
  dataKeys?: DataKeys;
  /** TREATY_EVIDENCE_KEY: the Ed25519 key the service signs its evidence log's tree heads with. */
  evidenceKey: KeyObject;
  /** Days personal data is kept after a person's case closes, for a service that holds any. */
  retentionDays: number;
  /** TREATY_ALERT_TICK_MS: how often the alert watcher checks the clock for deadlines passing. */
  alertTickMs: number;
  /** TREATY_ALERT_HORIZON_HOURS: how long before a deadline (a dispute tier's, a redress case's) the stream says it is near. */
  alertHorizonMs: number;
  /** TREATY_OPS_PORT: where /health, /ready and /metrics are served apart from GraphQL; unset, on `port`. */
  opsPort?: number;
  /** TREATY_OPS_HOST: the address of that listener (HOST unless set). */
  opsHost: string;
};

/**
 * Parses `env` with `schema` and returns the typed result, or throws one ConfigError that names every
 * bad variable. Pure: it never reads process.env itself, so only index.ts touches the environment.
 */
export function loadConfig<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): z.output<S> {
  // Empty strings mean "unset" (a common shell mistake: FOO= npm start).
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    // The variable alone names the problem: "GATEWAY_CORS_ORIGINS.1" would point inside a value the reader typed as one string.
    const problems = result.error.issues.map((issue) => `${issue.path.length ? String(issue.path[0]) : '(environment)'}: ${issue.message}`);
    throw new ConfigError([...new Set(problems)]);
  }
  return result.data;
}

export function loadSubgraphConfig(service: string, defaultPort: number, env: Record<string, string | undefined>, opts: SubgraphConfigOptions = {}): SubgraphConfig {
  return loadConfig(subgraphConfigSchema(service, defaultPort, opts), env) as SubgraphConfig;
}

/** What a socket error code means, in words an operator acts on. */
const CONNECT_FAILURES: Record<string, { what: string; check: string }> = {
  ECONNREFUSED: { what: 'connection refused', check: 'that PostgreSQL is running there and listens on that port' },
  ENOTFOUND: { what: 'no such host', check: 'the host name' },
  EAI_AGAIN: { what: 'the host name could not be resolved now', check: 'the host name and this machine\'s DNS' },
  ETIMEDOUT: { what: 'timed out', check: 'the host and port, and that no firewall drops the connection' },
  EHOSTUNREACH: { what: 'host unreachable', check: 'the host and this machine\'s network' },
  ENETUNREACH: { what: 'network unreachable', check: 'the host and this machine\'s network' },
  ECONNRESET: { what: 'the connection was closed by the other side', check: 'that the port is PostgreSQL\'s and whether the server requires TLS (add ?sslmode=require)' },
};

/**
 * Explains a failure to connect to PostgreSQL, naming the variable the URL came from, where it tried and
 * what to check, instead of the driver's raw text (`connect ECONNREFUSED 127.0.0.1:1`). The password is
 * never repeated. For an error that is not about connecting, the driver's message is kept, after the variable.
 */
export function describeDatabaseError(variable: string, url: string, error: unknown): string {
  const e = error as { code?: string; message?: string; errors?: { code?: string }[] };
  const message = e?.message ?? String(error);
  const example = 'a URL such as postgres://user:password@localhost:5432/treaty';
  let where = 'the server';
  let user = '';
  let database = '';
  try {
    const u = new URL(url);
    where = `${u.hostname}:${u.port || 5432}`;
    user = decodeURIComponent(u.username);
    database = decodeURIComponent(u.pathname.slice(1));
  } catch {
    return `${variable} is not a URL: it must be ${example}`;
  }
  const code = e?.code ?? e?.errors?.find((x) => x.code)?.code;
  const failure = code ? CONNECT_FAILURES[code] : undefined;
  if (failure) return `${variable} could not connect to ${where} (${failure.what}): check ${failure.check}, or correct ${variable} (${example}).`;
  if (/timeout/i.test(message)) return `${variable} could not connect to ${where} (timed out): check the host and port, and that no firewall drops the connection, or correct ${variable} (${example}).`;
  switch (code) {
    case '28P01':
      return `${variable}: ${where} refused the password of user "${user}": check the user name and password in ${variable}.`;
    case '28000':
      return `${variable}: ${where} refused user "${user}" (${message}): check the user name in ${variable}, or let that user in (pg_hba.conf).`;
    case '3D000':
      return `${variable}: ${where} has no database "${database}": create it (CREATE DATABASE ${database}) or correct the database name in ${variable}.`;
    case '53300':
      return `${variable}: ${where} has no connection left (${message}): raise max_connections there or lower the number of replicas.`;
  }
  if (/password must be a string/.test(message)) return `${variable}: ${where} asks user "${user}" for a password and ${variable} has none: put it in the URL (postgres://user:password@host:port/database).`;
  if (/does not support SSL/.test(message)) return `${variable}: ${where} does not accept TLS: remove sslmode or ssl from ${variable}.`;
  return `${variable}: cannot use the database at ${where} (${message}).`;
}
