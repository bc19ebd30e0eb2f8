import { z } from 'zod';
import { hostSetting, loadConfig, logLevelSetting, parseInternalKeys, portSetting, type InternalKeys } from '@treaty/service-kit/edge';
import { GATEWAY_DEFAULT_PORT, SUBGRAPHS } from './topology.js';

function isInternalKeys(s: string): boolean {
  try {
    parseInternalKeys(s);
    return true;
  } catch {
    return false;
  }
}
import { DEFAULT_LIMITS, type OperationLimits } from './limits.js';
import { DEFAULT_CONFIDENTIAL_LIMITS, type ConfidentialLimits } from './confidential-limits.js';
import { DEFAULT_ALERT_STREAM, type AlertStreamSettings } from './alerts-format.js';

const port = portSetting(GATEWAY_DEFAULT_PORT);
const limit = (example: number, max: number) =>
  z.coerce.number({ message: `must be a whole number, e.g. ${example}` }).int(`must be a whole number, e.g. ${example}`).min(1, `must be at least 1, e.g. ${example}`).max(max, `must be at most ${max}, e.g. ${example}`);
const milliseconds = z.coerce.number({ message: 'must be a number of milliseconds, e.g. 5000' }).int('must be a whole number of milliseconds, e.g. 5000').min(100, 'must be at least 100 ms, e.g. 5000').max(600_000, 'must be at most 600000 ms (10 minutes), e.g. 5000');

/** Settings that shape what the gateway accepts; every one has a safe default. */
export interface GatewaySettings {
  /** NODE_ENV=production: no introspection, no playground, no suggestions; anonymous callers run trusted documents only. */
  production: boolean;
  limits: OperationLimits;
  /** Largest request body accepted, in bytes; larger bodies get 413 PAYLOAD_TOO_LARGE. */
  maxBodyBytes: number;
  /** How long the gateway waits for each subgraph, by name, in milliseconds. */
  subgraphTimeoutMs: Record<string, number>;
  /**
   * Keep-alive connections the gateway holds open to each subgraph (subgraph-http.ts): one per fetch in
   * flight. The headline query has up to three fetches to one subgraph in flight at a time, so 64 serves
   * about 20 concurrent headline requests per process without a new connection; more wait for a free one.
   */
  subgraphConnections: number;
  /** Browser origins allowed to call the gateway (CORS); none by default. */
  corsOrigins: string[];
  /** Extra folders of trusted documents (*.graphql) beside gateway/operations/. */
  trustedDocumentDirs: string[];
  /**
   * The dashboard cache of whole answers (response-cache.ts). On in a deployment (GATEWAY_RESPONSE_CACHE
   * defaults to on); off for a gateway built in code without it (tests that move the clock or stop a
   * subgraph expect every answer fresh), so `buildGateway` users opt in with `responseCache: true`.
   */
  responseCache: boolean;
  /** How old a cached answer may be, in whole seconds (1 or 2): the staleness bound. */
  responseCacheMaxAgeSeconds: number;
  /** The most the cache holds, in characters of serialised answers (about bytes); least recently used goes first. */
  responseCacheMaxBytes: number;
  /** The confidential channel's abuse limits (confidential-limits.ts): per source per hour, and for everyone per minute. */
  confidentialLimits: ConfidentialLimits;
  /** The alert stream at GET /alerts (alerts.ts): how often outboxes are read, how many streams are served. */
  alertStream: AlertStreamSettings;
}

export const DEFAULT_SETTINGS: GatewaySettings = {
  production: false,
  limits: DEFAULT_LIMITS,
  maxBodyBytes: 1024 * 1024,
  subgraphTimeoutMs: Object.fromEntries(SUBGRAPHS.map((s) => [s.name, 5_000])),
  subgraphConnections: 64,
  corsOrigins: [],
  trustedDocumentDirs: [],
  responseCache: false,
  responseCacheMaxAgeSeconds: 2,
  responseCacheMaxBytes: 32 * 1024 * 1024,
  confidentialLimits: DEFAULT_CONFIDENTIAL_LIMITS,
  alertStream: DEFAULT_ALERT_STREAM,
};

/** A count per hour (or minute, or per gateway or agency), 1 to 100000. */
const perHour = (fallback: number, per: 'hour' | 'minute' | 'gateway' | 'agency' = 'hour') =>
  z.coerce
    .number({ message: `must be a whole number per ${per}, e.g. ${fallback}` })
    .int(`must be a whole number per ${per}, e.g. ${fallback}`)
    .min(1, `must be at least 1 per ${per}, e.g. ${fallback}`)
    .max(100_000, `must be at most 100000 per ${per}, e.g. ${fallback}`)
    .default(fallback);

const origin = z.string().regex(/^https?:\/\/[^/\s]+$/, 'must be a comma-separated list of origins like https://dashboard.example.org (scheme and host, no path)');

/**
 * The gateway's settings. Subgraph URLs default to localhost on each subgraph's port. Tokens are
 * checked against a JWKS file or URL, or a single public key (PEM); at least one is required.
 */
export const gatewayConfigSchema = z
  .object({
    GATEWAY_PORT: port.optional(),
    PORT: port.default(GATEWAY_DEFAULT_PORT),
    HOST: hostSetting(),
    TREATY_INTERNAL_KEYS: z
      .string({ message: 'is required: the keys the gateway signs calls to subgraphs with, a JSON object from "gateway>service" to a 32-byte base64url key (packages/service-kit/internal-credentials.md); npm start provides it' })
      .refine(isInternalKeys, 'must be a JSON object like {"gateway>milestones":"<43 base64url characters>"} (packages/service-kit/internal-credentials.md)'),
    TREATY_JWKS_FILE: z.string().min(1).optional(),
    TREATY_JWKS_URL: z.url({ protocol: /^https?$/, message: 'must be the URL of a JSON Web Key Set, e.g. https://login.example.org/.well-known/jwks.json' }).optional(),
    TREATY_JWT_PUBLIC_KEY: z.string().includes('PUBLIC KEY', { message: 'must be an SPKI PEM public key like -----BEGIN PUBLIC KEY----- … -----END PUBLIC KEY-----' }).optional(),
    TREATY_JWT_ISSUER: z.string().min(1).default('treaty-dev'),
    TREATY_JWT_AUDIENCE: z.string().min(1).default('treaty-gateway'),
    LOG_LEVEL: logLevelSetting(),
    // Refused rather than ignored: NODE_ENV=prod would otherwise leave introspection and the playground on.
    NODE_ENV: z.enum(['production', 'development', 'test'], { message: 'must be one of production (no introspection, no playground, anonymous callers run trusted documents only), development or test (the local defaults), e.g. production' }).optional(),
    GATEWAY_MAX_DEPTH: limit(DEFAULT_LIMITS.depth, 1_000).default(DEFAULT_LIMITS.depth),
    GATEWAY_MAX_ALIASES: limit(DEFAULT_LIMITS.aliases, 100_000).default(DEFAULT_LIMITS.aliases),
    GATEWAY_MAX_TOKENS: limit(DEFAULT_LIMITS.tokens, 1_000_000).default(DEFAULT_LIMITS.tokens),
    GATEWAY_MAX_DIRECTIVES: limit(DEFAULT_LIMITS.directives, 10_000).default(DEFAULT_LIMITS.directives),
    GATEWAY_MAX_COST: limit(DEFAULT_LIMITS.cost, 10_000_000).default(DEFAULT_LIMITS.cost),
    GATEWAY_MAX_BODY_BYTES: limit(DEFAULT_SETTINGS.maxBodyBytes, 100 * 1024 * 1024).default(DEFAULT_SETTINGS.maxBodyBytes),
    GATEWAY_SUBGRAPH_TIMEOUT_MS: milliseconds.default(5_000),
    GATEWAY_SUBGRAPH_CONNECTIONS: z.coerce
      .number({ message: 'must be a number of connections per subgraph, e.g. 64' })
      .int('must be a whole number of connections per subgraph, e.g. 64')
      .min(1, 'must be at least 1, e.g. 64')
      .max(4096, 'must be at most 4096, e.g. 64')
      .default(DEFAULT_SETTINGS.subgraphConnections),
    GATEWAY_CORS_ORIGINS: z
      .string()
      .transform((v) => v.split(',').map((o) => o.trim()).filter(Boolean))
      .pipe(z.array(origin))
      .default([]),
    GATEWAY_TRUSTED_DOCUMENTS: z
      .string()
      .transform((v) => v.split(',').map((d) => d.trim()).filter(Boolean))
      .default([]),
    GATEWAY_RESPONSE_CACHE: z
      .enum(['on', 'off'], { message: 'must be on (repeated queries are answered from the dashboard cache, at most GATEWAY_RESPONSE_CACHE_MAX_AGE_SECONDS old) or off (every query reaches the subgraphs), e.g. off' })
      .default('on'),
    // Statuses derive from the clock (a milestone turns DUE, then MISSED, with no write), so at most 2 s.
    GATEWAY_RESPONSE_CACHE_MAX_AGE_SECONDS: z.coerce
      .number({ message: 'must be a whole number of seconds, 1 or 2, e.g. 2' })
      .int('must be a whole number of seconds, 1 or 2, e.g. 2')
      .min(1, 'must be at least 1 second (to cache nothing, set GATEWAY_RESPONSE_CACHE=off), e.g. 2')
      .max(2, 'must be at most 2 seconds: statuses derive from the clock and may be at most 2 s stale, e.g. 2')
      .default(DEFAULT_SETTINGS.responseCacheMaxAgeSeconds),
    // The confidential channel's abuse limits (no token needed there): reports and receipt uses per source per hour.
    GATEWAY_CONFIDENTIAL_REPORTS_PER_HOUR: perHour(DEFAULT_CONFIDENTIAL_LIMITS.submissions),
    GATEWAY_CONFIDENTIAL_RECEIPT_USES_PER_HOUR: perHour(DEFAULT_CONFIDENTIAL_LIMITS.lookups),
    GATEWAY_CONFIDENTIAL_WRONG_RECEIPTS_PER_HOUR: perHour(DEFAULT_CONFIDENTIAL_LIMITS.failures),
    GATEWAY_CONFIDENTIAL_REPORTS_PER_MINUTE: perHour(DEFAULT_CONFIDENTIAL_LIMITS.globalSubmissions, 'minute'),
    // The alert stream: events reach an open stream within one poll of their commit.
    GATEWAY_ALERT_POLL_MS: z.coerce
      .number({ message: 'must be a whole number of milliseconds, e.g. 250' })
      .int('must be a whole number of milliseconds, e.g. 250')
      .min(50, 'must be at least 50 ms, e.g. 250')
      .max(1_500, 'must be at most 1500 ms, e.g. 250: an alert must reach the cell within 2 s of its commit')
      .default(DEFAULT_ALERT_STREAM.pollMs),
    GATEWAY_ALERT_MAX_STREAMS: perHour(DEFAULT_ALERT_STREAM.maxStreams, 'gateway'),
    GATEWAY_ALERT_MAX_STREAMS_PER_AGENCY: perHour(DEFAULT_ALERT_STREAM.maxStreamsPerAgency, 'agency'),
    // A separate listener for /health, /ready and /metrics; unset, they are served on the gateway's port.
    GATEWAY_OPS_PORT: portSetting(9464).optional(),
    GATEWAY_OPS_HOST: hostSetting().unwrap().optional(),
    ...Object.fromEntries(
      SUBGRAPHS.flatMap((s) => {
        const upper = s.name.toUpperCase();
        const url = z.url({ protocol: /^https?$/, message: `must be the ${s.name} subgraph's GraphQL URL, e.g. http://${s.name}:${s.defaultPort}/graphql` });
        return [[`${upper}_URL`, url.optional()], [`${upper}_PORT`, portSetting(s.defaultPort).optional()], [`${upper}_TIMEOUT_MS`, milliseconds.optional()]];
      }),
    ),
  })
  .refine((e) => e.TREATY_JWKS_FILE || e.TREATY_JWKS_URL || e.TREATY_JWT_PUBLIC_KEY, {
    message: 'set one of TREATY_JWKS_FILE, TREATY_JWKS_URL or TREATY_JWT_PUBLIC_KEY so the gateway can verify tokens (npm start sets TREATY_JWKS_FILE)',
    path: ['TREATY_JWKS_FILE'],
  });

export interface GatewayConfig {
  port: number;
  host: string;
  /** The pairwise keys the gateway signs each subgraph's credentials with. */
  internalKeys: InternalKeys;
  jwt: { jwksFile?: string; jwksUrl?: string; publicKey?: string; issuer: string; audience: string };
  subgraphUrls: Record<string, string>;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  settings: GatewaySettings;
  /** GATEWAY_OPS_PORT / GATEWAY_OPS_HOST (HOST unless set): where /health, /ready and /metrics are served apart. */
  ops?: { port: number; host: string };
}

export function loadGatewayConfig(env: Record<string, string | undefined>): GatewayConfig {
  const e = loadConfig(gatewayConfigSchema, env) as Record<string, any>;
  return {
    port: e.GATEWAY_PORT ?? e.PORT,
    host: e.HOST,
    internalKeys: parseInternalKeys(e.TREATY_INTERNAL_KEYS),
    jwt: { jwksFile: e.TREATY_JWKS_FILE, jwksUrl: e.TREATY_JWKS_URL, publicKey: e.TREATY_JWT_PUBLIC_KEY, issuer: e.TREATY_JWT_ISSUER, audience: e.TREATY_JWT_AUDIENCE },
    subgraphUrls: Object.fromEntries(
      SUBGRAPHS.map((s) => {
        const upper = s.name.toUpperCase();
        return [s.name, e[`${upper}_URL`] ?? `http://127.0.0.1:${e[`${upper}_PORT`] ?? s.defaultPort}/graphql`];
      }),
    ),
    logLevel: e.LOG_LEVEL,
    ...(e.GATEWAY_OPS_PORT !== undefined ? { ops: { port: e.GATEWAY_OPS_PORT, host: e.GATEWAY_OPS_HOST ?? e.HOST } } : {}),
    settings: {
      production: e.NODE_ENV === 'production',
      limits: { depth: e.GATEWAY_MAX_DEPTH, aliases: e.GATEWAY_MAX_ALIASES, tokens: e.GATEWAY_MAX_TOKENS, directives: e.GATEWAY_MAX_DIRECTIVES, cost: e.GATEWAY_MAX_COST },
      maxBodyBytes: e.GATEWAY_MAX_BODY_BYTES,
      subgraphTimeoutMs: Object.fromEntries(SUBGRAPHS.map((s) => [s.name, e[`${s.name.toUpperCase()}_TIMEOUT_MS`] ?? e.GATEWAY_SUBGRAPH_TIMEOUT_MS])),
      subgraphConnections: e.GATEWAY_SUBGRAPH_CONNECTIONS,
      corsOrigins: e.GATEWAY_CORS_ORIGINS,
      trustedDocumentDirs: e.GATEWAY_TRUSTED_DOCUMENTS,
      responseCache: e.GATEWAY_RESPONSE_CACHE === 'on',
      responseCacheMaxAgeSeconds: e.GATEWAY_RESPONSE_CACHE_MAX_AGE_SECONDS,
      responseCacheMaxBytes: DEFAULT_SETTINGS.responseCacheMaxBytes,
      confidentialLimits: {
        submissions: e.GATEWAY_CONFIDENTIAL_REPORTS_PER_HOUR,
        lookups: e.GATEWAY_CONFIDENTIAL_RECEIPT_USES_PER_HOUR,
        failures: e.GATEWAY_CONFIDENTIAL_WRONG_RECEIPTS_PER_HOUR,
        globalSubmissions: e.GATEWAY_CONFIDENTIAL_REPORTS_PER_MINUTE,
      },
      alertStream: { ...DEFAULT_ALERT_STREAM, pollMs: e.GATEWAY_ALERT_POLL_MS, maxStreams: e.GATEWAY_ALERT_MAX_STREAMS, maxStreamsPerAgency: e.GATEWAY_ALERT_MAX_STREAMS_PER_AGENCY },
    },
  };
}
