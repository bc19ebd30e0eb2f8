/**
 * Hive Gateway in place of ours, over the same checked-in supergraph and the same subgraphs:
 *
 *   npx hive-gateway supergraph -c gateway/hive/gateway.config.ts
 *
 * It reads the variables our gateway reads (gateway/src/config.ts): TREATY_INTERNAL_KEYS, one of
 * TREATY_JWKS_FILE / TREATY_JWKS_URL / TREATY_JWT_PUBLIC_KEY, TREATY_JWT_ISSUER, TREATY_JWT_AUDIENCE,
 * <NAME>_URL or <NAME>_PORT per subgraph, GATEWAY_PORT, HOST, GATEWAY_SUBGRAPH_TIMEOUT_MS and
 * <NAME>_TIMEOUT_MS, GATEWAY_MAX_DEPTH, GATEWAY_MAX_TOKENS, GATEWAY_CORS_ORIGINS, NODE_ENV, LOG_LEVEL. A bad or missing one is
 * reported by name, as our gateway reports it. Without TREATY_INTERNAL_KEYS, beside a running `npm start`,
 * it takes the keys that `npm start` keeps in its data directory, so it can stand next to our gateway
 * (with GATEWAY_PORT=4100) for a comparison. See gateway/hive/README.md.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { defineConfig } from '@graphql-hive/gateway';
import { createTokenVerifier, loadGatewayConfig, readSupergraph, type GatewayConfig } from '@treaty/gateway';
import { treatyHiveConfig } from './config.js';

process.env.APOLLO_TELEMETRY_DISABLED = '1';

/** The environment, completed with npm start's local keys when no deployment keys are given. */
async function environment(env: NodeJS.ProcessEnv): Promise<Record<string, string | undefined>> {
  if (env.TREATY_INTERNAL_KEYS) return env;
  // Only for a local run: imported here so that a deployment needs nothing of the launcher.
  const { DEV_AUDIENCE, DEV_ISSUER, dataDir, ensureKeys } = await import('@treaty/launcher');
  const dir = dataDir(env);
  if (!existsSync(path.join(dir, 'keys', 'internal-master.key'))) return env;
  const keys = await ensureKeys(dir);
  return {
    TREATY_JWKS_FILE: keys.jwksFile,
    TREATY_JWT_ISSUER: DEV_ISSUER,
    TREATY_JWT_AUDIENCE: DEV_AUDIENCE,
    ...env,
    TREATY_INTERNAL_KEYS: keys.internal.gateway,
  };
}

let config: GatewayConfig;
try {
  config = loadGatewayConfig(await environment(process.env));
} catch (e) {
  // Said once, plainly, instead of as a stack from inside the CLI's config loader.
  console.error((e as Error).message);
  process.exit(1);
}
const { settings } = config;

export const gatewayConfig = defineConfig({
  ...treatyHiveConfig({
    supergraphSdl: await readSupergraph(),
    subgraphUrls: config.subgraphUrls,
    signer: { issuer: 'gateway', keys: config.internalKeys },
    verifier: await createTokenVerifier(config.jwt),
    subgraphTimeoutMs: settings.subgraphTimeoutMs,
    production: settings.production,
    corsOrigins: settings.corsOrigins,
  }),
  port: config.port,
  host: config.host,
  logging: config.logLevel,
  // The CLI's own graphql-armor limits, at our gateway's values (aliases, directives and cost: see the README).
  maxDepth: settings.limits.depth,
  maxTokens: settings.limits.tokens,
  blockFieldSuggestions: settings.production,
});
