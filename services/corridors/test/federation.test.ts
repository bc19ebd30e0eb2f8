import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statements } from '@treaty/service-kit';
import { anonymous, codes } from '@treaty/testing';
import { ADD_MILESTONE, DAY0, ENTITIES, NOW, mediator, relief, startCorridors, type Harness } from './harness.js';

let h: Harness;
let agreement: { id: string; parties: { id: string }[] };
let corridor: { id: string };
let other: { id: string };
let milestone: { id: string; dueAt: string; windowStartsAt: string };

/**
 * One agreement with two corridors. Deliveries (trucks): 6 on Day 5, 6 less 2 turned back on Day 9,
 * 6 at 23:59:59 on Day 30 (inside the Day-30 window) and 6 at 00:00 on Day 31 (outside it); one convoy
 * RETURNED and one IN_TRANSIT, which never count; and 6 on another agreement's corridor.
 */
beforeAll(async () => {
  h = await startCorridors();
  agreement = await h.createAgreement();
  corridor = await h.createCorridor(agreement.id, { name: 'Sorrel crossing', handles: ['HUMANITARIAN_AID', 'FUEL'] });
  other = await h.createCorridor(agreement.id, { name: 'Amsel air bridge', kind: 'AIR_BRIDGE' });
  const elsewhere = await h.createCorridor((await h.createAgreement()).id);

  const deliverOn = async (corridorId: string, day: string, partial = false) => {
    h.clock.set(`${day}T10:00:00Z`);
    const c = await h.convoyAt(corridorId, 'AT_CROSSING');
    const r = await h.inspect(
      c.id,
      partial
        ? { startedAt: `${day}T08:00:00Z`, endedAt: `${day}T10:00:00Z`, result: 'PARTIAL', rejectedItems: [{ cargoClass: 'HUMANITARIAN_AID', description: 'Pipes', reason: 'Dual-use list', trucks: 2, tonnes: 40 }] }
        : { startedAt: `${day}T08:00:00Z`, endedAt: `${day}T09:00:00Z` },
    );
    expect(r.errors).toBeUndefined();
    await h.advance(relief, c.id, 'IN_TRANSIT');
    return c;
  };
  await h.advance(relief, (await deliverOn(corridor.id, '2026-03-06')).id, 'DELIVERED');
  await h.advance(relief, (await deliverOn(other.id, '2026-03-10', true)).id, 'DELIVERED');
  const late = await deliverOn(corridor.id, '2026-03-31');
  const later = await deliverOn(corridor.id, '2026-03-31');
  await h.advance(relief, (await deliverOn(corridor.id, '2026-03-12')).id, 'RETURNED');
  await deliverOn(corridor.id, '2026-03-14');
  await h.advance(relief, (await deliverOn(elsewhere.id, '2026-03-15')).id, 'DELIVERED');
  h.clock.set('2026-04-01T10:00:00Z');
  await h.advance(relief, late.id, 'DELIVERED', { at: '2026-03-31T23:59:59Z' });
  await h.advance(relief, later.id, 'DELIVERED', { at: '2026-04-01T00:00:00Z' });
  h.clock.set(NOW);

  const data = await h.onMilestones(mediator, ADD_MILESTONE, {
    input: { agreementId: agreement.id, phaseOrdinal: 1, title: 'Sustained aid', obligatedPartyId: agreement.parties[0]!.id, dueDay: 30 },
  });
  milestone = data.addMilestone;
});
afterAll(async () => {
  await h?.stop();
});

/** A Milestone representation exactly as the gateway sends it when trucksDelivered is asked for. */
const milestoneRep = (m: { id: string; windowStartsAt: string; dueAt: string }, agreementId = agreement.id) => ({
  __typename: 'Milestone',
  id: m.id,
  windowStartsAt: m.windowStartsAt,
  dueAt: m.dueAt,
  agreement: { id: agreementId },
});

describe('_entities, as the gateway calls it', () => {
  it('resolves Milestone.trucksDelivered from the window and agreement milestones supplies (@requires)', async () => {
    expect(milestone.windowStartsAt).toBe(DAY0);
    expect(milestone.dueAt).toBe('2026-04-01T00:00:00.000Z');
    const r = await h.run(anonymous, ENTITIES, { representations: [milestoneRep(milestone)] });
    expect(r.errors).toBeUndefined();
    // 6 (Day 5) + 4 (Day 9, 2 turned back) + 6 (23:59:59 on Day 30); not 00:00 on Day 31, not the
    // returned or travelling convoys, not the other agreement's delivery.
    expect(r.data!._entities).toEqual([{ __typename: 'Milestone', id: milestone.id, trucksDelivered: 16 }]);
    const narrow = await h.run(anonymous, ENTITIES, { representations: [milestoneRep({ ...milestone, windowStartsAt: '2026-03-08T00:00:00Z' })] });
    expect(narrow.data!._entities[0].trucksDelivered).toBe(10);
  });

  it('resolves Agreement with its corridors and metrics, and the corridor cargo derived from permittedCargo (@requires)', async () => {
    const r = await h.run(anonymous, ENTITIES, { representations: [{ __typename: 'Agreement', id: agreement.id, entryIntoForceAt: DAY0 }] });
    expect(r.errors).toBeUndefined();
    expect(r.data!._entities[0]).toEqual({
      __typename: 'Agreement',
      id: agreement.id,
      corridors: [
        { id: other.id, name: 'Amsel air bridge' },
        { id: corridor.id, name: 'Sorrel crossing' },
      ],
      quietHours: 466,
      verifiedViolations: 0,
      verifiedMaterialViolationTimes: [],
      deliveries: { convoys: 4, trucks: 22, tonnes: 442 },
    });
    const cargo = await h.run(anonymous, `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Agreement { corridorCargo { corridor { name } permittedCargo } } } }`, {
      r: [{ __typename: 'Agreement', id: agreement.id, permittedCargo: ['HUMANITARIAN_AID', 'MEDICAL_EVACUATION'] }],
    });
    expect(cargo.data!._entities[0].corridorCargo).toEqual([
      { corridor: { name: 'Amsel air bridge' }, permittedCargo: ['HUMANITARIAN_AID', 'MEDICAL_EVACUATION'] },
      { corridor: { name: 'Sorrel crossing' }, permittedCargo: ['HUMANITARIAN_AID'] },
    ]);
  });

  it('resolves Party by id', async () => {
    const r = await h.run(anonymous, ENTITIES, { representations: [{ __typename: 'Party', id: agreement.parties[0]!.id }] });
    expect(r.data!._entities).toEqual([{ __typename: 'Party', id: agreement.parties[0]!.id, attributedViolations: 0 }]);
  });

  it('answers null for malformed ids and zero for unknown ones, in order, without failing the batch', async () => {
    const r = await h.run(anonymous, ENTITIES, {
      representations: [
        { __typename: 'Agreement', id: 'nonsense', entryIntoForceAt: DAY0 },
        { __typename: 'Party', id: 'nonsense' },
        milestoneRep({ id: '00000000-0000-4000-8000-00000000e000', windowStartsAt: DAY0, dueAt: '2026-04-01T00:00:00Z' }, '00000000-0000-4000-8000-00000000e001'),
        milestoneRep(milestone),
      ],
    });
    expect(r.errors).toBeUndefined();
    expect(r.data!._entities.map((e: any) => e && (e.trucksDelivered ?? e.id))).toEqual([null, null, 0, 16]);
  });

  it('refuses Milestone.trucksDelivered without the window (asked outside the gateway)', async () => {
    const r = await h.run(anonymous, ENTITIES, { representations: [{ __typename: 'Milestone', id: milestone.id }] });
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    expect(r.errors![0]!.message).toMatch(/windowStartsAt comes from the milestones service through the gateway/);
  });
});

describe('metrics', () => {
  const METRICS = /* GraphQL */ `query ($id: ID!, $from: DateTime!, $until: DateTime!) {
    corridor(id: $id) {
      deliveries { convoys trucks tonnes }
      window: deliveries(from: $from, until: $until) { convoys trucks }
      deliveriesByDay(from: $from, until: $until) { date convoys trucks tonnes }
      inspectionStats { inspections passed partial rejected rejectionRate averageDwellMinutes longestDwellMinutes }
    }
  }`;

  it('counts deliveries net of cargo turned back, per UTC day and over a window, with dwell time and rejection rate', async () => {
    const r = await h.run(anonymous, METRICS, { id: other.id, from: '2026-03-09T00:00:00Z', until: '2026-03-11T12:00:00Z' });
    expect(r.errors).toBeUndefined();
    expect(r.data!.corridor).toEqual({
      deliveries: { convoys: 1, trucks: 4, tonnes: 80.5 },
      window: { convoys: 1, trucks: 4 },
      deliveriesByDay: [
        { date: '2026-03-09', convoys: 0, trucks: 0, tonnes: 0 },
        { date: '2026-03-10', convoys: 1, trucks: 4, tonnes: 80.5 },
        { date: '2026-03-11', convoys: 0, trucks: 0, tonnes: 0 },
      ],
      inspectionStats: { inspections: 1, passed: 0, partial: 1, rejected: 0, rejectionRate: 1, averageDwellMinutes: 120, longestDwellMinutes: 120 },
    });
    const sorrel = await h.run(anonymous, METRICS, { id: corridor.id, from: '2026-03-31T00:00:00Z', until: '2026-04-01T00:00:00Z' });
    expect(sorrel.data!.corridor.window).toEqual({ convoys: 1, trucks: 6 });
    expect(sorrel.data!.corridor.deliveriesByDay.map((d: any) => [d.date, d.trucks])).toEqual([
      ['2026-03-31', 6],
      ['2026-04-01', 6],
    ]);
    expect(sorrel.data!.corridor.inspectionStats).toMatchObject({ inspections: 5, passed: 5, rejectionRate: 0, averageDwellMinutes: 60 });
  });

  it('answers one day when from and until fall on the same day', async () => {
    const r = await h.run(anonymous, `query ($id: ID!) { corridor(id: $id) { deliveriesByDay(from: "2026-03-10T12:00:00Z", until: "2026-03-10T12:00:00Z") { date trucks } } }`, { id: other.id });
    expect(r.data!.corridor.deliveriesByDay).toEqual([{ date: '2026-03-10', trucks: 4 }]);
  });

  it('refuses windows that end before they start, and more than 366 days per day', async () => {
    expect(codes(await h.run(anonymous, METRICS, { id: other.id, from: '2026-03-10T00:00:00Z', until: '2026-03-09T00:00:00Z' }))).toEqual(['BAD_USER_INPUT']);
    expect(codes(await h.run(anonymous, METRICS, { id: other.id, from: '2025-01-01T00:00:00Z', until: '2026-03-09T00:00:00Z' }))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('bounded statements', () => {
  it('runs the same number of statements for 5 or 200 milestones and agreements in _entities', async () => {
    const reps = (n: number) =>
      Array.from({ length: n }, (_, i) => [
        milestoneRep({ id: milestone.id, windowStartsAt: new Date(Date.parse(DAY0) + i * 3_600_000).toISOString(), dueAt: milestone.dueAt }),
        { __typename: 'Agreement', id: i % 2 ? agreement.id : `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, entryIntoForceAt: DAY0, permittedCargo: ['HUMANITARIAN_AID'] },
        { __typename: 'Party', id: agreement.parties[i % 2]!.id },
      ]).flat();
    const query = /* GraphQL */ `query ($representations: [_Any!]!) {
      _entities(representations: $representations) {
        ... on Milestone { trucksDelivered }
        ... on Agreement { quietHours verifiedViolations verifiedMaterialViolationTimes deliveries { trucks } inspectionStats { inspections }
          corridorCargo { permittedCargo corridor { statusToday deliveries { trucks } } } }
        ... on Party { attributedViolations }
      }
    }`;
    const measure = async (n: number) => {
      const m = await statements.measure(() => h.local(anonymous, query, { representations: reps(n) }));
      expect(m.result.errors).toBeUndefined();
      expect(m.result.data!._entities).toHaveLength(3 * n);
      return m;
    };
    const few = await measure(5);
    const many = await measure(200);
    expect(many.result.data!._entities[0].trucksDelivered).toBe(16);
    expect(few.count).toBeGreaterThan(0);
    expect(many.count).toBe(few.count);
  });

  it('answers metrics over a list of corridors with a fixed number of statements', async () => {
    const a = await h.createAgreement();
    const query = /* GraphQL */ `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Agreement {
      corridors { statusToday closures { cause } deliveries { trucks } deliveriesByDay(from: "2026-03-01T00:00:00Z", until: "2026-03-20T00:00:00Z") { trucks }
        inspectionStats(from: "2026-03-01T00:00:00Z") { averageDwellMinutes } convoys { status totalTrucks } }
      deliveriesByDay(from: "2026-03-01T00:00:00Z", until: "2026-03-20T00:00:00Z") { trucks } } } }`;
    const measure = async () => {
      const m = await statements.measure(() => h.local(relief, query, { r: [{ __typename: 'Agreement', id: a.id }] }));
      expect(m.result.errors).toBeUndefined();
      return m;
    };
    const add = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const c = await h.createCorridor(a.id);
        await h.convoyAt(c.id, 'DELIVERED');
      }
    };
    await add(2);
    const few = await measure();
    await add(10);
    const many = await measure();
    expect(many.result.data!._entities[0].corridors).toHaveLength(12);
    expect(many.result.data!._entities[0].deliveriesByDay.at(-1).trucks).toBe(72);
    expect(many.count).toBe(few.count);
  });
});
