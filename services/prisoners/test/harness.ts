import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { DAY_MS, HOUR_MS, silentLogger, type Caller } from '@treaty/service-kit';
import { caller, codes, execute, startSubgraphs, type GraphQLResult, testEvidenceLog } from '@treaty/testing';
import { milestones } from '@treaty/milestones';
import { prisoners } from '../src/server.js';

export const DAY0 = '2026-03-01T00:00:00.000Z';
/** The ISO instant `hour` hours into day `day` of the test agreements (all enter into force at DAY0). */
export const at = (day: number, hour = 12) => new Date(Date.parse(DAY0) + day * DAY_MS + hour * HOUR_MS).toISOString();
/** The test clock's usual "now": Day 19 of the agreements. */
export const NOW = at(19, 0);

// Both state why they read personal data (X-Purpose), as every such read must.
export const mediator = caller('MEDIATOR', { agency: 'Office of the Envoy', purpose: 'audit' });
export const intermediary = caller('INTERMEDIARY', { agency: 'Neutral Humanitarian Intermediary', subject: 'delegate-7', purpose: 'release-verification' });
export const monitor = caller('MONITOR', { agency: 'Joint Monitoring Cell' });
export const partyOf = (partyId: string) => caller('PARTY', { agency: `Delegation of ${partyId.slice(0, 8)}`, partyId });

const TABLES = [
  'detainee',
  'proof_of_life',
  'list_deadline',
  'detainee_list',
  'detainee_list_entry',
  'exchange_wave',
  'exchange_wave_ratio',
  'manifest_entry',
  'remains_identification',
  'personal_data_access',
  'evidence_entry',
];

export const REGISTER = /* GraphQL */ `
  mutation ($input: RegisterDetaineeInput!) { registerDetainee(input: $input) { id category holdingParty { id } affiliatedParty { id } } }`;
export const SUBMIT_LIST = /* GraphQL */ `
  mutation ($input: SubmitDetaineeListInput!) {
    submitDetaineeList(input: $input) { id submittedAt late submittingParty { id } entries { id status commentDueAt detainee { id } } }
  }`;
export const CONTEST = /* GraphQL */ `
  mutation ($input: ContestListEntryInput!) { contestListEntry(input: $input) { id status overdue contest { reason note party { id } contestedBy } } }`;
export const RESOLVE = /* GraphQL */ `
  mutation ($input: ResolveListEntryInput!) { resolveListEntry(input: $input) { id status resolution { outcome note resolvedBy } } }`;
export const SET_DEADLINES = /* GraphQL */ `
  mutation ($input: SetListDeadlinesInput!) {
    setListDeadlines(input: $input) { submissionDueAt commentDueAt commentPeriodOpen settlement overdue submissions { party { id } status firstSubmittedAt } }
  }`;
export const PLAN_WAVE = /* GraphQL */ `
  mutation ($input: PlanExchangeWaveInput!) {
    planExchangeWave(input: $input) {
      id sequence status scheduledAt milestone { id } agreement { id }
      ratio { baseParty { id } terms { category counterpartPerDetainee } requiredCounterpart counterpartOnManifest met }
      sequencingException { reason recordedBy }
    }
  }`;
const WAVE_FIELDS = `id sequence status manifestSize released declined sealedAt ratio { requiredCounterpart counterpartOnManifest met } manifest { status detainee { id } }`;
export const ADD = `mutation ($input: ManifestChangeInput!) { addToManifest(input: $input) { ${WAVE_FIELDS} } }`;
export const REMOVE = `mutation ($input: ManifestChangeInput!) { removeFromManifest(input: $input) { ${WAVE_FIELDS} } }`;
export const SEAL = `mutation ($input: SealManifestInput!) { sealManifest(input: $input) { ${WAVE_FIELDS} } }`;
export const EXCEPTION = `mutation ($input: RecordSequencingExceptionInput!) { recordSequencingException(input: $input) { id sequencingException { reason recordedBy } } }`;
export const PROOF = /* GraphQL */ `
  mutation ($input: RecordProofOfLifeInput!) { recordProofOfLife(input: $input) { id method observedAt verifier recordedBy } }`;
export const HANDOVER = /* GraphQL */ `
  mutation ($input: ConfirmHandoverInput!) {
    confirmHandover(input: $input) {
      id status wave { id status released declined }
      detainee { id released releasedAt }
      handover { interview fitToTravel confirmedAt confirmedBy }
    }
  }`;

export const REGISTER_REMAINS = /* GraphQL */ `
  mutation ($input: RegisterRemainsInput!) { registerRemains(input: $input) { id category name dateOfBirth holdingParty { id } affiliatedParty { id } } }`;
export const IDENTIFY = /* GraphQL */ `
  mutation ($input: RecordRemainsIdentificationInput!) {
    recordRemainsIdentification(input: $input) { id method identifiedBy identifiedAt evidenceReference findings recordedBy logEntry { kind subject entry } }
  }`;
export const REMAINS_HANDOVER = /* GraphQL */ `
  mutation ($input: ConfirmRemainsHandoverInput!) {
    confirmRemainsHandover(input: $input) {
      id status handover { interview }
      wave { id status manifestSize released remainsOnManifest remainsRepatriated }
      detainee { id released releasedAt repatriatedAt }
      remainsHandover { confirmedAt confirmedBy identification { id method } logEntry { kind subject entry } }
    }
  }`;

const CREATE_AGREEMENT = /* GraphQL */ `
  mutation ($input: CreateAgreementInput!) { createAgreement(input: $input) { id title parties { id name } } }`;
const ADD_MILESTONE = /* GraphQL */ `
  mutation ($input: AddMilestoneInput!) { addMilestone(input: $input) { id } }`;

export type Category = 'CHILD' | 'WOMAN' | 'MEDICAL' | 'ELDERLY' | 'OTHER';

/** An agreement in the milestones service with its parties and two milestones, as the tests use it. */
export interface World {
  agreementId: string;
  title: string;
  gov: string;
  mov: string;
  /** A third party, when asked for. */
  third: string | null;
  milestoneIds: [string, string];
}

let counter = 0;

/**
 * The milestones and prisoners subgraphs on real HTTP with fresh databases, wired as peers (so
 * prisoners confirms agreements with milestones over the authenticated internal call), plus an
 * in-process prisoners server on the same database for counting SQL statements.
 */
export async function startPrisoners(now = NOW) {
  const subgraphs = await startSubgraphs([milestones, prisoners], { now });
  const db = subgraphs.databases.prisoners!.db;
  const built = await prisoners.build({ db, clock: subgraphs.clock, logger: silentLogger, dataKeys: subgraphs.dataKeys, evidence: testEvidenceLog(prisoners, subgraphs.clock, subgraphs.evidenceKeys.prisoners) });

  /** An operation sent to the prisoners subgraph over HTTP, signed as the gateway would. */
  const run = async <T = any>(who: Caller, query: string, variables: Record<string, unknown> = {}): Promise<GraphQLResult<T>> =>
    (await subgraphs.call<T>('prisoners', who, query, variables)).body;
  /** The same, in process (no peer calls): for reads whose SQL statements a test counts. */
  const local = <T = any>(who: Caller, query: string, variables?: Record<string, unknown>): Promise<GraphQLResult<T>> =>
    execute<T>(built.server, built.context(who), query, variables);
  const ms = async <T = any>(who: Caller, query: string, variables: Record<string, unknown> = {}) => {
    const r = await subgraphs.call<T>('milestones', who, query, variables);
    expect(r.body.errors).toBeUndefined();
    return r.body.data as T;
  };

  /** Row counts of every table, to prove a refused write left nothing behind. */
  const counts = async () => {
    const rows = await db.query(TABLES.map((t) => `SELECT '${t}' AS t, count(*)::int AS n FROM ${t}`).join(' UNION ALL '));
    return Object.fromEntries(rows.map((r: { t: string; n: number }) => [r.t, r.n])) as Record<string, number>;
  };

  /** Runs a refused write and checks its code and that no table changed. */
  const expectRefused = async (send: () => Promise<GraphQLResult>, code: string, messagePart?: RegExp) => {
    const before = await counts();
    const r = await send();
    expect(codes(r), JSON.stringify(r.errors)).toEqual([code]);
    if (messagePart) expect(r.errors![0]!.message).toMatch(messagePart);
    expect(await counts()).toEqual(before);
    return r;
  };

  const ok = async <T = any>(who: Caller, query: string, variables: Record<string, unknown> = {}): Promise<T> => {
    const r = await run<T>(who, query, variables);
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    return r.data as T;
  };

  /** A new agreement (Day 0 = DAY0) with two parties (three if asked) and two milestones. */
  const world = async (opts: { proofOfLifeMaxAgeDays?: number; threeParties?: boolean } = {}): Promise<World> => {
    counter += 1;
    const names = [`Republic of Ostrava ${counter}-${randomUUID().slice(0, 4)}`, `Southern Plains Front ${counter}-${randomUUID().slice(0, 4)}`];
    if (opts.threeParties) names.push(`Coastal Militia ${counter}-${randomUUID().slice(0, 4)}`);
    const { createAgreement: a } = await ms<any>(mediator, CREATE_AGREEMENT, {
      input: {
        title: `Ostrava Exchange Framework ${counter}`,
        entryIntoForceAt: DAY0,
        parties: names.map((name, i) => ({ name, kind: i === 0 ? 'GOVERNMENT' : 'NON_STATE_ARMED_GROUP' })),
        phases: [{ ordinal: 1, name: 'Phase 1', startDay: 0, endDay: 41, permittedCargo: ['HUMANITARIAN_AID'] }],
        proofOfLifeMaxAgeDays: opts.proofOfLifeMaxAgeDays ?? 14,
      },
    });
    const id = (name: string) => a.parties.find((p: any) => p.name === name).id as string;
    const milestone = async (title: string, dueDay: number) =>
      (await ms<any>(mediator, ADD_MILESTONE, { input: { agreementId: a.id, phaseOrdinal: 1, title, obligatedPartyId: id(names[0]!), dueDay } })).addMilestone.id as string;
    return {
      agreementId: a.id,
      title: a.title,
      gov: id(names[0]!),
      mov: id(names[1]!),
      third: names[2] ? id(names[2]) : null,
      milestoneIds: [await milestone('First release', 30), await milestone('Second release', 40)],
    };
  };

  /** Registers a detainee held by `holder` and belonging to `affiliated`, as the intermediary. */
  const register = async (w: World, holder: string, category: Category, affiliated?: string): Promise<string> => {
    const r = await ok(intermediary, REGISTER, {
      input: {
        agreementId: w.agreementId,
        name: `Person ${randomUUID().slice(0, 6)}`,
        dateOfBirth: category === 'CHILD' ? '2011-06-15' : category === 'ELDERLY' ? '1950-02-02' : '1984-09-30',
        holdingPartyId: holder,
        affiliatedPartyId: affiliated ?? (holder === w.gov ? w.mov : w.gov),
        category,
        medicalNotes: category === 'MEDICAL' ? 'Insulin-dependent diabetes' : null,
      },
    });
    return r.registerDetainee.id;
  };

  /** A list recorded by the mediator as handed over at `submittedAt` (Day 1 by default); returns entry ids by detainee. */
  const list = async (w: World, partyId: string, detaineeIds: string[], submittedAt: string | null = at(1)) => {
    const r = await ok(mediator, SUBMIT_LIST, { input: { agreementId: w.agreementId, submittingPartyId: partyId, detaineeIds, ...(submittedAt ? { submittedAt } : {}) } });
    return Object.fromEntries(r.submitDetaineeList.entries.map((e: any) => [e.detainee.id, e.id])) as Record<string, string>;
  };

  /** Sets the list timetable: lists by Day 2, comments by Day 5 (both past at NOW, so Day-1 lists are AGREED). */
  const deadlines = (w: World, submissionDueAt = at(2, 0), commentDueAt = at(5, 0)) =>
    ok(mediator, SET_DEADLINES, { input: { agreementId: w.agreementId, submissionDueAt, commentDueAt } });

  /** Registers detainees and lists them so that they are AGREED (the world must have deadlines set). */
  const agreed = async (w: World, holder: string, category: Category, n = 1): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push(await register(w, holder, category));
    await list(w, holder, ids);
    return ids;
  };

  const plan = async (w: World, input: Record<string, unknown> = {}) =>
    (await ok(mediator, PLAN_WAVE, { input: { agreementId: w.agreementId, milestoneId: w.milestoneIds[0], sequence: 1, scheduledAt: at(25), ...input } })).planExchangeWave;

  const proof = (detaineeId: string, observedAt = at(12)) =>
    ok(intermediary, PROOF, { input: { detaineeId, method: 'VISIT', observedAt, verifier: 'Delegation North' } });

  const handover = (waveId: string, detaineeId: string, extra: Record<string, unknown> = {}) =>
    run(intermediary, HANDOVER, {
      input: { waveId, detaineeId, interview: 'CONSENTS', medicalCheck: { fitToTravel: true, notes: 'Stable' }, confirmedAt: at(18), ...extra },
    });

  /** Registers remains held by `holder` (returning to the other side), as the intermediary; no date of birth unless given. */
  const registerRemains = async (w: World, holder: string, extra: Record<string, unknown> = {}): Promise<string> => {
    const r = await ok(intermediary, REGISTER_REMAINS, {
      input: { agreementId: w.agreementId, name: `Deceased ${randomUUID().slice(0, 6)}`, holdingPartyId: holder, affiliatedPartyId: holder === w.gov ? w.mov : w.gov, ...extra },
    });
    return r.registerRemains.id;
  };

  /** Registers remains and lists them so that they are AGREED (the world must have deadlines set). */
  const agreedRemains = async (w: World, holder: string, n = 1): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push(await registerRemains(w, holder));
    await list(w, holder, ids);
    return ids;
  };

  /** The intermediary's identification of remains (by DNA on Day 12 unless told otherwise). */
  const identify = (detaineeId: string, extra: Record<string, unknown> = {}) =>
    run(intermediary, IDENTIFY, {
      input: { detaineeId, method: 'DNA', identifiedBy: 'Forensic team, Sorrel institute', identifiedAt: at(12), evidenceReference: `IFM-${randomUUID().slice(0, 8)}`, ...extra },
    });

  const remainsHandover = (waveId: string, detaineeId: string, extra: Record<string, unknown> = {}) =>
    run(intermediary, REMAINS_HANDOVER, { input: { waveId, detaineeId, confirmedAt: at(18), ...extra } });

  return { ...subgraphs, db, built, run, local, ms, ok, counts, expectRefused, world, register, list, deadlines, agreed, plan, proof, handover, registerRemains, agreedRemains, identify, remainsHandover };
}

export type Harness = Awaited<ReturnType<typeof startPrisoners>>;
