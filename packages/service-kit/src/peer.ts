import { ServiceUnavailableError } from './errors.js';
import { signInternal, INTERNAL_TOKEN_HEADER, type InternalSigner } from './internal-auth.js';
import { performance } from 'node:perf_hooks';
import { currentRequest } from './requests.js';

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
 * Calls a sibling subgraph as this service itself (DESIGN §9), with a single-use credential for this
 * exact body: the sibling sees `caller.via` = this service and no partner agency's rights, and answers
 * only what it grants this service (its `siblings` grants). Used where a write or a derived field depends
 * on state another service owns (e.g. releasing a tranche needs the milestone certified): the state is
 * confirmed with its owner, never taken from the client.
 */
export async function callPeer<T>(deps: PeerDeps, peer: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const url = deps.peers?.[peer];
  if (!deps.signer || !url) throw new Error(`No route to the ${peer} service: configure TREATY_PEER_${peer.toUpperCase()}_URL and TREATY_INTERNAL_KEYS.`);
  const timeoutMs = deps.timeoutMs ?? DEFAULT_PEER_TIMEOUT_MS;
  const body = JSON.stringify({ query, variables });
  // The request this call serves: its id goes along (one id in every log line of the request), and the
  // call's duration goes to the serving subgraph's metrics. The trace context is sent by the tracing itself.
  const scope = currentRequest();
  const started = performance.now();
  const observe = (outcome: 'ok' | 'error' | 'timeout') => scope?.observePeer?.(peer, (performance.now() - started) / 1000, outcome);
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [INTERNAL_TOKEN_HEADER]: signInternal(deps.signer, peer, null, body),
        ...(scope ? { 'x-request-id': scope.requestId } : {}),
      },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    const name = (e as Error).name;
    const timedOut = name === 'TimeoutError' || name === 'AbortError';
    observe(timedOut ? 'timeout' : 'error');
    throw unavailable(peer, timedOut ? `did not answer within ${timeoutMs / 1000} s` : 'is not reachable');
  }
  let json: { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };
  try {
    json = (await res.json()) as typeof json;
  } catch {
    observe('error');
    throw unavailable(peer, `answered with HTTP ${res.status} and no GraphQL body`);
  }
  observe(res.ok && !json.errors?.length ? 'ok' : 'error');
  if (!res.ok || json.errors?.length) {
    const first = json.errors?.[0];
    // A refusal between services is a fault of this deployment (a grant missing, keys out of step), not
    // of the caller's request: a stable code, a message that says so, the sibling's words for the log.
    throw new PeerRefusedError(peer, `${res.status} ${first?.extensions?.code ?? ''} ${first?.message ?? ''}`.trim());
  }
  return json.data as T;
}

/** A sibling refused a call this service made as itself. */
export class PeerRefusedError extends ServiceUnavailableError {
  constructor(
    readonly peer: string,
    readonly detail: string,
  ) {
    super(peer, `The ${peer} service refused a confirmation call this depends on, so nothing was changed. This is a fault of the deployment, not of your request; report it to the operators.`);
    // The sibling's own words are for the operators' log only (they may name fields or grants).
    console.warn(JSON.stringify({ level: 'warn', msg: 'sibling refused a call', peer, detail: detail.slice(0, 500) }));
  }
}

/**
 * The confirmation most writes start with: the agreement as the milestones service (its owner) sees it
 * now, with the fields this service needs (`selection`), or null when milestones has no such agreement.
 */
export async function agreementFromMilestones<T>(deps: PeerDeps, selection: string, id: string): Promise<T | null> {
  const data = await callPeer<{ agreement: T | null }>(deps, 'milestones', `query ($id: ID!) { agreement(id: $id) { ${selection} } }`, { id });
  return data.agreement;
}
