import { randomUUID } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import path from 'node:path';
import { ApolloServer, HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled, ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { ApolloGateway } from '@apollo/gateway';
import { parse, valueFromASTUntyped, type GraphQLError, type GraphQLScalarType } from 'graphql';
import {
  ALERTS_ROUTE,
  PUBLIC_CALLER,
  MALFORMED_BODY_MESSAGE,
  MalformedBody,
  PayloadTooLarge,
  SafeLiteralsRule,
  annotateSpan,
  checkVariables,
  createLogger,
  createMetrics,
  currentRequest,
  isAuthenticated,
  IDEMPOTENCY_KEY_MESSAGE,
  isIdempotencyKey,
  listen,
  logWhenDone,
  operationNameOf,
  opsRoutes,
  parseDateTime,
  parsePositionRows,
  readBody,
  sendGraphQLError,
  serveOps,
  subgraphsReadiness,
  writeGraphQLResponse,
  type Caller,
  type InternalSigner,
  type Listening,
  type Logger,
  type RequestScope,
  type ServiceMetrics,
} from '@treaty/service-kit/edge';
import { AuthenticationError, type TokenVerifier } from './auth.js';
import { DEFAULT_SETTINGS, type GatewaySettings } from './config.js';
import type { GatewayContext } from './context.js';
import { ChannelCounters, confidentialLimitsPlugin } from './confidential-limits.js';
import { AlertHub, StreamRefusal, openAlertStream } from './alerts.js';
import { runOperation } from './reports/run.js';
import { SUBGRAPHS } from './topology.js';
import { SignedDataSource } from './data-source.js';
import { RequestReads } from './coalesce.js';
import { formatGatewayError } from './errors.js';
import { armor, checkTokens } from './limits.js';
import { keyedMutationsPlugin, mutationOwners } from './keyed-mutations.js';
import { operationChoicePlugin } from './operation-choice.js';
import { PLAYGROUND_CSP, playgroundAsset, playgroundHtml } from './playground.js';
import { responseCachePlugins, type DashboardCache } from './response-cache.js';
import { OPERATIONS_DIR, loadTrustedDocuments, type TrustedDocuments } from './trusted-documents.js';
import { handleReport } from './reports/routes.js';

export type { GatewayContext } from './context.js';

export { SUPERGRAPH_URL, readSupergraph } from './supergraph-file.js';

export interface GatewayOptions {
  supergraphSdl: string;
  subgraphUrls: Record<string, string>;
  signer: InternalSigner;
  verifier: TokenVerifier;
  logger?: Logger;
  /** What the gateway accepts (limits, production mode, timeouts, CORS); defaults are safe. */
  settings?: Partial<GatewaySettings>;
  /** Called with each query plan the gateway makes (tests inspect fan-out with it). */
  onQueryPlan?: (plan: unknown) => void;
  /** The clock the report pages read "today" and "this week" from; the system clock unless a test fixes it. */
  clock?: { now(): Date };
}

export interface BuiltGateway {
  server: ApolloServer<GatewayContext>;
  gateway: ApolloGateway;
  settings: GatewaySettings;
  /** The gateway's Prometheus metrics (served at /metrics). */
  metrics: ServiceMetrics;
  /** The trusted documents' operation names, always kept as metric labels; filled by serveGateway. */
  trustedOperationNames: Set<string>;
  /** Each subgraph's URL as the gateway calls it (known once the gateway has started); /ready asks each. */
  subgraphUrls: Record<string, string>;
  /** The dashboard cache (response-cache.ts), or null when GATEWAY_RESPONSE_CACHE=off. */
  responseCache: DashboardCache | null;
  /** What the report pages take "now" from (GatewayOptions.clock). */
  clock: { now(): Date };
  /** The gateway's own credential for subgraphs (the alert stream reads their outboxes with it). */
  signer: InternalSigner;
}

/**
 * Tells the request's log line and metrics what ran and how it ended: the operation's name once Apollo
 * has resolved it, and the code of every error in the answer, as formatted for the caller.
 */
const observePlugin: ApolloServerPlugin<GatewayContext> = {
  async requestDidStart() {
    const scope = currentRequest();
    return {
      async validationDidStart({ document, request }) {
        if (scope) scope.operation = operationNameOf(document, request.operationName) ?? scope.operation;
      },
      async didResolveOperation({ operationName }) {
        if (scope && operationName) scope.operation = operationName;
      },
      async willSendResponse({ response }) {
        if (!scope || response.body.kind !== 'single') return;
        for (const e of response.body.singleResult.errors ?? []) scope.codes.push(String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
      },
    };
  },
};

/**
 * The supergraph declares `scalar DateTime` (and `PositionRows`) without behaviour, so the gateway would pass "yesterday" or
 * 30 February on to a subgraph. Giving the gateway's schema the same strict parser means a malformed
 * DateTime, in a literal or a variable, is BAD_USER_INPUT before any subgraph is called. (The gateway
 * never serialises subgraph results through scalars, so only input is affected.)
 */
function strictScalars(schema: { getType(name: string): unknown }): void {
  // @apollo/gateway builds its schema with the CommonJS copy of graphql, so `instanceof` would fail here.
  const dateTime = schema.getType('DateTime') as Pick<GraphQLScalarType, 'parseValue' | 'parseLiteral'> | undefined;
  if (!dateTime || typeof dateTime.parseValue !== 'function') throw new Error('The supergraph has no DateTime scalar to make strict; recompose it.');
  dateTime.parseValue = parseDateTime;
  dateTime.parseLiteral = (ast) => {
    if (ast.kind !== 'StringValue') throw new Error('DateTime must be given as a string, like "2026-03-01T12:00:00Z".');
    return parseDateTime(ast.value);
  };
  // A track's rows (corridors' compact positions) are checked here too, in the same single pass; a
  // supergraph without corridors has no such scalar, and nothing to check.
  const rows = schema.getType('PositionRows') as Pick<GraphQLScalarType, 'parseValue' | 'parseLiteral'> | undefined;
  if (rows && typeof rows.parseValue === 'function') {
    rows.parseValue = parsePositionRows;
    rows.parseLiteral = (ast, variables) => parsePositionRows(valueFromASTUntyped(ast as never, variables));
  }
}

/** Builds the gateway over a static supergraph; never listens. Telemetry to Apollo is always off. */
export function buildGateway(opts: GatewayOptions): BuiltGateway {
  // @apollo/gateway reads this when constructed: this product handles personal data and never phones home.
  process.env.APOLLO_TELEMETRY_DISABLED = '1';
  const settings: GatewaySettings = { ...DEFAULT_SETTINGS, ...opts.settings, limits: { ...DEFAULT_SETTINGS.limits, ...opts.settings?.limits }, alertStream: { ...DEFAULT_SETTINGS.alertStream, ...opts.settings?.alertStream } };
  const logger = opts.logger ?? createLogger('gateway');
  const trustedOperationNames = new Set<string>();
  const metrics = createMetrics('gateway', { trustedOperations: trustedOperationNames });
  const subgraphUrls: Record<string, string> = {};
  const gateway = new ApolloGateway({
    supergraphSdl: opts.supergraphSdl,
    buildService: ({ name, url }) => {
      const target = opts.subgraphUrls[name] ?? url;
      if (!target) throw new Error(`No URL for subgraph ${name}; set ${name.toUpperCase()}_URL.`);
      subgraphUrls[name] = target;
      return new SignedDataSource(name, target, opts.signer, settings.subgraphTimeoutMs[name] ?? 5_000, logger, metrics, settings.subgraphConnections);
    },
    logger: { debug: () => {}, info: (m) => logger.info(String(m)), warn: (m) => logger.warn(String(m)), error: (m) => logger.error(String(m)) },
    ...(opts.onQueryPlan ? { experimental_didResolveQueryPlan: ({ queryPlan }: { queryPlan: unknown }) => opts.onQueryPlan!(queryPlan) } : {}),
  });
  gateway.onSchemaLoadOrUpdate(({ apiSchema }) => strictScalars(apiSchema));
  const protection = armor(settings.limits, { hideSuggestions: settings.production });
  const cache = responseCachePlugins({ enabled: settings.responseCache, maxAgeSeconds: settings.responseCacheMaxAgeSeconds, maxBytes: settings.responseCacheMaxBytes });
  const server = new ApolloServer<GatewayContext>({
    gateway,
    includeStacktraceInErrorResponses: false,
    introspection: !settings.production,
    allowBatchedHttpRequests: false,
    csrfPrevention: true,
    // Hash-only requests are resolved against the trusted documents before Apollo sees them.
    persistedQueries: false,
    validationRules: [SafeLiteralsRule, ...protection.validationRules],
    // Cache hints are not computed from the schema (it has none): response-cache.ts sets the policy and Cache-Control.
    plugins: [operationChoicePlugin, ...protection.plugins, confidentialLimitsPlugin(new ChannelCounters(settings.confidentialLimits)), keyedMutationsPlugin(mutationOwners(opts.supergraphSdl)), observePlugin, ...cache.plugins, ApolloServerPluginCacheControlDisabled(), ApolloServerPluginLandingPageDisabled(), ApolloServerPluginInlineTraceDisabled()],
    formatError: formatGatewayError(logger),
  });
  return { server, gateway, settings, metrics, trustedOperationNames, subgraphUrls, responseCache: cache.cache, clock: opts.clock ?? { now: () => new Date() }, signer: opts.signer };
}

/** The names of the operations in the trusted documents' folders (bounded, so always metric labels). */
async function trustedOperationNames(dirs: string[]): Promise<string[]> {
  const names: string[] = [];
  for (const dir of [OPERATIONS_DIR, ...dirs]) {
    for (const file of (await readdir(dir)).filter((f) => f.endsWith('.graphql'))) {
      for (const def of parse(await readFile(path.join(dir, file), 'utf8')).definitions) {
        if (def.kind === 'OperationDefinition' && def.name) names.push(def.name.value);
      }
    }
  }
  return names;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'x-content-type-options': 'nosniff', ...extra });
  res.end(body);
}

const CORS_ALLOWED_HEADERS = 'authorization, content-type, idempotency-key, x-purpose, x-request-id, traceparent, tracestate, apollo-require-preflight';

function corsHeaders(req: IncomingMessage, origins: string[]): Record<string, string> {
  const origin = req.headers.origin;
  if (!origin || !origins.includes(origin)) return origins.length ? { vary: 'Origin' } : {};
  return { 'access-control-allow-origin': origin, 'access-control-expose-headers': 'x-request-id, idempotent-replayed, age, x-treaty-cache', vary: 'Origin' };
}

export interface RunningGateway {
  url: string;
  port: number;
  http: Server;
  /** The port of the separate /health, /ready and /metrics listener (GATEWAY_OPS_PORT), when one was asked for. */
  opsPort?: number;
  close(): Promise<void>;
}

interface OperationRequest {
  query?: string;
  variables?: unknown;
  extensions?: { persistedQuery?: { sha256Hash?: unknown } };
  [key: string]: unknown;
}

/**
 * Serves the gateway: POST /graphql for operations, GET /graphql in a browser for the playground (not in
 * production), /health for liveness, /ready (every subgraph ready), /metrics (Prometheus; on the ops
 * listener instead when `ops` is given). Each request to /graphql writes one log line (requests.ts) under
 * its request id: the client's X-Request-Id when it sent a plain token. Everything that can be refused without the schema is refused here,
 * before Apollo runs and long before any subgraph is called: a bad token (401), an oversized body (413),
 * a body that is not one JSON operation, a document over the token limit, unsafe text in variables, and
 * in production an anonymous caller's document that is not trusted.
 */
export async function serveGateway(
  built: BuiltGateway,
  opts: { port: number; host?: string; verifier: TokenVerifier; logger?: Logger; ops?: { port: number; host?: string } },
): Promise<RunningGateway> {
  const logger = opts.logger ?? createLogger('gateway');
  const { settings, metrics } = built;
  const trusted: TrustedDocuments = await loadTrustedDocuments(settings.trustedDocumentDirs);
  for (const name of await trustedOperationNames(settings.trustedDocumentDirs)) built.trustedOperationNames.add(name);
  await built.server.start();
  const ops = { service: 'gateway', logger, metrics, ready: () => subgraphsReadiness(built.subgraphUrls) };
  const alerts = new AlertHub({
    sources: SUBGRAPHS.map((g) => ({ name: g.name, url: built.subgraphUrls[g.name]!.replace(/\/graphql$/, ALERTS_ROUTE) })),
    signer: built.signer,
    logger,
    registry: metrics.registry,
    settings: settings.alertStream,
    agreementParties: async () => {
      const answer = await runOperation<{ agreements: { id: string; parties: { id: string }[] }[] }>(built.server, 'alert-parties.graphql', {}, PUBLIC_CALLER);
      if (!answer.data) throw new Error(answer.errors.map((e) => e.message).join('; ') || 'no answer');
      return new Map(answer.data.agreements.map((a) => [a.id.toLowerCase(), a.parties.map((p) => p.id.toLowerCase())]));
    },
  });
  const opsRoute = opsRoutes(ops);

  const handle = async (req: IncomingMessage, res: ServerResponse, scope: RequestScope) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const { requestId } = scope;
    const cors = corsHeaders(req, settings.corsOrigins);
    const base = { 'x-request-id': requestId, ...cors };
    const refuse = (status: number, code: string, message: string, extra: Record<string, string> = {}) => {
      scope.codes.push(code);
      sendGraphQLError(res, status, code, message, { ...base, ...extra });
    };

    if (req.method === 'OPTIONS') {
      // A browser's preflight: allowed origins get the methods and headers they may use; others get nothing to use.
      const allowed = 'access-control-allow-origin' in cors;
      res.writeHead(204, {
        ...base,
        ...(allowed ? { 'access-control-allow-methods': 'GET, POST, OPTIONS', 'access-control-allow-headers': CORS_ALLOWED_HEADERS, 'access-control-max-age': '600' } : {}),
        'content-length': '0',
      });
      return void res.end();
    }
    if (await opsRoute(req, res, url.pathname, !opts.ops)) return;
    if (url.pathname.startsWith('/playground/')) {
      const asset = settings.production ? null : await playgroundAsset(url.pathname.slice('/playground/'.length));
      if (!asset) return send(res, 404, 'text/plain', 'Not found', base);
      return send(res, 200, asset.type, asset.body, { 'cache-control': 'public, max-age=3600', ...base });
    }
    if (url.pathname === '/' && req.method === 'GET') return send(res, 302, 'text/plain', 'See /graphql', { location: '/graphql', ...base });
    if (url.pathname === '/public' || url.pathname.startsWith('/public/') || url.pathname.startsWith('/exports/')) {
      logWhenDone(res, scope, logger, (done) => metrics.observeRequest(done));
      scope.operation = url.pathname.startsWith('/public') ? 'public page' : 'export';
      await handleReport(req, res, url.pathname, base, { server: built.server, verifier: opts.verifier, now: () => built.clock.now() }, requestId);
      return;
    }
    if (url.pathname === '/alerts') {
      // Logged when the stream ends (its duration is the stream's life), but kept out of the latency histogram.
      logWhenDone(res, scope, logger);
      scope.operation = 'alerts';
      if (req.method !== 'GET') return refuse(405, 'BAD_REQUEST', `${req.method} is not supported at /alerts; open the stream with GET (Accept: text/event-stream).`, { allow: 'GET' });
      let streamCaller: Caller;
      try {
        streamCaller = await opts.verifier.authenticate(req.headers.authorization);
      } catch (e) {
        if (e instanceof AuthenticationError) return refuse(401, 'UNAUTHENTICATED', `${e.message} The alert stream is for partner agencies.`);
        throw e;
      }
      scope.caller = { agency: streamCaller.agency, roles: streamCaller.roles, via: streamCaller.via };
      try {
        await openAlertStream(alerts, req, res, url, streamCaller, base);
      } catch (e) {
        if (!(e instanceof StreamRefusal)) throw e;
        if (!res.headersSent) return refuse(e.status, e.code, e.message, e.headers);
      }
      return;
    }
    if (url.pathname !== '/graphql') return send(res, 404, 'text/plain', 'Not found. GraphQL is served at /graphql; public pages at /public/.', base);

    const accept = req.headers.accept ?? '';
    if (req.method === 'GET' && accept.includes('text/html') && !url.searchParams.has('query')) {
      if (settings.production) {
        return send(res, 404, 'text/plain; charset=utf-8', 'The playground is not served in production. Send operations with POST to /graphql; the schema is documented in the repository.', base);
      }
      return send(res, 200, 'text/html; charset=utf-8', playgroundHtml(), { 'content-security-policy': PLAYGROUND_CSP, 'referrer-policy': 'no-referrer', ...base });
    }
    logWhenDone(res, scope, logger, (done) => metrics.observeRequest(done));
    annotateSpan({ 'treaty.service': 'gateway', 'treaty.request_id': requestId });
    if (req.method !== 'GET' && req.method !== 'POST') {
      return refuse(405, 'BAD_REQUEST', `${req.method} is not supported at /graphql; send operations with POST (or queries with GET).`, { allow: 'GET, POST, OPTIONS' });
    }

    let caller: Caller;
    try {
      caller = await opts.verifier.authenticate(req.headers.authorization, req.headers['x-purpose'] as string | undefined);
    } catch (e) {
      if (e instanceof AuthenticationError) {
        logger.warn('token refused', { requestId, reason: e.message });
        return refuse(401, 'UNAUTHENTICATED', `${e.message} Without an Authorization header you are an anonymous PUBLIC caller.`);
      }
      throw e;
    }
    scope.caller = { agency: caller.agency, roles: caller.roles, via: caller.via };

    const sentKey = req.headers['idempotency-key'];
    if (sentKey !== undefined && (typeof sentKey !== 'string' || !isIdempotencyKey(sentKey))) {
      return refuse(400, 'BAD_USER_INPUT', IDEMPOTENCY_KEY_MESSAGE);
    }
    const idempotencyKey = typeof sentKey === 'string' ? sentKey : null;

    let operation: OperationRequest;
    if (req.method === 'POST') {
      const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      if (type !== 'application/json' && type !== 'application/graphql-response+json') {
        // A form or text/plain body is what a cross-site form post sends; GraphQL clients always send JSON.
        return refuse(415, 'BAD_REQUEST', 'Send the operation as JSON with the header Content-Type: application/json.');
      }
      // The body is read as it arrives; a compressed one would only be reported as text that is not UTF-8.
      const encoding = (req.headers['content-encoding'] ?? '').trim().toLowerCase();
      if (encoding !== '' && encoding !== 'identity') {
        return refuse(415, 'BAD_REQUEST', `The gateway does not accept compressed request bodies (Content-Encoding: ${encoding.slice(0, 40)}); send the JSON uncompressed, without that header.`);
      }
      const declared = Number(req.headers['content-length']);
      let text: string;
      try {
        text = Number.isFinite(declared) && declared > settings.maxBodyBytes * 4 ? await Promise.reject(new PayloadTooLarge()) : await readBody(req, settings.maxBodyBytes);
      } catch (e) {
        if (e instanceof MalformedBody) return refuse(400, 'BAD_USER_INPUT', MALFORMED_BODY_MESSAGE);
        if (!(e instanceof PayloadTooLarge)) throw e;
        res.setHeader('connection', 'close');
        return refuse(413, 'PAYLOAD_TOO_LARGE', `The request body is larger than the gateway accepts (${settings.maxBodyBytes} bytes). Send fewer items per request, for example positions in batches.`);
      }
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        return refuse(400, 'BAD_REQUEST', 'The request body is not valid JSON. Send {"query": "...", "variables": {...}}.');
      }
      if (Array.isArray(parsed)) return refuse(400, 'BAD_REQUEST', 'Batched operations are not accepted; send one operation per request.');
      if (!parsed || typeof parsed !== 'object') return refuse(400, 'BAD_REQUEST', 'The request body must be a JSON object: {"query": "...", "variables": {...}}.');
      operation = parsed as OperationRequest;
    } else {
      const variables = url.searchParams.get('variables');
      const extensions = url.searchParams.get('extensions');
      try {
        operation = { query: url.searchParams.get('query') ?? undefined, variables: variables ? JSON.parse(variables) : undefined, extensions: extensions ? JSON.parse(extensions) : undefined };
      } catch {
        return refuse(400, 'BAD_REQUEST', 'The variables and extensions parameters must be JSON.');
      }
    }

    if (typeof operation.operationName === 'string') scope.operation = operation.operationName;
    if (operation.query !== undefined && typeof operation.query !== 'string') return refuse(400, 'BAD_REQUEST', '"query" must be a string holding the GraphQL document.');
    const unsafe = checkVariables(operation.variables);
    if (unsafe) return refuse(400, 'BAD_USER_INPUT', unsafe.message);
    if (operation.query !== undefined) {
      const tooMany: GraphQLError | null = checkTokens(operation.query, settings.limits.tokens);
      if (tooMany) return refuse(400, 'OPERATION_TOO_COMPLEX', tooMany.message);
    }

    const hash = typeof operation.extensions?.persistedQuery?.sha256Hash === 'string' ? operation.extensions.persistedQuery.sha256Hash : undefined;
    if (settings.production && !isAuthenticated(caller)) {
      if (trusted.find(operation.query, hash) === null) {
        return refuse(400, 'OPERATION_NOT_TRUSTED', 'Without a token this gateway runs only its published operations (trusted documents), and this is not one of them. Send one of the operations in gateway/operations/ (or its SHA-256 hash as extensions.persistedQuery.sha256Hash), or send a bearer token.');
      }
    }
    if (hash !== undefined) {
      // Hashes name trusted documents only (Apollo's own cache of client-registered queries is off).
      const document = operation.query ?? trusted.find(undefined, hash);
      // Worded as Apollo's automatic persisted queries expect, so such a client retries with the full text.
      if (document === null) return refuse(400, 'PERSISTED_QUERY_NOT_FOUND', 'PersistedQueryNotFound: no trusted document has this sha256Hash; send the full query text.');
      const { persistedQuery: _used, ...otherExtensions } = operation.extensions ?? {};
      operation = { ...operation, query: document, extensions: otherExtensions };
    }

    const headers = new HeaderMap();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'authorization') headers.set(k, v);
    if (req.method === 'GET' && operation.query !== undefined) {
      // A hash-only GET has been resolved to its document above: hand Apollo the full text.
      url.searchParams.set('query', operation.query);
      url.searchParams.delete('extensions');
    }
    const context: GatewayContext = { caller, requestId, idempotencyKey, outcome: { replayed: false, noStore: false }, reads: new RequestReads(), operationId: randomUUID(), source: req.socket.remoteAddress ?? 'unknown' };
    const result = await built.server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method, headers, search: url.search, body: req.method === 'POST' ? operation : undefined },
      context: async () => context,
    });
    if (context.outcome.replayed) scope.replayed = true;
    // A retry answered from the first response says so, as payment APIs do, so a client can tell.
    await writeGraphQLResponse(res, result, context.outcome.replayed ? { ...base, 'idempotent-replayed': 'true' } : base);
  };

  const { http, port, close } = await listen(handle, {
    port: opts.port,
    host: opts.host,
    logger,
    failureMessage: 'The gateway failed to handle the request; retry.',
  });
  let opsListener: Listening | undefined;
  try {
    opsListener = opts.ops ? await serveOps(ops, opts.ops) : undefined;
  } catch (e) {
    await close();
    await built.server.stop();
    throw e;
  }
  let closing: Promise<void> | null = null;
  return {
    url: `http://localhost:${port}/graphql`,
    port,
    http,
    ...(opsListener ? { opsPort: opsListener.port } : {}),
    close() {
      closing ??= (async () => {
        // Open streams would hold the listener open for ever: they end first, and their clients resume elsewhere.
        alerts.closeAll();
        await close();
        await opsListener?.close();
        await built.server.stop();
      })();
      return closing;
    },
  };
}
