import { ExactlyOnce1795250000000, baseContext, buildSubgraphServer, openEvidenceLog, deriveInternalKeys, generateMasterSecret, mutationNames, readSchema, role, serveSubgraph, silentLogger, systemClock, type InternalSigner, type SiblingGrants } from '@treaty/service-kit';
import { createTestDatabase } from '@treaty/testing';

/** What the stand-in knows of one guarantor: its name and the agreements it has commitments to. */
export interface StandInGuarantor {
  name: string;
  committedTo: string[];
}

/**
 * A stand-in for the guarantors subgraph, for milestones' confirmation calls: the guarantors service's
 * own schema.graphql (so a query it would not accept fails here too), served by the kit's subgraph server
 * with its sibling rules, `grants` as the guarantors service would write them in its access.ts, and
 * resolvers only for `Query.guarantor` and `Guarantor.commitments` over the given guarantors. Every
 * request that reached the resolvers is kept in `asked`.
 */
export async function startGuarantorsStandIn(guarantors: Record<string, StandInGuarantor>, grants: SiblingGrants, master: Buffer) {
  const typeDefs = await readSchema(new URL('../../guarantors/src/schema.graphql', import.meta.url));
  const asked: { id: string; agreementId: string | null }[] = [];
  const resolvers = {
    Query: {
      guarantor: (_: unknown, { id }: { id: string }) => (guarantors[id] ? { id, ...guarantors[id] } : null),
    },
    Guarantor: {
      commitments: (g: { id: string } & StandInGuarantor, { agreementId }: { agreementId?: string | null }) => {
        asked.push({ id: g.id, agreementId: agreementId ?? null });
        return g.committedTo.filter((a) => !agreementId || a === agreementId).map((a, i) => ({ id: `${g.id}-commitment-${i}`, agreementId: a }));
      },
    },
  };
  // Every mutation needs a rule to build; nothing here calls one.
  const rules = Object.fromEntries(mutationNames(typeDefs).map((m) => [`Mutation.${m}`, role('MEDIATOR')]));
  const server = buildSubgraphServer({ name: 'guarantors', typeDefs, resolvers, rules, siblings: grants, logger: silentLogger });
  const database = await createTestDatabase('guarantors_stand_in', { entities: [], migrations: [ExactlyOnce1795250000000] });
  const names = ['gateway', 'milestones', 'guarantors'];
  const running = await serveSubgraph({
    name: 'guarantors',
    server,
    db: database.db,
    keys: deriveInternalKeys(master, 'guarantors', names),
    context: (caller, requestId, db) => baseContext(db ?? database.db, systemClock, caller, requestId, openEvidenceLog({ name: 'guarantors', evidenceFacts: [] }, { clock: systemClock })),
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

/** The signer milestones calls its siblings with, from the same master secret as the stand-ins. */
export function milestonesSigner(master: Buffer): InternalSigner {
  return { issuer: 'milestones', keys: deriveInternalKeys(master, 'milestones', ['gateway', 'milestones', 'guarantors']) };
}

export { generateMasterSecret };
