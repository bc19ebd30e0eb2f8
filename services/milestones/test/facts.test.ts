import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caller } from '@treaty/testing';
import { Agreement, AgreementParty, Benchmark, Certification, Milestone, Phase, SnapBackClause, SnapBackLift, Waiver } from '../src/entities/index.js';
import { loadFacts } from '../src/facts.js';
import { ADD_MILESTONE, CERTIFY, CREATE_AGREEMENT, WAIVE, agreementInput, startMilestones } from './harness.js';

const mediator = caller('MEDIATOR', { agency: 'Office of the Envoy' });
const monitor = caller('MONITOR', { agency: 'Joint Monitoring Cell' });

let h: Awaited<ReturnType<typeof startMilestones>>;
let agreementId: string;
let milestoneIds: string[];
beforeAll(async () => {
  h = await startMilestones('2026-03-10T00:00:00Z');
  const a = (await h.run(mediator, CREATE_AGREEMENT, { input: agreementInput() })).data!.createAgreement;
  agreementId = a.id;
  const add = async (dueDay: number, title: string) =>
    (
      await h.run(mediator, ADD_MILESTONE, {
        input: {
          agreementId: a.id, phaseOrdinal: 1, title, obligatedPartyId: a.parties[dueDay % 2].id, dueDay,
          benchmarks: [{ metric: 'TRUCKS_DELIVERED', comparator: 'AT_LEAST', threshold: 12.5, description: 'Trucks in' }, { metric: 'QUIET_HOURS', comparator: 'AT_LEAST', threshold: 72 }],
        },
      })
    ).data!.addMilestone.id as string;
  milestoneIds = [await add(3, 'Lists exchanged'), await add(5, 'Crossing opened'), await add(5, 'Bridge cleared')];
  await h.run(monitor, CERTIFY, { input: { milestoneId: milestoneIds[0], metAt: '2026-03-03T09:00:00Z', evidence: [{ reference: 'JMC report 14', sha256: 'a'.repeat(64) }] } });
  await h.run(mediator, WAIVE, { input: { milestoneId: milestoneIds[1], reason: 'Superseded by the revised schedule of 9 March' } });
  await h.run(mediator, 'mutation ($input: AddSnapBackClauseInput!) { addSnapBackClause(input: $input) { id } }', {
    input: { agreementId: a.id, trigger: 'MILESTONE_MISSED', reverts: 'Phase 2 cargo' },
  });
});
afterAll(() => h?.drop());

/** What TypeORM hydrates, without relations and key order, for comparing with the facts. */
const plain = (rows: object[]) => rows.map((r) => JSON.parse(JSON.stringify(r)));

describe("an agreement's facts in one statement", () => {
  it('hold exactly what TypeORM reads, row for row, in the loaders\' order', async () => {
    const [facts, ...more] = await loadFacts(h.db, [agreementId], []);
    expect(more).toEqual([]);
    const repo = h.db.manager;
    const milestones = await repo.find(Milestone, { where: { agreementId }, order: { dueDay: 'ASC', title: 'ASC' } });
    expect(plain(facts!.milestones)).toEqual(plain(milestones));
    expect(facts!.milestones.map((m) => m.title)).toEqual(['Lists exchanged', 'Bridge cleared', 'Crossing opened']);
    expect(plain([facts!.agreement])).toEqual(plain([await repo.findOneByOrFail(Agreement, { id: agreementId })]));
    expect(facts!.agreement.entryIntoForceAt).toBeInstanceOf(Date);
    expect(plain(facts!.phases)).toEqual(plain(await repo.find(Phase, { where: { agreementId }, order: { ordinal: 'ASC' } })));
    const parties = await repo.find(AgreementParty, { where: { agreementId }, relations: { party: true }, order: { party: { name: 'ASC' } } });
    expect(plain(facts!.parties)).toEqual(plain(parties));
    const ids = milestones.map((m) => m.id);
    const byMilestoneThenPosition = (a: Benchmark, b: Benchmark) => (a.milestoneId < b.milestoneId ? -1 : a.milestoneId > b.milestoneId ? 1 : a.position - b.position);
    const benchmarks = (await repo.find(Benchmark, { where: ids.map((milestoneId) => ({ milestoneId })) })).sort(byMilestoneThenPosition);
    expect(benchmarks).toHaveLength(6);
    expect(plain(facts!.benchmarks)).toEqual(plain(benchmarks));
    expect(plain(facts!.certifications)).toEqual(plain(await repo.find(Certification, { where: ids.map((milestoneId) => ({ milestoneId })) })));
    expect(facts!.certifications[0]!.metAt).toEqual(new Date('2026-03-03T09:00:00Z'));
    expect(plain(facts!.waivers)).toEqual(plain(await repo.find(Waiver, { where: ids.map((milestoneId) => ({ milestoneId })) })));
    expect(plain(facts!.clauses)).toEqual(plain(await repo.find(SnapBackClause, { where: { agreementId } })));
    expect(plain(facts!.lifts)).toEqual(plain(await repo.find(SnapBackLift, { where: { agreementId } })));
    expect(facts!.rulings).toEqual([]);
  });

  it('are found from a milestone as from its agreement, once per agreement, and not at all for unknown ids', async () => {
    const byMilestone = await loadFacts(h.db, [], [milestoneIds[2]!, milestoneIds[0]!]);
    expect(byMilestone.map((f) => f.agreement.id)).toEqual([agreementId]);
    const both = await loadFacts(h.db, [agreementId], [milestoneIds[1]!]);
    expect(both).toHaveLength(1);
    expect(await loadFacts(h.db, ['00000000-0000-4000-8000-000000000000'], ['00000000-0000-4000-8000-000000000001'])).toEqual([]);
  });

  it('answer the agreement and its milestones in one statement for the whole request', async () => {
    const { statements } = await import('@treaty/service-kit');
    const query = `query ($id: ID!) { agreement(id: $id) { title phases { name milestones { title } } milestones { title status obligatedParty { name } benchmarks { metric } certifications { verifier } waivers { reason } } scorecard { met missed } snapBackClauses { trigger } } }`;
    const { result, count } = await statements.measure(() => h.run(mediator, query, { id: agreementId }));
    expect(result.errors).toBeUndefined();
    expect(result.data!.agreement.milestones.map((m: any) => m.status)).toEqual(['MET', 'MISSED', 'WAIVED']);
    // One credential claim is not counted here (h.run calls the server in-process): the facts alone.
    expect(count).toBe(1);
  });
});
