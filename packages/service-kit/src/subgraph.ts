import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { ApolloServer, HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { unwrapResolverError } from '@apollo/server/errors';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { GraphQLError, parse, type DocumentNode } from 'graphql';
import type { DataSource } from 'typeorm';
import { applyAccess, checkRulesAgainstSchema, personalFields, type AccessRules, type SiblingGrants } from './access.js';
import type { Caller } from './caller.js';
import { forgetReads, type BaseContext } from './context.js';
import { CLIENT_ERROR_CODES, ErrorCode, withoutEchoedValue } from './errors.js';
import { INTERNAL_TOKEN_HEADER, InternalAuthError, REPLAYED_HEADER, isMutationDocument, verifyInternal, type InternalKeys, type VerifiedRequest } from './internal-auth.js';
import { DatabaseNonceStore, IDEMPOTENCY_RETENTION_MS, purgeExactlyOnce, replayHash, runOnce, type ResponseSealer } from './exactly-once.js';
import { systemClock, type Clock } from './clock.js';
import { OperationScopes, type OperationScope } from './operation-scope.js';
import { statements } from './database.js';
import { DateTimeScalar, PositionRowsScalar } from './scalars.js';
import { SafeLiteralsRule, checkVariables } from './input-guards.js';
import { createLogger, type Logger } from './log.js';
import { MALFORMED_BODY_MESSAGE, MalformedBody, PayloadTooLarge, listen, readBody, sendGraphQLError, sendJson, writeGraphQLResponse, type Listening } from './http.js';
import { createMetrics, type ServiceMetrics } from './metrics.js';
import { databaseReadiness, opsRoutes, serveOps } from './ops.js';
import { currentRequest, logWhenDone, operationNameOf, type RequestScope } from './requests.js';
import { annotateSpan } from './tracing.js';
import { evidenceResolvers, evidenceRules } from './evidence-graph.js';
import { ALERTS_ROUTE, ALERT_BATCH_MAX, readAlerts, startAlertWatcher, type AlertScan } from './alerts.js';

/** Codes graphql-js and Apollo Server attach to malformed requests; safe to show. */
const REQUEST_ERROR_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

export interface SubgraphDefinition {
  name: string;
  typeDefs: DocumentNode;
  resolvers: Record<string, Record<string, unknown>>;
  rules: AccessRules;
  /** What each sibling may ask when it calls as itself (see SiblingGrants); none by default. */
  siblings?: SiblingGrants;
  logger?: Logger;
}

/** Reads a service's SDL file relative to the module that owns it, never the working directory. */
export async function readSchema(url: URL): Promise<DocumentNode> {
  const { readFile } = await import('node:fs/promises');
  return parse(await readFile(url, 'utf8'));
}

export function mutationNames(typeDefs: DocumentNode): string[] {
  const names: string[] = [];
  for (const def of typeDefs.definitions) {
    if ((def.kind === 'ObjectTypeDefinition' || def.kind === 'ObjectTypeExtension') && def.name.value === 'Mutation') {
      for (const f of def.fields ?? []) names.push(f.name.value);
    }
  }
  return names;
}

/**
 * graphql-js runs a document's root mutation fields one after another, each with its selection, and
 * each answer must show its own write and every earlier one. So the request's cached reads are
 * forgotten (context.ts, forgetReads) as each root mutation field starts, dropping what the previous
 * one's selection read, and again once its resolver has written, dropping what it read to check
 * first. Its selection's reads are then cached, and batched, as in any query.
 */
function forgettingReads(resolvers: Record<string, Record<string, unknown>>): Record<string, Record<string, unknown>> {
  const mutation = resolvers.Mutation;
  if (!mutation) return resolvers;
  type Resolve = (parent: unknown, args: unknown, ctx: BaseContext, info: unknown) => unknown;
  const wrapped: Record<string, unknown> = {};
  for (const [field, r] of Object.entries(mutation)) {
    const resolve = (typeof r === 'function' ? r : (r as { resolve?: Resolve }).resolve) as Resolve | undefined;
    if (!resolve) {
      wrapped[field] = r;
      continue;
    }
    const fresh: Resolve = async (parent, args, ctx, info) => {
      forgetReads(ctx);
      try {
        return await resolve(parent, args, ctx, info);
      } finally {
        forgetReads(ctx);
      }
    };
    wrapped[field] = typeof r === 'function' ? fresh : { ...(r as object), resolve: fresh };
  }
  return { ...resolvers, Mutation: wrapped };
}

/**
 * Builds (never starts listening) the subgraph's ApolloServer: access rules applied to every resolver,
 * client errors passed through with their codes, anything else logged and masked, reads of personal
 * data written to the access log before the response leaves, and each root mutation field answered
 * with fresh reads (forgettingReads).
 */
export function buildSubgraphServer<C extends BaseContext>(def: SubgraphDefinition): ApolloServer<C> {
  const logger = def.logger ?? createLogger(def.name);
  const grants = def.siblings ?? {};
  // Every service serves its evidence log the same way (evidence-graph.ts): its types' resolvers and rules are added here.
  // (A stand-in schema without the evidence types, in a test, gets neither.)
  const servesEvidence = def.typeDefs.definitions.some((d) => d.kind === 'ObjectTypeDefinition' && d.name.value === 'EvidenceLog');
  const rules = { ...(servesEvidence ? evidenceRules(def.name) : {}), ...def.rules };
  checkRulesAgainstSchema(rules, def.typeDefs, grants);
  // The kit's scalars: DateTime in every service, PositionRows where the schema declares it (corridors).
  const resolvers: Record<string, Record<string, unknown>> = { ...def.resolvers, DateTime: DateTimeScalar as never };
  if (def.typeDefs.definitions.some((d) => d.kind === 'ScalarTypeDefinition' && d.name.value === PositionRowsScalar.name)) resolvers.PositionRows = PositionRowsScalar as never;
  for (const [type, fields] of Object.entries(servesEvidence ? evidenceResolvers(def.name) : {})) resolvers[type] = { ...fields, ...(resolvers[type] ?? {}) };
  const guarded = forgettingReads(applyAccess(resolvers, rules, mutationNames(def.typeDefs), grants, personalFields(def.typeDefs)));
  const schema = buildSubgraphSchema([{ typeDefs: def.typeDefs, resolvers: guarded as never }]);

  const accessLogPlugin: ApolloServerPlugin<C> = {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          if (contextValue.personalReads.size === 0) return;
          // This answer holds personal data: the gateway's dashboard cache must never keep it.
          response.http.headers.set('cache-control', 'no-store');
          try {
            await contextValue.personalReads.flush(contextValue.db, contextValue.caller, contextValue.requestId, contextValue.evidence);
          } catch (e) {
            // Personal data must never leave without its access record: replace the whole answer.
            logger.error('access log write failed; response withheld', { requestId: contextValue.requestId, error: (e as Error).message });
            response.body = {
              kind: 'single',
              singleResult: {
                errors: [
                  {
                    message: `The access to personal data could not be recorded, so nothing was returned. Retry; if it persists, report reference ${contextValue.requestId}.`,
                    extensions: { code: 'INTERNAL_SERVER_ERROR' },
                  },
                ],
              },
            };
          }
        },
      };
    },
  };

  /**
   * Tells the request's log line and metrics what ran and how it ended: the operation's name and the code
   * of every error in the answer as it leaves (after the access-log plugin, which may replace it).
   */
  const observePlugin: ApolloServerPlugin<C> = {
    async requestDidStart({ request }) {
      const scope = currentRequest();
      if (scope && request.operationName) scope.operation = request.operationName;
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

  /** A sibling calling as itself may run only queries, and only the root fields granted to it. */
  const siblingPlugin: ApolloServerPlugin<C> = {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, operation }) {
          const via = contextValue.caller.via;
          if (!via || !operation) return;
          const granted = grants[via] ?? [];
          const asked = operation.selectionSet.selections.map((sel) =>
            sel.kind === 'Field' ? `${operation.operation === 'query' ? 'Query' : 'Mutation'}.${sel.name.value}` : `(${sel.kind})`,
          );
          const refused = asked.filter((c) => c !== 'Query.__typename' && (operation.operation !== 'query' || !granted.includes(c)));
          if (refused.length === 0) return;
          throw new GraphQLError(
            `The ${via} service may not ask ${refused.join(', ')} of the ${def.name} service: a sibling calls as itself and may only query ${granted.length ? granted.join(', ') : 'nothing here'}.`,
            { extensions: { code: 'FORBIDDEN', http: { status: 403 } } },
          );
        },
      };
    },
  };

  return new ApolloServer<C>({
    schema,
    includeStacktraceInErrorResponses: false,
    introspection: true,
    validationRules: [SafeLiteralsRule],
    // Apollo's cache-control plugin would mark every answer no-store (there are no schema hints); off, so
    // that no-store means what the access-log plugin says: this answer holds personal data.
    plugins: [siblingPlugin, accessLogPlugin, observePlugin, ApolloServerPluginCacheControlDisabled(), ApolloServerPluginInlineTraceDisabled()],
    formatError(formatted, error) {
      const code = formatted.extensions?.code as string | undefined;
      const original = unwrapResolverError(error);
      if (code && (CLIENT_ERROR_CODES.has(code) || REQUEST_ERROR_CODES.has(code))) {
        return { message: withoutEchoedValue(formatted.message), locations: formatted.locations, path: formatted.path, extensions: { ...formatted.extensions, code } };
      }
      if (original instanceof GraphQLError && original.extensions?.code && CLIENT_ERROR_CODES.has(original.extensions.code as string)) {
        return formatted;
      }
      // The request id is the reference: the caller quotes it, support finds this line and the request's own.
      const reference = currentRequest()?.requestId ?? randomUUID();
      logger.error('internal error', { requestId: reference, reference, error: (original as Error)?.message, stack: (original as Error)?.stack?.split('\n').slice(0, 6).join(' | ') });
      return {
        message: `Internal error in the ${def.name} service; nothing was changed by the failing step. Report reference ${reference} if it persists.`,
        path: formatted.path,
        extensions: { code: 'INTERNAL_SERVER_ERROR', reference },
      };
    },
  });
}

export interface ServeOptions<C extends BaseContext> {
  name: string;
  server: ApolloServer<C>;
  db: DataSource;
  /** The pairwise keys this service verifies internal credentials with (those addressed to it). */
  keys: InternalKeys;
  /** The service's clock, for the retention of Idempotency-Keys. */
  clock?: Clock;
  /** How long an Idempotency-Key and its response are kept (TREATY_IDEMPOTENCY_RETENTION_HOURS). */
  idempotencyRetentionMs?: number;
  /**
   * A request's context; `db` is given when the request must run inside a transaction of its own.
   * `scope` is what the gateway query operation this fetch belongs to has read here already
   * (operation-scope.ts); null on a mutation, a sibling's call, and inside a transaction.
   */
  context: (caller: Caller, requestId: string, db?: DataSource, scope?: OperationScope | null) => C;
  /** Seals stored first responses of keyed mutations (a service with personal data gives one). */
  responseSealer?: ResponseSealer;
  port: number;
  host?: string;
  logger?: Logger;
  /**
   * A separate listener for /health, /ready and /metrics (TREATY_OPS_PORT, TREATY_OPS_HOST); when given,
   * the public port serves /health and /ready but no longer /metrics.
   */
  ops?: { port: number; host?: string };
  /** The clock-driven events the service raises (its alert watcher runs while it serves); none when absent. */
  alertScan?: AlertScan;
  /** How often the watcher checks the clock (TREATY_ALERT_TICK_MS). */
  alertTickMs?: number;
}



/** Whether a request's document is a mutation (only mutations are run once per Idempotency-Key). */
function isMutation(query: unknown): boolean {
  if (typeof query !== 'string') return false;
  try {
    return parse(query).definitions.some((d) => d.kind === 'OperationDefinition' && d.operation === 'mutation');
  } catch {
    return false;
  }
}

export interface RunningSubgraph {
  url: string;
  port: number;
  http: Server;
  /** This server's Prometheus metrics (also served at /metrics). */
  metrics: ServiceMetrics;
  /** The port of the separate /health, /ready and /metrics listener, when one was asked for. */
  opsPort?: number;
  /** Stops accepting requests, lets in-flight ones finish, then stops Apollo and closes the pool. */
  close(): Promise<void>;
}

/**
 * Serves a subgraph over HTTP. Every GraphQL request must carry an internal credential signed by the
 * gateway (or a trusted sibling service) for this exact body; anything else gets 401 before any
 * resolver runs, `_service` and `_entities` included. `/health` answers liveness only, with no data;
 * `/ready` whether the database answers and is migrated; `/metrics` the Prometheus metrics (see ops.ts).
 * Each GraphQL request writes one log line (requests.ts) under the request id the gateway sent.
 */
export async function serveSubgraph<C extends BaseContext>(opts: ServeOptions<C>): Promise<RunningSubgraph> {
  // What the fetches of one gateway query operation share in this process (operation-scope.ts).
  const scopes = new OperationScopes();
  const logger = opts.logger ?? createLogger(opts.name);
  const clock = opts.clock ?? systemClock;
  const verifier = { audience: opts.name, keys: opts.keys, nonces: new DatabaseNonceStore(opts.db) };
  await opts.server.start();
  // Claims and keys past their time are deleted in the background; a failure is logged and retried next minute.
  const purge = setInterval(() => {
    purgeExactlyOnce(opts.db, clock).catch((e: Error) => logger.warn('purge of used credentials and expired keys failed', { error: e.message }));
  }, 60_000);
  purge.unref();
  const metrics = createMetrics(opts.name);
  const unwatch = metrics.watchDatabase(opts.db);
  const ops = {
    service: opts.name,
    logger,
    metrics,
    ready: async () => {
      const database = await databaseReadiness(opts.db);
      return { ready: database === 'ready', checks: { database } };
    },
  };
  const opsRoute = opsRoutes(ops);
  const stopWatcher = opts.alertScan ? startAlertWatcher({ name: opts.name, db: opts.db, clock, scan: opts.alertScan, logger, tickMs: opts.alertTickMs }) : async () => undefined;

  /**
   * POST /internal/alerts {"after": n, "limit": k}: the outbox after event n, for the gateway alone (its
   * credential, for this body, with no partner agency's caller in it standing for anyone but the
   * gateway's stream). Events carry their audience; the gateway filters them per subscriber.
   */
  const alertsRoute = async (req: IncomingMessage, res: ServerResponse, scope: RequestScope) => {
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'Use POST.' });
    let body: string;
    try {
      body = await readBody(req, 4096);
    } catch {
      return sendJson(res, 400, { error: 'The body must be a small JSON object like {"after": 0}.' });
    }
    const token = req.headers[INTERNAL_TOKEN_HEADER];
    let verified: VerifiedRequest;
    try {
      verified = await verifyInternal(verifier, Array.isArray(token) ? token[0] : token, body);
    } catch (e) {
      scope.codes.push('UNAUTHENTICATED');
      return sendJson(res, 401, { error: `The ${opts.name} alert outbox only answers the gateway (${e instanceof InternalAuthError ? e.message : 'invalid internal credential'}).` });
    }
    if (verified.caller.via !== null) return sendJson(res, 403, { error: `The ${opts.name} alert outbox is read by the gateway only, not by ${verified.caller.via}.` });
    let after: unknown;
    let limit: unknown;
    try {
      ({ after, limit } = JSON.parse(body) as { after?: unknown; limit?: unknown });
    } catch {
      return sendJson(res, 400, { error: 'The body is not valid JSON.' });
    }
    if (typeof after !== 'number' || !Number.isSafeInteger(after) || after < 0) return sendJson(res, 400, { error: '"after" must be a whole number of at least 0.' });
    const n = typeof limit === 'number' && Number.isSafeInteger(limit) && limit > 0 ? Math.min(limit, ALERT_BATCH_MAX) : ALERT_BATCH_MAX;
    return sendJson(res, 200, await readAlerts(opts.db, after, n));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, scope: RequestScope) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (await opsRoute(req, res, url.pathname, !opts.ops)) return;
    if (url.pathname === ALERTS_ROUTE) return alertsRoute(req, res, scope);
    if (url.pathname !== '/graphql') return sendJson(res, 404, { error: 'Not found. GraphQL is served at /graphql, through the gateway.' });
    logWhenDone(res, scope, logger, (done) => metrics.observeRequest(done));
    annotateSpan({ 'treaty.service': opts.name, 'treaty.request_id': scope.requestId });
    scope.observePeer = (peer, seconds, outcome) => metrics.observePeerCall(peer, seconds, outcome);

    let body: string;
    try {
      body = await readBody(req);
    } catch (e) {
      if (e instanceof PayloadTooLarge) {
        scope.codes.push('PAYLOAD_TOO_LARGE');
        return sendGraphQLError(res, 413, 'PAYLOAD_TOO_LARGE', `The ${opts.name} subgraph accepts request bodies of up to 10 MiB; send fewer items at a time.`);
      }
      if (e instanceof MalformedBody) {
        scope.codes.push('BAD_USER_INPUT');
        return sendGraphQLError(res, 400, 'BAD_USER_INPUT', MALFORMED_BODY_MESSAGE);
      }
      throw e;
    }
    const token = req.headers[INTERNAL_TOKEN_HEADER];
    // The gateway's (or the calling sibling's) request id, so every line of one request shares it.
    const { requestId } = scope;
    await statements.run(async () => {
      let verified: VerifiedRequest;
      try {
        verified = await verifyInternal(verifier, Array.isArray(token) ? token[0] : token, body);
      } catch (e) {
        const reason = e instanceof InternalAuthError ? e.message : 'invalid internal credential';
        logger.warn('refused request without a valid internal credential', { reason, requestId, remote: req.socket.remoteAddress });
        scope.codes.push('UNAUTHENTICATED');
        return sendJson(res, 401, {
          errors: [
            {
              message: `The ${opts.name} subgraph only answers the gateway (${reason}). Send your request to the gateway at /graphql instead.`,
              extensions: { code: 'UNAUTHENTICATED' },
            },
          ],
        });
      }
      const { caller, idempotencyKey } = verified;
      scope.caller = { agency: caller.agency, roles: caller.roles, via: caller.via };
      if (req.method !== 'POST') return sendJson(res, 405, { error: 'Use POST.' });

      const headers = new HeaderMap();
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
      let parsedBody: { query?: unknown; variables?: unknown; operationName?: unknown } | null;
      try {
        parsedBody = JSON.parse(body);
      } catch {
        scope.codes.push('BAD_REQUEST');
        return sendJson(res, 400, { errors: [{ message: 'The request body is not valid JSON.', extensions: { code: 'BAD_REQUEST' } }] });
      }
      if (typeof parsedBody?.operationName === 'string') scope.operation = parsedBody.operationName;
      const unsafe = checkVariables(parsedBody?.variables);
      if (unsafe) {
        scope.codes.push(String(unsafe.extensions?.code ?? 'BAD_USER_INPUT'));
        return sendJson(res, 400, { errors: [{ message: unsafe.message, extensions: unsafe.extensions }] });
      }
      // A mutation shares nothing with the reads around it (operation-scope.ts). The gateway names only
      // query operations, and its documents say what they are first; this holds it to that, cheaply.
      const operation = verified.operation && !isMutationDocument(typeof parsedBody?.query === 'string' ? parsedBody.query : undefined) ? verified.operation : null;
      const execute = (db?: DataSource) =>
        opts.server.executeHTTPGraphQLRequest({
          httpGraphQLRequest: { method: 'POST', headers, search: url.search, body: parsedBody },
          context: async () => opts.context(caller, requestId, db, db ? null : scopes.of(operation)),
        });

      const agency = caller.agency ?? caller.subject;
      if (!idempotencyKey || !agency || !isMutation(parsedBody?.query)) return writeGraphQLResponse(res, await execute());
      const outcome = await runOnce(opts.db, clock, { agency, key: idempotencyKey, requestHash: replayHash(body, caller) }, execute, opts.idempotencyRetentionMs ?? IDEMPOTENCY_RETENTION_MS, opts.responseSealer);
      if (outcome.kind === 'executed') return writeGraphQLResponse(res, outcome.result);
      if (outcome.kind === 'replayed') {
        logger.info('idempotent retry answered with the first response', { requestId });
        scope.replayed = true;
        scope.codes.push(...codesIn(outcome.body));
        res.writeHead(outcome.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(outcome.body), [REPLAYED_HEADER]: 'true' });
        return void res.end(outcome.body);
      }
      scope.codes.push(ErrorCode.IDEMPOTENCY_KEY_REUSED);
      return sendJson(res, 200, {
        data: null,
        errors: [
          {
            message:
              `The Idempotency-Key "${idempotencyKey}" was first used at ${outcome.firstUsedAt.toISOString()} for a different request (another mutation or other values), ` +
              'or by another caller of your agency, or with other roles or another X-Purpose. ' +
              'A key names one request from one caller: resend that request unchanged, with the same token and purpose, to get its result, or send this one with a new key.',
            extensions: { code: ErrorCode.IDEMPOTENCY_KEY_REUSED },
          },
        ],
      });
    });
  };

  const { http, port, close } = await listen(handle, {
    port: opts.port,
    host: opts.host,
    logger,
    failureMessage: `The ${opts.name} subgraph failed to handle the request; nothing was changed by the failing step.`,
  });
  let opsListener: Listening | undefined;
  try {
    opsListener = opts.ops ? await serveOps(ops, opts.ops) : undefined;
  } catch (e) {
    await close();
    throw e;
  }
  let closing: Promise<void> | null = null;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}/graphql`,
    port,
    http,
    metrics,
    ...(opsListener ? { opsPort: opsListener.port } : {}),
    close() {
      closing ??= (async () => {
        clearInterval(purge);
        await stopWatcher();
        await close();
        await opsListener?.close();
        unwatch();
        await opts.server.stop();
        if (opts.db.isInitialized) await opts.db.destroy();
      })();
      return closing;
    },
  };
}

/** The error codes in a stored GraphQL answer (an idempotent replay), for the request's log line. */
function codesIn(body: string): string[] {
  try {
    const parsed = JSON.parse(body) as { errors?: { extensions?: { code?: unknown } }[] };
    return (parsed.errors ?? []).map((e) => String(e.extensions?.code ?? 'INTERNAL_SERVER_ERROR'));
  } catch {
    return [];
  }
}

/**
 * Closes everything on SIGINT or SIGTERM: in-flight requests finish, then the process exits.
 * A second signal, or a shutdown taking more than `graceMs`, exits at once.
 */
export function onShutdown(close: () => Promise<void>, logger: Logger, graceMs = 10_000): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info('shutting down', { signal });
    const timer = setTimeout(() => {
      logger.error('shutdown took too long; exiting', { graceMs });
      process.exit(1);
    }, graceMs);
    timer.unref();
    close()
      .then(() => process.exit(0))
      .catch((e: Error) => {
        logger.error('shutdown failed', { error: e.message });
        process.exit(1);
      });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
