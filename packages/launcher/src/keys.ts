import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SignJWT, exportJWK, generateKeyPair, importPKCS8 } from 'jose';
import { SUBGRAPHS } from '@treaty/gateway';
import { deriveInternalKeys, generateDataKeys, generateMasterSecret, parseDataKeys, parseSigningKey, serializeDataKeys, serializeInternalKeys, type Role } from '@treaty/service-kit';

/** Development token settings; the gateway started by npm start trusts exactly these. */
export const DEV_ISSUER = 'treaty-dev';
export const DEV_AUDIENCE = 'treaty-gateway';
const DEV_KID = 'treaty-dev-1';

export interface LocalKeys {
  /** Process name (gateway or service) to its TREATY_INTERNAL_KEYS: only the pairwise keys it takes part in. */
  internal: Record<string, string>;
  /** JWKS file the gateway verifies partner tokens against. */
  jwksFile: string;
  devPrivateKeyFile: string;
  /** TREATY_DATA_KEYS: the KEKs that wrap the data keys of encrypted personal fields (kept in data-keys.json). */
  dataKeys: string;
  /** Service name to its TREATY_EVIDENCE_KEY: the Ed25519 seed (base64url) its evidence log signs heads with. */
  evidence: Record<string, string>;
}

async function writeSecret(file: string, content: string): Promise<void> {
  await writeFile(file, content, { mode: 0o600 });
  await chmod(file, 0o600);
}

/**
 * Creates, once, the keys a local federation needs in `<dataDir>/keys`: the master secret every internal
 * key is derived from (each process is handed only its own pairs, see packages/service-kit/internal-credentials.md),
 * the development token issuer's pair with its public JWKS, the KEK set (`data-keys.json`) that wraps
 * the prisoners service's data keys, and each service's evidence log key (`evidence-<service>.key`).
 */
export async function ensureKeys(dataDir: string): Promise<LocalKeys> {
  const dir = path.join(dataDir, 'keys');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const masterFile = path.join(dir, 'internal-master.key');
  if (!existsSync(masterFile)) await writeSecret(masterFile, generateMasterSecret().toString('base64url'));
  const master = Buffer.from((await readFile(masterFile, 'utf8')).trim(), 'base64url');
  if (master.length < 32) throw new Error(`${masterFile} is not a 32-byte base64url secret; delete it and start again to make a new one.`);
  const names = ['gateway', ...SUBGRAPHS.map((s) => s.name)];
  const internal = Object.fromEntries(names.map((n) => [n, serializeInternalKeys(deriveInternalKeys(master, n, names))]));
  const devPrivateKeyFile = path.join(dir, 'dev-issuer.private.pem');
  const jwksFile = path.join(dir, 'dev-jwks.json');
  if (!existsSync(devPrivateKeyFile) || !existsSync(jwksFile)) {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const { exportPKCS8 } = await import('jose');
    await writeSecret(devPrivateKeyFile, await exportPKCS8(privateKey));
    const jwk = { ...(await exportJWK(publicKey)), kid: DEV_KID, alg: 'EdDSA', use: 'sig' };
    await writeFile(jwksFile, JSON.stringify({ keys: [jwk] }, null, 2));
  }
  // The KEK is made once: a new one could not unwrap the data keys already in the databases.
  const dataKeysFile = path.join(dir, 'data-keys.json');
  if (!existsSync(dataKeysFile)) await writeSecret(dataKeysFile, serializeDataKeys(generateDataKeys()));
  const dataKeys = (await readFile(dataKeysFile, 'utf8')).trim();
  try {
    parseDataKeys(dataKeys);
  } catch (e) {
    throw new Error(`${dataKeysFile} ${(e as Error).message}. Restore it from a backup; without it the personal data in the local databases cannot be read.`);
  }
  // A log's key is its identity: made once per service and kept, or every head signed before would stop verifying.
  const evidence: Record<string, string> = {};
  for (const s of SUBGRAPHS) {
    const file = path.join(dir, `evidence-${s.name}.key`);
    if (!existsSync(file)) await writeSecret(file, randomBytes(32).toString('base64url'));
    evidence[s.name] = (await readFile(file, 'utf8')).trim();
    try {
      parseSigningKey(evidence[s.name]!);
    } catch (e) {
      throw new Error(`${file} ${(e as Error).message}. Restore it from a backup; without it the ${s.name} log's earlier heads cannot be checked against new ones.`);
    }
  }
  return { internal, jwksFile, devPrivateKeyFile, dataKeys, evidence };
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
