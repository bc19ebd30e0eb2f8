#!/usr/bin/env node
// Makes the secrets a deployment of the treaty graph needs, in deploy/secrets/ (or --out DIR), which
// git and the Docker build context both ignore. Plain Node 20, no npm install, no build:
//
//   node deploy/make-secrets.mjs [--out DIR]
//
// What it writes (mode 0600, except the public JWKS):
//   internal-master.key       one 32-byte secret; every pairwise internal key is derived from it exactly as
//                             packages/service-kit/internal-credentials.md says (HKDF-SHA256, "v1 issuer>audience")
//   <process>.env             per process (gateway, milestones, prisoners, corridors, guarantors): its
//                             TREATY_INTERNAL_KEYS, only the pairs it takes part in; milestones.env and prisoners.env
//                             also hold TREATY_DATA_KEYS; each service's also its TREATY_EVIDENCE_KEY. Used by compose (env_file) and by kubectl --from-env-file.
//   evidence-<service>.key    each service's evidence log key (TREATY_EVIDENCE_KEY): an Ed25519 seed, base64url.
//                             Made once: it is the log's identity; a new one would disown every head signed before.
//   data-keys.json            the KEK set (TREATY_DATA_KEYS) of the services with personal data (prisoners: detainees;
//                             milestones: confidential reports). Made once: a new one could not
//                             unwrap the data keys already in the database. Back it up.
//   <service>-database.env    compose only: POSTGRES_PASSWORD for the service's own PostgreSQL and the
//                             DATABASE_URL the service reaches it with (host <service>-db).
//   jwks.json, dev-issuer.private.pem
//                             a development token issuer (Ed25519) so the compose stack can be tried; a real
//                             deployment points the gateway at the agencies' identity provider instead.
//
// Running it again keeps every secret that exists and rewrites the derived .env files from them.
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { generateKeyPairSync, hkdfSync, randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const SUBGRAPHS = ['milestones', 'prisoners', 'corridors', 'guarantors'];
/** Services that encrypt personal data at rest (ServiceModule.encryptsPersonalData) and need TREATY_DATA_KEYS. */
const ENCRYPTS_PERSONAL_DATA = ['milestones', 'prisoners'];
const DEV_ISSUER = 'treaty-compose';
const DEV_AUDIENCE = 'treaty-gateway';
const DEV_KID = 'treaty-compose-1';

const { values } = parseArgs({ options: { out: { type: 'string' }, help: { type: 'boolean' } } });
if (values.help) {
  console.log('node deploy/make-secrets.mjs [--out DIR]   (default: deploy/secrets next to this script)');
  process.exit(0);
}
const out = path.resolve(values.out ?? path.join(path.dirname(fileURLToPath(import.meta.url)), 'secrets'));
mkdirSync(out, { recursive: true, mode: 0o700 });

const b64url = (buf) => Buffer.from(buf).toString('base64url');
const file = (name) => path.join(out, name);
function writeSecret(name, content) {
  writeFileSync(file(name), content, { mode: 0o600 });
  chmodSync(file(name), 0o600);
}
/** Creates `name` with `make()` unless it exists; returns its content either way. */
function once(name, make, mode = 0o600) {
  if (!existsSync(file(name))) {
    writeFileSync(file(name), make(), { mode });
    chmodSync(file(name), mode);
    console.log(`created ${file(name)}`);
  } else {
    console.log(`kept    ${file(name)}`);
  }
  return readFileSync(file(name), 'utf8').trim();
}

// Internal keys: a process holds only the pairs it takes part in (internal-credentials.md, "Keys").
const master = Buffer.from(once('internal-master.key', () => b64url(randomBytes(32))), 'base64url');
if (master.length < 32) throw new Error(`${file('internal-master.key')} is not a 32-byte base64url secret; delete it (and every .env here) to make a new one.`);
const pair = (issuer, audience) => `${issuer}>${audience}`;
const derive = (issuer, audience) => b64url(hkdfSync('sha256', master, 'treaty-internal', `v1 ${pair(issuer, audience)}`, 32));
function internalKeysOf(self) {
  const keys = {};
  if (self === 'gateway') {
    for (const s of SUBGRAPHS) keys[pair('gateway', s)] = derive('gateway', s);
    return keys;
  }
  keys[pair('gateway', self)] = derive('gateway', self);
  for (const s of SUBGRAPHS) {
    if (s === self) continue;
    keys[pair(self, s)] = derive(self, s);
    keys[pair(s, self)] = derive(s, self);
  }
  return keys;
}

const dataKeys = once('data-keys.json', () => {
  const id = `kek-${new Date().toISOString().slice(0, 10)}`;
  return JSON.stringify({ active: id, keys: { [id]: b64url(randomBytes(32)) } });
});

const evidenceKeys = Object.fromEntries(SUBGRAPHS.map((s) => [s, once(`evidence-${s}.key`, () => b64url(randomBytes(32)))]));

// Values are written unquoted (JSON without spaces): both compose's env_file and kubectl's
// --from-env-file read them the same way.
for (const p of ['gateway', ...SUBGRAPHS]) {
  const lines = [`TREATY_INTERNAL_KEYS=${JSON.stringify(internalKeysOf(p))}`];
  if (ENCRYPTS_PERSONAL_DATA.includes(p)) lines.push(`TREATY_DATA_KEYS=${JSON.stringify(JSON.parse(dataKeys))}`);
  if (p !== 'gateway') lines.push(`TREATY_EVIDENCE_KEY=${evidenceKeys[p]}`);
  writeSecret(`${p}.env`, `${lines.join('\n')}\n`);
  console.log(`wrote   ${file(`${p}.env`)}`);
}

for (const s of SUBGRAPHS) {
  once(`${s}-database.env`, () => {
    const password = b64url(randomBytes(24));
    return `POSTGRES_PASSWORD=${password}\nDATABASE_URL=postgres://${s}:${password}@${s}-db:5432/${s}\n`;
  });
}

if (!existsSync(file('dev-issuer.private.pem')) || !existsSync(file('jwks.json'))) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  writeSecret('dev-issuer.private.pem', privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid: DEV_KID, alg: 'EdDSA', use: 'sig' };
  // Public: readable by the gateway's non-root user where compose mounts it.
  writeFileSync(file('jwks.json'), `${JSON.stringify({ keys: [jwk] }, null, 2)}\n`, { mode: 0o644 });
  chmodSync(file('jwks.json'), 0o644);
  console.log(`created ${file('dev-issuer.private.pem')} and ${file('jwks.json')} (development token issuer "${DEV_ISSUER}")`);
} else {
  console.log(`kept    ${file('dev-issuer.private.pem')} and ${file('jwks.json')}`);
}
console.log(`\nSecrets are in ${out}. Back up internal-master.key and data-keys.json; never commit them.`);
