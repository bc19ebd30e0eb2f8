import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled, ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { INTERNAL_TOKEN_HEADER, PUBLIC_CALLER, listen, readBody, sendGraphQLError, signInternal, writeGraphQLResponse, createLogger, type Caller, type InternalSigner, type Logger } from '@treaty/service-kit';
import { AuthenticationError, type TokenVerifier } from './auth.js';
import { PLAYGROUND_CSP, playgroundAsset, playgroundHtml } from './playground.js';

export interface GatewayContext {
  caller: Caller;
  requestId: string;
}

/** The composed supergraph checked in beside this package (see compose.ts). */
export const SUPERGRAPH_URL = new URL('../supergraph.graphql', import.meta.url);

export async function readSupergraph(): Promise<string> {
  return readFile(SUPERGRAPH_URL, 'utf8');
}

/** Carries the caller from willSendRequest to the fetcher; removed before the request leaves. */
const PENDING_CALLER_HEADER = 'x-treaty-pending-caller';

/**
 * Calls a subgraph on behalf of the verified caller. Each request carries a fresh EdDSA token for
 * that subgraph only, bound to the exact body sent; the client's own headers are not forwarded.
 * Signing happens in the fetcher because only there is the final body known.
 */
class SignedDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(subgraph: string, url: string, signer: InternalSigner) {
    super({
      url,
      fetcher: (async (input: string, init: { headers: Record<string, string>; body: string }) => {
        const headers = { ...init.headers };
        const caller = headers[PENDING_CALLER_HEADER] ? (JSON.parse(headers[PENDING_CALLER_HEADER]) as Caller) : PUBLIC_CALLER;
        delete headers[PENDING_CALLER_HEADER];
        headers[INTERNAL_TOKEN_HEADER] = await signInternal(signer, subgraph, caller, init.body);
        return fetch(input, { ...init, headers });
      }) as never,
    });
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    request.http!.headers.set(PENDING_CALLER_HEADER, JSON.stringify(context?.caller ?? PUBLIC_CALLER));
    if (context?.requestId) request.http!.headers.set('x-request-id', context.requestId);
  }
}

export interface GatewayOptions {
  supergraphSdl: string;
  subgraphUrls: Record<string, string>;
  signer: InternalSigner;
  verifier: TokenVerifier;
  logger?: Logger;
  /** Called with each query plan the gateway makes (tests inspect fan-out with it). */
  onQueryPlan?: (plan: unknown) => void;
}

export interface BuiltGateway {
  server: ApolloServer<GatewayContext>;
  gateway: ApolloGateway;
}

/** Builds the gateway over a static supergraph; never listens. Telemetry to Apollo is always off. */
export function buildGateway(opts: GatewayOptions): BuiltGateway {
  // @apollo/gateway reads this when constructed: this product handles personal data and never phones home.
  process.env.APOLLO_TELEMETRY_DISABLED = '1';
  const logger = opts.logger ?? createLogger('gateway');
  const gateway = new ApolloGateway({
    supergraphSdl: opts.supergraphSdl,
    buildService: ({ name, url }) => {
      const target = opts.subgraphUrls[name] ?? url;
      if (!target) throw new Error(`No URL for subgraph ${name}; set ${name.toUpperCase()}_URL.`);
      return new SignedDataSource(name, target, opts.signer);
    },
    logger: { debug: () => {}, info: (m) => logger.info(String(m)), warn: (m) => logger.warn(String(m)), error: (m) => logger.error(String(m)) },
    ...(opts.onQueryPlan ? { experimental_didResolveQueryPlan: ({ queryPlan }: { queryPlan: unknown }) => opts.onQueryPlan!(queryPlan) } : {}),
  });
  const server = new ApolloServer<GatewayContext>({
    gateway,
    includeStacktraceInErrorResponses: false,
    introspection: true,
    plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginInlineTraceDisabled()],
  });
  return { server, gateway };
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'x-content-type-options': 'nosniff', ...extra });
  res.end(body);
}

export interface RunningGateway {
  url: string;
  port: number;
  http: Server;
  close(): Promise<void>;
}

/**
 * Serves the gateway: POST /graphql for operations, GET /graphql in a browser for the playground,
 * /health for liveness. A bad token is refused with 401 before any subgraph is called.
 */
export async function serveGateway(built: BuiltGateway, opts: { port: number; host?: string; verifier: TokenVerifier; logger?: Logger }): Promise<RunningGateway> {
  const logger = opts.logger ?? createLogger('gateway');
  await built.server.start();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/health') return send(res, 200, 'application/json', JSON.stringify({ status: 'ok' }));
    if (url.pathname.startsWith('/playground/')) {
      const asset = await playgroundAsset(url.pathname.slice('/playground/'.length));
      if (!asset) return send(res, 404, 'text/plain', 'Not found');
      return send(res, 200, asset.type, asset.body, { 'cache-control': 'public, max-age=3600' });
    }
    if (url.pathname === '/' && req.method === 'GET') return send(res, 302, 'text/plain', 'See /graphql', { location: '/graphql' });
    if (url.pathname !== '/graphql') return send(res, 404, 'text/plain', 'Not found. GraphQL is served at /graphql.');

    const accept = req.headers.accept ?? '';
    if (req.method === 'GET' && accept.includes('text/html') && !url.searchParams.has('query')) {
      return send(res, 200, 'text/html; charset=utf-8', playgroundHtml(), { 'content-security-policy': PLAYGROUND_CSP, 'referrer-policy': 'no-referrer' });
    }

    const requestId = randomUUID();
    let caller: Caller;
    try {
      caller = await opts.verifier.authenticate(req.headers.authorization, req.headers['x-purpose'] as string | undefined);
    } catch (e) {
      if (e instanceof AuthenticationError) {
        logger.warn('token refused', { requestId, reason: e.message });
        return sendGraphQLError(res, 401, 'UNAUTHENTICATED', `${e.message} Without an Authorization header you are an anonymous PUBLIC caller.`);
      }
      throw e;
    }

    let body: unknown = undefined;
    if (req.method === 'POST') {
      const text = await readBody(req, 5 * 1024 * 1024);
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        return sendGraphQLError(res, 400, 'BAD_REQUEST', 'The request body is not valid JSON. Send {"query": "...", "variables": {...}}.');
      }
    }
    const headers = new HeaderMap();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'authorization') headers.set(k, v);
    const result = await built.server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
      context: async () => ({ caller, requestId }),
    });
    await writeGraphQLResponse(res, result, { 'x-request-id': requestId });
  };

  const { http, port, close } = await listen(handle, {
    port: opts.port,
    host: opts.host,
    logger,
    failureMessage: 'The gateway failed to handle the request. Retry; if it persists, check the gateway log.',
  });
  let closing: Promise<void> | null = null;
  return {
    url: `http://localhost:${port}/graphql`,
    port,
    http,
    close() {
      closing ??= (async () => {
        await close();
        await built.server.stop();
      })();
      return closing;
    },
  };
}
