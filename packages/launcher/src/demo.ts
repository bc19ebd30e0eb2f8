import { DAY_MS, type Role } from '@treaty/service-kit';
import { gql } from './client.js';

/**
 * The demo scenario: a fictional ceasefire between two invented parties. Everything goes through the
 * gateway's public mutations with the roles a real deployment would use, so the demo exercises the
 * same rules as production. Day 0 is three and a half weeks ago, so the clock shows progress.
 */
export interface DemoTokens {
  mediator: string;
  monitor: string;
}

/**
 * What a subgraph's demo step receives: the milestones demo's ids, the calendar, and a way to call the
 * gateway as any partner agency. Each subgraph's demo lives in demo-<name>.ts and uses only this.
 */
export interface DemoContext extends DemoResult {
  /** A client for the gateway acting as the given agency and roles; throws on any GraphQL error. */
  as(claims: { agency: string; roles: Role[]; partyId?: string; guarantorId?: string; subject?: string }): <T = any>(query: string, variables?: Record<string, unknown>) => Promise<T>;
  /** The ISO instant `hour` hours into day `day` of the agreement. */
  at(day: number, hour?: number): string;
  now: Date;
  progress(msg: string): void;
}

export interface DemoResult {
  day0: Date;
  agreementId: string;
  partyIds: { government: string; movement: string };
  milestoneIds: Record<string, string>;
  /** The receipt of the demo's confidential report (loadAllDemos only): the key to follow it without a token. */
  confidentialReceipt?: string;
}

export async function loadDemo(url: string, tokens: DemoTokens, progress: (msg: string) => void, now = new Date()): Promise<DemoResult> {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const day0 = new Date(today - 24 * DAY_MS);
  const at = (day: number, hour = 12) => new Date(day0.getTime() + day * DAY_MS + hour * 3_600_000).toISOString();

  progress('agreement, parties and phases');
  const { createAgreement: agreement } = await gql(
    url,
    `mutation ($input: CreateAgreementInput!) { createAgreement(input: $input) { id parties { id name } } }`,
    {
      input: {
        title: 'Veltria Ceasefire and Phased Exchange Framework',
        mediator: 'Office of the Special Envoy for Veltria',
        entryIntoForceAt: day0.toISOString(),
        parties: [
          { name: 'Republic of Veltria', kind: 'GOVERNMENT' },
          { name: 'Northern Ridge Alliance', kind: 'NON_STATE_ARMED_GROUP' },
        ],
        phases: [
          { ordinal: 1, name: 'Phase 1 — stabilisation and first exchanges', startDay: 0, endDay: 41, permittedCargo: ['HUMANITARIAN_AID', 'MEDICAL_EVACUATION'] },
          {
            ordinal: 2,
            name: 'Phase 2 — reopening and remaining exchanges',
            startDay: 42,
            endDay: 83,
            permittedCargo: ['HUMANITARIAN_AID', 'MEDICAL_EVACUATION', 'COMMERCIAL', 'FUEL', 'CIVILIAN_MOVEMENT'],
          },
        ],
        proofOfLifeMaxAgeDays: 14,
      },
    },
    tokens.mediator,
  );
  const government = agreement.parties.find((p: any) => p.name === 'Republic of Veltria').id;
  const movement = agreement.parties.find((p: any) => p.name === 'Northern Ridge Alliance').id;

  const milestones: Record<string, string> = {};
  const add = async (key: string, input: Record<string, unknown>) => {
    const r = await gql(url, `mutation ($input: AddMilestoneInput!) { addMilestone(input: $input) { id } }`, { input: { agreementId: agreement.id, ...input } }, tokens.mediator);
    milestones[key] = r.addMilestone.id;
  };
  progress('milestones and benchmarks');
  await add('lists', {
    phaseOrdinal: 1,
    title: 'Exchange of complete detainee lists',
    description: 'Each party hands the intermediary a full list of the detainees it holds.',
    obligatedPartyId: movement,
    dueDay: 7,
  });
  await add('firstRelease', {
    phaseOrdinal: 1,
    title: 'First release of priority detainees',
    description: 'Women, children, the sick and the elderly first, under the agreed ratios.',
    obligatedPartyId: government,
    dueDay: 30,
    benchmarks: [
      { metric: 'PRIORITY_DETAINEES_RELEASED', comparator: 'AT_LEAST', threshold: 6, description: 'At least six priority detainees released' },
      { metric: 'ESCROW_FUNDED_RATIO', comparator: 'AT_LEAST', threshold: 1, description: 'Tranche fully funded in escrow' },
    ],
  });
  await add('aidCorridor', {
    phaseOrdinal: 1,
    title: 'Sustained aid through the Sorrel corridor',
    obligatedPartyId: movement,
    dueDay: 30,
    benchmarks: [
      { metric: 'TRUCKS_DELIVERED', comparator: 'AT_LEAST', threshold: 120, description: 'At least 120 trucks delivered through the window' },
      { metric: 'QUIET_HOURS', comparator: 'AT_LEAST', threshold: 72, description: '72 hours without a verified material violation' },
    ],
  });
  await add('reopening', {
    phaseOrdinal: 2,
    title: 'Reopening of the Sorrel crossing to commercial cargo',
    obligatedPartyId: government,
    dueDay: 60,
    benchmarks: [{ metric: 'TRUCKS_DELIVERED', comparator: 'AT_LEAST', threshold: 200 }],
  });
  await add('secondRelease', {
    phaseOrdinal: 2,
    title: 'Release of all remaining detainees',
    obligatedPartyId: movement,
    dueDay: 60,
    benchmarks: [{ metric: 'DETAINEES_RELEASED', comparator: 'AT_LEAST', threshold: 20 }],
  });
  // The calendar of statements and domestic steps (DESIGN §13): a joint communiqué both parties issued in
  // step on Day 13, and a law the government's parliament is to pass by Day 35.
  await add('communique', {
    phaseOrdinal: 1,
    title: 'Joint communiqué on the first two weeks of the ceasefire',
    obligatedPartyId: government,
    dueDay: 14,
    kind: 'STATEMENT',
    statement: { form: 'JOINT_COMMUNIQUE', synchronisedWithPartyIds: [movement], toleranceHours: 12 },
  });
  await add('amnestyLaw', {
    phaseOrdinal: 1,
    title: 'Amnesty law for conflict-related detentions passed',
    obligatedPartyId: government,
    dueDay: 35,
    kind: 'DOMESTIC_STEP',
    domesticStep: { form: 'LAW_PASSED', institution: 'National Assembly of the Republic of Veltria' },
  });

  progress('certifications');
  await gql(
    url,
    `mutation ($input: CertifyMilestoneInput!) { certifyMilestone(input: $input) { id } }`,
    { input: { milestoneId: milestones.lists, metAt: at(6), evidence: [{ reference: 'Intermediary receipt of lists, ref. VEL-LIST-001', description: 'Both lists received complete' }] } },
    tokens.monitor,
  );
  await gql(
    url,
    `mutation ($input: CertifyMilestoneInput!) { certifyMilestone(input: $input) { id } }`,
    {
      input: {
        milestoneId: milestones.communique,
        issuances: [
          { partyId: government, issuedAt: at(13, 10), reference: 'Office of the President of Veltria, statement 2026/031' },
          { partyId: movement, issuedAt: at(13, 16), reference: 'Northern Ridge Alliance radio address, Day 13 evening bulletin' },
        ],
        evidence: [{ reference: 'Joint Monitoring Cell note JMC-COM-004', description: 'Both texts compared: identical commitments' }],
      },
    },
    tokens.monitor,
  );
  return { agreementId: agreement.id, partyIds: { government, movement }, milestoneIds: milestones, day0 };
}
