import { readFile } from 'node:fs/promises';
import { createLocalJWKSet, createRemoteJWKSet, importSPKI, jwtVerify, type JWTVerifyGetKey, type CryptoKey } from 'jose';
import { PUBLIC_CALLER, ROLES, isUuid, unsafeTextReason, type Caller, type Role } from '@treaty/service-kit/edge';

/** Only asymmetric algorithms with fixed curves: no `none`, no HMAC, so no RS/HS confusion. */
export const ALLOWED_ALGORITHMS = ['EdDSA', 'ES256'];
const CLOCK_TOLERANCE_SECONDS = 30;

export class AuthenticationError extends Error {}

export interface TokenVerifier {
  /** The caller for an Authorization header value: PUBLIC when absent; throws AuthenticationError when bad. */
  authenticate(authorization: string | undefined, purpose?: string): Promise<Caller>;
}

export interface TokenVerifierOptions {
  jwksFile?: string;
  jwksUrl?: string;
  publicKey?: string;
  issuer: string;
  audience: string;
}

async function keySource(opts: TokenVerifierOptions): Promise<JWTVerifyGetKey | CryptoKey> {
  if (opts.jwksFile) return createLocalJWKSet(await readJwksFile(opts.jwksFile));
  if (opts.jwksUrl) return createRemoteJWKSet(new URL(opts.jwksUrl));
  if (opts.publicKey) {
    // The PEM does not say which algorithm it is for; an Ed25519 key imports as EdDSA, a P-256 key as ES256.
    return importSPKI(opts.publicKey, 'EdDSA').catch(() => importSPKI(opts.publicKey!, 'ES256'));
  }
  throw new Error('No token verification key configured');
}

/** How long a verified token's claims are reused without checking its signature again, at most. */
export const VERIFIED_TOKEN_REUSE_MS = 60_000;
const MAX_VERIFIED_TOKENS = 5_000;

export async function createTokenVerifier(opts: TokenVerifierOptions): Promise<TokenVerifier> {
  const key = await keySource(opts);
  /**
   * Tokens already verified, by their exact text, with when to stop trusting the result: a dashboard
   * sends one token many times a second, and a signature check costs more than the rest of a cached
   * answer. An entry lives until the token expires or for a minute, whichever is sooner (so a key
   * withdrawn from the JWKS stops being honoured within a minute); only a token whose signature and
   * claims passed is kept, and the map is emptied when full.
   */
  const verified = new Map<string, { payload: Record<string, unknown>; until: number }>();
  return {
    async authenticate(authorization, purpose) {
      if (authorization === undefined || authorization.trim() === '') return PUBLIC_CALLER;
      // The scheme is case-insensitive (RFC 9110 §11.1): "bearer" and "BEARER" are "Bearer".
      const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/i.exec(authorization.trim());
      if (!match) throw new AuthenticationError('The Authorization header must be "Bearer <token>" with a signed JWT.');
      const token = match[1]!;
      const known = verified.get(token);
      if (known && Date.now() < known.until) return callerFromClaims(known.payload, purpose);
      if (known) verified.delete(token);
      let payload: Record<string, unknown>;
      try {
        const result = await jwtVerify(token, key as JWTVerifyGetKey, {
          algorithms: ALLOWED_ALGORITHMS,
          issuer: opts.issuer,
          audience: opts.audience,
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          requiredClaims: ['exp'],
        });
        payload = result.payload;
      } catch (e) {
        throw new AuthenticationError(describeJoseError(e as Error & { code?: string }));
      }
      const caller = callerFromClaims(payload, purpose);
      if (verified.size >= MAX_VERIFIED_TOKENS) verified.clear();
      verified.set(token, { payload, until: Math.min(Date.now() + VERIFIED_TOKEN_REUSE_MS, (payload.exp as number) * 1000) });
      return caller;
    },
  };
}

/** Explains why a token was refused without echoing any part of it. */
function describeJoseError(e: Error & { code?: string; claim?: string }): string {
  switch (e.code) {
    case 'ERR_JWT_EXPIRED':
      return 'The token has expired; request a new one.';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return `The token's "${e.claim}" claim is not accepted here (check its issuer, audience and validity period).`;
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return `The token's signing algorithm is not accepted; use one of ${ALLOWED_ALGORITHMS.join(', ')}.`;
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return 'The token was not signed by a key this gateway trusts.';
    default:
      return 'The token is malformed or could not be verified.';
  }
}

/** The longest agency or subject name a token may carry. */
const MAX_NAME_CLAIM = 200;
/** A name is one line: the kit's input guard (unsafeTextReason) allows the tab and line breaks of free text; a name claim does not. */
const LINE_BREAK_OR_TAB = /[\t\n\r]/;

function callerFromClaims(claims: Record<string, unknown>, purpose?: string): Caller {
  const roles = claims.roles;
  if (!Array.isArray(roles) || roles.length === 0 || !roles.every((r) => (ROLES as readonly string[]).includes(r as string))) {
    throw new AuthenticationError(`The token must carry "roles": a non-empty list of ${ROLES.join(', ')}.`);
  }
  const agency = claims.agency;
  if (typeof agency !== 'string' || agency.trim() === '') throw new AuthenticationError('The token must carry "agency": the name of your agency.');
  // The agency and subject name whose keys, logs and access records these are: plain text of a bounded
  // length, never cut (two agencies must not become one) and never a character a store cannot keep.
  for (const [claim, value] of [['agency', agency], ['sub', claims.sub]] as const) {
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.length > MAX_NAME_CLAIM || unsafeTextReason(value) !== null || LINE_BREAK_OR_TAB.test(value)) {
      throw new AuthenticationError(`The token's "${claim}" claim must be text of at most ${MAX_NAME_CLAIM} characters without control characters; ask its issuer for a corrected token.`);
    }
  }
  for (const claim of ['party_id', 'guarantor_id'] as const) {
    if (claims[claim] !== undefined && !isUuid(claims[claim])) throw new AuthenticationError(`The token's "${claim}" claim must be the id (a UUID) of a ${claim === 'party_id' ? 'party' : 'guarantor'}; ask its issuer for a corrected token.`);
  }
  const partyId = (claims.party_id as string | undefined) ?? null;
  if ((roles as Role[]).includes('PARTY') && !partyId) throw new AuthenticationError('A token with the PARTY role must carry "party_id": the id of the party it acts for.');
  return {
    subject: (claims.sub as string | undefined) ?? null,
    agency,
    roles: [...new Set(roles as Role[])],
    partyId,
    guarantorId: (claims.guarantor_id as string | undefined) ?? null,
    via: null,
    purpose: purpose ? purpose.slice(0, 200) : null,
  };
}

/** TREATY_JWKS_FILE, read and checked: a failure names the variable and what the file must hold. */
async function readJwksFile(file: string): Promise<Parameters<typeof createLocalJWKSet>[0]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'there is no such file' : code === 'EACCES' ? 'this process may not read it' : code === 'EISDIR' ? 'it is a directory' : 'it cannot be read';
    throw new Error(`TREATY_JWKS_FILE: cannot read ${file} (${why}); it must be the path of a JSON Web Key Set file, like {"keys":[{"kty":"OKP","crv":"Ed25519","x":"…","kid":"…"}]} (npm start writes one in .treaty-data/keys/dev-jwks.json).`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`TREATY_JWKS_FILE: ${file} is not JSON; it must hold a JSON Web Key Set, like {"keys":[{"kty":"OKP","crv":"Ed25519","x":"…","kid":"…"}]}.`);
  }
  if (typeof parsed !== 'object' || parsed === null || !Array.isArray((parsed as { keys?: unknown }).keys) || (parsed as { keys: unknown[] }).keys.length === 0) {
    throw new Error(`TREATY_JWKS_FILE: ${file} holds no "keys" list; a JSON Web Key Set looks like {"keys":[{"kty":"OKP","crv":"Ed25519","x":"…","kid":"…"}]}.`);
  }
  return parsed as Parameters<typeof createLocalJWKSet>[0];
}
