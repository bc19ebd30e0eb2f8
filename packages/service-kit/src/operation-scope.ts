import { CLOCK_SKEW_MS, LIFETIME_MS } from './internal-auth.js';

/**
 * What the fetches of one gateway query operation share inside one service process.
 *
 * The planner sends one operation to a service several times: the headline query visits milestones
 * three times (the agreement and its milestones, the agreement's snap-back, each milestone's
 * compliance) and guarantors twice, and each visit read the same rows again. The gateway names each
 * query operation with a random id, signed into the credential of every fetch (`op`, see
 * internal-credentials.md); a service keeps what a fetch of that operation read under that id, and the
 * operation's later fetches read it from here.
 *
 * - Only query operations are named. A mutation's fetches, a sibling's call and a request without the
 *   claim share nothing, so a write is never followed by a read of what was there before it.
 * - Within one operation the fetches see one snapshot, taken by the first that read it: a write by
 *   someone else between two of them shows in the next operation, not half-way through this one.
 * - What is kept is the service's own raw rows. Visibility is applied per request by the resolvers, and
 *   every fetch of one operation is for the same caller, whose claims are signed beside the id.
 * - Bounded: at most `max` operations (the least recently used is dropped first), each forgotten
 *   after `ttlMs`, the longest a credential of the operation can be accepted. A dropped scope costs a
 *   statement, never a wrong answer.
 */
export class OperationScopes {
  private readonly scopes = new Map<string, { expires: number; values: Map<string, unknown> }>();

  constructor(
    private readonly max = 256,
    private readonly ttlMs = LIFETIME_MS + 2 * CLOCK_SKEW_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** The scope of operation `id`, created on first use; null for a request outside any operation. */
  of(id: string | null): OperationScope | null {
    if (!id) return null;
    const now = this.now();
    let scope = this.scopes.get(id);
    if (scope && scope.expires <= now) {
      this.scopes.delete(id);
      scope = undefined;
    }
    if (scope) {
      // Most recently used last, so the first in the map is the one to drop.
      this.scopes.delete(id);
    } else {
      scope = { expires: now + this.ttlMs, values: new Map() };
      while (this.scopes.size >= this.max) this.scopes.delete(this.scopes.keys().next().value as string);
    }
    this.scopes.set(id, scope);
    const values = scope.values;
    return {
      get: <T>(key: string) => values.get(key) as T | undefined,
      set: (key: string, value: unknown) => void values.set(key, value),
    };
  }

  /** How many operations are kept now (for tests and metrics). */
  get size(): number {
    return this.scopes.size;
  }
}

export interface OperationScope {
  get<T>(key: string): T | undefined;
  set(key: string, value: unknown): void;
}
