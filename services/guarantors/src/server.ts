import { buildSubgraphServer, subgraphManifest, readSchema, type ServiceModule } from '@treaty/service-kit';
import { rules, siblings } from './access.js';
import { createContext, type Context } from './context.js';
import { entities } from './entities/index.js';
import { migrations } from './migrations/index.js';
import { evidenceFacts } from './evidence.js';
import { guarantorsAlertScan } from './alerts.js';
import { resolvers } from './resolvers/index.js';

export { entities, migrations, rules, createContext };
export type { Context };

/** Name and default port, declared once in this package's package.json (`treaty`). */
const manifest = subgraphManifest(new URL('../package.json', import.meta.url));

/**
 * The guarantors subgraph: guarantors, commitments, the escrow ledger, tranches and penalties. Builds;
 * never listens. Confirms milestone and agreement facts with the milestones service (`ctx.peers.milestones`).
 */
export const guarantors: ServiceModule<Context> = {
  name: manifest.name,
  defaultPort: manifest.defaultPort,
  entities,
  migrations,
  evidenceFacts,
  async build({ db, clock, logger, signer, peers, timeoutMs, evidence }) {
    const typeDefs = await readSchema(new URL('./schema.graphql', import.meta.url));
    const server = buildSubgraphServer<Context>({ name: manifest.name, typeDefs, resolvers, rules, siblings, logger });
    // `peers` is kept by reference: a launcher may fill in sibling addresses after building.
    const peer = { signer, peers, timeoutMs };
    return {
      server,
      context: (caller, requestId, requestDb, scope) => createContext({ db: requestDb ?? db, clock, peers: peer, evidence }, caller, requestId, scope ?? null),
      alertScan: guarantorsAlertScan,
    };
  },
};

export default guarantors;
