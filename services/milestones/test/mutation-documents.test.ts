import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caller } from '@treaty/testing';
import { CREATE_AGREEMENT, agreementInput, startMilestones } from './harness.js';

// graphql-js runs a document's root mutation fields one after another: each answer must show its own
// write and every earlier one, never what an earlier field's selection read (kit subgraph.ts, forgettingReads).

const mediator = caller('MEDIATOR', { agency: 'Office of the Envoy' });

let h: Awaited<ReturnType<typeof startMilestones>>;
beforeAll(async () => {
  h = await startMilestones();
});
afterAll(async () => {
  await h?.drop();
});

async function createAgreement() {
  const r = await h.run(mediator, CREATE_AGREEMENT, { input: agreementInput() });
  expect(r.errors).toBeUndefined();
  return r.data!.createAgreement as { id: string; parties: { id: string }[] };
}

const milestone = (a: { id: string; parties: { id: string }[] }, title: string, dueDay: number) => ({ agreementId: a.id, phaseOrdinal: 1, title, obligatedPartyId: a.parties[0]!.id, dueDay });
const ANSWER = `id status agreement { milestones { title status } phases { milestones { title } } }`;

describe('two root mutation fields in one document', () => {
  it('answers the second milestone added with its own write and the first', async () => {
    const a = await createAgreement();
    const r = await h.run(
      mediator,
      /* GraphQL */ `
        mutation ($i: AddMilestoneInput!, $j: AddMilestoneInput!) {
          a: addMilestone(input: $i) { ${ANSWER} }
          c: addMilestone(input: $j) { ${ANSWER} }
        }`,
      { i: milestone(a, 'Opening of the northern crossing', 10), j: milestone(a, 'First detainee release', 20) },
    );
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    const data = r.data as any;
    expect(data.a.agreement).toEqual({ milestones: [{ title: 'Opening of the northern crossing', status: 'PENDING' }], phases: [{ milestones: [{ title: 'Opening of the northern crossing' }] }, { milestones: [] }] });
    expect(data.c.agreement).toEqual({
      milestones: [
        { title: 'Opening of the northern crossing', status: 'PENDING' },
        { title: 'First detainee release', status: 'PENDING' },
      ],
      phases: [{ milestones: [{ title: 'Opening of the northern crossing' }, { title: 'First detainee release' }] }, { milestones: [] }],
    });
  });

  it('answers a milestone added after a waiver with the waived status the first field wrote', async () => {
    const a = await createAgreement();
    const added = await h.run(mediator, `mutation ($i: AddMilestoneInput!) { addMilestone(input: $i) { id } }`, { i: milestone(a, 'Withdrawal from the ridge', 15) });
    expect(added.errors).toBeUndefined();
    const r = await h.run(
      mediator,
      /* GraphQL */ `
        mutation ($w: WaiveMilestoneInput!, $i: AddMilestoneInput!) {
          w: waiveMilestone(input: $w) { ${ANSWER} }
          n: addMilestone(input: $i) { ${ANSWER} }
        }`,
      { w: { milestoneId: added.data!.addMilestone.id, reason: 'Superseded by the revised schedule of 9 March' }, i: milestone(a, 'Revised withdrawal from the ridge', 25) },
    );
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    const data = r.data as any;
    expect(data.w.status).toBe('WAIVED');
    expect(data.w.agreement.milestones).toEqual([{ title: 'Withdrawal from the ridge', status: 'WAIVED' }]);
    expect(data.n.agreement.milestones).toEqual([
      { title: 'Withdrawal from the ridge', status: 'WAIVED' },
      { title: 'Revised withdrawal from the ridge', status: 'PENDING' },
    ]);
  });
});
