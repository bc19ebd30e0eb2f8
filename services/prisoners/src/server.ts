import { buildSubgraphServer, defaultPortOf, readSchema, type ServiceModule } from '@treaty/service-kit';
import { rules, siblings } from './access.js';
import { createContext, type Context } from './context.js';
import { entities } from './entities/index.js';
import { migrations } from './migrations/index.js';
import { resolvers } from './resolvers/index.js';

export { entities, migrations, rules, createContext };
export type { Context };

/** The prisoners subgraph: detainees, contested lists, sequenced exchange waves, verified handovers. Builds; never listens. */
export const prisoners: ServiceModule<Context> = {
  name: 'prisoners',
  defaultPort: defaultPortOf('prisoners'),
  entities,
  migrations,
  async build({ db, clock, logger, signer, peers, timeoutMs }) {
    const typeDefs = await readSchema(new URL('./schema.graphql', import.meta.url));
    const server = buildSubgraphServer<Context>({ name: 'prisoners', typeDefs, resolvers, rules, siblings, logger });
    return { server, context: (caller, requestId, requestDb) => createContext({ db: requestDb ?? db, clock, peers: { signer, peers, timeoutMs } }, caller, requestId) };
  },
};

export default prisoners;
