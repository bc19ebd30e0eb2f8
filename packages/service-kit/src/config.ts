import { z } from 'zod';
import { parseInternalKeys } from './internal-auth.js';
import { DATA_KEYS_VARIABLE, parseDataKeys, type DataKeys } from './field-crypto.js';

/** Days personal data is kept after a person's case closes (TREATY_RETENTION_DAYS), unless configured. */
export const DEFAULT_RETENTION_DAYS = 180;

/** Raised when the environment does not describe a runnable service; lists every problem at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const portNumber = z.coerce
  .number({ message: 'must be a port number, e.g. 4001' })
  .int('must be a whole number')
  .min(0, 'must be between 0 and 65535')
  .max(65535, 'must be between 0 and 65535');
const port = (fallback: number) => portNumber.default(fallback);

function isInternalKeys(s: string): boolean {
  try {
    parseInternalKeys(s);
    return true;
  } catch {
    return false;
  }
}

const postgresUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\//, 'must be a PostgreSQL URL such as postgres://user:pass@localhost:5432/milestones');

function toDataKeys(s: string, ctx: z.RefinementCtx): DataKeys {
  try {
    return parseDataKeys(s);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
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
      [`${upper}_PORT`]: portNumber.optional(),
      PORT: port(defaultPort),
      HOST: z.string().min(1).default('127.0.0.1'),
      [`${upper}_DATABASE_URL`]: postgresUrl.optional(),
      DATABASE_URL: postgresUrl.optional(),
      TREATY_INTERNAL_KEYS: z
        .string({ message: 'is required: a JSON object from "issuer>audience" to a 32-byte base64url key (see packages/service-kit/internal-credentials.md); npm start provides it' })
        .refine(isInternalKeys, 'must be a JSON object like {"gateway>milestones":"<43 base64url characters>"} (see packages/service-kit/internal-credentials.md)'),
      TREATY_IDEMPOTENCY_RETENTION_HOURS: z.coerce
        .number({ message: 'must be a number of hours, e.g. 48' })
        .int('must be a whole number of hours, e.g. 48')
        .min(24, 'must be at least 24 hours: partner agencies retry for up to a day')
        .max(24 * 90, 'must be at most 2160 hours (90 days)')
        .default(48),
      LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
      TREATY_PEER_TIMEOUT_MS: z.coerce
        .number({ message: 'must be a number of milliseconds, e.g. 2000' })
        .int('must be a whole number of milliseconds, e.g. 2000')
        .min(100, 'must be at least 100 ms')
        .max(60_000, 'must be at most 60000 ms')
        .default(2_000),
      [DATA_KEYS_VARIABLE]: dataKeys,
      TREATY_RETENTION_DAYS: z.coerce
        .number({ message: 'must be a number of days, e.g. 180' })
        .int('must be a whole number of days, e.g. 180')
        .min(1, 'must be at least 1 day')
        .max(3650, 'must be at most 3650 days (ten years)')
        .default(DEFAULT_RETENTION_DAYS),
    })
    .transform((env) => ({
      service,
      port: (env[`${upper}_PORT`] as number | undefined) ?? (env.PORT as number),
      host: env.HOST as string,
      databaseUrl: (env[`${upper}_DATABASE_URL`] as string | undefined) ?? (env.DATABASE_URL as string | undefined),
      internalKeys: env.TREATY_INTERNAL_KEYS as string,
      idempotencyRetentionMs: (env.TREATY_IDEMPOTENCY_RETENTION_HOURS as number) * 3_600_000,
      logLevel: env.LOG_LEVEL as 'debug' | 'info' | 'warn' | 'error',
      peerTimeoutMs: env.TREATY_PEER_TIMEOUT_MS as number,
      dataKeys: env[DATA_KEYS_VARIABLE] as DataKeys | undefined,
      retentionDays: env.TREATY_RETENTION_DAYS as number,
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
  /** TREATY_INTERNAL_KEYS: the pairwise keys this service signs and verifies internal credentials with. */
  internalKeys: string;
  /** How long an Idempotency-Key and its first response are kept. */
  idempotencyRetentionMs: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** How long a call to a sibling service may take (TREATY_PEER_TIMEOUT_MS). */
  peerTimeoutMs: number;
  /** TREATY_DATA_KEYS: the KEKs wrapping the data keys of personal fields; absent for a service without any. */
  dataKeys?: DataKeys;
  /** Days personal data is kept after a person's case closes, for a service that holds any. */
  retentionDays: number;
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
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`),
    );
  }
  return result.data;
}

export function loadSubgraphConfig(service: string, defaultPort: number, env: Record<string, string | undefined>, opts: SubgraphConfigOptions = {}): SubgraphConfig {
  return loadConfig(subgraphConfigSchema(service, defaultPort, opts), env) as SubgraphConfig;
}
