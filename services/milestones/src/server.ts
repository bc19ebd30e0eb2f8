import { buildSubgraphServer, subgraphManifest, readSchema, type Caller, type OperationScope, type ServiceModule } from '@treaty/service-kit';
import type { DataSource } from 'typeorm';
import { milestonesAlertScan, WATCHER_CALLER } from './alerts.js';
import { rules, siblings } from './access.js';
import { createContext, type Context } from './context.js';
import { entities } from './entities/index.js';
import { migrations } from './migrations/index.js';
import { evidenceFacts } from './evidence.js';
import { openReportCipher } from './crypto.js';
import { resolvers } from './resolvers/index.js';

export { entities, migrations, rules, createContext };
export type { Context };

/** Name and default port, declared once in this package's package.json (`treaty`). */
const manifest = subgraphManifest(new URL('../package.json', import.meta.url));

/** The milestones subgraph: agreements, their clock, milestones and verification. Builds; never listens. */
export const milestones: ServiceModule<Context> = {
  name: manifest.name,
  defaultPort: manifest.defaultPort,
  entities,
  migrations,
  evidenceFacts,
  encryptsPersonalData: true,
  async build({ db, clock, logger, signer, peers, timeoutMs, evidence, alertHorizonMs, dataKeys }) {
    // Confidential reports are sealed at rest: without the KEKs (TREATY_DATA_KEYS) the service does not start.
    const crypto = await openReportCipher(db, dataKeys);
    const typeDefs = await readSchema(new URL('./schema.graphql', import.meta.url));
    const server = buildSubgraphServer<Context>({ name: manifest.name, typeDefs, resolvers, rules, siblings, logger });
    const context = (caller: Caller, requestId?: string, requestDb?: DataSource, scope?: OperationScope | null) =>
      createContext({ db: requestDb ?? db, clock, peers: { signer, peers, timeoutMs }, evidence, crypto }, caller, requestId, scope ?? null);
    // The watcher derives snap-back in a fresh context each tick, as the service itself (no partner's rights).
    // A keyed submit's stored answer holds its receipt: kept sealed, like the reports themselves.
    return { server, context, responseSealer: crypto.responseSealer(db), alertScan: milestonesAlertScan(db, () => context(WATCHER_CALLER), logger, alertHorizonMs) };
  },
};

export default milestones;
