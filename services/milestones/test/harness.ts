import { FixedClock, generateDataKeys, silentLogger, type Caller, type PeerDeps } from '@treaty/service-kit';
import { createTestDatabase, execute, type GraphQLResult, testEvidenceLog } from '@treaty/testing';
import { entities, migrations, milestones } from '../src/server.js';

export const DAY0 = '2026-03-01T00:00:00.000Z';

/**
 * A migrated database, a fixed clock and the built milestones server for one test file; `peers` routes
 * its sibling calls (none by default: a test that needs a sibling starts a stand-in for it).
 */
export async function startMilestones(now = DAY0, peers: PeerDeps = {}) {
  const database = await createTestDatabase('milestones', { entities, migrations });
  const clock = new FixedClock(now);
  // The service seals confidential reports, so it is built with a KEK set of its own, as startSubgraphs does.
  const dataKeys = generateDataKeys('kek-test');
  const evidence = testEvidenceLog(milestones, clock);
  const built = await milestones.build({ db: database.db, clock, logger: silentLogger, evidence, dataKeys, ...peers });
  const run = <T = any>(caller: Caller, query: string, variables?: Record<string, unknown>): Promise<GraphQLResult<T>> =>
    execute<T>(built.server, built.context(caller), query, variables);
  /** Row counts of every table, to prove a refused write left nothing behind. */
  const counts = async () => {
    const tables = ['agreement', 'party', 'agreement_party', 'phase', 'milestone', 'benchmark', 'certification', 'waiver'];
    const rows = await database.db.query(tables.map((t) => `SELECT '${t}' AS t, count(*)::int AS n FROM ${t}`).join(' UNION ALL '));
    return Object.fromEntries(rows.map((r: { t: string; n: number }) => [r.t, r.n])) as Record<string, number>;
  };
  return { ...database, clock, built, run, counts, dataKeys, evidence };
}

export const CREATE_AGREEMENT = /* GraphQL */ `
  mutation ($input: CreateAgreementInput!) {
    createAgreement(input: $input) {
      id title currentDay entryIntoForceAt
      parties { id name kind }
      phases { ordinal name startDay endDay startsAt endsAt permittedCargo }
    }
  }`;

export const ADD_MILESTONE = /* GraphQL */ `
  mutation ($input: AddMilestoneInput!) {
    addMilestone(input: $input) {
      id title dueDay dueAt status
      phase { ordinal }
      obligatedParty { id name }
      benchmarks { metric comparator threshold }
    }
  }`;

export const CERTIFY = /* GraphQL */ `
  mutation ($input: CertifyMilestoneInput!) {
    certifyMilestone(input: $input) { id status certifications { verifier metAt evidence { reference sha256 } } }
  }`;

export const WAIVE = /* GraphQL */ `
  mutation ($input: WaiveMilestoneInput!) {
    waiveMilestone(input: $input) { id status waivers { reason waivedBy } }
  }`;

let counter = 0;
/** A valid agreement input with two new parties (unique names per call) and two phases. */
export function agreementInput(overrides: Record<string, unknown> = {}) {
  counter += 1;
  return {
    title: `Ceasefire Framework ${counter}`,
    entryIntoForceAt: DAY0,
    mediator: 'Office of the Envoy',
    parties: [
      { name: `Republic of Norvale ${counter}`, kind: 'GOVERNMENT' },
      { name: `Eastern Highlands Movement ${counter}`, kind: 'NON_STATE_ARMED_GROUP' },
    ],
    phases: [
      { ordinal: 1, name: 'Phase 1', startDay: 0, endDay: 41, permittedCargo: ['HUMANITARIAN_AID', 'MEDICAL_EVACUATION'] },
      { ordinal: 2, name: 'Phase 2', startDay: 42, endDay: 83, permittedCargo: ['HUMANITARIAN_AID', 'MEDICAL_EVACUATION', 'COMMERCIAL', 'FUEL', 'CIVILIAN_MOVEMENT'] },
    ],
    ...overrides,
  };
}
