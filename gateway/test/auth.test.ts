import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SignJWT, exportSPKI, generateKeyPair, base64url, type CryptoKey } from 'jose';
import { deriveInternalKeys, generateMasterSecret, type Logger } from '@treaty/service-kit';
import { SUBGRAPHS } from '../src/topology.js';
import { buildGateway, createTokenVerifier, readSupergraph, serveGateway, type RunningGateway } from '../src/index.js';

const ISSUER = 'https://idp.example.test';
const AUDIENCE = 'treaty-gateway';

let gateway: RunningGateway;
let subgraph: Server;
let subgraphHits = 0;
let lastCallerHeader: string | undefined;
let issuerKey: CryptoKey;
let issuerPublicPem: string;
const logs: string[] = [];

const capture: Logger = {
  debug: (m, f) => logs.push(JSON.stringify({ m, f })),
  info: (m, f) => logs.push(JSON.stringify({ m, f })),
  warn: (m, f) => logs.push(JSON.stringify({ m, f })),
  error: (m, f) => logs.push(JSON.stringify({ m, f })),
};

beforeAll(async () => {
  // A stand-in subgraph that only counts the requests that reach it.
  subgraph = createServer((req, res) => {
    subgraphHits += 1;
    lastCallerHeader = req.headers['x-treaty-internal-token'] as string | undefined;
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: { agreements: [] } }));
    });
  }).listen(0, '127.0.0.1');
  await new Promise((r) => subgraph.once('listening', r));
  const subgraphUrl = `http://127.0.0.1:${(subgraph.address() as AddressInfo).port}/graphql`;

  const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  issuerKey = pair.privateKey;
  issuerPublicPem = await exportSPKI(pair.publicKey);
  const verifier = await createTokenVerifier({ publicKey: issuerPublicPem, issuer: ISSUER, audience: AUDIENCE });
  const built = buildGateway({
    supergraphSdl: await readSupergraph(),
    subgraphUrls: { milestones: subgraphUrl, prisoners: subgraphUrl, corridors: subgraphUrl, guarantors: subgraphUrl },
    signer: { issuer: 'gateway', keys: deriveInternalKeys(generateMasterSecret(), 'gateway', ['gateway', ...SUBGRAPHS.map((s) => s.name)]) },
    verifier,
    logger: capture,
  });
  gateway = await serveGateway(built, { port: 0, verifier, logger: capture });
});
afterAll(async () => {
  await gateway?.close();
  subgraph?.close();
});

const claims = { agency: 'Office of the Envoy', roles: ['MEDIATOR'] };
const sign = (payload: Record<string, unknown> = claims, opts: { key?: CryptoKey; alg?: string; iss?: string; aud?: string; exp?: number | string; nbf?: number } = {}) => {
  let jwt = new SignJWT(payload).setProtectedHeader({ alg: opts.alg ?? 'EdDSA' }).setIssuer(opts.iss ?? ISSUER).setAudience(opts.aud ?? AUDIENCE).setIssuedAt().setSubject('analyst-7');
  if (opts.exp !== undefined) jwt = jwt.setExpirationTime(opts.exp);
  else jwt = jwt.setExpirationTime('10m');
  if (opts.nbf !== undefined) jwt = jwt.setNotBefore(opts.nbf);
  return jwt.sign(opts.key ?? issuerKey);
};

async function ask(authorization?: string) {
  const res = await fetch(`http://127.0.0.1:${gateway.port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization !== undefined ? { authorization } : {}) },
    body: JSON.stringify({ query: '{ agreements { id } }' }),
  });
  return { status: res.status, text: await res.text() };
}

/** Asserts a refusal with UNAUTHENTICATED before any subgraph was called, and no trace of the token. */
async function expectRefused(authorization: string, token = authorization.replace(/^Bearer /, '')) {
  const hits = subgraphHits;
  const logsBefore = logs.length;
  const r = await ask(authorization);
  expect(r.status).toBe(401);
  const body = JSON.parse(r.text);
  expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  expect(subgraphHits).toBe(hits);
  if (token.length > 8) {
    const signature = token.split('.')[2] ?? token;
    expect(r.text).not.toContain(token);
    for (const line of logs.slice(logsBefore)) {
      expect(line).not.toContain(token);
      if (signature.length > 8) expect(line).not.toContain(signature);
    }
  }
  return body.errors[0].message as string;
}

describe('gateway token verification', () => {
  it('treats a request without a token as PUBLIC and forwards it', async () => {
    const hits = subgraphHits;
    const r = await ask();
    expect(r.status).toBe(200);
    expect(subgraphHits).toBe(hits + 1);
  });

  it('accepts a valid token and forwards a signed credential, not the client token', async () => {
    const token = await sign();
    const r = await ask(`Bearer ${token}`);
    expect(r.status).toBe(200);
    expect(lastCallerHeader).toBeDefined();
    expect(lastCallerHeader).not.toContain(token);
    const [version, issuer, claims] = lastCallerHeader!.split('.');
    expect([version, issuer]).toEqual(['v1', 'gateway']);
    const payload = JSON.parse(Buffer.from(claims!, 'base64url').toString());
    expect(payload.caller).toMatchObject({ agency: 'Office of the Envoy', roles: ['MEDIATOR'], subject: 'analyst-7' });
    expect(payload.aud).toBe('milestones');
    for (const line of logs) expect(line).not.toContain(token);
  });

  it('refuses alg "none"', async () => {
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }));
    const payload = base64url.encode(JSON.stringify({ ...claims, iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 600 }));
    await expectRefused(`Bearer ${header}.${payload}.`);
  });

  it('refuses HS256 signed with the public key as the secret (algorithm confusion)', async () => {
    const secret = new TextEncoder().encode(issuerPublicPem);
    const token = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('10m').sign(secret);
    expect(await expectRefused(`Bearer ${token}`)).toMatch(/algorithm is not accepted|not signed by a key/);
  });

  it('refuses RS256 tokens, even well signed ones', async () => {
    const rsa = await generateKeyPair('RS256');
    await expectRefused(`Bearer ${await sign(claims, { key: rsa.privateKey, alg: 'RS256' })}`);
  });

  it('refuses a token signed by a key the gateway does not trust', async () => {
    const other = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    expect(await expectRefused(`Bearer ${await sign(claims, { key: other.privateKey })}`)).toMatch(/not signed by a key this gateway trusts/);
  });

  it('refuses an expired token, and one not yet valid', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect(await expectRefused(`Bearer ${await sign(claims, { exp: now - 120 })}`)).toMatch(/expired/);
    await expectRefused(`Bearer ${await sign(claims, { nbf: now + 600 })}`);
  });

  it('accepts a token that expired within the small clock tolerance', async () => {
    const r = await ask(`Bearer ${await sign(claims, { exp: Math.floor(Date.now() / 1000) - 5 })}`);
    expect(r.status).toBe(200);
  });

  it('refuses the wrong audience and the wrong issuer', async () => {
    expect(await expectRefused(`Bearer ${await sign(claims, { aud: 'someone-else' })}`)).toMatch(/"aud"/);
    expect(await expectRefused(`Bearer ${await sign(claims, { iss: 'https://evil.example' })}`)).toMatch(/"iss"/);
  });

  it('refuses malformed headers and tokens', async () => {
    await expectRefused('Bearer not-a-jwt');
    await expectRefused('Basic dXNlcjpwYXNz');
    await expectRefused('Bearer a.b.c');
    await expectRefused('Bearer');
  });

  it('refuses tokens without usable roles, agency or party', async () => {
    expect(await expectRefused(`Bearer ${await sign({ agency: 'X', roles: [] })}`)).toMatch(/roles/);
    expect(await expectRefused(`Bearer ${await sign({ agency: 'X', roles: ['ADMIN'] })}`)).toMatch(/roles/);
    expect(await expectRefused(`Bearer ${await sign({ roles: ['MONITOR'] })}`)).toMatch(/agency/);
    expect(await expectRefused(`Bearer ${await sign({ agency: 'X', roles: ['PARTY'] })}`)).toMatch(/party_id/);
  });

  it('refuses name claims a store cannot keep or that would be cut, and ids that are not ids, before any subgraph', async () => {
    const nameRule = 'claim must be text of at most 200 characters without control characters; ask its issuer for a corrected token.';
    for (const agency of ['Nul\u0000Agency', 'Line\nbreak', 'Lone \ud800 surrogate', 'A'.repeat(201)]) {
      expect(await expectRefused(`Bearer ${await sign({ agency, roles: ['MONITOR'] })}`)).toContain(`The token's "agency" ${nameRule}`);
    }
    // sign() sets its own subject, so this one is signed here.
    const badSubject = await new SignJWT({ agency: 'X', roles: ['MONITOR'], sub: 'a\u0000b' }).setProtectedHeader({ alg: 'EdDSA' }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('10m').sign(issuerKey);
    expect(await expectRefused(`Bearer ${badSubject}`)).toContain(`The token's "sub" ${nameRule}`);
    expect(await expectRefused(`Bearer ${await sign({ agency: 'X', roles: ['PARTY'], party_id: 'not-a-uuid' })}`)).toMatch(/"party_id" claim must be the id \(a UUID\) of a party/);
    expect(await expectRefused(`Bearer ${await sign({ agency: 'X', roles: ['GUARANTOR'], guarantor_id: 42 })}`)).toMatch(/"guarantor_id" claim must be the id \(a UUID\) of a guarantor/);
    // Names with accents and scripts other than Latin are names, and 200 characters are allowed.
    for (const agency of ['Comité de Suivi — Mission d’Observation', 'Служба наблюдения', 'A'.repeat(200)]) {
      expect((await ask(`Bearer ${await sign({ agency, roles: ['MONITOR'] })}`)).status).toBe(200);
    }
  });

  it('takes the Bearer scheme in any case (RFC 9110)', async () => {
    const token = await sign();
    for (const scheme of ['bearer', 'BEARER', 'Bearer']) expect((await ask(`${scheme} ${token}`)).status).toBe(200);
  });
});

describe('TREATY_JWKS_FILE', () => {
  it('names the variable and what the file must hold when it is missing, not JSON, or holds no keys', async () => {
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const dir = await mkdtemp(path.join(tmpdir(), 'jwks-'));
    const notJson = path.join(dir, 'not.json');
    const empty = path.join(dir, 'empty.json');
    await writeFile(notJson, 'hello');
    await writeFile(empty, '{"keys":[]}');
    const verifier = (jwksFile: string) => createTokenVerifier({ jwksFile, issuer: ISSUER, audience: AUDIENCE });
    await expect(verifier(path.join(dir, 'absent.json'))).rejects.toThrow(/^TREATY_JWKS_FILE: cannot read .*absent\.json \(there is no such file\); it must be the path of a JSON Web Key Set file/);
    await expect(verifier(notJson)).rejects.toThrow(/^TREATY_JWKS_FILE: .*not\.json is not JSON/);
    await expect(verifier(empty)).rejects.toThrow(/^TREATY_JWKS_FILE: .*empty\.json holds no "keys" list/);
  });
});

describe('verified tokens are reused, never past their validity', () => {
  it('answers a token seen before from its first check, with this request\'s purpose, and refuses it once it has expired', async () => {
    const verifier = await createTokenVerifier({ publicKey: issuerPublicPem, issuer: ISSUER, audience: AUDIENCE });
    const now = Math.floor(Date.now() / 1000);
    const token = await sign(claims, { exp: now + 5 });
    expect(await verifier.authenticate(`Bearer ${token}`)).toMatchObject({ roles: ['MEDIATOR'], purpose: null });
    expect(await verifier.authenticate(`Bearer ${token}`, 'audit')).toMatchObject({ roles: ['MEDIATOR'], purpose: 'audit' });
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      // Past exp and past the 30 s clock tolerance: the reuse must not outlive the token.
      vi.setSystemTime((now + 40) * 1000);
      await expect(verifier.authenticate(`Bearer ${token}`)).rejects.toThrow('The token has expired; request a new one.');
    } finally {
      vi.useRealTimers();
    }
  });

  it('never keeps a token that failed: a forged one is refused each time', async () => {
    const verifier = await createTokenVerifier({ publicKey: issuerPublicPem, issuer: ISSUER, audience: AUDIENCE });
    const forged = `${(await sign(claims)).split('.').slice(0, 2).join('.')}.${'A'.repeat(86)}`;
    for (let i = 0; i < 2; i++) await expect(verifier.authenticate(`Bearer ${forged}`)).rejects.toThrow('not signed by a key this gateway trusts');
  });
});
