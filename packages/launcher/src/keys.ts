import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SignJWT, exportJWK, generateKeyPair, importPKCS8 } from 'jose';
import { SUBGRAPHS, generateInternalKeyPair, type KeyPairPem, type Role } from '@treaty/service-kit';

/** Development token settings; the gateway started by npm start trusts exactly these. */
export const DEV_ISSUER = 'treaty-dev';
export const DEV_AUDIENCE = 'treaty-gateway';
const DEV_KID = 'treaty-dev-1';

export interface LocalKeys {
  /** Issuer name (gateway or service) to its internal key pair. */
  internal: Record<string, KeyPairPem>;
  /** JWKS file the gateway verifies partner tokens against. */
  jwksFile: string;
  devPrivateKeyFile: string;
}

async function writeSecret(file: string, content: string): Promise<void> {
  await writeFile(file, content, { mode: 0o600 });
  await chmod(file, 0o600);
}

/**
 * Creates, once, the keys a local federation needs in `<dataDir>/keys`: an Ed25519 pair per service
 * for internal calls, and the development token issuer's pair with its public JWKS.
 */
export async function ensureKeys(dataDir: string): Promise<LocalKeys> {
  const dir = path.join(dataDir, 'keys');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const internal: Record<string, KeyPairPem> = {};
  for (const name of ['gateway', ...SUBGRAPHS.map((s) => s.name)]) {
    const priv = path.join(dir, `${name}.private.pem`);
    const pub = path.join(dir, `${name}.public.pem`);
    if (!existsSync(priv) || !existsSync(pub)) {
      const pair = await generateInternalKeyPair();
      await writeSecret(priv, pair.privateKey);
      await writeFile(pub, pair.publicKey);
    }
    internal[name] = { privateKey: await readFile(priv, 'utf8'), publicKey: await readFile(pub, 'utf8') };
  }
  const devPrivateKeyFile = path.join(dir, 'dev-issuer.private.pem');
  const jwksFile = path.join(dir, 'dev-jwks.json');
  if (!existsSync(devPrivateKeyFile) || !existsSync(jwksFile)) {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const { exportPKCS8 } = await import('jose');
    await writeSecret(devPrivateKeyFile, await exportPKCS8(privateKey));
    const jwk = { ...(await exportJWK(publicKey)), kid: DEV_KID, alg: 'EdDSA', use: 'sig' };
    await writeFile(jwksFile, JSON.stringify({ keys: [jwk] }, null, 2));
  }
  return { internal, jwksFile, devPrivateKeyFile };
}

/** The public keys every subgraph trusts: the gateway's and its siblings'. */
export function trustedKeysJson(keys: LocalKeys): string {
  return JSON.stringify(Object.fromEntries(Object.entries(keys.internal).map(([k, v]) => [k, v.publicKey])));
}

export interface DevTokenClaims {
  agency: string;
  roles: Role[];
  partyId?: string;
  guarantorId?: string;
  subject?: string;
  ttlSeconds?: number;
}

/** Signs a development token, as a partner agency's identity provider would. */
export async function mintDevToken(keys: LocalKeys, claims: DevTokenClaims): Promise<string> {
  const key = await importPKCS8(await readFile(keys.devPrivateKeyFile, 'utf8'), 'EdDSA');
  return new SignJWT({
    agency: claims.agency,
    roles: claims.roles,
    ...(claims.partyId ? { party_id: claims.partyId } : {}),
    ...(claims.guarantorId ? { guarantor_id: claims.guarantorId } : {}),
  })
    .setProtectedHeader({ alg: 'EdDSA', kid: DEV_KID })
    .setIssuer(DEV_ISSUER)
    .setAudience(DEV_AUDIENCE)
    .setSubject(claims.subject ?? `${claims.agency.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-dev`)
    .setIssuedAt()
    .setExpirationTime(`${claims.ttlSeconds ?? 12 * 3600}s`)
    .sign(key);
}
