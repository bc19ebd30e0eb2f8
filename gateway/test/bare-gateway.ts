import { exportSPKI, generateKeyPair } from 'jose';
import { deriveInternalKeys, generateMasterSecret, silentLogger } from '@treaty/service-kit';
import { SUBGRAPHS } from '../src/topology.js';
import { buildGateway, createTokenVerifier, readSupergraph, serveGateway, type RunningGateway } from '../src/index.js';

/**
 * The gateway alone, on a free port, with subgraph URLs that point nowhere: for what it must serve
 * without any subgraph (the playground, refusals made before planning).
 */
export async function startBareGateway(): Promise<{ gateway: RunningGateway; base: string }> {
  const issuer = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const verifier = await createTokenVerifier({ publicKey: await exportSPKI(issuer.publicKey), issuer: 'i', audience: 'a' });
  const built = buildGateway({
    supergraphSdl: await readSupergraph(),
    subgraphUrls: { milestones: 'http://127.0.0.1:9/graphql' },
    signer: { issuer: 'gateway', keys: deriveInternalKeys(generateMasterSecret(), 'gateway', ['gateway', ...SUBGRAPHS.map((s) => s.name)]) },
    verifier,
    logger: silentLogger,
  });
  const gateway = await serveGateway(built, { port: 0, verifier, logger: silentLogger });
  return { gateway, base: `http://127.0.0.1:${gateway.port}` };
}
