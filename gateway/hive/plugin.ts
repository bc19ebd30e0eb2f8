import type { GatewayPlugin } from '@graphql-hive/gateway';
import { getOperationAST, type DocumentNode } from 'graphql';
import { AuthenticationError, keyedStepsRefusal, mutationOwners, mutationSteps, type TokenVerifier } from '@treaty/gateway';
import { IDEMPOTENCY_KEY_MESSAGE, INTERNAL_TOKEN_HEADER, REPLAYED_HEADER, REQUEST_ID_PATTERN, isIdempotencyKey, isMutationDocument, signInternal, type Caller, type InternalSigner } from '@treaty/service-kit/edge';

export interface TreatyCredentialsOptions {
  /** Verifies the partner's bearer token exactly as our gateway does (createTokenVerifier from @treaty/gateway). */
  verifier: TokenVerifier;
  /** The gateway's pairwise keys (`gateway>milestones`, ...): TREATY_INTERNAL_KEYS. */
  signer: InternalSigner;
  /** Each subgraph's URL by name, as the gateway calls it; a fetch to any other URL is never signed. */
  subgraphUrls: Record<string, string>;
  /** The supergraph SDL, for which service owns each root mutation field (one keyed step per service). */
  supergraphSdl: string;
}

/** What the plugin learnt about one client request, kept beside it for the subgraph fetches it causes. */
interface RequestState {
  caller: Caller;
  idempotencyKey: string | null;
  replayed: boolean;
}

/**
 * Only these headers of a subgraph fetch survive: what the transport sets for the body, the request id and
 * trace context. Anything else (a client's Authorization, Cookie, Idempotency-Key, X-Purpose) never
 * reaches a subgraph; the subgraph learns who the caller is from the signed credential alone.
 */
const FORWARDED_HEADERS = new Set(['accept', 'content-type', 'content-length', 'x-request-id', 'traceparent', 'tracestate']);


/** Same test as our gateway's (the kit's): only the fetch that runs a mutation carries the Idempotency-Key. */
function isMutation(body: string): boolean {
  try {
    const query = (JSON.parse(body) as { query?: unknown }).query;
    return typeof query === 'string' && isMutationDocument(query);
  } catch {
    return false;
  }
}

function refusal(fetchAPI: { Response: typeof Response }, status: number, code: string, message: string, requestId: string | null): Response {
  return new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), {
    status,
    headers: { 'content-type': 'application/json', ...(requestId ? { 'x-request-id': requestId } : {}) },
  });
}

/**
 * Makes Hive Gateway speak our subgraphs' credential (packages/service-kit/internal-credentials.md):
 * - on each client request, verifies the bearer token (no token: PUBLIC; a bad one: 401 UNAUTHENTICATED,
 *   before anything is planned) and checks the Idempotency-Key (400 BAD_USER_INPUT when malformed);
 * - on each subgraph fetch, signs the exact body about to be sent for that subgraph only, on behalf of the
 *   verified caller, binding the Idempotency-Key on a mutation fetch, and drops every header a client sent;
 * - passes a subgraph's `Idempotent-Replayed: true` back to the client, as our gateway does.
 * It is the last plugin to touch a fetch (Hive runs configured plugins after its own), so the body it signs
 * is the body that leaves.
 */
export function useTreatyCredentials(opts: TreatyCredentialsOptions): GatewayPlugin {
  const subgraphByUrl = new Map(Object.entries(opts.subgraphUrls).map(([name, url]) => [new URL(url).href, name]));
  const stateByRequest = new WeakMap<Request, RequestState>();
  const owners = mutationOwners(opts.supergraphSdl);

  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method === 'OPTIONS' || url.pathname !== '/graphql') return;
      const requestId = request.headers.get('x-request-id');
      let caller: Caller;
      try {
        caller = await opts.verifier.authenticate(request.headers.get('authorization') ?? undefined, request.headers.get('x-purpose') ?? undefined);
      } catch (e) {
        if (!(e instanceof AuthenticationError)) throw e;
        return endResponse(refusal(fetchAPI, 401, 'UNAUTHENTICATED', `${e.message} Without an Authorization header you are an anonymous PUBLIC caller.`, requestId));
      }
      const sentKey = request.headers.get('idempotency-key');
      if (sentKey !== null && !isIdempotencyKey(sentKey)) {
        return endResponse(
          refusal(fetchAPI, 400, 'BAD_USER_INPUT', IDEMPOTENCY_KEY_MESSAGE, requestId),
        );
      }
      stateByRequest.set(request, { caller, idempotencyKey: sentKey, replayed: false });
    },

    onFetch({ url, options, setOptions, context, executionRequest }) {
      const subgraph = subgraphByUrl.get(new URL(url).href);
      if (!subgraph) return;
      if (executionRequest?.subgraphName && executionRequest.subgraphName !== subgraph) {
        throw new Error(`Refusing to sign a fetch for ${executionRequest.subgraphName} addressed to ${subgraph}'s URL; check the subgraph URLs.`);
      }
      const request = 'request' in context ? (context.request as Request) : undefined;
      const state = request ? stateByRequest.get(request) : undefined;
      // A fetch outside any verified client request (there should be none) goes out with no caller's rights.
      if (!state) throw new Error(`A fetch to ${subgraph} outside a verified request; the treaty credentials plugin must see every request.`);
      const body = typeof options.body === 'string' ? options.body : null;
      if (body === null) throw new Error(`The fetch to ${subgraph} has a body that is not text; the credential binds the exact body, so it cannot be signed.`);

      const headers: Record<string, string> = {};
      new Headers(options.headers as HeadersInit | undefined).forEach((value, name) => {
        if (FORWARDED_HEADERS.has(name) && (name !== 'x-request-id' || REQUEST_ID_PATTERN.test(value))) headers[name] = value;
      });
      const idempotencyKey = state.idempotencyKey && isMutation(body) ? state.idempotencyKey : null;
      headers[INTERNAL_TOKEN_HEADER] = signInternal(opts.signer, subgraph, state.caller, body, { idempotencyKey });
      setOptions({ ...options, headers });
      return ({ response }) => {
        if (response.headers.get(REPLAYED_HEADER) === 'true') state.replayed = true;
      };
    },

    onExecute({ args, setResultAndStopExecution }) {
      // As our gateway (keyed-mutations.ts): a keyed mutation that would give one service two requests
      // under one key is refused before any subgraph is called.
      const request = (args.contextValue as { request?: Request } | undefined)?.request;
      if (request && stateByRequest.get(request)?.idempotencyKey) {
        const document = args.document as DocumentNode;
        const operation = getOperationAST(document, args.operationName);
        const refused = operation?.operation === 'mutation' ? keyedStepsRefusal(mutationSteps(operation, document, owners)) : null;
        if (refused) {
          setResultAndStopExecution({ data: null, errors: [refused] });
          return;
        }
      }
      return {
        onExecuteDone({ result, setResult }) {
          // An error that nulls a non-nullable root field must leave `"data": null` (GraphQL spec, 7.1.2),
          // as our gateway answers; the Rust planner's executor drops the key instead.
          if (!(Symbol.asyncIterator in result) && result.errors?.length && result.data === undefined) setResult({ ...result, data: null });
        },
      };
    },

    onResponse({ request, response }) {
      if (stateByRequest.get(request)?.replayed) response.headers.set(REPLAYED_HEADER, 'true');
    },
  };
}
