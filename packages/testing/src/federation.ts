import { SignJWT, exportSPKI, generateKeyPair } from 'jose';
import {
  FixedClock,
  INTERNAL_TOKEN_HEADER,
  SUBGRAPHS,
  deriveInternalKeys,
  generateDataKeys,
  generateMasterSecret,
  signInternal,
  type Caller,
  type InternalSigner,
  silentLogger,
  startService,
  type Clock,
  type Role,
  type ServiceModule,
  type RunningSubgraph,
} from '@treaty/service-kit';
import { buildGateway, createTokenVerifier, readSupergraph, serveGateway, type GatewaySettings } from '@treaty/gateway';
import { createTestDatabase, type TestDatabase } from './index.js';
import type { GraphQLResult } from './graphql.js';

export const TEST_ISSUER = 'treaty-test-issuer';
export const TEST_AUDIENCE = 'treaty-gateway';

export interface TokenClaims {
  agency?: string;
  roles: Role[];
  partyId?: string;
  guarantorId?: string;
  subject?: string;
}

/**
 * Some subgraphs on real HTTP, each on a free port with a fresh migrated database, wired to each other
 * as peers and sharing one fixed clock. `call` sends an operation to one of them exactly as the gateway
 * would (signed for that subgraph and body), for `_entities` and cross-service tests without a gateway.
 */
export async function startSubgraphs(services: ServiceModule[], opts: { now?: string | Date } = {}) {
  const clock = new FixedClock(opts.now ?? '2026-03-01T00:00:00Z');
  // One master secret per run, as the launcher keeps one per data directory; each process gets its pairs.
  const master = generateMasterSecret();
  // One KEK per run too, for the services that encrypt personal data (the others ignore it).
  const dataKeys = generateDataKeys('kek-test');
  const names = ['gateway', ...services.map((s) => s.name)];
  const databases: Record<string, TestDatabase> = {};
  await Promise.all(services.map(async (s) => (databases[s.name] = await createTestDatabase(s.name, s))));
  const peers: Record<string, string> = {};
  const byName: Record<string, RunningSubgraph> = {};
  const running = await Promise.all(
    services.map(async (s) => {
      const r = await startService(s, {
        db: databases[s.name]!.db,
        clock,
        keys: deriveInternalKeys(master, s.name, names),
        port: 0,
        logger: silentLogger,
        peers,
        dataKeys,
      });
      peers[s.name] = r.url;
      byName[s.name] = r;
      return r;
    }),
  );
  const gatewaySigner: InternalSigner = { issuer: 'gateway', keys: deriveInternalKeys(master, 'gateway', names) };

  /** Sends an operation to one subgraph with a gateway credential for `caller` (and an Idempotency-Key). */
  const call = async <T = any>(service: string, caller: Caller, query: string, variables: Record<string, unknown> = {}, opts: { idempotencyKey?: string } = {}) => {
    const body = JSON.stringify({ query, variables });
    const res = await fetch(peers[service]!, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [INTERNAL_TOKEN_HEADER]: signInternal(gatewaySigner, service, caller, body, opts) },
      body,
    });
    return { status: res.status, replayed: res.headers.get('idempotent-replayed') === 'true', body: (await res.json()) as GraphQLResult<T> };
  };

  /** The signer a sibling service holds, for tests that act as that service. */
  const serviceSigner = (name: string): InternalSigner => ({ issuer: name, keys: deriveInternalKeys(master, name, names) });

  return {
    clock: clock as FixedClock & Clock,
    urls: peers,
    /** Each running subgraph by name: a test may close one to see how the rest behaves. */
    running: byName,
    databases,
    /** The run's TREATY_DATA_KEYS, for tests that build a service again or rotate its keys. */
    dataKeys,
    gatewaySigner,
    serviceSigner,
    call,
    async stop() {
      await Promise.all(running.map((r) => r.close()));
      await Promise.all(Object.values(databases).map((d) => d.drop()));
    },
  };
}

export type Subgraphs = Awaited<ReturnType<typeof startSubgraphs>>;

/**
 * The whole federation in one process, over real HTTP: every subgraph on its own port with its own
 * fresh database, the gateway in front with the checked-in supergraph, and one fixed clock for all.
 */
export async function startFederation(
  services: ServiceModule[],
  opts: { now?: string | Date; onQueryPlan?: (plan: unknown) => void; gateway?: Partial<GatewaySettings> } = {},
) {
  const missing = SUBGRAPHS.filter((s) => !services.some((m) => m.name === s.name));
  if (missing.length) throw new Error(`startFederation needs every subgraph of the supergraph; missing ${missing.map((m) => m.name).join(', ')}`);
  const subgraphs = await startSubgraphs(services, opts);
  const { clock, databases, urls: peers } = subgraphs;
  const issuer = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const verifier = await createTokenVerifier({ publicKey: await exportSPKI(issuer.publicKey), issuer: TEST_ISSUER, audience: TEST_AUDIENCE });
  const built = buildGateway({
    supergraphSdl: await readSupergraph(),
    subgraphUrls: { ...peers },
    signer: subgraphs.gatewaySigner,
    verifier,
    logger: silentLogger,
    onQueryPlan: opts.onQueryPlan,
    settings: opts.gateway,
  });
  const gateway = await serveGateway(built, { port: 0, verifier, logger: silentLogger });
  const url = `http://127.0.0.1:${gateway.port}/graphql`;

  /** A token as a partner agency's identity provider would sign it. */
  const token = (claims: TokenClaims, ttl = '1h') =>
    new SignJWT({
      agency: claims.agency ?? `Test ${claims.roles.join('+')} Agency`,
      roles: claims.roles,
      ...(claims.partyId ? { party_id: claims.partyId } : {}),
      ...(claims.guarantorId ? { guarantor_id: claims.guarantorId } : {}),
    })
      .setProtectedHeader({ alg: 'EdDSA' })
      .setIssuer(TEST_ISSUER)
      .setAudience(TEST_AUDIENCE)
      .setSubject(claims.subject ?? 'tester')
      .setIssuedAt()
      .setExpirationTime(ttl)
      .sign(issuer.privateKey);

  /** POSTs an operation to the gateway; `auth` is a token, a ready header value, or nothing (PUBLIC). */
  const request = async <T = any>(query: string, variables: Record<string, unknown> = {}, auth?: string, headers: Record<string, string> = {}) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth.startsWith('Bearer ') || auth.includes(' ') ? auth : `Bearer ${auth}` } : {}), ...headers },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as GraphQLResult<T> };
  };

  return {
    url,
    clock: clock as FixedClock & Clock,
    subgraphUrls: peers,
    running: subgraphs.running,
    call: subgraphs.call,
    gatewaySigner: subgraphs.gatewaySigner,
    serviceSigner: subgraphs.serviceSigner,
    databases,
    dataKeys: subgraphs.dataKeys,
    issuerKey: issuer.privateKey,
    token,
    request,
    async stop() {
      await gateway.close();
      await subgraphs.stop();
    },
  };
}

export type Federation = Awaited<ReturnType<typeof startFederation>>;
