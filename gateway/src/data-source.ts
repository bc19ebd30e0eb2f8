import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { GraphQLError } from 'graphql';
import { performance } from 'node:perf_hooks';
import { INTERNAL_TOKEN_HEADER, isMutationDocument, PUBLIC_CALLER, REPLAYED_HEADER, signInternal, type InternalSigner, type Logger, type ServiceMetrics } from '@treaty/service-kit/edge';
import type { GatewayGraphQLRequest, GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import type { GatewayContext } from './context.js';
import { SubgraphTransport, type SubgraphAnswer } from './subgraph-http.js';
import { distinctRepresentations } from './coalesce.js';

export function serviceUnavailable(service: string, why: string): GraphQLError {
  return new GraphQLError(`The ${service} service ${why}, so the fields it provides are null in this answer; the rest is complete. Retry in a moment.`, {
    extensions: { code: 'SERVICE_UNAVAILABLE', service },
  });
}

function isNoStore(cacheControl: string | null | undefined): boolean {
  return !!cacheControl && cacheControl.split(',').some((d) => d.trim().toLowerCase() === 'no-store');
}

interface SubgraphErrorBody {
  errors?: { message?: string; extensions?: { code?: string } }[];
}

/**
 * Calls a subgraph on behalf of the verified caller. Each request carries a fresh single-use credential
 * for that subgraph only (packages/service-kit/internal-credentials.md), bound to the exact body sent and, on a mutation,
 * to the client's Idempotency-Key; the client's own headers are not forwarded. Signing happens in the
 * fetcher because only there is the final body known.
 *
 * Every failure becomes an error the caller can act on and that reveals nothing internal: a subgraph
 * that is down, refuses the connection or passes its timeout is SERVICE_UNAVAILABLE naming the
 * service; a subgraph's refusal of a value (HTTP 400) is BAD_USER_INPUT with the subgraph's own
 * message. Neither ever carries the subgraph's URL, host or port.
 */
export class SignedDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  private readonly transport: SubgraphTransport;

  constructor(
    private readonly subgraph: string,
    url: string,
    private readonly signer: InternalSigner,
    private readonly timeoutMs: number,
    private readonly logger: Logger,
    private readonly metrics?: Pick<ServiceMetrics, 'observeSubgraphFetch'>,
    connections = 64,
  ) {
    // The gateway sets its own cache policy (response-cache.ts); a subgraph's no-store is read in didReceiveResponse.
    super({ url, honorSubgraphCacheControlHeader: false });
    this.transport = new SubgraphTransport(url, { connections });
  }

  /**
   * One fetch to the subgraph, in place of RemoteGraphQLDataSource's (node-fetch Request objects, the
   * global fetch, APQ): sign the exact body, post it on the keep-alive pool, parse the answer. The timeout
   * covers connecting, waiting and reading the whole body, so a stopped process holds nothing for
   * longer. (With tracing on, the http instrumentation adds this hop's traceparent to the request.)
   */
  private async post(request: GatewayGraphQLRequest, context: GatewayContext, inQuery: boolean): Promise<GatewayGraphQLResponse> {
    const body = JSON.stringify({ query: request.query, operationName: request.operationName, variables: request.variables, extensions: request.extensions });
    // Only the fetch that runs the mutation carries the key; the entity fetches after it are reads.
    const idempotencyKey = context?.idempotencyKey && isMutationDocument(request.query) ? context.idempotencyKey : null;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
      // The operation is named only on a query's fetches: a mutation's reads must see its writes.
      [INTERNAL_TOKEN_HEADER]: signInternal(this.signer, this.subgraph, context?.caller ?? PUBLIC_CALLER, body, { idempotencyKey, operation: inQuery ? context?.operationId : null }),
    };
    if (context?.requestId) headers['x-request-id'] = context.requestId;
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    let answer: SubgraphAnswer;
    try {
      answer = await this.transport.post(body, headers, this.timeoutMs);
    } catch (e) {
      this.metrics?.observeSubgraphFetch(this.subgraph, seconds(), (e as Error).name === 'TimeoutError' ? 'timeout' : 'error');
      throw e;
    }
    const ok = answer.status >= 200 && answer.status < 300;
    this.metrics?.observeSubgraphFetch(this.subgraph, seconds(), ok ? 'ok' : 'error');
    if (!ok) throw await this.errorFromResponse(asResponse(answer));
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.body);
    } catch {
      parsed = undefined;
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`answered HTTP ${answer.status} without a GraphQL body`);
    return { ...(parsed as GatewayGraphQLResponse), http: { headers: answer.headers, status: answer.status } as never };
  }

  override didReceiveResponse({ response, context }: Parameters<NonNullable<RemoteGraphQLDataSource<GatewayContext>['didReceiveResponse']>>[0]) {
    if (response.http?.headers.get(REPLAYED_HEADER) === 'true' && context?.outcome) context.outcome.replayed = true;
    // A subgraph that served personal data says no-store (the kit does, for any @personal field read):
    // then the whole answer holds personal data and the dashboard cache must not keep it.
    if (context?.outcome && isNoStore(response.http?.headers.get('cache-control'))) context.outcome.noStore = true;
    return response;
  }

  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>) {
    // Each distinct representation once, and the same read twice in one query operation (the planner
    // plans by path) once: both in coalesce.ts, for reads only. A mutation is sent as it is: it is never
    // coalesced, and serialising its variables for a key (a batch of 5,000 positions) was pure cost.
    const mutation = isMutationDocument(options.request.query);
    const inQuery = !mutation && 'incomingRequestContext' in options && options.incomingRequestContext.operation?.operation === 'query';
    const distinct = mutation ? null : distinctRepresentations(options.request.variables);
    const request = distinct ? { ...options.request, variables: distinct.variables } : options.request;
    const send = async () => {
      try {
        // Only incoming operations reach here: the supergraph is static, so there are no health checks or schema loads.
        const context = options.context as GatewayContext;
        const response = await this.post(request, context, inQuery);
        const pathInIncomingRequest = 'pathInIncomingRequest' in options ? options.pathInIncomingRequest : undefined;
        return await this.didReceiveResponse({ response, request, context, pathInIncomingRequest });
      } catch (e) {
        throw this.translate(e, options.context?.requestId);
      }
    };
    // One fetch's answer stands in for a later one only within a query: in a mutation a later step may
    // have changed what an earlier read saw (corridors, milestones, corridors: the second read of the
    // agreement's milestones must show the waiver between them).
    const reads = inQuery ? options.context?.reads : undefined;
    if (!distinct || !reads || !request.query) return distinct ? distinct.spread(await send()) : send();
    return distinct.spread(await reads.read(this.subgraph, request.query, request.variables, send, () => distinct.key));
  }

  /** An HTTP error answer from the subgraph, as an error for the caller (never with its URL). */
  override async errorFromResponse(response: ErrorResponse): Promise<GraphQLError> {
    let body: SubgraphErrorBody | string;
    try {
      body = (response.headers.get('content-type') ?? '').includes('json') ? ((await response.json()) as SubgraphErrorBody) : await response.text();
    } catch {
      body = '';
    }
    const errors = typeof body === 'object' && Array.isArray(body.errors) ? body.errors : [];
    const messages = errors.map((e) => e.message).filter((m): m is string => typeof m === 'string');
    if (response.status === 400 && messages.length) {
      // The subgraph refused a value the caller sent (variable coercion or validation): say so in its words.
      return new GraphQLError(messages.join(' '), { extensions: { code: 'BAD_USER_INPUT', service: this.subgraph } });
    }
    if (response.status === 413) {
      return new GraphQLError(`The request is too large for the ${this.subgraph} service; send fewer items at a time.`, { extensions: { code: 'PAYLOAD_TOO_LARGE', service: this.subgraph } });
    }
    this.logger.error('subgraph answered with an HTTP error', { service: this.subgraph, status: response.status, codes: errors.map((e) => e.extensions?.code) });
    if (response.status === 401 || response.status === 403) {
      return new GraphQLError(`The gateway could not authenticate to the ${this.subgraph} service; this is a deployment fault, not the request's. Report it to the operators.`, {
        extensions: { code: 'INTERNAL_SERVER_ERROR', service: this.subgraph },
      });
    }
    return serviceUnavailable(this.subgraph, `answered with HTTP ${response.status}`);
  }

  private translate(e: unknown, requestId: string | undefined): GraphQLError {
    if (e instanceof GraphQLError && e.extensions?.service === this.subgraph) return e;
    const error = e as Error & { code?: string; cause?: { code?: string } };
    const timedOut = error?.name === 'TimeoutError' || error?.name === 'AbortError';
    this.logger.warn('subgraph call failed', { service: this.subgraph, requestId, reason: timedOut ? `timeout after ${this.timeoutMs} ms` : (error?.code ?? error?.cause?.code ?? error?.message) });
    return serviceUnavailable(this.subgraph, timedOut ? `did not answer within ${this.timeoutMs / 1000} s` : 'is not reachable');
  }
}

/** What errorFromResponse reads of an answer (a part of a fetch Response). */
interface ErrorResponse {
  status: number;
  headers: { get(name: string): string | null };
  json(): Promise<unknown>;
  text(): Promise<string>;
}

function asResponse(a: SubgraphAnswer): ErrorResponse {
  return {
    status: a.status,
    headers: a.headers,
    json: async () => JSON.parse(a.body) as unknown,
    text: async () => a.body,
  };
}
