import type { Caller } from './caller.js';
import { ServiceUnavailableError } from './errors.js';
import { signInternal, INTERNAL_TOKEN_HEADER, type InternalSigner } from './internal-auth.js';

/**
 * How long a sibling call may take. Shorter than the gateway's default wait for a subgraph (5 s), so a
 * sibling that hangs costs the caller this one field, not the whole subgraph's answer.
 */
export const DEFAULT_PEER_TIMEOUT_MS = 2_000;

/** What a service needs to call its siblings: its own signing key and where they listen. */
export interface PeerDeps {
  signer?: InternalSigner;
  peers?: Record<string, string>;
  /** Per-call timeout in milliseconds (TREATY_PEER_TIMEOUT_MS); DEFAULT_PEER_TIMEOUT_MS when unset. */
  timeoutMs?: number;
}

function unavailable(peer: string, why: string): ServiceUnavailableError {
  return new ServiceUnavailableError(peer, `The ${peer} service ${why}, so what depends on it could not be established; nothing was changed. Retry in a moment.`);
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
  const timeoutMs = deps.timeoutMs ?? DEFAULT_PEER_TIMEOUT_MS;
  const body = JSON.stringify({ query, variables });
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [INTERNAL_TOKEN_HEADER]: await signInternal(deps.signer, peer, { ...caller, via: null }, body) },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    const name = (e as Error).name;
    throw unavailable(peer, name === 'TimeoutError' || name === 'AbortError' ? `did not answer within ${timeoutMs / 1000} s` : 'is not reachable');
  }
  let json: { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
  try {
    json = (await res.json()) as typeof json;
  } catch {
    throw unavailable(peer, `answered with HTTP ${res.status} and no GraphQL body`);
  }
  if (!res.ok || json.errors?.length) {
    const first = json.errors?.[0];
    // An internal fault between services: logged by the caller's masking with these details, never shown.
    throw new Error(`The ${peer} service refused a confirmation call (${res.status} ${first?.extensions?.code ?? ''} ${first?.message ?? ''}).`);
  }
  return json.data as T;
}

/**
 * The confirmation most writes start with: the agreement as the milestones service (its owner) sees it
 * now, with the fields this service needs (`selection`), or null when milestones has no such agreement.
 */
export async function agreementFromMilestones<T>(deps: PeerDeps, caller: Caller, selection: string, id: string): Promise<T | null> {
  const data = await callPeer<{ agreement: T | null }>(deps, 'milestones', caller, `query ($id: ID!) { agreement(id: $id) { ${selection} } }`, { id });
  return data.agreement;
}
