import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caller, anonymous } from '@treaty/testing';
import { statements } from '@treaty/service-kit';
import { ADD_MILESTONE, CREATE_AGREEMENT, agreementInput, startMilestones } from './harness.js';

const mediator = caller('MEDIATOR');
let h: Awaited<ReturnType<typeof startMilestones>>;
let agreement: any;
let milestoneIds: string[];

/** The query the gateway sends to resolve references: `_entities` with `__typename` and the key fields. */
const ENTITIES = /* GraphQL */ `
  query ($representations: [_Any!]!) {
    _entities(representations: $representations) {
      __typename
      ... on Agreement { id title currentDay }
      ... on Milestone { id title dueDay dueAt status agreement { id } obligatedParty { name } benchmarks { metric } }
      ... on Party { id name kind agreements { id } }
    }
  }`;

beforeAll(async () => {
  h = await startMilestones();
  agreement = (await h.run(mediator, CREATE_AGREEMENT, { input: agreementInput() })).data!.createAgreement;
  milestoneIds = [];
  for (let i = 0; i < 12; i++) {
    const r = await h.run(mediator, ADD_MILESTONE, {
      input: { agreementId: agreement.id, phaseOrdinal: 1 + (i % 2), title: `M${i}`, obligatedPartyId: agreement.parties[i % 2].id, dueDay: i % 2 ? 50 + i : 10 + i, benchmarks: [{ metric: 'QUIET_HOURS', comparator: 'AT_LEAST', threshold: 72 }] },
    });
    milestoneIds.push(r.data!.addMilestone.id);
  }
});
afterAll(async () => {
  await h?.drop();
});

describe('_entities, as the gateway calls it', () => {
  it('resolves Agreement by id', async () => {
    const r = await h.run(anonymous, ENTITIES, { representations: [{ __typename: 'Agreement', id: agreement.id }] });
    expect(r.errors).toBeUndefined();
    expect(r.data!._entities[0]).toMatchObject({ __typename: 'Agreement', id: agreement.id, title: agreement.title });
  });

  it('resolves Milestone by id with its derived fields', async () => {
    const r = await h.run(anonymous, ENTITIES, { representations: [{ __typename: 'Milestone', id: milestoneIds[0] }] });
    expect(r.errors).toBeUndefined();
    expect(r.data!._entities[0]).toMatchObject({ __typename: 'Milestone', id: milestoneIds[0], title: 'M0', dueDay: 10, status: 'PENDING', agreement: { id: agreement.id } });
  });

  it('resolves Party by id', async () => {
    const party = agreement.parties[0];
    const r = await h.run(anonymous, ENTITIES, { representations: [{ __typename: 'Party', id: party.id }] });
    expect(r.data!._entities[0]).toMatchObject({ __typename: 'Party', id: party.id, name: party.name, agreements: [{ id: agreement.id }] });
  });

  it('answers null for unknown and malformed ids, in order, without failing the batch', async () => {
    const r = await h.run(anonymous, ENTITIES, {
      representations: [
        { __typename: 'Milestone', id: '00000000-0000-4000-8000-00000000abcd' },
        { __typename: 'Milestone', id: 'nonsense' },
        { __typename: 'Milestone', id: milestoneIds[1] },
      ],
    });
    expect(r.errors).toBeUndefined();
    expect(r.data!._entities.map((e: any) => e?.id ?? null)).toEqual([null, null, milestoneIds[1]]);
  });

  it('runs the same number of SQL statements for 2 or 12 milestones', async () => {
    const measure = async (ids: string[]) =>
      (await statements.measure(() => h.run(anonymous, ENTITIES, { representations: ids.map((id) => ({ __typename: 'Milestone', id })) }))).count;
    const few = await measure(milestoneIds.slice(0, 2));
    const many = await measure(milestoneIds);
    expect(few).toBeGreaterThan(0);
    expect(many).toBe(few);
  });
});

describe('bounded statements for lists', () => {
  it('answers the agreement tree with a fixed number of statements, whatever the number of milestones', async () => {
    const query = `{ agreements { title currentDay currentPhase { name } parties { name agreements { title } } phases { startsAt milestones { title } }
      milestones { title dueAt status phase { ordinal } obligatedParty { name } benchmarks { metric } certifications { verifier } waivers { reason } } } }`;
    const first = await statements.measure(() => h.run(anonymous, query));
    expect(first.result.errors).toBeUndefined();
    for (let i = 0; i < 20; i++) {
      await h.run(mediator, ADD_MILESTONE, { input: { agreementId: agreement.id, phaseOrdinal: 1, title: `Extra ${i}`, obligatedPartyId: agreement.parties[0].id, dueDay: 5 } });
    }
    const second = await statements.measure(() => h.run(anonymous, query));
    expect(second.result.data!.agreements[0].milestones.length).toBe(32);
    expect(second.count).toBe(first.count);
  });
});
