import { ExactlyOnce1795250000000, authenticated, baseContext, buildSubgraphServer, deriveInternalKeys, mutationNames, openEvidenceLog, readSchema, role, serveSubgraph, silentLogger, systemClock, type InternalSigner } from '@treaty/service-kit';
import { createTestDatabase } from '@treaty/testing';

/** What the stand-in knows of one incident: the agreement it concerns and its verification state. */
export interface StandInIncident {
  agreementId: string;
  verificationState: 'REPORTED' | 'UNDER_REVIEW' | 'VERIFIED' | 'FALSE' | 'INCONCLUSIVE';
}

/** The grants the corridors service gives milestones in its access.ts `siblings`. */
export const CORRIDORS_GRANTS = { milestones: ['Query._entities', 'Query.incident'] };

/**
 * A stand-in for the corridors subgraph, for milestones' confirmation calls about incidents: the
 * corridors service's own schema.graphql (so a query it would not accept fails here too), served by the
 * kit's subgraph server with corridors' rule on `Query.incident` (a partner agency's token) and its
 * sibling grants, and a resolver for `Query.incident` over `incidents`, which a test may change (an
 * incident becomes VERIFIED). (The real corridors service cannot be started from here: its tests start
 * this one, and a package cannot depend on a package that depends on it.) Every incident id asked is kept.
 */
export async function startCorridorsStandIn(incidents: Record<string, StandInIncident>, master: Buffer) {
  const typeDefs = await readSchema(new URL('../../corridors/src/schema.graphql', import.meta.url));
  const asked: string[] = [];
  const resolvers = {
    Query: {
      incident: (_: unknown, { id }: { id: string }) => {
        asked.push(id);
        const found = incidents[id];
        return found ? { id, agreement: { id: found.agreementId }, verificationState: found.verificationState } : null;
      },
    },
  };
  // Every mutation needs a rule to build; nothing here calls one.
  const rules = { ...Object.fromEntries(mutationNames(typeDefs).map((m) => [`Mutation.${m}`, role('MONITOR')])), 'Query.incident': authenticated };
  const server = buildSubgraphServer({ name: 'corridors', typeDefs, resolvers, rules, siblings: CORRIDORS_GRANTS, logger: silentLogger });
  const database = await createTestDatabase('corridors_stand_in', { entities: [], migrations: [ExactlyOnce1795250000000] });
  const running = await serveSubgraph({
    name: 'corridors',
    server,
    db: database.db,
    keys: deriveInternalKeys(master, 'corridors', NAMES),
    context: (caller, requestId, db) => baseContext(db ?? database.db, systemClock, caller, requestId, openEvidenceLog({ name: 'corridors', evidenceFacts: [] }, { clock: systemClock })),
    port: 0,
    logger: silentLogger,
  });
  return {
    url: running.url,
    asked,
    async stop() {
      await running.close();
      await database.drop();
    },
  };
}

const NAMES = ['gateway', 'milestones', 'corridors'];

/** The signer milestones calls corridors with, from the same master secret as the stand-in. */
export function milestonesSignerForCorridors(master: Buffer): InternalSigner {
  return { issuer: 'milestones', keys: deriveInternalKeys(master, 'milestones', NAMES) };
}
