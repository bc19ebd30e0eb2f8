import type { Caller } from './caller.js';
import { DomainError } from './errors.js';
import { signInternal, INTERNAL_TOKEN_HEADER, type InternalSigner } from './internal-auth.js';


/** What a service needs to call its siblings: its own signing key and where they listen. */
export interface PeerDeps {
  signer?: InternalSigner;
  peers?: Record<string, string>;
}

/**
 * Calls a sibling subgraph on a caller's behalf, signed with this service's own key, so the sibling
 * knows both who is asking and which service relays it (`caller.via`). Used where a write depends on
 * state another service owns (e.g. releasing a tranche needs the milestone certified): the state is
 * confirmed with its owner, never taken from the client.
 */
export async function callPeer<T>(
  deps: PeerDeps,
  peer: string,
  caller: Caller,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> {
  const url = deps.peers?.[peer];
  if (!deps.signer || !url) throw new Error(`No route to the ${peer} service: configure TREATY_PEER_${peer.toUpperCase()}_URL and TREATY_INTERNAL_PRIVATE_KEY.`);
  const body = JSON.stringify({ query, variables });
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [INTERNAL_TOKEN_HEADER]: await signInternal(deps.signer, peer, { ...caller, via: null }, body) },
      body,
      signal: AbortSignal.timeout(10_000),
    });
  } catch (e) {
    throw new Error(`The ${peer} service could not be reached (${(e as Error).message}); nothing was changed. Retry shortly.`);
  }
  const json = (await res.json()) as { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
  if (!res.ok || json.errors?.length) {
    const first = json.errors?.[0];
    throw new Error(`The ${peer} service refused a confirmation call (${res.status} ${first?.extensions?.code ?? ''} ${first?.message ?? ''}).`);
  }
  return json.data as T;
}
