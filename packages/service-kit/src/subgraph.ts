import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { ApolloServer, HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { unwrapResolverError } from '@apollo/server/errors';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { GraphQLError, parse, type DocumentNode } from 'graphql';
import type { DataSource } from 'typeorm';
import { applyAccess, checkRulesAgainstSchema, type AccessRules } from './access.js';
import type { Caller } from './caller.js';
import type { BaseContext } from './context.js';
import { CLIENT_ERROR_CODES } from './errors.js';
import { INTERNAL_TOKEN_HEADER, InternalAuthError, verifyInternal, type InternalVerifier } from './internal-auth.js';
import { statements } from './database.js';
import { DateTimeScalar } from './scalars.js';
import { SafeLiteralsRule, checkVariables } from './input-guards.js';
import { createLogger, type Logger } from './log.js';
import { PayloadTooLarge, listen, readBody, sendGraphQLError, sendJson, writeGraphQLResponse } from './http.js';

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
 * Builds (never starts listening) the subgraph's ApolloServer: access rules applied to every resolver,
 * client errors passed through with their codes, anything else logged and masked, and reads of
 * personal data written to the access log before the response leaves.
 */
export function buildSubgraphServer<C extends BaseContext>(def: SubgraphDefinition): ApolloServer<C> {
  const logger = def.logger ?? createLogger(def.name);
  checkRulesAgainstSchema(def.rules, def.typeDefs);
  const guarded = applyAccess({ ...def.resolvers, DateTime: DateTimeScalar as never }, def.rules, mutationNames(def.typeDefs));
  const schema = buildSubgraphSchema([{ typeDefs: def.typeDefs, resolvers: guarded as never }]);

  const accessLogPlugin: ApolloServerPlugin<C> = {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          if (contextValue.personalReads.size === 0) return;
          try {
            await contextValue.personalReads.flush(contextValue.db, contextValue.caller, contextValue.requestId);
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

  return new ApolloServer<C>({
    schema,
    includeStacktraceInErrorResponses: false,
    introspection: true,
    validationRules: [SafeLiteralsRule],
    plugins: [accessLogPlugin, ApolloServerPluginInlineTraceDisabled()],
    formatError(formatted, error) {
      const code = formatted.extensions?.code as string | undefined;
      const original = unwrapResolverError(error);
      if (code && (CLIENT_ERROR_CODES.has(code) || REQUEST_ERROR_CODES.has(code))) {
        return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { ...formatted.extensions, code } };
      }
      if (original instanceof GraphQLError && original.extensions?.code && CLIENT_ERROR_CODES.has(original.extensions.code as string)) {
        return formatted;
      }
      const reference = randomUUID();
      logger.error('internal error', { reference, error: (original as Error)?.message, stack: (original as Error)?.stack?.split('\n').slice(0, 6).join(' | ') });
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
  verifier: InternalVerifier;
  context: (caller: Caller, requestId: string) => C;
  port: number;
  host?: string;
  logger?: Logger;
}

export interface RunningSubgraph {
  url: string;
  port: number;
  http: Server;
  /** Stops accepting requests, lets in-flight ones finish, then stops Apollo and closes the pool. */
  close(): Promise<void>;
}

/**
 * Serves a subgraph over HTTP. Every GraphQL request must carry an internal credential signed by the
 * gateway (or a trusted sibling service) for this exact body; anything else gets 401 before any
 * resolver runs, `_service` and `_entities` included. `/health` answers liveness only, with no data.
 */
export async function serveSubgraph<C extends BaseContext>(opts: ServeOptions<C>): Promise<RunningSubgraph> {
  const logger = opts.logger ?? createLogger(opts.name);
  await opts.server.start();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/health') return sendJson(res, 200, { status: 'ok', service: opts.name });
    if (url.pathname !== '/graphql') return sendJson(res, 404, { error: 'Not found. GraphQL is served at /graphql, through the gateway.' });

    let body: string;
    try {
      body = await readBody(req);
    } catch (e) {
      if (e instanceof PayloadTooLarge) return sendGraphQLError(res, 413, 'PAYLOAD_TOO_LARGE', `The ${opts.name} subgraph accepts request bodies of up to 10 MiB; send fewer items at a time.`);
      throw e;
    }
    const token = req.headers[INTERNAL_TOKEN_HEADER];
    let caller: Caller;
    try {
      caller = await verifyInternal(opts.verifier, Array.isArray(token) ? token[0] : token, body);
    } catch (e) {
      const reason = e instanceof InternalAuthError ? e.message : 'invalid internal credential';
      logger.warn('refused request without a valid internal credential', { reason, remote: req.socket.remoteAddress });
      return sendJson(res, 401, {
        errors: [
          {
            message: `The ${opts.name} subgraph only answers the gateway (${reason}). Send your request to the gateway at /graphql instead.`,
            extensions: { code: 'UNAUTHENTICATED' },
          },
        ],
      });
    }
    if (req.method !== 'POST') return sendJson(res, 405, { error: 'Use POST.' });

    const headers = new HeaderMap();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
    let parsedBody: unknown;
    try {
      parsedBody = JSON.parse(body);
    } catch {
      return sendJson(res, 400, { errors: [{ message: 'The request body is not valid JSON.', extensions: { code: 'BAD_REQUEST' } }] });
    }
    const unsafe = checkVariables((parsedBody as { variables?: unknown } | null)?.variables);
    if (unsafe) return sendJson(res, 400, { errors: [{ message: unsafe.message, extensions: unsafe.extensions }] });
    const requestId = (req.headers['x-request-id'] as string | undefined) ?? randomUUID();
    const result = await statements.run(() =>
      opts.server.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: 'POST', headers, search: url.search, body: parsedBody },
        context: async () => opts.context(caller, requestId),
      }),
    );
    await writeGraphQLResponse(res, result);
  };

  const { http, port, close } = await listen(handle, {
    port: opts.port,
    host: opts.host,
    logger,
    failureMessage: `The ${opts.name} subgraph failed to handle the request; nothing was changed by the failing step.`,
  });
  let closing: Promise<void> | null = null;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}/graphql`,
    port,
    http,
    close() {
      closing ??= (async () => {
        await close();
        await opts.server.stop();
        if (opts.db.isInitialized) await opts.db.destroy();
      })();
      return closing;
    },
  };
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
