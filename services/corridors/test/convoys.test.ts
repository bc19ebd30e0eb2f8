import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { anonymous, caller, codes } from '@treaty/testing';
import { NOW, REQUEST_CONVOY, mediator, medics, monitor, relief, startCorridors, type Harness } from './harness.js';

let h: Harness;
let agreement: { id: string };
let corridor: { id: string; name: string };

beforeAll(async () => {
  h = await startCorridors();
  agreement = await h.createAgreement();
  corridor = await h.createCorridor(agreement.id, { name: 'Sorrel crossing' });
});
afterAll(async () => {
  await h?.stop();
});
beforeEach(() => {
  h.clock.set(NOW);
});

const request = (who: typeof relief, input: Record<string, unknown>) => h.run(who, REQUEST_CONVOY, { input: { corridorId: corridor.id, ...input } });
const aid = [{ cargoClass: 'HUMANITARIAN_AID', tonnes: 120.5, trucks: 6 }];

describe('requestConvoy', () => {
  it('records a convoy for the AGENCY caller’s own agency, REQUESTED, with its first event', async () => {
    const r = await request(relief, { cargo: [...aid, { cargoClass: 'MEDICAL_EVACUATION', tonnes: 0, trucks: 2 }], note: 'Flour and two ambulances' });
    expect(r.errors).toBeUndefined();
    expect(r.data!.requestConvoy).toMatchObject({
      agency: 'Northgate Relief Consortium',
      requestedBy: 'Northgate Relief Consortium',
      requestedAt: NOW,
      status: 'REQUESTED',
      allowedNextStatuses: ['CLEARED', 'DENIED'],
      totalTrucks: 8,
      totalTonnes: 120.5,
      cargo: [
        { cargoClass: 'HUMANITARIAN_AID', tonnes: 120.5, trucks: 6 },
        { cargoClass: 'MEDICAL_EVACUATION', tonnes: 0, trucks: 2 },
      ],
      events: [{ from: null, to: 'REQUESTED', at: NOW, byAgency: 'Northgate Relief Consortium' }],
      corridor: { id: corridor.id },
    });
  });

  it('lets a MEDIATOR request on behalf of a named agency', async () => {
    const r = await request(mediator, { cargo: aid, onBehalfOf: 'Crescent Field Medics' });
    expect(r.data!.requestConvoy).toMatchObject({ agency: 'Crescent Field Medics', requestedBy: 'Office of the Envoy' });
  });

  it('refuses an AGENCY naming another agency, with FORBIDDEN naming the MEDIATOR role', async () => {
    await h.expectRefused(() => request(relief, { cargo: aid, onBehalfOf: 'Crescent Field Medics' }), 'FORBIDDEN', /on behalf of another agency \(onBehalfOf\) needs the MEDIATOR role/);
  });

  it('asks a MEDIATOR to name the agency, and refuses a MONITOR', async () => {
    await h.expectRefused(() => request(mediator, { cargo: aid }), 'BAD_USER_INPUT', /Name the agency that will run the convoy/);
    await h.expectRefused(() => request(monitor, { cargo: aid }), 'FORBIDDEN', /one of the roles AGENCY, MEDIATOR/);
  });

  it('refuses cargo the current phase does not permit, naming the classes allowed today, until the phase permits it', async () => {
    const fuel = [...aid, { cargoClass: 'FUEL', tonnes: 60, trucks: 2 }];
    const r = await h.expectRefused(() => request(relief, { cargo: fuel }), 'CARGO_NOT_PERMITTED', /FUEL is not permitted by the current phase .* permits HUMANITARIAN_AID, MEDICAL_EVACUATION today/);
    expect(r.errors![0]!.extensions!.details).toMatchObject({ refused: ['FUEL'], permittedToday: ['HUMANITARIAN_AID', 'MEDICAL_EVACUATION'] });
    h.clock.set('2026-04-15T09:00:00Z'); // Day 45, Phase 2
    const later = await request(relief, { cargo: fuel });
    expect(later.errors).toBeUndefined();
  });

  it('refuses all cargo outside every phase', async () => {
    h.clock.set('2026-06-01T09:00:00Z'); // Day 92, after the last phase
    await h.expectRefused(() => request(relief, { cargo: aid }), 'CARGO_NOT_PERMITTED', /permits no cargo today/);
  });

  it('refuses a class the corridor does not handle', async () => {
    const sea = await h.createCorridor(agreement.id, { name: 'Port Amsel sea lane', kind: 'SEA_CORRIDOR', handles: ['HUMANITARIAN_AID', 'FUEL'] });
    const r = await h.expectRefused(
      () => h.run(relief, REQUEST_CONVOY, { input: { corridorId: sea.id, cargo: [{ cargoClass: 'MEDICAL_EVACUATION', tonnes: 1, trucks: 1 }] } }),
      'CARGO_NOT_PERMITTED',
      /Port Amsel sea lane does not handle MEDICAL_EVACUATION; it handles HUMANITARIAN_AID, FUEL\. Allowed through Port Amsel sea lane today: HUMANITARIAN_AID\./,
    );
    expect(r.errors![0]!.extensions!.details).toMatchObject({ permittedToday: ['HUMANITARIAN_AID'] });
  });

  it('refuses bad cargo lines, reporting every problem', async () => {
    const r = await h.expectRefused(
      () =>
        request(relief, {
          cargo: [
            { cargoClass: 'HUMANITARIAN_AID', tonnes: 10, trucks: 0 },
            { cargoClass: 'HUMANITARIAN_AID', tonnes: 500, trucks: 2 },
            { cargoClass: 'MEDICAL_EVACUATION', tonnes: -1, trucks: 1 },
            { cargoClass: 'COMMERCIAL', tonnes: 1.2345, trucks: 1 },
          ],
        }),
      'BAD_USER_INPUT',
    );
    expect((r.errors![0]!.extensions!.details as any).problems.map((p: any) => p.path)).toEqual([
      'input.cargo[0].trucks',
      'input.cargo[1].cargoClass',
      'input.cargo[1].tonnes',
      'input.cargo[2].tonnes',
      'input.cargo[3].tonnes',
    ]);
    await h.expectRefused(() => request(relief, { cargo: [] }), 'BAD_USER_INPUT', /at least one cargo line/);
  });

  it('accepts a request entered late, but not in the future or more than 30 days back', async () => {
    const r = await request(relief, { cargo: aid, requestedAt: '2026-03-18T09:00:00Z' });
    expect(r.data!.requestConvoy.requestedAt).toBe('2026-03-18T09:00:00.000Z');
    await h.expectRefused(() => request(relief, { cargo: aid, requestedAt: '2026-03-21T09:00:00Z' }), 'BAD_USER_INPUT', /in the future/);
    await h.expectRefused(() => request(relief, { cargo: aid, requestedAt: '2026-02-10T09:00:00Z' }), 'BAD_USER_INPUT', /more than 30 days ago/);
  });

  it('refuses an unknown or malformed corridor with NOT_FOUND', async () => {
    await h.expectRefused(() => h.run(relief, REQUEST_CONVOY, { input: { corridorId: '00000000-0000-4000-8000-000000000009', cargo: aid } }), 'NOT_FOUND');
    await h.expectRefused(() => h.run(relief, REQUEST_CONVOY, { input: { corridorId: 'sorrel', cargo: aid } }), 'NOT_FOUND');
  });
});

describe('advanceConvoy', () => {
  it('walks the status machine, each step timed and attributed', async () => {
    const c = await h.requestConvoy(corridor.id, relief, { requestedAt: '2026-03-20T06:00:00Z' });
    expect((await h.advance(monitor, c.id, 'CLEARED', { at: '2026-03-20T06:30:00Z', note: 'Clearance certificate 0412' })).errors).toBeUndefined();
    expect((await h.advance(relief, c.id, 'AT_CROSSING', { at: '2026-03-20T07:00:00Z' })).errors).toBeUndefined();
    const inspected = await h.inspect(c.id);
    expect(inspected.data!.recordInspection.convoy).toMatchObject({ status: 'INSPECTED', allowedNextStatuses: ['IN_TRANSIT', 'RETURNED'] });
    await h.advance(relief, c.id, 'IN_TRANSIT', { at: '2026-03-20T09:45:00Z' });
    const r = await h.advance(relief, c.id, 'DELIVERED');
    expect(r.errors).toBeUndefined();
    expect(r.data!.advanceConvoy.status).toBe('DELIVERED');
    expect(r.data!.advanceConvoy.allowedNextStatuses).toEqual([]);
    expect(r.data!.advanceConvoy.events.map((e: any) => [e.from, e.to, e.at, e.byAgency])).toEqual([
      [null, 'REQUESTED', '2026-03-20T06:00:00.000Z', 'Northgate Relief Consortium'],
      ['REQUESTED', 'CLEARED', '2026-03-20T06:30:00.000Z', 'Joint Monitoring Cell'],
      ['CLEARED', 'AT_CROSSING', '2026-03-20T07:00:00.000Z', 'Northgate Relief Consortium'],
      ['AT_CROSSING', 'INSPECTED', '2026-03-20T09:30:00.000Z', 'Joint Monitoring Cell'],
      ['INSPECTED', 'IN_TRANSIT', '2026-03-20T09:45:00.000Z', 'Northgate Relief Consortium'],
      ['IN_TRANSIT', 'DELIVERED', NOW, 'Northgate Relief Consortium'],
    ]);
    expect(r.data!.advanceConvoy.events[1].note).toBe('Clearance certificate 0412');
  });

  it('refuses an illegal move with INVALID_TRANSITION naming the allowed next statuses, and writes nothing', async () => {
    const c = await h.requestConvoy(corridor.id);
    const r = await h.expectRefused(() => h.advance(relief, c.id, 'AT_CROSSING'), 'INVALID_TRANSITION', /is REQUESTED and cannot move to AT_CROSSING\. From REQUESTED it may move to CLEARED or DENIED\./);
    expect(r.errors![0]!.extensions!.details).toEqual({ status: 'REQUESTED', to: 'AT_CROSSING', allowed: ['CLEARED', 'DENIED'] });
    await h.expectRefused(() => h.advance(monitor, c.id, 'REQUESTED'), 'INVALID_TRANSITION');
  });

  it('treats DENIED and DELIVERED as final', async () => {
    const denied = await h.requestConvoy(corridor.id);
    expect((await h.advance(mediator, denied.id, 'DENIED', { note: 'Route unsafe' })).data!.advanceConvoy.status).toBe('DENIED');
    await h.expectRefused(() => h.advance(monitor, denied.id, 'CLEARED'), 'INVALID_TRANSITION', /DENIED is final/);
    const delivered = await h.convoyAt(corridor.id, 'DELIVERED');
    await h.expectRefused(() => h.advance(relief, delivered.id, 'RETURNED'), 'INVALID_TRANSITION', /DELIVERED is final/);
  });

  it('takes clearance decisions only from MEDIATOR or MONITOR', async () => {
    const c = await h.requestConvoy(corridor.id);
    await h.expectRefused(() => h.advance(relief, c.id, 'CLEARED'), 'FORBIDDEN', /clearance decision and needs the MEDIATOR or MONITOR role/);
    await h.expectRefused(() => h.advance(relief, c.id, 'DENIED'), 'FORBIDDEN');
  });

  it('takes movement steps only from the agency running the convoy', async () => {
    const c = await h.convoyAt(corridor.id, 'CLEARED');
    await h.expectRefused(() => h.advance(medics, c.id, 'AT_CROSSING'), 'FORBIDDEN', /movement step and needs the AGENCY role of the agency running the convoy \(Northgate Relief Consortium\)/);
    await h.expectRefused(() => h.advance(mediator, c.id, 'AT_CROSSING'), 'FORBIDDEN');
    await h.expectRefused(() => h.advance(monitor, c.id, 'AT_CROSSING'), 'FORBIDDEN');
    await h.expectRefused(() => h.advance(caller('MEDIATOR', { agency: 'Northgate Relief Consortium' }), c.id, 'AT_CROSSING'), 'FORBIDDEN');
  });

  it('moves to INSPECTED only through recordInspection: advanceConvoy(to: INSPECTED) is INVALID_TRANSITION', async () => {
    const c = await h.convoyAt(corridor.id, 'AT_CROSSING');
    const r = await h.expectRefused(
      () => h.advance(monitor, c.id, 'INSPECTED'),
      'INVALID_TRANSITION',
      new RegExp(`^Convoy ${c.id} is AT_CROSSING and cannot move to INSPECTED\\. A convoy becomes INSPECTED only when the monitoring cell records its PRIMARY inspection with recordInspection \\(MONITOR role\\), not through advanceConvoy\\.$`),
    );
    expect(r.errors![0]!.extensions!.details).toEqual({ status: 'AT_CROSSING', to: 'INSPECTED', allowed: ['INSPECTED'] });
    // Not yet at the crossing: the message says what comes first.
    const cleared = await h.convoyAt(corridor.id, 'CLEARED');
    await h.expectRefused(() => h.advance(relief, cleared.id, 'INSPECTED'), 'INVALID_TRANSITION', /is CLEARED and cannot move to INSPECTED\. .* while the convoy is AT_CROSSING\. From CLEARED it may move to AT_CROSSING\.$/);
    // The move is refused as a move even when other fields are wrong too.
    await h.expectRefused(() => h.advance(monitor, c.id, 'INSPECTED', { note: ' ', at: '2026-03-20T11:00:00Z' }), 'INVALID_TRANSITION');
    await h.expectRefused(() => h.advance(monitor, '00000000-0000-4000-8000-0000000000c3', 'INSPECTED'), 'NOT_FOUND');
  });

  it('refuses every move the status machine does not allow, from every status, with INVALID_TRANSITION and nothing written', async () => {
    const STATUSES = ['REQUESTED', 'CLEARED', 'DENIED', 'AT_CROSSING', 'INSPECTED', 'IN_TRANSIT', 'DELIVERED', 'INTERCEPTED', 'RETURNED'];
    const denied = await h.convoyAt(corridor.id, 'REQUESTED');
    expect((await h.advance(monitor, denied.id, 'DENIED')).errors).toBeUndefined();
    const intercepted = await h.convoyAt(corridor.id, 'IN_TRANSIT');
    expect((await h.advance(relief, intercepted.id, 'INTERCEPTED')).errors).toBeUndefined();
    const turnedBack = await h.convoyAt(corridor.id, 'AT_CROSSING');
    const reject = { result: 'REJECTED', rejectedItems: [{ cargoClass: 'HUMANITARIAN_AID', description: 'Whole load', reason: 'Seals broken', trucks: 6, tonnes: 120.5 }] };
    expect((await h.inspect(turnedBack.id, reject)).errors).toBeUndefined();
    const returned = await h.convoyAt(corridor.id, 'IN_TRANSIT');
    expect((await h.advance(relief, returned.id, 'RETURNED')).errors).toBeUndefined();
    // [convoy, its status, where advanceConvoy may take it]
    const cases: [string, string, string[]][] = [
      [(await h.convoyAt(corridor.id, 'REQUESTED')).id, 'REQUESTED', ['CLEARED', 'DENIED']],
      [(await h.convoyAt(corridor.id, 'CLEARED')).id, 'CLEARED', ['AT_CROSSING']],
      [denied.id, 'DENIED', []],
      [(await h.convoyAt(corridor.id, 'AT_CROSSING')).id, 'AT_CROSSING', []], // INSPECTED only through recordInspection
      [(await h.convoyAt(corridor.id, 'INSPECTED')).id, 'INSPECTED', ['IN_TRANSIT', 'RETURNED']],
      [turnedBack.id, 'INSPECTED', ['RETURNED']],
      [(await h.convoyAt(corridor.id, 'IN_TRANSIT')).id, 'IN_TRANSIT', ['DELIVERED', 'INTERCEPTED', 'RETURNED']],
      [(await h.convoyAt(corridor.id, 'DELIVERED')).id, 'DELIVERED', []],
      [intercepted.id, 'INTERCEPTED', []],
      [returned.id, 'RETURNED', []],
    ];
    // Each step is sent by a caller entitled to take it, so that only the move itself is wrong.
    const entitled = (to: string) => (to === 'CLEARED' || to === 'DENIED' ? monitor : relief);
    let refused = 0;
    for (const [id, from, legal] of cases) {
      for (const to of STATUSES.filter((s) => !legal.includes(s))) {
        const r = await h.expectRefused(() => h.advance(entitled(to), id, to), 'INVALID_TRANSITION', new RegExp(`^Convoy ${id} is ${from} and cannot move to ${to}\\. `));
        expect(r.errors![0]!.extensions!.details).toMatchObject({ status: from, to });
        refused += 1;
      }
      // The primary inspection is the one way to INSPECTED, and only from AT_CROSSING.
      if (from !== 'AT_CROSSING') await h.expectRefused(() => h.inspect(id), 'INVALID_TRANSITION', new RegExp(`is ${from} and cannot move to INSPECTED\\.`));
    }
    expect(refused).toBe(10 * 9 - 9);
  });

  it('confirms the cargo with milestones again when clearing', async () => {
    h.clock.set('2026-04-15T09:00:00Z'); // Phase 2: fuel permitted
    const c = await h.requestConvoy(corridor.id, relief, { cargo: [{ cargoClass: 'FUEL', tonnes: 70, trucks: 2 }] });
    h.clock.set('2026-05-30T09:00:00Z'); // Day 90: after the last phase
    await h.expectRefused(() => h.advance(monitor, c.id, 'CLEARED'), 'CARGO_NOT_PERMITTED', /permits no cargo today/);
    expect((await h.advance(monitor, c.id, 'DENIED')).errors).toBeUndefined();
  });

  it('records steps in order: not before the previous step, not in the future', async () => {
    const c = await h.convoyAt(corridor.id, 'CLEARED');
    await h.expectRefused(() => h.advance(relief, c.id, 'AT_CROSSING', { at: '2026-03-20T06:29:00Z' }), 'BAD_USER_INPUT', /before the convoy's previous step \(CLEARED at 2026-03-20T06:30:00.000Z\)/);
    await h.expectRefused(() => h.advance(relief, c.id, 'AT_CROSSING', { at: '2026-03-20T10:00:01Z' }), 'BAD_USER_INPUT', /in the future/);
  });

  it('applies exactly one of several concurrent moves', async () => {
    const c = await h.requestConvoy(corridor.id);
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => h.advance(i % 2 ? mediator : monitor, c.id, i % 3 ? 'CLEARED' : 'DENIED')),
    );
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    expect(results.filter((r) => r.errors).every((r) => codes(r)[0] === 'INVALID_TRANSITION')).toBe(true);
    const [{ n }] = await h.db.query('SELECT count(*)::int AS n FROM convoy_event WHERE convoy_id = $1', [c.id]);
    expect(n).toBe(2);
  });

  it('refuses an unknown convoy with NOT_FOUND', async () => {
    await h.expectRefused(() => h.advance(monitor, '00000000-0000-4000-8000-0000000000c0', 'CLEARED'), 'NOT_FOUND');
    await h.expectRefused(() => h.advance(monitor, 'convoy-7', 'CLEARED'), 'NOT_FOUND');
  });
});

describe('recordInspection', () => {
  it('records a joint PRIMARY inspection with its dwell time and moves the convoy to INSPECTED', async () => {
    const c = await h.convoyAt(corridor.id, 'AT_CROSSING');
    const r = await h.inspect(c.id, { team: ['Joint Monitoring Cell', 'Northgate Customs Liaison', 'UN Verification Unit'], notes: 'Seals intact' });
    expect(r.errors).toBeUndefined();
    expect(r.data!.recordInspection).toMatchObject({
      kind: 'PRIMARY',
      team: ['Joint Monitoring Cell', 'Northgate Customs Liaison', 'UN Verification Unit'],
      dwellMinutes: 90,
      result: 'PASSED',
      recordedBy: 'Joint Monitoring Cell',
      rejectedItems: [],
      convoy: { id: c.id, status: 'INSPECTED' },
    });
  });

  it('is only for a convoy AT_CROSSING (INVALID_TRANSITION otherwise), once', async () => {
    const cleared = await h.convoyAt(corridor.id, 'CLEARED');
    await h.expectRefused(() => h.inspect(cleared.id), 'INVALID_TRANSITION', /is CLEARED and cannot move to INSPECTED\. A primary inspection is recorded for a convoy AT_CROSSING/);
    const inspected = await h.convoyAt(corridor.id, 'INSPECTED');
    await h.expectRefused(() => h.inspect(inspected.id), 'INVALID_TRANSITION', /is INSPECTED/);
  });

  it('needs a joint team of at least two different agencies', async () => {
    const c = await h.convoyAt(corridor.id, 'AT_CROSSING');
    await h.expectRefused(() => h.inspect(c.id, { team: ['Joint Monitoring Cell'] }), 'BAD_USER_INPUT', /at least two different agencies/);
    await h.expectRefused(() => h.inspect(c.id, { team: ['Joint Monitoring Cell', ' joint monitoring cell'] }), 'BAD_USER_INPUT', /at least two different agencies/);
  });

  it('refuses impossible times', async () => {
    const c = await h.convoyAt(corridor.id, 'AT_CROSSING');
    await h.expectRefused(() => h.inspect(c.id, { endedAt: '2026-03-20T08:00:00Z' }), 'BAD_USER_INPUT', /not after startedAt/);
    await h.expectRefused(() => h.inspect(c.id, { endedAt: '2026-03-20T11:00:00Z' }), 'BAD_USER_INPUT', /in the future/);
    await h.expectRefused(() => h.inspect(c.id, { startedAt: '2026-03-20T06:00:00Z' }), 'BAD_USER_INPUT', /before the convoy reached the crossing/);
  });

  it('matches rejected items to the result and to the cargo the convoy carries', async () => {
    const c = await h.convoyAt(corridor.id, 'AT_CROSSING');
    const item = { cargoClass: 'HUMANITARIAN_AID', description: 'Generators', reason: 'Dual-use list', trucks: 1, tonnes: 18 };
    await h.expectRefused(() => h.inspect(c.id, { result: 'PASSED', rejectedItems: [item] }), 'BAD_USER_INPUT', /A PASSED inspection turned nothing back/);
    await h.expectRefused(() => h.inspect(c.id, { result: 'PARTIAL' }), 'BAD_USER_INPUT', /lists at least one rejected item/);
    await h.expectRefused(() => h.inspect(c.id, { result: 'PARTIAL', rejectedItems: [{ ...item, cargoClass: 'FUEL' }] }), 'BAD_USER_INPUT', /carries no FUEL; it carries HUMANITARIAN_AID/);
    await h.expectRefused(() => h.inspect(c.id, { result: 'PARTIAL', rejectedItems: [{ ...item, trucks: 7 }] }), 'BAD_USER_INPUT', /More trucks of HUMANITARIAN_AID turned back/);
  });

  it('after a PARTIAL primary, takes a SECONDARY inspection that cannot turn back more than remains', async () => {
    const c = await h.convoyAt(corridor.id, 'AT_CROSSING');
    const item = { cargoClass: 'HUMANITARIAN_AID', description: 'Water pumps', reason: 'Not on the manifest', trucks: 4, tonnes: 80 };
    const primary = await h.inspect(c.id, { result: 'PARTIAL', rejectedItems: [item] });
    expect(primary.data!.recordInspection.rejectedItems).toEqual([item]);
    const secondary = (extra: Record<string, unknown>) => h.inspect(c.id, { kind: 'SECONDARY', startedAt: '2026-03-20T09:40:00Z', endedAt: '2026-03-20T09:55:00Z', ...extra });
    await h.expectRefused(() => secondary({ startedAt: '2026-03-20T09:00:00Z' }), 'BAD_USER_INPUT', /before the previous inspection ended/);
    await h.expectRefused(() => secondary({ result: 'PARTIAL', rejectedItems: [{ ...item, trucks: 3, tonnes: 10 }] }), 'BAD_USER_INPUT', /More trucks/);
    const ok = await secondary({ result: 'PARTIAL', rejectedItems: [{ ...item, trucks: 2, tonnes: 40.5 }] });
    expect(ok.errors).toBeUndefined();
    expect(ok.data!.recordInspection.convoy.status).toBe('INSPECTED');
  });

  it('allows only RETURNED after a REJECTED inspection', async () => {
    const c = await h.convoyAt(corridor.id, 'AT_CROSSING');
    const r = await h.inspect(c.id, { result: 'REJECTED', rejectedItems: [{ cargoClass: 'HUMANITARIAN_AID', description: 'Whole load', reason: 'Seals broken', trucks: 6, tonnes: 120.5 }] });
    expect(r.data!.recordInspection.convoy.allowedNextStatuses).toEqual(['RETURNED']);
    await h.expectRefused(() => h.advance(relief, c.id, 'IN_TRANSIT'), 'INVALID_TRANSITION', /latest inspection REJECTED the cargo, so it can only be RETURNED\. From INSPECTED it may move to RETURNED\./);
    expect((await h.advance(relief, c.id, 'RETURNED')).data!.advanceConvoy.status).toBe('RETURNED');
  });

  it('refuses a SECONDARY inspection before the PRIMARY, and callers without the MONITOR role', async () => {
    const c = await h.convoyAt(corridor.id, 'AT_CROSSING');
    await h.expectRefused(() => h.inspect(c.id, { kind: 'SECONDARY' }), 'BAD_USER_INPUT', /Record its PRIMARY inspection first/);
    await h.expectRefused(() => h.inspect(c.id, {}, mediator), 'FORBIDDEN', /needs the MONITOR role/);
    await h.expectRefused(() => h.inspect('00000000-0000-4000-8000-0000000000c1'), 'NOT_FOUND');
  });

  it('records one primary inspection under concurrent requests', async () => {
    const c = await h.convoyAt(corridor.id, 'AT_CROSSING');
    const results = await Promise.all(Array.from({ length: 5 }, () => h.inspect(c.id)));
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    expect(results.filter((r) => r.errors).every((r) => codes(r)[0] === 'INVALID_TRANSITION')).toBe(true);
    const [{ n }] = await h.db.query('SELECT count(*)::int AS n FROM inspection WHERE convoy_id = $1', [c.id]);
    expect(n).toBe(1);
  });
});

describe('reading convoys', () => {
  it('needs a partner agency token; lists a corridor’s convoys by status', async () => {
    const c = await h.convoyAt(corridor.id, 'IN_TRANSIT');
    const q = `query ($id: ID!) { convoy(id: $id) { id status agency inspections { result } } }`;
    expect(codes(await h.run(anonymous, q, { id: c.id }))).toEqual(['FORBIDDEN']);
    expect((await h.run(medics, q, { id: c.id })).data!.convoy).toMatchObject({ id: c.id, status: 'IN_TRANSIT', inspections: [{ result: 'PASSED' }] });
    expect((await h.run(medics, q, { id: '00000000-0000-4000-8000-0000000000c2' })).data!.convoy).toBeNull();
    const list = await h.run(medics, `query ($id: ID!) { corridor(id: $id) { convoys(status: IN_TRANSIT) { id status } } }`, { id: corridor.id });
    expect(list.data!.corridor.convoys.map((x: any) => x.status)).toEqual(expect.arrayContaining(['IN_TRANSIT']));
    expect(list.data!.corridor.convoys.every((x: any) => x.status === 'IN_TRANSIT')).toBe(true);
    expect(list.data!.corridor.convoys.map((x: any) => x.id)).toContain(c.id);
    expect(codes(await h.run(anonymous, `query ($id: ID!) { corridor(id: $id) { convoys { id } } }`, { id: corridor.id }))).toEqual(['FORBIDDEN']);
  });
});
