import { expect } from 'vitest';
import { silentLogger, type Caller } from '@treaty/service-kit';
import { caller, codes, execute, startSubgraphs, type GraphQLResult, testEvidenceLog } from '@treaty/testing';
import { milestones } from '@treaty/milestones';
import { corridors, entities, migrations } from '../src/server.js';

export { entities, migrations };

/** Day 0 of the test agreements; the clock starts on Day 19, in Phase 1. */
export const DAY0 = '2026-03-01T00:00:00.000Z';
export const NOW = '2026-03-20T10:00:00.000Z';
export const at = (day: number, hour = 12) => new Date(Date.parse(DAY0) + day * 86_400_000 + hour * 3_600_000).toISOString();

export const mediator = caller('MEDIATOR', { agency: 'Office of the Envoy' });
export const monitor = caller('MONITOR', { agency: 'Joint Monitoring Cell' });
export const relief = caller('AGENCY', { agency: 'Northgate Relief Consortium' });
export const medics = caller('AGENCY', { agency: 'Crescent Field Medics' });
export const partyCaller = caller('PARTY', { agency: 'Delegation of Norvale' });

export const TABLES = [
  'corridor',
  'corridor_closure',
  'convoy',
  'convoy_cargo_line',
  'convoy_event',
  'inspection',
  'inspection_rejected_item',
  'convoy_position',
  'convoy_position_conflict',
  'incident',
  'incident_verification',
  'localised_window',
  'localised_window_closure',
];

/**
 * Milestones and corridors on real HTTP with fresh databases, wired as peers (so corridors confirms
 * permitted cargo with milestones over the signed internal route), sharing one fixed clock. `run` sends
 * an operation to corridors as the gateway would; `local` runs it in-process on the same database, where
 * SQL statements can be counted.
 */
export async function startCorridors(now = NOW) {
  const subgraphs = await startSubgraphs([milestones, corridors], { now });
  const db = subgraphs.databases.corridors!.db;
  const built = await corridors.build({ db, clock: subgraphs.clock, logger: silentLogger, evidence: testEvidenceLog(corridors, subgraphs.clock, subgraphs.evidenceKeys.corridors) });
  const run = async <T = any>(who: Caller, query: string, variables?: Record<string, unknown>): Promise<GraphQLResult<T>> =>
    (await subgraphs.call<T>('corridors', who, query, variables)).body;
  const local = <T = any>(who: Caller, query: string, variables?: Record<string, unknown>) => execute<T>(built.server, built.context(who), query, variables);
  const onMilestones = async <T = any>(who: Caller, query: string, variables?: Record<string, unknown>): Promise<T> => {
    const r = (await subgraphs.call<T>('milestones', who, query, variables)).body;
    expect(r.errors).toBeUndefined();
    return r.data as T;
  };

  /**
   * Row counts of every table and of the evidence log's entries, to prove a refused write left nothing
   * behind. (Not the alert outbox: the clock's watcher adds telemetry-gap events to it at any moment.)
   */
  const counts = async () => {
    const rows = await db.query([...TABLES, 'evidence_entry'].map((t) => `SELECT '${t}' AS t, count(*)::int AS n FROM ${t}`).join(' UNION ALL '));
    return Object.fromEntries(rows.map((r: { t: string; n: number }) => [r.t, r.n])) as Record<string, number>;
  };

  /** Runs a refused write and checks its code and that no table changed. */
  const expectRefused = async (send: () => Promise<GraphQLResult<any>>, code: string, message?: RegExp) => {
    const before = await counts();
    const r = await send();
    expect(codes(r), JSON.stringify(r.errors)).toEqual([code]);
    if (message) expect(r.errors![0]!.message).toMatch(message);
    expect(await counts()).toEqual(before);
    return r;
  };

  /** A run that must succeed; returns its data. */
  const ok = async <T = any>(who: Caller, query: string, variables?: Record<string, unknown>): Promise<T> => {
    const r = await run<T>(who, query, variables);
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    return r.data as T;
  };

  let counter = 0;
  /** An agreement in milestones: Phase 1 (days 0–41) aid and medical evacuation, Phase 2 (42–83) everything. */
  const createAgreement = async () => {
    counter += 1;
    const data = await onMilestones(mediator, CREATE_AGREEMENT, {
      input: {
        title: `Corridor Accord ${counter}`,
        entryIntoForceAt: DAY0,
        parties: [
          { name: `Republic of Norvale ${counter}-${Math.random().toString(36).slice(2, 7)}`, kind: 'GOVERNMENT' },
          { name: `Eastern Highlands Movement ${counter}-${Math.random().toString(36).slice(2, 7)}`, kind: 'NON_STATE_ARMED_GROUP' },
        ],
        phases: [
          { ordinal: 1, name: 'Phase 1', startDay: 0, endDay: 41, permittedCargo: ['HUMANITARIAN_AID', 'MEDICAL_EVACUATION'] },
          { ordinal: 2, name: 'Phase 2', startDay: 42, endDay: 83, permittedCargo: ['HUMANITARIAN_AID', 'MEDICAL_EVACUATION', 'COMMERCIAL', 'FUEL', 'CIVILIAN_MOVEMENT'] },
        ],
      },
    });
    return data.createAgreement as { id: string; title: string; parties: { id: string; name: string }[] };
  };

  const createCorridor = async (agreementId: string, overrides: Record<string, unknown> = {}) => {
    counter += 1;
    const data = await ok(mediator, CREATE_CORRIDOR, {
      input: { agreementId, name: `Crossing ${counter}`, kind: 'LAND_CROSSING', latitude: 31.25, longitude: 34.29, ...overrides },
    });
    return data.createCorridor as { id: string; name: string; handles: string[] };
  };

  const requestConvoy = async (corridorId: string, who: Caller = relief, overrides: Record<string, unknown> = {}) => {
    const data = await ok(who, REQUEST_CONVOY, { input: { corridorId, cargo: [{ cargoClass: 'HUMANITARIAN_AID', tonnes: 120.5, trucks: 6 }], ...overrides } });
    return data.requestConvoy as { id: string; agency: string; status: string };
  };

  const advance = (who: Caller, convoyId: string, to: string, extra: Record<string, unknown> = {}) => run(who, ADVANCE, { input: { convoyId, to, ...extra } });

  const inspect = (convoyId: string, overrides: Record<string, unknown> = {}, who: Caller = monitor) =>
    run(who, RECORD_INSPECTION, {
      input: {
        convoyId,
        kind: 'PRIMARY',
        team: ['Joint Monitoring Cell', 'Northgate Customs Liaison'],
        startedAt: '2026-03-20T08:00:00Z',
        endedAt: '2026-03-20T09:30:00Z',
        result: 'PASSED',
        ...overrides,
      },
    });

  /**
   * Takes a new convoy to `status` through the ordinary steps, on the clock's day: requested at 06:00,
   * cleared at 06:30, at the crossing from 07:00, inspected 08:00–09:30, then on at the clock's time.
   */
  const convoyAt = async (corridorId: string, status: string, who: Caller = relief, overrides: Record<string, unknown> = {}) => {
    const day = subgraphs.clock.now().toISOString().slice(0, 10);
    const convoy = await requestConvoy(corridorId, who, { requestedAt: `${day}T06:00:00Z`, ...overrides });
    const steps: [Caller, string][] = [
      [monitor, 'CLEARED'],
      [who, 'AT_CROSSING'],
      [monitor, 'INSPECTED'],
      [who, 'IN_TRANSIT'],
      [who, 'DELIVERED'],
    ];
    for (const [by, to] of steps) {
      if (status === 'REQUESTED') break;
      if (to === 'INSPECTED') {
        const r = await inspect(convoy.id, { startedAt: `${day}T08:00:00Z`, endedAt: `${day}T09:30:00Z` });
        expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
      } else {
        const when = to === 'CLEARED' ? { at: `${day}T06:30:00Z` } : to === 'AT_CROSSING' ? { at: `${day}T07:00:00Z` } : {};
        const r = await advance(by, convoy.id, to, when);
        expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
      }
      if (to === status) break;
    }
    return convoy;
  };

  return { ...subgraphs, db, built, run, local, ok, onMilestones, counts, expectRefused, createAgreement, createCorridor, requestConvoy, advance, inspect, convoyAt };
}

export type Harness = Awaited<ReturnType<typeof startCorridors>>;

export const CREATE_AGREEMENT = /* GraphQL */ `
  mutation ($input: CreateAgreementInput!) { createAgreement(input: $input) { id title parties { id name } } }`;

export const ADD_MILESTONE = /* GraphQL */ `
  mutation ($input: AddMilestoneInput!) { addMilestone(input: $input) { id dueAt windowStartsAt } }`;

export const CREATE_CORRIDOR = /* GraphQL */ `
  mutation ($input: CreateCorridorInput!) {
    createCorridor(input: $input) { id name kind latitude longitude handles telemetryGapMinutes statusToday agreement { id } }
  }`;

export const RECORD_CLOSURE = /* GraphQL */ `
  mutation ($input: RecordCorridorClosureInput!) {
    recordCorridorClosure(input: $input) { id statusToday closures { startsAt endsAt cause note recordedBy } }
  }`;

export const REQUEST_CONVOY = /* GraphQL */ `
  mutation ($input: RequestConvoyInput!) {
    requestConvoy(input: $input) {
      id agency requestedBy requestedAt status allowedNextStatuses totalTrucks totalTonnes
      cargo { cargoClass tonnes trucks }
      events { from to at byAgency }
      corridor { id }
    }
  }`;

export const ADVANCE = /* GraphQL */ `
  mutation ($input: AdvanceConvoyInput!) {
    advanceConvoy(input: $input) { id status allowedNextStatuses events { from to at byAgency note } }
  }`;

export const RECORD_INSPECTION = /* GraphQL */ `
  mutation ($input: RecordInspectionInput!) {
    recordInspection(input: $input) {
      id kind team startedAt endedAt dwellMinutes result recordedBy
      rejectedItems { cargoClass description reason trucks tonnes }
      convoy { id status allowedNextStatuses }
    }
  }`;

export const RECORD_POSITIONS = /* GraphQL */ `
  mutation ($input: RecordConvoyPositionsInput!) {
    recordConvoyPositions(input: $input) {
      accepted new duplicates conflicts
      conflicting {
        index convoyId deviceId sequence differences storedFromIndex message
        onRecord { deviceId sequence deviceTime receivedAt latitude longitude }
        sent { deviceTime latitude longitude }
      }
      rejected { index deviceId sequence reasons message }
    }
  }`;

export const REPORT_INCIDENT = /* GraphQL */ `
  mutation ($input: ReportIncidentInput!) {
    reportIncident(input: $input) {
      id category occurredAt reportedSeverity severity verificationState reportedBy agreement { id } corridor { id } convoy { id }
    }
  }`;

export const VERIFY_INCIDENT = /* GraphQL */ `
  mutation ($input: VerifyIncidentInput!) {
    verifyIncident(input: $input) {
      id verificationState severity reportedSeverity attributedParty { id }
      verifications { state confidence severity attributedParty { id } findings verifiedBy }
    }
  }`;

export const ENTITIES = /* GraphQL */ `
  query ($representations: [_Any!]!) {
    _entities(representations: $representations) {
      __typename
      ... on Agreement { id corridors { id name } quietHours verifiedViolations verifiedMaterialViolationTimes deliveries { convoys trucks tonnes } }
      ... on Milestone { id trucksDelivered }
      ... on Party { id attributedViolations }
    }
  }`;
