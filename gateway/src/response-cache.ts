import type { ApolloServerPlugin, GraphQLRequestContext } from '@apollo/server';
import responseCachePlugin from '@apollo/server-plugin-response-cache';
import { InMemoryLRUCache, type KeyValueCache, type KeyValueCacheSetOptions } from '@apollo/utils.keyvaluecache';
import { performance } from 'node:perf_hooks';
import { currentRequest, type Caller } from '@treaty/service-kit/edge';
import type { GatewayContext } from './context.js';
import { CONFIDENTIAL_ROOT_FIELDS } from './confidential-limits.js';

/**
 * The dashboard cache: whole answers to queries, kept by this gateway process for at most
 * `maxAgeSeconds` (1 or 2) so that a wall of dashboards polling the same question costs the subgraphs
 * one answer per visibility per max age. Apollo's response-cache plugin does the keying, the lookup and
 * the `Age` header; this file decides what may be cached and for whom.
 *
 * - Keyed by visibility (see `visibilityOf`), never shared across two of them.
 * - Only queries, only answers without errors, never an answer any subgraph marked `no-store` (the
 *   prisoners service does when it served a `@personal` field), never a request with X-Purpose or an
 *   Idempotency-Key, never an operation of the confidential channel (a receipt's answer is for its
 *   holder alone): those are neither looked up nor stored (`x-treaty-cache: bypass`).
 * - Every mutation through this gateway, whatever its outcome, empties the cache before its answer
 *   leaves (so does a read of personal data, which writes the access log): the writer's next read is
 *   fresh. Flushing everything is coarse but simple, and a dashboard refills in one poll. A read that
 *   was already running when the mutation ended cannot put its older answer back: every key carries the
 *   generation the read started in, and the flush starts a new one.
 * - The staleness bound is `maxAgeSeconds`, counted from when the request that made the answer arrived
 *   (before any subgraph was asked), not from when it finished. It covers what the cache cannot see: a
 *   write through another gateway replica (each replica has its own cache), a write made directly at a
 *   subgraph, and values derived from the clock (a milestone turns DUE, then MISSED, with no write).
 * - When many callers of one visibility ask the same question at once and it is not cached, one of
 *   them computes it and the others wait for that answer (the plugin would let each compute its own).
 * - Memory is bounded: an LRU of at most `maxBytes` of serialised answers (32 MiB by default); the
 *   least recently used answer is dropped first.
 *
 * Every GraphQL answer says what happened in `x-treaty-cache`: `hit` (from the cache, with `Age` in
 * seconds), `miss` (looked up, not found, computed), `bypass` (not eligible, see above) or `off`
 * (GATEWAY_RESPONSE_CACHE=off). It also says `cache-control: no-store`: the gateway's cache keys by
 * visibility, an HTTP cache between it and the client would not.
 */
export interface ResponseCacheSettings {
  enabled: boolean;
  maxAgeSeconds: number;
  maxBytes: number;
}

export const CACHE_STATUS_HEADER = 'x-treaty-cache';

/**
 * What a caller may see, as a cache key. Every read rule decides from these and only these: `role()`
 * and `authenticated` from the roles (none is PUBLIC, its own visibility), `ownParty` and prisoners'
 * `partyScope` from the party, guarantors' `ownGuarantor` from the guarantor. The agency is included
 * too although no read rule uses it today (writes do: a convoy's movements belong to its agency), so that
 * a future "own agency's records" rule cannot leak through the cache; the token's subject (one person)
 * is not, as no rule reads it and it would give every person a cache of their own. The purpose is not
 * part of the key because a request with one is never cached.
 */
export function visibilityOf(caller: Caller): string {
  return JSON.stringify([[...caller.roles].sort(), caller.partyId, caller.guarantorId, caller.agency, caller.via]);
}

/**
 * Apollo's InMemoryLRUCache, with each answer's life counted from when its request arrived: the plugin
 * stores an answer when it is sent, with the policy's whole max age, and stamps it with that moment,
 * so an answer that took 800 ms to compute would otherwise live 800 ms past the bound and claim to be
 * younger than its data. `clear()` drops everything.
 */
export class DashboardCache implements KeyValueCache<string> {
  private readonly lru: InMemoryLRUCache<string>;
  /** Bumped by every flush; part of every key (see responseCachePlugins). */
  generation = 0;

  constructor(
    private readonly maxAgeSeconds: number,
    maxBytes: number,
  ) {
    this.lru = new InMemoryLRUCache<string>({ maxSize: maxBytes });
  }

  async get(key: string): Promise<string | undefined> {
    return this.lru.get(key);
  }

  async set(key: string, value: string, _options?: KeyValueCacheSetOptions): Promise<void> {
    // Called synchronously from the plugin's willSendResponse, so still inside the request's scope.
    const startedAt = currentRequest()?.startedAt ?? performance.now();
    const ageMs = performance.now() - startedAt;
    const leftMs = Math.floor(this.maxAgeSeconds * 1000 - ageMs);
    // (A ttl of 0 would mean "forever" to InMemoryLRUCache.)
    if (leftMs < 1) return;
    // The plugin writes `"cacheTime":<epoch ms>` last; it becomes the request's arrival, so Age is the data's age.
    const arrived = Math.round(Date.now() - ageMs);
    await this.lru.set(key, value.replace(/"cacheTime":\d+\}$/, `"cacheTime":${arrived}}`), { ttl: leftMs / 1000 });
  }

  async delete(key: string): Promise<boolean> {
    return this.lru.delete(key);
  }

  /** Empties the cache and starts a new generation, so that no read begun before now can store its answer. */
  clear(): void {
    this.generation += 1;
    this.lru.clear();
  }

  /** How many answers are held (for tests and metrics). */
  get size(): number {
    return this.lru.keys().length;
  }
}

type Context = GraphQLRequestContext<GatewayContext>;

/** How long a caller waits for another's identical miss before computing its own (a bound, should that one never finish). */
const LEADER_WAIT_MS = 5_000;

function waitAtMost(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** A request the cache must neither answer nor keep: it reads personal data, or it is a keyed write. */
function mustBypass(rc: Context): boolean {
  const ctx = rc.contextValue;
  return ctx.caller.purpose !== null || rc.request.http?.headers.has('x-purpose') === true || ctx.idempotencyKey !== null || usesConfidentialChannel(rc);
}

/** A read with a confidential report's receipt: its answer is for the receipt's holder and is never kept. */
function usesConfidentialChannel(rc: Context): boolean {
  return rc.operation?.selectionSet.selections.some((s) => s.kind === 'Field' && CONFIDENTIAL_ROOT_FIELDS.has(s.name.value)) === true;
}

function isQuery(rc: Context): boolean {
  return rc.operation?.operation === 'query';
}

/**
 * The plugins that implement the dashboard cache, or, when it is off, the one that says so. Always
 * with ApolloServerPluginCacheControlDisabled beside them (server.ts): the policy is set here, not
 * computed from schema hints, and the Cache-Control header is written here.
 */
export function responseCachePlugins(settings: ResponseCacheSettings): { plugins: ApolloServerPlugin<GatewayContext>[]; cache: DashboardCache | null } {
  if (!settings.enabled) {
    const off: ApolloServerPlugin<GatewayContext> = {
      async requestDidStart() {
        return {
          async willSendResponse({ response }) {
            response.http.headers.set(CACHE_STATUS_HEADER, 'off');
            response.http.headers.set('cache-control', 'no-store');
          },
        };
      },
    };
    return { plugins: [off], cache: null };
  }

  const cache = new DashboardCache(settings.maxAgeSeconds, settings.maxBytes);
  /** The generation each request started in: its answer is stored under it, and only if it is still current. */
  const startedIn = new WeakMap<object, number>();
  /**
   * Misses being computed, by what they ask and for whom. When a popular answer expires, the 50
   * dashboards polling it would all miss at once and each ask the subgraphs (the plugin has no such
   * guard); instead the first computes it and the others wait for it, then read it from the cache.
   */
  const computing = new Map<string, Promise<void>>();

  const policy: ApolloServerPlugin<GatewayContext> = {
    async requestDidStart() {
      let finish: (() => void) | null = null;
      return {
        async didResolveOperation(rc) {
          startedIn.set(rc.request, cache.generation);
          // Nothing else sets a policy (schema hints are off and subgraphs' Cache-Control is not honoured),
          // so an eligible query is cacheable for the max age, and anything else is not.
          if (isQuery(rc) && !mustBypass(rc)) rc.overallCachePolicy.replace({ maxAge: settings.maxAgeSeconds, scope: 'PUBLIC' });
        },
        // Runs before the plugin's own lookup (it is listed first).
        async responseForOperation(rc) {
          if (!isQuery(rc) || mustBypass(rc)) return null;
          const key = JSON.stringify([rc.source, rc.operationName, rc.request.variables ?? {}, visibilityOf(rc.contextValue.caller), startedIn.get(rc.request)]);
          const running = computing.get(key);
          // After the first one's answer is stored the plugin finds it; if it was not stored (an error), this one computes its own.
          if (running) return Promise.race([running, waitAtMost(LEADER_WAIT_MS)]).then(() => null);
          let done!: () => void;
          computing.set(key, new Promise<void>((resolve) => (done = resolve)));
          finish = () => {
            computing.delete(key);
            done();
          };
          return null;
        },
        async willSendResponse(rc) {
          const { response } = rc;
          // A write (or a read of personal data, which writes the access log) may change any answer.
          if (rc.operation && (rc.operation.operation === 'mutation' || rc.contextValue.outcome.noStore)) cache.clear();
          const status = !rc.operation || !isQuery(rc) || mustBypass(rc) ? 'bypass' : rc.metrics.responseCacheHit ? 'hit' : 'miss';
          response.http.headers.set(CACHE_STATUS_HEADER, status);
          response.http.headers.set('cache-control', 'no-store');
          // Once the plugin's own willSendResponse has stored the answer (it does so in the same turn).
          if (finish) setImmediate(finish);
        },
      };
    },
  };

  const library = responseCachePlugin<GatewayContext>({
    cache,
    // Part of every key: who may see the answer, and the generation (a flush makes older keys unreachable).
    extraCacheKeyData: async (rc) => ({ visibility: visibilityOf(rc.contextValue.caller), generation: startedIn.get(rc.request) ?? cache.generation }),
    shouldReadFromCache: async (rc) => !mustBypass(rc),
    shouldWriteToCache: async (rc) => !mustBypass(rc) && !rc.contextValue.outcome.noStore && startedIn.get(rc.request) === cache.generation,
  });
  return { plugins: [policy, library], cache };
}
