import { DATA_KEYS_VARIABLE, buildSubgraphServer, subgraphManifest, readSchema, type ServiceModule } from '@treaty/service-kit';
import { rules, siblings } from './access.js';
import { createContext, type Context } from './context.js';
import { openCipher } from './crypto/keyring.js';
import { sealPlaintext } from './crypto/rewrite.js';
import { scheduleRetention } from './retention.js';
import { entities } from './entities/index.js';
import { migrations } from './migrations/index.js';
import { evidenceFacts } from './evidence.js';
import { prisonersAlertScan } from './alerts.js';
import { resolvers } from './resolvers/index.js';

export { entities, migrations, rules, createContext };
export type { Context };

/** Name and default port, declared once in this package's package.json (`treaty`). */
const manifest = subgraphManifest(new URL('../package.json', import.meta.url));

/** The prisoners subgraph: detainees, contested lists, sequenced exchange waves, verified handovers. Builds; never listens. */
export const prisoners: ServiceModule<Context> = {
  name: manifest.name,
  defaultPort: manifest.defaultPort,
  entities,
  migrations,
  evidenceFacts,
  encryptsPersonalData: true,
  async build({ db, clock, logger, signer, peers, timeoutMs, dataKeys, evidence }) {
    if (!dataKeys) {
      throw new Error(`${DATA_KEYS_VARIABLE} is required: the prisoners service stores names, dates of birth and medical notes encrypted, under data keys wrapped by these KEKs (npm start provides it).`);
    }
    // Every data key is unwrapped now (the service will not start if one cannot be), and whatever is still in plain text is sealed before the first request.
    const crypto = await openCipher(db, dataKeys);
    await sealPlaintext(db, crypto, logger);
    const typeDefs = await readSchema(new URL('./schema.graphql', import.meta.url));
    const server = buildSubgraphServer<Context>({ name: manifest.name, typeDefs, resolvers, rules, siblings, logger });
    return {
      server,
      context: (caller, requestId, requestDb) => createContext({ db: requestDb ?? db, clock, peers: { signer, peers, timeoutMs }, evidence, crypto }, caller, requestId),
      // A keyed mutation's stored answer may hold a name: it is kept sealed like the fields themselves.
      responseSealer: crypto.responseSealer(db),
      alertScan: prisonersAlertScan,
    };
  },
  // Erases personal data a set time after each case closes (src/retention.ts), hourly.
  jobs: ({ db, clock, logger, retentionDays, evidence }) => scheduleRetention(db, clock, retentionDays, evidence, logger),
};

export default prisoners;
