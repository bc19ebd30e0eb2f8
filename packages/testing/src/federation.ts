import { SignJWT, exportSPKI, generateKeyPair } from 'jose';
import {
  FixedClock,
  INTERNAL_TOKEN_HEADER,
  createDataSource,
  migrate,
  deriveInternalKeys,
  generateDataKeys,
  generateMasterSecret,
  generateSigningKey,
  signInternal,
  type Caller,
  type InternalSigner,
  silentLogger,
  type Logger,
  startService,
  type Clock,
  type Role,
  type ServiceModule,
  type RunningSubgraph,
} from '@treaty/service-kit';
import { SUBGRAPHS, buildGateway, createTokenVerifier, readSupergraph, serveGateway, type GatewaySettings } from '@treaty/gateway';
import type { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from './index.js';
import type { GraphQLResult } from './graphql.js';
import { startRoundRobinProxy, type RoundRobinProxy } from './replicas.js';

export const TEST_ISSUER = 'treaty-test-issuer';
export const TEST_AUDIENCE = 'treaty-gateway';

export interface TokenClaims {
  agency?: string;
  roles: Role[];
  partyId?: string;
  guarantorId?: string;
  subject?: string;
}

/** How many replicas to run of a service, by name; a service not named runs once. */
export type ReplicaCounts = Partial<Record<string, number>>;

/**
 * The replicas of one service: separate startService calls, each with its own HTTP server, Apollo
 * server and connection pool, on the one database of that service, behind a round-robin proxy.
 */
export interface ReplicaSet {
  /** The proxy's URL: what the gateway and the sibling services were given as this service's URL. */
  url: string;
  /** Each replica's own URL, for a request that must reach one replica in particular. */
  urls: string[];
  running: RunningSubgraph[];
  /** Each replica's own data source (the first is also `databases[name].db`). */
  dbs: DataSource[];
  /** How many requests the proxy has sent to each replica so far. */
  served: readonly number[];
}

function replicaCount(name: string, counts: ReplicaCounts): number {
  const n = counts[name] ?? 1;
  if (!Number.isInteger(n) || n < 1) throw new Error(`replicas.${name} must be a whole number of at least 1, like 2; got ${String(n)}`);
  return n;
}

/**
 * Some subgraphs on real HTTP, each on a free port with a fresh migrated database, wired to each other
 * as peers and sharing one fixed clock. `call` sends an operation to one of them exactly as the gateway
 * would (signed for that subgraph and body), for `_entities` and cross-service tests without a gateway.
 *
 * `replicas` runs a service more than once against its one database (DESIGN §8: subgraphs are
 * stateless), with a round-robin proxy in front whose URL the gateway and the siblings use instead.
 */
/** What a test may change about the processes the kit starts: their loggers (silent by default) and ops listeners. */
export interface ProcessOptions {
  /** The logger of each process by name ("gateway" or a service); silent unless given. */
  logger?: (name: string) => Logger;
  /** A separate /health, /ready and /metrics listener for these processes ("gateway" or a service name). */
  ops?: Record<string, { port: number; host?: string }>;
}

export async function startSubgraphs(services: ServiceModule[], opts: { now?: string | Date; replicas?: ReplicaCounts; alertTickMs?: number; alertHorizonMs?: number } & ProcessOptions = {}) {
  const counts = opts.replicas ?? {};
  const unknown = Object.keys(counts).filter((name) => !services.some((s) => s.name === name));
  if (unknown.length) throw new Error(`replicas names ${unknown.join(', ')}, which is not among the services started (${services.map((s) => s.name).join(', ')})`);
  for (const s of services) replicaCount(s.name, counts);
  const clock = new FixedClock(opts.now ?? '2026-03-01T00:00:00Z');
  // One master secret per run, as the launcher keeps one per data directory; each process gets its pairs.
  const master = generateMasterSecret();
  // One KEK per run too, for the services that encrypt personal data (the others ignore it).
  const dataKeys = generateDataKeys('kek-test');
  // One evidence log key per service, shared by its replicas as a deployment's Secret would be.
  const evidenceKeys = Object.fromEntries(services.map((s) => [s.name, generateSigningKey()]));
  const names = ['gateway', ...services.map((s) => s.name)];
  const databases: Record<string, TestDatabase> = {};
  await Promise.all(services.map(async (s) => (databases[s.name] = await createTestDatabase(s.name, s))));
  const peers: Record<string, string> = {};
  const byName: Record<string, RunningSubgraph> = {};
  const replicas: Record<string, ReplicaSet> = {};
  const proxies: RoundRobinProxy[] = [];
  const running: RunningSubgraph[] = [];
  await Promise.all(
    services.map(async (s) => {
      const n = replicaCount(s.name, counts);
      // Replicas after the first open a pool of their own, as another process would; the database is migrated already.
      const dbs = [databases[s.name]!.db];
      for (let i = 1; i < n; i += 1) {
        const db = createDataSource({ entities: s.entities, migrations: s.migrations, url: databases[s.name]!.url, applicationName: `test-${s.name}-replica-${i + 1}`, poolSize: 20 });
        await migrate(db);
        dbs.push(db);
      }
      const started = await Promise.all(
        dbs.map((db) => startService(s, { db, clock, keys: deriveInternalKeys(master, s.name, names), port: 0, logger: opts.logger?.(s.name) ?? silentLogger, peers, dataKeys, evidenceKey: evidenceKeys[s.name]!, ops: opts.ops?.[s.name], alertTickMs: opts.alertTickMs, alertHorizonMs: opts.alertHorizonMs })),
      );
      running.push(...started);
      byName[s.name] = started[0]!;
      if (n === 1) {
        peers[s.name] = started[0]!.url;
        return;
      }
      const proxy = await startRoundRobinProxy(started.map((r) => r.url));
      proxies.push(proxy);
      peers[s.name] = proxy.url;
      replicas[s.name] = { url: proxy.url, urls: started.map((r) => r.url), running: started, dbs, served: proxy.served };
    }),
  );
  const gatewaySigner: InternalSigner = { issuer: 'gateway', keys: deriveInternalKeys(master, 'gateway', names) };

  /** Where `call` sends a request: the service (its proxy when replicated), or one replica of it by index. */
  const target = (service: string, replica?: number): string => {
    if (replica === undefined) return peers[service]!;
    const urls = replicas[service]?.urls ?? [peers[service]!];
    if (!Number.isInteger(replica) || !urls[replica]) throw new Error(`${service} runs ${urls.length} replica(s); replica must be 0 to ${urls.length - 1}, got ${replica}`);
    return urls[replica]!;
  };

  /**
   * Sends an operation to one subgraph with a gateway credential for `caller` (and an Idempotency-Key,
   * and the id of the gateway query operation it is part of, see kit operation-scope.ts); `replica`
   * picks one replica of a replicated service, bypassing its proxy.
   */
  const call = async <T = any>(
    service: string,
    caller: Caller,
    query: string,
    variables: Record<string, unknown> = {},
    opts: { idempotencyKey?: string; replica?: number; operation?: string } = {},
  ) => {
    const body = JSON.stringify({ query, variables });
    const res = await fetch(target(service, opts.replica), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [INTERNAL_TOKEN_HEADER]: signInternal(gatewaySigner, service, caller, body, { idempotencyKey: opts.idempotencyKey, operation: opts.operation }),
      },
      body,
    });
    return { status: res.status, replayed: res.headers.get('idempotent-replayed') === 'true', body: (await res.json()) as GraphQLResult<T> };
  };

  /** The signer a sibling service holds, for tests that act as that service. */
  const serviceSigner = (name: string): InternalSigner => ({ issuer: name, keys: deriveInternalKeys(master, name, names) });

  return {
    clock: clock as FixedClock & Clock,
    urls: peers,
    /** Each running subgraph by name (the first replica of a replicated one): a test may close one to see how the rest behaves. */
    running: byName,
    /** The replicated services by name: their replicas, the proxy in front and what each replica served. */
    replicas,
    databases,
    /** The run's TREATY_DATA_KEYS, for tests that build a service again or rotate its keys. */
    dataKeys,
    /** Each service's evidence log key (TREATY_EVIDENCE_KEY), for a test that builds the service again in-process. */
    evidenceKeys,
    gatewaySigner,
    serviceSigner,
    call,
    async stop() {
      await Promise.all(proxies.map((p) => p.close()));
      await Promise.all(running.map((r) => r.close()));
      await Promise.all(Object.values(databases).map((d) => d.drop()));
    },
  };
}

export type Subgraphs = Awaited<ReturnType<typeof startSubgraphs>>;

/**
 * The whole federation in one process, over real HTTP: every subgraph on its own port with its own
 * fresh database, the gateway in front with the checked-in supergraph, and one fixed clock for all.
 * With `replicas` (e.g. `{ milestones: 2, guarantors: 2 }`) those services run that many times on their
 * one database, and the gateway reaches them through a round-robin proxy (see startSubgraphs).
 */
export async function startFederation(
  services: ServiceModule[],
  opts: { now?: string | Date; onQueryPlan?: (plan: unknown) => void; gateway?: Partial<GatewaySettings>; replicas?: ReplicaCounts; alertTickMs?: number; alertHorizonMs?: number } & ProcessOptions = {},
) {
  const missing = SUBGRAPHS.filter((s) => !services.some((m) => m.name === s.name));
  if (missing.length) throw new Error(`startFederation needs every subgraph of the supergraph; missing ${missing.map((m) => m.name).join(', ')}`);
  const subgraphs = await startSubgraphs(services, opts);
  const { clock, databases, urls: peers } = subgraphs;
  const issuer = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const verifier = await createTokenVerifier({ publicKey: await exportSPKI(issuer.publicKey), issuer: TEST_ISSUER, audience: TEST_AUDIENCE });
  const gatewayLogger = opts.logger?.('gateway') ?? silentLogger;
  const built = buildGateway({
    supergraphSdl: await readSupergraph(),
    subgraphUrls: { ...peers },
    signer: subgraphs.gatewaySigner,
    verifier,
    logger: gatewayLogger,
    onQueryPlan: opts.onQueryPlan,
    settings: opts.gateway,
    // The report pages say "today" and "this week" by the same fixed clock as the subgraphs.
    clock,
  });
  const gateway = await serveGateway(built, { port: 0, verifier, logger: gatewayLogger, ops: opts.ops?.gateway });
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
    replicas: subgraphs.replicas,
    call: subgraphs.call,
    gatewaySigner: subgraphs.gatewaySigner,
    serviceSigner: subgraphs.serviceSigner,
    databases,
    dataKeys: subgraphs.dataKeys,
    issuerKey: issuer.privateKey,
    /** The running gateway (its ports, including the ops port when `ops.gateway` was given). */
    gateway,
    token,
    request,
    async stop() {
      await gateway.close();
      await subgraphs.stop();
    },
  };
}

export type Federation = Awaited<ReturnType<typeof startFederation>>;
