import type { Caller } from '@treaty/service-kit';

/** What every resolver and data source of the gateway sees about the request. */
export interface GatewayContext {
  caller: Caller;
  requestId: string;
}
