import { expect } from 'vitest';
import { silentLogger, type Caller } from '@treaty/service-kit';
import { caller, codes, execute, startSubgraphs, type GraphQLResult, testEvidenceLog } from '@treaty/testing';
import { milestones } from '@treaty/milestones';
import { corridors } from '@treaty/corridors';
import { prisoners } from '@treaty/prisoners';
import { guarantors } from '../src/server.js';

export const DAY0 = '2026-03-01T00:00:00.000Z';

export const mediator = caller('MEDIATOR', { agency: 'Office of the Envoy', subject: 'envoy-desk-officer' });
export const monitor = caller('MONITOR', { agency: 'Joint Monitoring Cell' });

/** Every table of this service, for proving a refused write left nothing behind. */
export const TABLES = [
  'guarantor', 'commitment', 'escrow_account', 'ledger_account', 'ledger_journal', 'ledger_entry', 'tranche', 'tranche_approval', 'penalty_schedule',
  'tranche_performance_terms', 'tranche_performance_release', 'incentive_escrow', 'incentive_milestone', 'incentive_step_approval', 'incentive_journal',
  // A refused write appends nothing to the evidence log and raises no alert either.
  'evidence_entry', 'alert_outbox',
];

/**
 * Milestones and guarantors on real HTTP with fresh databases, wired as peers, sharing one fixed clock;
 * plus the same guarantors service built in-process on the same database, so that tests can count SQL
 * statements per request (`statements.measure`) and run operations without HTTP. The in-process build
 * calls milestones as guarantors itself, with guarantors' own key, exactly as the running service does.
 * With `measuring`, the real prisoners and corridors services run too: they own the values a variable
 * tranche is measured on, and guarantors asks them as itself.
 */
export async function startGuarantors(now = DAY0, opts: { measuring?: boolean } = {}) {
  const subgraphs = await startSubgraphs(opts.measuring ? [milestones, prisoners, corridors, guarantors] : [milestones, guarantors], { now });
  const db = subgraphs.databases.guarantors!.db;
  const built = await guarantors.build({
    db,
    clock: subgraphs.clock,
    logger: silentLogger,
    signer: subgraphs.serviceSigner('guarantors'),
    peers: subgraphs.urls,
    evidence: testEvidenceLog(guarantors, subgraphs.clock, subgraphs.evidenceKeys.guarantors),
  });
  const run = <T = any>(who: Caller, query: string, variables?: Record<string, unknown>): Promise<GraphQLResult<T>> =>
    execute<T>(built.server, built.context(who), query, variables);

  /** Sends an operation to a sibling subgraph (as the gateway would) and fails the test on any error. */
  const siblingOk = async (service: string, who: Caller, query: string, variables: Record<string, unknown> = {}) => {
    const r = await subgraphs.call(service, who, query, variables);
    expect(r.body.errors).toBeUndefined();
    return r.body.data as any;
  };
  const milestonesOk = (who: Caller, query: string, variables: Record<string, unknown> = {}) => siblingOk('milestones', who, query, variables);

  /** Runs a guarantors operation in-process and fails the test on any error. */
  const ok = async (who: Caller, query: string, variables?: Record<string, unknown>) => {
    const r = await run(who, query, variables);
    expect(r.errors).toBeUndefined();
    return r.data as any;
  };

  // The alert outbox by its head, the number of events ever raised: the watcher's purge of old events
  // (kit alerts.ts) may run in the middle of a test and lower the row count without any write of ours.
  const countOf = (t: string) => (t === 'alert_outbox' ? `SELECT '${t}' AS t, seq::int AS n FROM alert_outbox_head` : `SELECT '${t}' AS t, count(*)::int AS n FROM ${t}`);
  const counts = async () => {
    const rows = await db.query(TABLES.map(countOf).join(' UNION ALL '));
    return Object.fromEntries(rows.map((r: { t: string; n: number }) => [r.t, r.n])) as Record<string, number>;
  };

  /** Runs a refused write and checks its code and that no table changed. */
  const expectRefused = async (attempt: () => Promise<GraphQLResult<any>>, code: string, messagePart?: RegExp) => {
    const before = await counts();
    const r = await attempt();
    expect(codes(r)).toEqual([code]);
    if (messagePart) expect(r.errors![0]!.message).toMatch(messagePart);
    expect(await counts()).toEqual(before);
    return r;
  };

  /** The double-entry invariants over the whole ledger: every journal and the ledger as a whole sum to zero, no escrow holding is negative. */
  const expectLedgerReconciles = async () => {
    const [{ total }] = await db.query(`SELECT coalesce(sum(amount_minor), 0)::text AS total FROM ledger_entry`);
    expect(total).toBe('0');
    const unbalanced = await db.query(
      `SELECT j.id FROM ledger_journal j LEFT JOIN ledger_entry e ON e.journal_id = j.id
        GROUP BY j.id, j.amount_minor
       HAVING count(e.id) < 2 OR coalesce(sum(e.amount_minor), 0) <> 0 OR coalesce(sum(e.amount_minor) FILTER (WHERE e.amount_minor > 0), 0) <> j.amount_minor`,
    );
    expect(unbalanced).toEqual([]);
    const overdrawn = await db.query(
      `SELECT a.id FROM ledger_account a JOIN ledger_entry e ON e.account_id = a.id WHERE a.kind = 'ESCROW' GROUP BY a.id HAVING sum(e.amount_minor) < 0`,
    );
    expect(overdrawn).toEqual([]);
  };

  /**
   * The evidence log holds every fact this service keeps, each entry as the record stands now; returns
   * how many entries there are of each kind.
   */
  const expectEverythingLogged = async () => {
    const r = await run(mediator, `query ($r: [_Any!]!) { _entities(representations: $r) { ... on EvidenceLogs { guarantors { unloggedFacts { kind subject } entries(first: 1000) { kind currentFact entry } } } } }`, {
      r: [{ __typename: 'EvidenceLogs', id: 'treaty' }],
    });
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    const log = (r.data as any)._entities[0].guarantors;
    expect(log.unloggedFacts).toEqual([]);
    for (const e of log.entries) expect(JSON.parse(e.currentFact)).toEqual(JSON.parse(e.entry).fact);
    const kinds: Record<string, number> = {};
    for (const e of log.entries) kinds[e.kind] = (kinds[e.kind] ?? 0) + 1;
    return kinds;
  };

  return { ...subgraphs, db, built, run, ok, milestonesOk, siblingOk, counts, expectRefused, expectLedgerReconciles, expectEverythingLogged };
}

export type Harness = Awaited<ReturnType<typeof startGuarantors>>;

/** A GUARANTOR caller acting for one guarantor; `subject` tells people apart for the two-person rule. */
export function guarantorCaller(guarantorId: string, subject = 'treasury-officer') {
  return caller('GUARANTOR', { agency: 'Guarantor Treasury', guarantorId, subject });
}

export const CREATE_AGREEMENT = /* GraphQL */ `
  mutation ($input: CreateAgreementInput!) { createAgreement(input: $input) { id title parties { id name } } }`;
export const ADD_MILESTONE = /* GraphQL */ `
  mutation ($input: AddMilestoneInput!) { addMilestone(input: $input) { id status } }`;
export const CERTIFY = /* GraphQL */ `
  mutation ($input: CertifyMilestoneInput!) { certifyMilestone(input: $input) { id status } }`;
export const WAIVE = /* GraphQL */ `
  mutation ($input: WaiveMilestoneInput!) { waiveMilestone(input: $input) { id status } }`;

export const REGISTER = /* GraphQL */ `
  mutation ($input: RegisterGuarantorInput!) { registerGuarantor(input: $input) { id name kind roles registeredAt } }`;
export const PLEDGE = /* GraphQL */ `
  mutation ($input: PledgeInput!) { pledge(input: $input) { id kind status amount { amount currency } agreement { id } guarantor { id } pledgedAt committedAt paidAt } }`;
export const ADVANCE = /* GraphQL */ `
  mutation ($input: AdvanceCommitmentInput!) { advanceCommitment(input: $input) { id status committedAt paidAt } }`;
export const OPEN_ACCOUNT = /* GraphQL */ `
  mutation ($input: OpenEscrowAccountInput!) { openEscrowAccount(input: $input) { id currency agreement { id } beneficiary { id } } }`;
export const DEPOSIT = /* GraphQL */ `
  mutation ($input: DepositToEscrowInput!) { depositToEscrow(input: $input) { id balance { amount currency } deposited { amount currency } } }`;
export const CREATE_TRANCHE = /* GraphQL */ `
  mutation ($input: CreateTrancheInput!) { createTranche(input: $input) { id status amount { amount currency } milestone { id } guarantor { id } escrowAccount { id } } }`;
export const APPROVE = /* GraphQL */ `
  mutation ($input: ApproveTrancheReleaseInput!) { approveTrancheRelease(input: $input) { id approval { approvedBy approvedAt note } } }`;
export const RELEASE = /* GraphQL */ `
  mutation ($input: ReleaseTrancheInput!) { releaseTranche(input: $input) { id status release { amount { amount currency } releasedAt releasedBy } } }`;
export const SET_PENALTY = /* GraphQL */ `
  mutation ($input: SetPenaltyScheduleInput!) { setPenaltySchedule(input: $input) { forfeitBasisPoints description agreement { id } } }`;
export const APPLY_PENALTY = /* GraphQL */ `
  mutation ($input: ApplyPenaltyInput!) { applyPenalty(input: $input) { id status penalty { basisPoints forfeited { amount currency } appliedBy } } }`;

let counter = 0;

/** An agreement with two parties (Day 0 = DAY0; phase 1 days 0–41, phase 2 days 42–83) created in milestones. */
export async function createAgreement(h: Harness) {
  counter += 1;
  const data = await h.milestonesOk(mediator, CREATE_AGREEMENT, {
    input: {
      title: `Ardenne Accord ${counter}`,
      entryIntoForceAt: DAY0,
      parties: [
        { name: `Government of Ardenne ${counter}`, kind: 'GOVERNMENT' },
        { name: `Coastal Liberation Front ${counter}`, kind: 'NON_STATE_ARMED_GROUP' },
      ],
      phases: [
        { ordinal: 1, name: 'Phase 1', startDay: 0, endDay: 41, permittedCargo: ['HUMANITARIAN_AID'] },
        { ordinal: 2, name: 'Phase 2', startDay: 42, endDay: 83, permittedCargo: ['HUMANITARIAN_AID', 'COMMERCIAL'] },
      ],
    },
  });
  const a = data.createAgreement;
  return { id: a.id as string, title: a.title as string, government: a.parties[0].id as string, movement: a.parties[1].id as string };
}

export async function addMilestone(h: Harness, agreement: { id: string; government: string }, dueDay = 30, title = 'First release of detainees', benchmarks?: Record<string, unknown>[]) {
  const data = await h.milestonesOk(mediator, ADD_MILESTONE, {
    input: { agreementId: agreement.id, phaseOrdinal: dueDay <= 41 ? 1 : 2, title, obligatedPartyId: agreement.government, dueDay, ...(benchmarks ? { benchmarks } : {}) },
  });
  return data.addMilestone.id as string;
}

/** The ids of a milestone's benchmarks, in the order they were added, as milestones serves them. */
export async function benchmarkIds(h: Harness, agreementId: string, milestoneId: string): Promise<string[]> {
  const data = await h.milestonesOk(mediator, `query ($id: ID!) { agreement(id: $id) { milestones { id benchmarks { id } } } }`, { id: agreementId });
  return data.agreement.milestones.find((m: any) => m.id === milestoneId).benchmarks.map((b: any) => b.id as string);
}

/** Certifies a milestone as met now (the shared clock decides MET or MET_LATE). */
export async function certify(h: Harness, milestoneId: string) {
  return (await h.milestonesOk(monitor, CERTIFY, { input: { milestoneId, evidence: [{ reference: 'JMC verification report 7' }] } })).certifyMilestone.status as string;
}

export async function registerGuarantor(h: Harness, name: string, kind = 'UN_BODY', roles = ['FUNDER']) {
  return (await h.ok(mediator, REGISTER, { input: { name, kind, roles } })).registerGuarantor.id as string;
}

export async function openAccount(h: Harness, agreementId: string, partyId: string, currency = 'USD') {
  return (await h.ok(mediator, OPEN_ACCOUNT, { input: { agreementId, beneficiaryPartyId: partyId, currency } })).openEscrowAccount.id as string;
}

export async function deposit(h: Harness, escrowAccountId: string, guarantorId: string, amount: string, currency = 'USD') {
  return (await h.ok(guarantorCaller(guarantorId), DEPOSIT, { input: { escrowAccountId, guarantorId, amount, currency } })).depositToEscrow;
}

export async function createTranche(h: Harness, escrowAccountId: string, milestoneId: string, guarantorId: string, amount: string, currency = 'USD') {
  return (await h.ok(mediator, CREATE_TRANCHE, { input: { escrowAccountId, milestoneId, guarantorId, amount, currency } })).createTranche;
}
