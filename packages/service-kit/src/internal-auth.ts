import { createHash } from 'node:crypto';
import { SignJWT, jwtVerify, importPKCS8, importSPKI, generateKeyPair, exportPKCS8, exportSPKI, type CryptoKey } from 'jose';
import { parseCaller, type Caller } from './caller.js';

/**
 * Credentials for calls inside the federation. The gateway (and a subgraph calling another on a
 * caller's behalf) signs a short-lived EdDSA token per request: audience = the subgraph called,
 * `bh` = SHA-256 of the exact request body, `caller` = who the request is for. Subgraphs hold only
 * public keys, so a compromised subgraph cannot impersonate the gateway.
 */
export const INTERNAL_TOKEN_HEADER = 'x-treaty-internal-token';
const ALG = 'EdDSA';
const LIFETIME_SECONDS = 60;

export interface InternalSigner {
  issuer: string;
  key: CryptoKey;
}

export interface InternalVerifier {
  /** Which service this is; tokens must be addressed to it. */
  audience: string;
  /** Issuer name to public key. */
  trusted: Map<string, CryptoKey>;
}

export function bodyHash(body: string): string {
  return createHash('sha256').update(body).digest('base64url');
}

export async function signInternal(signer: InternalSigner, audience: string, caller: Caller, body: string): Promise<string> {
  return new SignJWT({ caller, bh: bodyHash(body) })
    .setProtectedHeader({ alg: ALG })
    .setIssuer(signer.issuer)
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime(`${LIFETIME_SECONDS}s`)
    .sign(signer.key);
}

export class InternalAuthError extends Error {}

/** Verifies an internal token for `body`; returns the caller (with `via` set for service-to-service calls). */
export async function verifyInternal(verifier: InternalVerifier, token: string | undefined, body: string): Promise<Caller> {
  if (!token) throw new InternalAuthError('missing internal credential');
  let issuer: string | undefined;
  try {
    const [headerB64, payloadB64] = token.split('.');
    issuer = JSON.parse(Buffer.from(payloadB64 ?? '', 'base64url').toString('utf8')).iss;
    void headerB64;
  } catch {
    throw new InternalAuthError('malformed internal credential');
  }
  const key = issuer ? verifier.trusted.get(issuer) : undefined;
  if (!key) throw new InternalAuthError('internal credential from an untrusted issuer');
  try {
    const { payload } = await jwtVerify(token, key, {
      algorithms: [ALG],
      issuer,
      audience: verifier.audience,
      clockTolerance: 5,
      maxTokenAge: `${LIFETIME_SECONDS + 5}s`,
    });
    if (payload.bh !== bodyHash(body)) throw new InternalAuthError('internal credential does not match the request body');
    const caller = parseCaller(payload.caller);
    return issuer === 'gateway' ? caller : { ...caller, via: issuer! };
  } catch (e) {
    if (e instanceof InternalAuthError) throw e;
    throw new InternalAuthError(`internal credential refused: ${(e as Error).message}`);
  }
}

export async function importPrivateKey(pem: string): Promise<CryptoKey> {
  return importPKCS8(pem, ALG);
}

export async function importPublicKey(pem: string): Promise<CryptoKey> {
  return importSPKI(pem, ALG);
}

/** Parses TREATY_TRUSTED_KEYS: a JSON object from issuer name to SPKI PEM. */
export async function importTrustedKeys(json: string): Promise<Map<string, CryptoKey>> {
  const parsed = JSON.parse(json) as Record<string, string>;
  const entries = await Promise.all(Object.entries(parsed).map(async ([k, pem]) => [k, await importPublicKey(pem)] as const));
  return new Map(entries);
}

export interface KeyPairPem {
  privateKey: string;
  publicKey: string;
}

export async function generateInternalKeyPair(): Promise<KeyPairPem> {
  const { privateKey, publicKey } = await generateKeyPair(ALG, { crv: 'Ed25519', extractable: true });
  return { privateKey: await exportPKCS8(privateKey), publicKey: await exportSPKI(publicKey) };
}
