import { createHmac, createSecretKey, hash, hkdfSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { PUBLIC_CALLER, parseCaller, type Caller } from './caller.js';

/**
 * Credentials for calls inside the federation (gateway to subgraph, service to service). The scheme is
 * specified in packages/service-kit/internal-credentials.md so that another router can implement it; in short:
 *
 *   x-treaty-internal-token: v1.<issuer>.<claims>.<mac>
 *
 * `claims` is base64url JSON {aud, iat, exp, jti, bh, ik?, caller?}; `mac` is HMAC-SHA256 over
 * "v1.<issuer>.<claims>" with the key this issuer shares with that audience and nobody else. A token is
 * single-use (its `jti` is claimed once in the audience's database), lives LIFETIME_MS, and is bound to
 * the exact request body (`bh`) and Idempotency-Key (`ik`). Only the gateway may say whom a request is
 * for (`caller`); a service calling a sibling acts as itself and gets only the rights the sibling grants it.
 *
 * HMAC rather than signatures because every key is pairwise: the only party that can verify a token is
 * the only one besides its issuer that holds the key, so a compromised subgraph learns nothing that lets
 * it act as the gateway towards another subgraph. It costs a few microseconds instead of ~300 for EdDSA.
 */
export const INTERNAL_TOKEN_HEADER = 'x-treaty-internal-token';
export const CREDENTIAL_VERSION = 'v1';
/** How long a token is valid: enough to cross a busy event loop, far too short to be worth stealing. */
export const LIFETIME_MS = 15_000;
/** Accepted difference between the issuer's and the audience's clocks. */
export const CLOCK_SKEW_MS = 5_000;
/** The issuer every partner agency's request arrives through. Only it may name a caller. */
export const GATEWAY_ISSUER = 'gateway';

const NAME = /^[a-z][a-z0-9-]{0,39}$/;
const MAX_TOKEN_LENGTH = 8_192;

/** The pairwise secrets one process holds, by "issuer>audience". */
export type InternalKeys = Map<string, Buffer>;

export const pairName = (issuer: string, audience: string) => `${issuer}>${audience}`;

export interface InternalSigner {
  issuer: string;
  keys: InternalKeys;
}

/** Remembers which token ids have been used, until they expire, across every replica of a service. */
export interface NonceStore {
  /** True the first time `jti` is claimed; false if it was claimed before. */
  claim(jti: string, expiresAtMs: number): Promise<boolean>;
}

export interface InternalVerifier {
  /** Which service this is; tokens must be addressed to it. */
  audience: string;
  keys: InternalKeys;
  nonces: NonceStore;
  /** Wall clock in ms (tests move it); Date.now by default. */
  now?: () => number;
}

interface Claims {
  aud: string;
  iat: number;
  exp: number;
  jti: string;
  bh: string;
  ik?: string;
  op?: string;
  caller?: unknown;
}

/** What a verified token says about the request. */
export interface VerifiedRequest {
  caller: Caller;
  /** The Idempotency-Key the gateway bound into the credential, if the client sent one. */
  idempotencyKey: string | null;
  /**
   * The gateway's id for the query operation this fetch is part of (operation-scope.ts), so that its
   * fetches to this service may share what they read; null on a mutation and on a sibling's call.
   */
  operation: string | null;
}

/** An operation id as the gateway makes them (a UUID), or any 16-64 base64url characters. */
const OPERATION_ID = /^[A-Za-z0-9_-]{16,64}$/;

export function bodyHash(body: string): string {
  // The one-shot hash is about twice as fast as createHash for the small bodies most hops carry.
  return hash('sha256', body, 'base64url');
}

/** Keys as KeyObjects, made once per key rather than once per MAC. */
const keyObjects = new WeakMap<Buffer, KeyObject>();
function mac(key: Buffer, signed: string): Buffer {
  let k = keyObjects.get(key);
  if (!k) keyObjects.set(key, (k = createSecretKey(key)));
  return createHmac('sha256', k).update(signed).digest();
}

/**
 * The caller as carried in a gateway token: everything but `via`, which only a verifier sets. Kept per
 * caller object: the gateway signs every fetch of a request (8 on the headline query) for one caller.
 */
const callerJson = new WeakMap<Caller, string>();
function callerClaim(caller: Caller): string {
  let json = callerJson.get(caller);
  if (json === undefined) {
    const { via: _via, ...rest } = caller;
    callerJson.set(caller, (json = JSON.stringify(rest)));
  }
  return json;
}

/**
 * A fresh credential for one request to `audience`. `caller` is who the request is for and may only be
 * given by the gateway; a service calling a sibling passes null and acts as itself.
 */
export function signInternal(
  signer: InternalSigner,
  audience: string,
  caller: Caller | null,
  body: string,
  opts: { idempotencyKey?: string | null; operation?: string | null; now?: number } = {},
): string {
  const key = signer.keys.get(pairName(signer.issuer, audience));
  if (!key) throw new Error(`${signer.issuer} holds no internal key for calls to ${audience}; TREATY_INTERNAL_KEYS must include "${pairName(signer.issuer, audience)}".`);
  if (caller && signer.issuer !== GATEWAY_ISSUER) throw new Error(`Only the gateway may send a request on a caller's behalf; ${signer.issuer} acts as itself.`);
  const iat = opts.now ?? Date.now();
  // Built as text rather than through JSON.stringify of an object: the caller part is cached, the rest
  // are fixed names and values that need no escaping (numbers, a UUID, base64url, a checked key).
  const ik = opts.idempotencyKey ? `,"ik":${JSON.stringify(opts.idempotencyKey)}` : '';
  const who = caller ? `,"caller":${callerClaim(caller)}` : '';
  if (opts.operation && (signer.issuer !== GATEWAY_ISSUER || !OPERATION_ID.test(opts.operation))) {
    throw new Error(`Only the gateway names an operation, as 16 to 64 base64url characters; ${signer.issuer} sent ${JSON.stringify(opts.operation)}.`);
  }
  const op = opts.operation ? `,"op":"${opts.operation}"` : '';
  const claims = `{"aud":${JSON.stringify(audience)},"iat":${iat},"exp":${iat + LIFETIME_MS},"jti":"${randomUUID()}","bh":"${bodyHash(body)}"${ik}${op}${who}}`;
  const signed = `${CREDENTIAL_VERSION}.${signer.issuer}.${Buffer.from(claims).toString('base64url')}`;
  return `${signed}.${mac(key, signed).toString('base64url')}`;
}

export class InternalAuthError extends Error {}

/** Compares two MACs in base64url in time that does not depend on where they differ. */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i += 1) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * Checks a credential for `body` and claims its id, in this order: shape, issuer known, MAC, audience,
 * time, body, caller, and only then the single-use claim (so garbage never reaches the database).
 * Returns whom the request is for: the gateway's caller, or for a sibling a PUBLIC caller with `via`
 * naming the calling service.
 */
export async function verifyInternal(verifier: InternalVerifier, token: string | undefined, body: string): Promise<VerifiedRequest> {
  if (!token) throw new InternalAuthError('missing internal credential');
  if (token.length > MAX_TOKEN_LENGTH) throw new InternalAuthError('malformed internal credential');
  const parts = token.split('.');
  if (parts.length !== 4 || parts[0] !== CREDENTIAL_VERSION || !NAME.test(parts[1]!)) throw new InternalAuthError('malformed internal credential');
  const [version, issuer, claimsB64, macB64] = parts as [string, string, string, string];
  const key = verifier.keys.get(pairName(issuer, verifier.audience));
  if (!key) throw new InternalAuthError('internal credential from an untrusted issuer');
  if (!sameText(mac(key, `${version}.${issuer}.${claimsB64}`).toString('base64url'), macB64)) throw new InternalAuthError('internal credential refused: bad signature');

  let claims: Claims;
  try {
    claims = JSON.parse(Buffer.from(claimsB64, 'base64url').toString('utf8')) as Claims;
  } catch {
    throw new InternalAuthError('malformed internal credential');
  }
  if (claims.aud !== verifier.audience) throw new InternalAuthError('internal credential refused: addressed to another service');
  const now = verifier.now?.() ?? Date.now();
  if (typeof claims.iat !== 'number' || typeof claims.exp !== 'number' || claims.exp - claims.iat > LIFETIME_MS) throw new InternalAuthError('internal credential refused: bad lifetime');
  if (claims.iat > now + CLOCK_SKEW_MS) throw new InternalAuthError('internal credential refused: issued in the future');
  if (claims.exp < now - CLOCK_SKEW_MS) throw new InternalAuthError('internal credential refused: expired');
  if (claims.bh !== bodyHash(body)) throw new InternalAuthError('internal credential does not match the request body');
  if (typeof claims.jti !== 'string' || claims.jti.length < 22 || claims.jti.length > 64) throw new InternalAuthError('malformed internal credential');
  if (claims.ik !== undefined && (typeof claims.ik !== 'string' || !isIdempotencyKey(claims.ik))) throw new InternalAuthError('malformed internal credential');
  if (claims.op !== undefined && (typeof claims.op !== 'string' || !OPERATION_ID.test(claims.op))) throw new InternalAuthError('malformed internal credential');
  // An operation is the gateway's: a sibling's call shares nothing with the request it serves.
  if (claims.op !== undefined && issuer !== GATEWAY_ISSUER) throw new InternalAuthError(`internal credential refused: ${issuer} may not name an operation; a service calls its siblings as itself`);

  let caller: Caller;
  if (issuer === GATEWAY_ISSUER) {
    try {
      caller = { ...parseCaller(claims.caller), via: null };
    } catch (e) {
      throw new InternalAuthError(`internal credential refused: ${(e as Error).message}`);
    }
  } else {
    // A sibling acts as itself: it may not present a partner agency's caller, whatever it claims.
    if (claims.caller !== undefined) throw new InternalAuthError(`internal credential refused: ${issuer} may not act for a caller; a service calls its siblings as itself`);
    caller = { ...PUBLIC_CALLER, via: issuer };
  }
  if (!(await verifier.nonces.claim(`${issuer}:${claims.jti}`, claims.exp + CLOCK_SKEW_MS))) throw new InternalAuthError('internal credential refused: already used');
  return { caller, idempotencyKey: claims.ik ?? null, operation: claims.op ?? null };
}

/** What a gateway answers (400 BAD_USER_INPUT) for an Idempotency-Key that `isIdempotencyKey` refuses. */
export const IDEMPOTENCY_KEY_MESSAGE =
  'Idempotency-Key must be 1 to 255 visible ASCII characters without spaces (a fresh UUID per request is the usual choice), sent once. Send it again with such a key; nothing was run.';

/**
 * Whether a subgraph fetch's document is a mutation: only that fetch carries the client's
 * Idempotency-Key in its credential (the entity fetches after it are reads).
 */
export function isMutationDocument(query: string | undefined): boolean {
  return /^\s*mutation\b/.test(query ?? '');
}

/** An Idempotency-Key a client may send: 1 to 255 visible ASCII characters (a UUID is the usual choice). */
export function isIdempotencyKey(value: string): boolean {
  return /^[\x21-\x7e]{1,255}$/.test(value);
}

/** One process's keys, derived from the deployment's master secret: only the pairs it takes part in. */
export function deriveInternalKeys(master: Buffer, self: string, names: readonly string[]): InternalKeys {
  const keys: InternalKeys = new Map();
  const derive = (issuer: string, audience: string) =>
    keys.set(pairName(issuer, audience), Buffer.from(hkdfSync('sha256', master, 'treaty-internal', `${CREDENTIAL_VERSION} ${pairName(issuer, audience)}`, 32)));
  const services = names.filter((n) => n !== GATEWAY_ISSUER);
  if (self === GATEWAY_ISSUER) {
    for (const s of services) derive(GATEWAY_ISSUER, s);
    return keys;
  }
  derive(GATEWAY_ISSUER, self);
  for (const s of services) {
    if (s === self) continue;
    derive(self, s);
    derive(s, self);
  }
  return keys;
}

export function generateMasterSecret(): Buffer {
  return randomBytes(32);
}

/** TREATY_INTERNAL_KEYS: a JSON object from "issuer>audience" to a base64url 32-byte key. */
export function serializeInternalKeys(keys: InternalKeys): string {
  return JSON.stringify(Object.fromEntries([...keys].map(([k, v]) => [k, v.toString('base64url')])));
}

export function parseInternalKeys(json: string): InternalKeys {
  const parsed = JSON.parse(json) as unknown;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('must be a JSON object');
  const keys: InternalKeys = new Map();
  for (const [pair, value] of Object.entries(parsed)) {
    const [issuer, audience, extra] = pair.split('>');
    if (!issuer || !audience || extra !== undefined || !NAME.test(issuer) || !NAME.test(audience)) throw new Error(`"${pair}" is not "issuer>audience"`);
    const key = typeof value === 'string' ? Buffer.from(value, 'base64url') : Buffer.alloc(0);
    if (key.length < 32) throw new Error(`the key for "${pair}" must be at least 32 bytes, base64url`);
    keys.set(pair, key);
  }
  return keys;
}

/** Single-use claims kept in memory: for one process only (unit tests, benchmarks); services use the database's. */
export class MemoryNonceStore implements NonceStore {
  private readonly seen = new Map<string, number>();
  private claims = 0;
  async claim(jti: string, expiresAtMs: number): Promise<boolean> {
    if (this.seen.has(jti)) return false;
    this.seen.set(jti, expiresAtMs);
    // Forget expired ids now and then, not on every claim (a sweep walks the whole map).
    if (++this.claims % 10_000 === 0) {
      const now = Date.now();
      for (const [k, exp] of this.seen) if (exp < now) this.seen.delete(k);
    }
    return true;
  }
}

/** Set on a subgraph's answer that repeats the first response to an Idempotency-Key. */
export const REPLAYED_HEADER = 'idempotent-replayed';
