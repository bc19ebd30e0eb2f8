import type { Caller } from '@treaty/service-kit/edge';
import type { RequestReads } from './coalesce.js';

/** What every resolver and data source of the gateway sees about the request. */
export interface GatewayContext {
  caller: Caller;
  requestId: string;
  /** The client's Idempotency-Key, bound into the credential of each mutation fetch (never of a query). */
  idempotencyKey: string | null;
  /**
   * What the subgraphs said about the answer as a whole. An object, not a flag on the context: Apollo
   * Server hands data sources a shallow copy of the context, so only a shared object carries news back.
   */
  outcome: {
    replayed: boolean;
    /** Some subgraph answered with `cache-control: no-store` (it served personal data): never cache this answer. */
    noStore?: boolean;
  };
  /** The subgraph reads of this request so far, so that the same read is sent once (coalesce.ts). */
  reads: RequestReads;
  /**
   * A random id for this request's operation, signed into the credential of each of its fetches when
   * it is a query, so that a service may share what its fetches read (service-kit operation-scope.ts).
   * Made here, once: data sources get a copy of the context.
   */
  operationId: string;
  /**
   * The connecting address, for the confidential channel's abuse limits only (confidential-limits.ts),
   * which keep it as an hourly-keyed HMAC in memory; never logged. Absent for the gateway's own operations.
   */
  source?: string;
}
