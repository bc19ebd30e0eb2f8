import type { GatewayConfigSupergraph } from '@graphql-hive/gateway';
import { unifiedGraphHandler } from '@graphql-hive/router-runtime';
import { useTreatyCredentials, type TreatyCredentialsOptions } from './plugin.js';

export interface TreatyHiveOptions extends TreatyCredentialsOptions {
  /** The supergraph SDL: the checked-in gateway/supergraph.graphql (readSupergraph from @treaty/gateway). */
  supergraphSdl: string;
  /** How long to wait for each subgraph, by name, in milliseconds; 5 s when not given, as our gateway. */
  subgraphTimeoutMs?: Record<string, number>;
  /** NODE_ENV=production: no GraphiQL, no introspection. */
  production?: boolean;
  /** Browser origins allowed to call (GATEWAY_CORS_ORIGINS); none by default, as our gateway. */
  corsOrigins?: string[];
}

/**
 * Hive Gateway's configuration for the treaty supergraph, shared by gateway.config.ts (the CLI) and the
 * e2e test (createGatewayRuntime), so the test holds the configuration a team would run.
 *
 * The query planner is the Rust one (@graphql-hive/router-runtime): Hive's default JavaScript planner
 * answers `Milestone.compliance` with "Cannot return null for non-nullable field", because that field
 * `@requires` fields of three other subgraphs and the JavaScript planner does not fetch them all.
 */
export function treatyHiveConfig(opts: TreatyHiveOptions): GatewayConfigSupergraph {
  const timeouts = opts.subgraphTimeoutMs ?? {};
  return {
    supergraph: opts.supergraphSdl,
    unifiedGraphHandler,
    // The supergraph names localhost URLs; a deployment's own URLs replace them, subgraph by subgraph.
    transportEntries: Object.fromEntries(Object.entries(opts.subgraphUrls).map(([name, location]) => [name, { location }])),
    plugins: () => [useTreatyCredentials(opts)],
    upstreamTimeout: ({ subgraphName }) => (subgraphName && timeouts[subgraphName]) || 5_000,
    // Hive's default answers every origin; ours answers none unless listed.
    cors: opts.corsOrigins?.length
      ? { origin: opts.corsOrigins, methods: ['GET', 'POST'], allowedHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-purpose', 'x-request-id', 'traceparent', 'tracestate'], exposedHeaders: ['x-request-id', 'idempotent-replayed'] }
      : false,
    graphiql: !opts.production,
    landingPage: false,
    disableIntrospection: opts.production ? {} : undefined,
    // Unexpected errors are masked: no stack, URL or SQL reaches a client (subgraph errors pass as sent).
    maskedErrors: true,
    // A subgraph's error names it in `extensions.service`, the name our gateway uses (Hive's own is serviceName).
    subgraphErrors: { subgraphNameProp: 'service' },
    healthCheckEndpoint: '/health',
    readinessCheckEndpoint: '/ready',
  };
}
