import { buildSubgraphServer, subgraphManifest, readSchema, type ServiceModule } from '@treaty/service-kit';
import { rules, siblings } from './access.js';
import { createContext, type Context } from './context.js';
import { entities } from './entities/index.js';
import { migrations } from './migrations/index.js';
import { evidenceFacts } from './evidence.js';
import { corridorsAlertScan } from './alerts.js';
import { resolvers } from './resolvers/index.js';

export { entities, migrations, rules, createContext };
export type { Context };

/** Name and default port, declared once in this package's package.json (`treaty`). */
const manifest = subgraphManifest(new URL('../package.json', import.meta.url));

/**
 * The corridors subgraph: crossings, convoys, inspections, position logs and incidents. Builds; never
 * listens. It calls the milestones service (ctx.peers.milestones, src/peers.ts) to confirm what an agreement permits.
 */
export const corridors: ServiceModule<Context> = {
  name: manifest.name,
  defaultPort: manifest.defaultPort,
  entities,
  migrations,
  evidenceFacts,
  async build({ db, clock, logger, signer, peers, timeoutMs, evidence }) {
    const typeDefs = await readSchema(new URL('./schema.graphql', import.meta.url));
    const server = buildSubgraphServer<Context>({ name: manifest.name, typeDefs, resolvers, rules, siblings, logger });
    return {
      server,
      context: (caller, requestId, requestDb) => createContext({ db: requestDb ?? db, clock, peers: { signer, peers, timeoutMs }, evidence }, caller, requestId),
      alertScan: corridorsAlertScan(db),
    };
  },
};

export default corridors;
