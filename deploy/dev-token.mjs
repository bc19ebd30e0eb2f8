#!/usr/bin/env node
// Signs a development token with the issuer deploy/make-secrets.mjs made, for trying the compose stack:
//
//   node deploy/dev-token.mjs --agency "Office of the Special Envoy for Veltria" --roles MEDIATOR [--party-id ID] [--guarantor-id ID] [--out DIR] [--hours 12]
//
// A real deployment gets its tokens from the agencies' identity provider (TREATY_JWKS_URL), never from here.
import { createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    agency: { type: 'string' },
    roles: { type: 'string' },
    'party-id': { type: 'string' },
    'guarantor-id': { type: 'string' },
    subject: { type: 'string' },
    hours: { type: 'string', default: '12' },
    issuer: { type: 'string', default: 'treaty-compose' },
    audience: { type: 'string', default: 'treaty-gateway' },
    out: { type: 'string' },
  },
});
if (!values.agency || !values.roles) {
  console.error('Give --agency "<your agency>" and --roles MEDIATOR (comma-separated: MEDIATOR, MONITOR, INTERMEDIARY, GUARANTOR, AGENCY, PARTY).');
  process.exit(64);
}
const dir = path.resolve(values.out ?? path.join(path.dirname(fileURLToPath(import.meta.url)), 'secrets'));
let pem;
try {
  pem = readFileSync(path.join(dir, 'dev-issuer.private.pem'), 'utf8');
} catch {
  console.error(`No development issuer in ${dir}: run node deploy/make-secrets.mjs first.`);
  process.exit(1);
}
const now = Math.floor(Date.now() / 1000);
const claims = {
  iss: values.issuer,
  aud: values.audience,
  sub: values.subject ?? `${values.agency.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-dev`,
  iat: now,
  exp: now + Math.round(Number(values.hours) * 3600),
  agency: values.agency,
  roles: values.roles.split(',').map((r) => r.trim()).filter(Boolean),
  ...(values['party-id'] ? { party_id: values['party-id'] } : {}),
  ...(values['guarantor-id'] ? { guarantor_id: values['guarantor-id'] } : {}),
};
const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const input = `${enc({ alg: 'EdDSA', kid: 'treaty-compose-1', typ: 'JWT' })}.${enc(claims)}`;
const signature = sign(null, Buffer.from(input), createPrivateKey(pem)).toString('base64url');
console.log(`${input}.${signature}`);
