import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportSPKI, generateKeyPair } from 'jose';
import { ConfigError, PUBLIC_CALLER, beginRequest, deriveInternalKeys, generateMasterSecret, inRequest, silentLogger, type Caller } from '@treaty/service-kit';
import { SUBGRAPHS } from '../src/topology.js';
import { DashboardCache, visibilityOf } from '../src/response-cache.js';
import { buildGateway, createTokenVerifier, loadGatewayConfig, readSupergraph, serveGateway, type RunningGateway } from '../src/index.js';

/**
 * The dashboard cache against a stand-in milestones subgraph that answers what the test says: a
 * subgraph's no-store is honoured, a read still running when a mutation ends cannot store its older
 * answer, an answer's life counts from its request's arrival, and the settings refuse what they must.
 */
let fake: Server;
let gateway: RunningGateway;
let url: string;
let reads = 0;
let noStore = false;
/** When set, the next read waits for it before the stand-in answers. */
let hold: Promise<void> | null = null;

function answer(req: IncomingMessage, res: ServerResponse, body: string) {
  const mutation = body.includes('mutation');
  const send = () => {
    res.writeHead(200, { 'content-type': 'application/json', ...(noStore ? { 'cache-control': 'no-store' } : {}) });
    res.end(JSON.stringify(mutation ? { data: { liftSnapBack: { id: 'a1' } } } : { data: { agreements: [{ id: 'a1', title: `answer ${reads}` }] } }));
  };
  if (mutation) return send();
  reads += 1;
  const wait = hold;
  hold = null;
  if (wait) void wait.then(send);
  else send();
}

beforeAll(async () => {
  fake = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => answer(req, res, body));
  });
  await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
  const issuer = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const verifier = await createTokenVerifier({ publicKey: await exportSPKI(issuer.publicKey), issuer: 'i', audience: 'a' });
  const built = buildGateway({
    supergraphSdl: await readSupergraph(),
    subgraphUrls: { milestones: `http://127.0.0.1:${(fake.address() as AddressInfo).port}/graphql` },
    signer: { issuer: 'gateway', keys: deriveInternalKeys(generateMasterSecret(), 'gateway', ['gateway', ...SUBGRAPHS.map((s) => s.name)]) },
    verifier,
    logger: silentLogger,
    settings: { responseCache: true, responseCacheMaxAgeSeconds: 2 },
  });
  gateway = await serveGateway(built, { port: 0, verifier, logger: silentLogger });
  url = `http://127.0.0.1:${gateway.port}/graphql`;
});
afterAll(async () => {
  await gateway?.close();
  await new Promise((r) => fake?.close(r));
});

async function post(query: string) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  const body = (await res.json()) as { data?: { agreements?: { title: string }[] }; errors?: unknown };
  return { cache: res.headers.get('x-treaty-cache'), title: body.data?.agreements?.[0]?.title, errors: body.errors };
}

describe('the dashboard cache at the gateway', () => {
  it('does not keep an answer a subgraph marked no-store', async () => {
    const q = '{ agreements { title } }';
    noStore = true;
    try {
      expect(await post(q)).toMatchObject({ cache: 'miss', title: 'answer 1' });
      expect(await post(q)).toMatchObject({ cache: 'miss', title: 'answer 2' });
    } finally {
      noStore = false;
    }
    expect(await post(q)).toMatchObject({ cache: 'miss', title: 'answer 3' });
    expect(await post(q)).toMatchObject({ cache: 'hit', title: 'answer 3' });
    expect(reads).toBe(3);
  });

  it('lets no read that began before a mutation ended put its older answer back', async () => {
    const q = '{ agreements { title id } }';
    let release!: () => void;
    hold = new Promise((r) => (release = r));
    const before = reads;
    const slow = post(q);
    // The read has reached the subgraph (and is held there) before the mutation runs.
    while (reads === before) await new Promise((r) => setTimeout(r, 5));
    const mutation = await post('mutation { liftSnapBack(input: { agreementId: "a1", reason: "test" }) { id } }');
    expect(mutation.cache).toBe('bypass');
    release();
    expect(await slow).toMatchObject({ cache: 'miss', title: `answer ${before + 1}` });
    // The held answer was computed from before the write: the next read must not get it.
    expect(await post(q)).toMatchObject({ cache: 'miss', title: `answer ${before + 2}` });
    expect(await post(q)).toMatchObject({ cache: 'hit', title: `answer ${before + 2}` });
  });

  it('lets one of many identical misses ask the subgraph, and answers the others from its answer', async () => {
    const q = '{ agreements { id title } }';
    let release!: () => void;
    hold = new Promise((r) => (release = r));
    const before = reads;
    const first = post(q);
    while (reads === before) await new Promise((r) => setTimeout(r, 5));
    const others = Array.from({ length: 4 }, () => post(q));
    await new Promise((r) => setTimeout(r, 50));
    release();
    const answers = await Promise.all([first, ...others]);
    expect(answers.map((a) => a.cache)).toEqual(['miss', 'hit', 'hit', 'hit', 'hit']);
    expect(new Set(answers.map((a) => a.title))).toEqual(new Set([`answer ${before + 1}`]));
    expect(reads).toBe(before + 1);
  });
});

describe('DashboardCache', () => {
  it('counts an answer\'s life from its request\'s arrival, and stamps it with that time', async () => {
    const cache = new DashboardCache(2, 1024);
    const value = (t: number) => `{"data":{"a":1},"cachePolicy":{"maxAge":2,"scope":"PUBLIC"},"cacheTime":${t}}`;
    // A request that arrived 1.9 s ago: its answer has 100 ms left.
    await inRequest({ ...beginRequest('r1'), startedAt: performance.now() - 1_900 }, () => cache.set('k1', value(Date.now()), { ttl: 2 }));
    const stored = await cache.get('k1');
    expect(Date.now() - JSON.parse(stored!).cacheTime).toBeGreaterThanOrEqual(1_850);
    await new Promise((r) => setTimeout(r, 150));
    expect(await cache.get('k1')).toBeUndefined();
    // One that arrived more than the max age ago is not stored at all.
    await inRequest({ ...beginRequest('r2'), startedAt: performance.now() - 2_500 }, () => cache.set('k2', value(Date.now()), { ttl: 2 }));
    expect(cache.size).toBe(0);
  });

  it('holds at most its size in characters, dropping the least recently used', async () => {
    const cache = new DashboardCache(2, 100);
    for (const k of ['a', 'b', 'c']) await cache.set(k, 'x'.repeat(40));
    expect(cache.size).toBe(2);
    expect(await cache.get('a')).toBeUndefined();
    const generation = cache.generation;
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.generation).toBe(generation + 1);
  });
});

describe('visibilityOf', () => {
  const c = (extra: Partial<Caller>): Caller => ({ ...PUBLIC_CALLER, agency: 'A', subject: 's', ...extra });
  it('tells apart every roles, party, guarantor and agency a read rule may depend on; not the person or role order', () => {
    const keys = [
      visibilityOf(PUBLIC_CALLER),
      visibilityOf(c({ roles: ['PARTY'], partyId: 'p1' })),
      visibilityOf(c({ roles: ['PARTY'], partyId: 'p2' })),
      visibilityOf(c({ roles: ['GUARANTOR'], guarantorId: 'g1' })),
      visibilityOf(c({ roles: ['GUARANTOR'], guarantorId: 'g2' })),
      visibilityOf(c({ roles: ['MEDIATOR'] })),
      visibilityOf(c({ roles: ['MEDIATOR'], agency: 'B' })),
      visibilityOf(c({ roles: ['MEDIATOR', 'MONITOR'] })),
    ];
    expect(new Set(keys).size).toBe(keys.length);
    expect(visibilityOf(c({ roles: ['MONITOR', 'MEDIATOR'], subject: 'another person' }))).toBe(visibilityOf(c({ roles: ['MEDIATOR', 'MONITOR'] })));
  });
});

describe('settings', () => {
  const base = { TREATY_INTERNAL_KEYS: JSON.stringify({ 'gateway>milestones': Buffer.alloc(32, 1).toString('base64url') }), TREATY_JWKS_FILE: '/tmp/jwks.json' };
  const problems = (env: Record<string, string>) => {
    try {
      loadGatewayConfig({ ...base, ...env });
      return [];
    } catch (e) {
      if (e instanceof ConfigError) return e.problems;
      throw e;
    }
  };
  it('are on, 2 s and 32 MiB by default; off and 1 s when asked', () => {
    expect(loadGatewayConfig(base).settings).toMatchObject({ responseCache: true, responseCacheMaxAgeSeconds: 2, responseCacheMaxBytes: 32 * 1024 * 1024 });
    expect(loadGatewayConfig({ ...base, GATEWAY_RESPONSE_CACHE: 'off', GATEWAY_RESPONSE_CACHE_MAX_AGE_SECONDS: '1' }).settings).toMatchObject({ responseCache: false, responseCacheMaxAgeSeconds: 1 });
  });
  it('refuse anything but on or off, and a max age outside 1 to 2 s, saying why', () => {
    expect(problems({ GATEWAY_RESPONSE_CACHE: 'yes' })).toEqual([expect.stringMatching(/^GATEWAY_RESPONSE_CACHE: must be on .* or off .*e\.g\. off$/)]);
    expect(problems({ GATEWAY_RESPONSE_CACHE_MAX_AGE_SECONDS: '3' })).toEqual([expect.stringMatching(/^GATEWAY_RESPONSE_CACHE_MAX_AGE_SECONDS: must be at most 2 seconds: statuses derive from the clock/)]);
    expect(problems({ GATEWAY_RESPONSE_CACHE_MAX_AGE_SECONDS: '0' })).toEqual([expect.stringMatching(/at least 1 second \(to cache nothing, set GATEWAY_RESPONSE_CACHE=off\)/)]);
    expect(problems({ GATEWAY_RESPONSE_CACHE_MAX_AGE_SECONDS: '1.5' })).toEqual([expect.stringMatching(/whole number of seconds, 1 or 2/)]);
  });
});
