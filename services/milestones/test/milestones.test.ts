import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caller, codes, anonymous } from '@treaty/testing';
import { ADD_MILESTONE, CERTIFY, CREATE_AGREEMENT, DAY0, WAIVE, agreementInput, startMilestones } from './harness.js';

const mediator = caller('MEDIATOR', { agency: 'Office of the Envoy' });
const monitor = caller('MONITOR', { agency: 'Joint Monitoring Cell' });

let h: Awaited<ReturnType<typeof startMilestones>>;
beforeAll(async () => {
  h = await startMilestones();
});
afterAll(async () => {
  await h?.drop();
});

async function createAgreement(overrides: Record<string, unknown> = {}) {
  const r = await h.run(mediator, CREATE_AGREEMENT, { input: agreementInput(overrides) });
  expect(r.errors).toBeUndefined();
  return r.data!.createAgreement;
}

async function addMilestone(agreement: any, overrides: Record<string, unknown> = {}) {
  const r = await h.run(mediator, ADD_MILESTONE, {
    input: { agreementId: agreement.id, phaseOrdinal: 1, title: 'First detainee release', obligatedPartyId: agreement.parties[0].id, dueDay: 30, ...overrides },
  });
  expect(r.errors).toBeUndefined();
  return r.data!.addMilestone;
}

/** Runs a refused write and checks its code and that no table changed. */
async function expectRefused(run: () => Promise<any>, code: string, messagePart?: RegExp) {
  const before = await h.counts();
  const r = await run();
  expect(codes(r)).toEqual([code]);
  if (messagePart) expect(r.errors[0].message).toMatch(messagePart);
  expect(await h.counts()).toEqual(before);
  return r;
}

describe('createAgreement', () => {
  it('records parties and phases and derives the current day from the clock', async () => {
    h.clock.set('2026-03-20T10:00:00Z');
    const a = await createAgreement();
    expect(a.currentDay).toBe(19);
    expect(a.parties).toHaveLength(2);
    expect(a.phases.map((p: any) => [p.ordinal, p.startDay, p.endDay])).toEqual([
      [1, 0, 41],
      [2, 42, 83],
    ]);
    expect(a.phases[0].startsAt).toBe(DAY0);
    expect(a.phases[0].endsAt).toBe('2026-04-12T00:00:00.000Z');
    expect(a.phases[1].permittedCargo).toContain('FUEL');
  });

  it('reuses an existing party by id', async () => {
    const first = await createAgreement();
    const second = await createAgreement({ parties: [{ id: first.parties[0].id }, { name: 'Coastal Federation X', kind: 'STATE' }] });
    expect(second.parties.map((p: any) => p.id)).toContain(first.parties[0].id);
  });

  it('refuses an empty title and writes nothing', async () => {
    await expectRefused(() => h.run(mediator, CREATE_AGREEMENT, { input: agreementInput({ title: '   ' }) }), 'BAD_USER_INPUT', /Title is empty/);
  });

  it('refuses a title that shows nothing (zero-width spaces, a byte-order mark) or holds control characters, and writes nothing', async () => {
    await expectRefused(() => h.run(mediator, CREATE_AGREEMENT, { input: agreementInput({ title: '\u200b\ufeff\u200c' }) }), 'BAD_USER_INPUT', /Title is empty/);
    // Over HTTP the kit's input guard refuses control characters before this (input-guards.test.ts); the rule holds without it.
    await expectRefused(() => h.run(mediator, CREATE_AGREEMENT, { input: agreementInput({ title: '\u0001\u0002' }) }), 'BAD_USER_INPUT', /Title is empty/);
  });

  it('refuses overlapping phases and writes nothing', async () => {
    const phases = [
      { ordinal: 1, name: 'Phase 1', startDay: 0, endDay: 42, permittedCargo: ['HUMANITARIAN_AID'] },
      { ordinal: 2, name: 'Phase 2', startDay: 40, endDay: 80, permittedCargo: ['COMMERCIAL'] },
    ];
    await expectRefused(() => h.run(mediator, CREATE_AGREEMENT, { input: agreementInput({ phases }) }), 'BAD_USER_INPUT', /overlaps phase 1 \(days 0–42\); start it on day 43/);
  });

  it('refuses a phase that ends before it starts, and gaps in ordinals', async () => {
    const phases = [{ ordinal: 2, name: 'Phase 1', startDay: 10, endDay: 5, permittedCargo: [] }];
    const r = await expectRefused(() => h.run(mediator, CREATE_AGREEMENT, { input: agreementInput({ phases }) }), 'BAD_USER_INPUT');
    const problems = r.errors[0].extensions.details.problems.map((p: any) => p.path);
    expect(problems).toEqual(expect.arrayContaining(['input.phases', 'input.phases[0].endDay']));
  });

  it('refuses fewer than two parties', async () => {
    await expectRefused(
      () => h.run(mediator, CREATE_AGREEMENT, { input: agreementInput({ parties: [{ name: 'Lonely Party', kind: 'STATE' }] }) }),
      'BAD_USER_INPUT',
      /at least two parties/,
    );
  });

  it('refuses an unknown party id with NOT_FOUND and writes nothing', async () => {
    await expectRefused(
      () => h.run(mediator, CREATE_AGREEMENT, { input: agreementInput({ parties: [{ id: '00000000-0000-4000-8000-000000000000' }, { name: 'Another Party', kind: 'STATE' }] }) }),
      'NOT_FOUND',
    );
  });

  it('refuses a new party whose name is already registered, pointing to its id', async () => {
    const a = await createAgreement();
    await expectRefused(
      () => h.run(mediator, CREATE_AGREEMENT, { input: agreementInput({ parties: [{ name: a.parties[0].name, kind: 'STATE' }, { name: 'Fresh Party Q', kind: 'STATE' }] }) }),
      'BAD_USER_INPUT',
      new RegExp(`pass \\{ id: "${a.parties[0].id}" \\}`),
    );
  });

  it('refuses a proof-of-life limit outside 1 to 90 days', async () => {
    await expectRefused(() => h.run(mediator, CREATE_AGREEMENT, { input: agreementInput({ proofOfLifeMaxAgeDays: 0 }) }), 'BAD_USER_INPUT', /proofOfLifeMaxAgeDays/);
  });

  it('is refused for a MONITOR with FORBIDDEN naming the role needed, and writes nothing', async () => {
    await expectRefused(() => h.run(monitor, CREATE_AGREEMENT, { input: agreementInput() }), 'FORBIDDEN', /needs the MEDIATOR role/);
  });
});

describe('addMilestone', () => {
  it('adds a milestone with benchmarks and a derived deadline and window', async () => {
    h.clock.set('2026-03-20T00:00:00Z');
    const a = await createAgreement();
    const m = await addMilestone(a, { benchmarks: [{ metric: 'TRUCKS_DELIVERED', comparator: 'AT_LEAST', threshold: 600 }] });
    expect(m.dueAt).toBe('2026-04-01T00:00:00.000Z');
    const read = await h.run(anonymous, `{ agreement(id: "${a.id}") { permittedCargo milestones { windowStartsAt } } }`);
    expect(read.data!.agreement.milestones[0].windowStartsAt).toBe(DAY0);
    expect(read.data!.agreement.permittedCargo).toEqual(['HUMANITARIAN_AID', 'MEDICAL_EVACUATION']);
    h.clock.set('2026-04-20T00:00:00Z');
    const later = await h.run(anonymous, `{ agreement(id: "${a.id}") { permittedCargo } }`);
    expect(later.data!.agreement.permittedCargo).toContain('COMMERCIAL');
    expect(m.phase.ordinal).toBe(1);
    expect(m.benchmarks).toEqual([{ metric: 'TRUCKS_DELIVERED', comparator: 'AT_LEAST', threshold: 600 }]);
  });

  it('refuses a due day outside its phase and suggests the phase that fits', async () => {
    const a = await createAgreement();
    await expectRefused(
      () => h.run(mediator, ADD_MILESTONE, { input: { agreementId: a.id, phaseOrdinal: 1, title: 'Late thing', obligatedPartyId: a.parties[0].id, dueDay: 60 } }),
      'BAD_USER_INPUT',
      /Day 60 is outside phase 1 "Phase 1" \(days 0–41\).*phase 2/,
    );
  });

  it('refuses a phase the agreement does not have', async () => {
    const a = await createAgreement();
    await expectRefused(
      () => h.run(mediator, ADD_MILESTONE, { input: { agreementId: a.id, phaseOrdinal: 3, title: 'X', obligatedPartyId: a.parties[0].id, dueDay: 10 } }),
      'BAD_USER_INPUT',
      /has no phase 3/,
    );
  });

  it('refuses an empty title', async () => {
    const a = await createAgreement();
    await expectRefused(
      () => h.run(mediator, ADD_MILESTONE, { input: { agreementId: a.id, phaseOrdinal: 1, title: '', obligatedPartyId: a.parties[0].id, dueDay: 10 } }),
      'BAD_USER_INPUT',
      /Title is empty/,
    );
  });

  it('refuses an obligated party that is not a party to the agreement', async () => {
    const a = await createAgreement();
    const b = await createAgreement();
    await expectRefused(
      () => h.run(mediator, ADD_MILESTONE, { input: { agreementId: a.id, phaseOrdinal: 1, title: 'X', obligatedPartyId: b.parties[0].id, dueDay: 10 } }),
      'BAD_USER_INPUT',
      /must be a party to/,
    );
  });

  it('refuses a ratio benchmark above 1 and a negative threshold', async () => {
    const a = await createAgreement();
    const r = await expectRefused(
      () =>
        h.run(mediator, ADD_MILESTONE, {
          input: {
            agreementId: a.id, phaseOrdinal: 1, title: 'Funded', obligatedPartyId: a.parties[0].id, dueDay: 10,
            benchmarks: [
              { metric: 'ESCROW_FUNDED_RATIO', comparator: 'AT_LEAST', threshold: 80 },
              { metric: 'TRUCKS_DELIVERED', comparator: 'AT_LEAST', threshold: -1 },
            ],
          },
        }),
      'BAD_USER_INPUT',
    );
    expect(r.errors[0].extensions.details.problems).toHaveLength(2);
  });

  it('refuses an unknown agreement with NOT_FOUND', async () => {
    await expectRefused(
      () => h.run(mediator, ADD_MILESTONE, { input: { agreementId: '00000000-0000-4000-8000-000000000001', phaseOrdinal: 1, title: 'X', obligatedPartyId: '00000000-0000-4000-8000-000000000002', dueDay: 10 } }),
      'NOT_FOUND',
    );
    await expectRefused(
      () => h.run(mediator, ADD_MILESTONE, { input: { agreementId: 'not-a-uuid', phaseOrdinal: 1, title: 'X', obligatedPartyId: 'x', dueDay: 10 } }),
      'NOT_FOUND',
    );
  });
});

describe('certification, waivers and derived status', () => {
  it('moves PENDING → DUE → MISSED with the clock, then MET_LATE when certified late', async () => {
    h.clock.set('2026-03-10T00:00:00Z');
    const a = await createAgreement();
    const m = await addMilestone(a, { dueDay: 20 });
    const status = async () => (await h.run(anonymous, `{ agreement(id: "${a.id}") { milestones { id status } } }`)).data!.agreement.milestones.find((x: any) => x.id === m.id).status;
    expect(await status()).toBe('PENDING');
    h.clock.set('2026-03-21T12:00:00Z');
    expect(await status()).toBe('DUE');
    h.clock.set('2026-03-22T00:00:00Z');
    expect(await status()).toBe('MISSED');
    const r = await h.run(monitor, CERTIFY, { input: { milestoneId: m.id, evidence: [{ reference: 'JMC report 14' }] } });
    expect(r.errors).toBeUndefined();
    expect(r.data!.certifyMilestone.status).toBe('MET_LATE');
    expect(r.data!.certifyMilestone.certifications[0].verifier).toBe('Joint Monitoring Cell');
  });

  it('is MET when the verifier finds it met before the deadline', async () => {
    h.clock.set('2026-04-05T00:00:00Z');
    const a = await createAgreement();
    const m = await addMilestone(a, { dueDay: 30 });
    const sha = 'a'.repeat(64);
    const r = await h.run(monitor, CERTIFY, { input: { milestoneId: m.id, metAt: '2026-03-30T09:00:00Z', evidence: [{ reference: 'ICRC handover log', sha256: sha }] } });
    expect(r.data!.certifyMilestone.status).toBe('MET');
    expect(r.data!.certifyMilestone.certifications[0].evidence[0].sha256).toBe(sha);
  });

  it('refuses to certify an unknown milestone', async () => {
    await expectRefused(() => h.run(monitor, CERTIFY, { input: { milestoneId: '00000000-0000-4000-8000-000000000009', evidence: [{ reference: 'x' }] } }), 'NOT_FOUND');
  });

  it('refuses to certify a waived milestone and writes nothing', async () => {
    h.clock.set('2026-03-10T00:00:00Z');
    const a = await createAgreement();
    const m = await addMilestone(a);
    const w = await h.run(mediator, WAIVE, { input: { milestoneId: m.id, reason: 'Superseded by the revised schedule of 9 March' } });
    expect(w.data!.waiveMilestone.status).toBe('WAIVED');
    await expectRefused(() => h.run(monitor, CERTIFY, { input: { milestoneId: m.id, evidence: [{ reference: 'x' }] } }), 'BAD_USER_INPUT', /was waived on .* cannot be certified/);
  });

  it('refuses a second certification and a waiver of a certified milestone', async () => {
    const a = await createAgreement();
    const m = await addMilestone(a);
    await h.run(monitor, CERTIFY, { input: { milestoneId: m.id, evidence: [{ reference: 'r1' }] } });
    await expectRefused(() => h.run(monitor, CERTIFY, { input: { milestoneId: m.id, evidence: [{ reference: 'r2' }] } }), 'BAD_USER_INPUT', /already certified/);
    await expectRefused(() => h.run(mediator, WAIVE, { input: { milestoneId: m.id, reason: 'because' } }), 'BAD_USER_INPUT', /already certified .* cannot be waived/);
  });

  it('refuses a certification without evidence, with a bad hash, or met in the future', async () => {
    h.clock.set('2026-03-10T00:00:00Z');
    const a = await createAgreement();
    const m = await addMilestone(a);
    await expectRefused(() => h.run(monitor, CERTIFY, { input: { milestoneId: m.id, evidence: [] } }), 'BAD_USER_INPUT', /at least one piece of evidence/);
    await expectRefused(() => h.run(monitor, CERTIFY, { input: { milestoneId: m.id, evidence: [{ reference: 'x', sha256: 'abc' }] } }), 'BAD_USER_INPUT', /64 hexadecimal/);
    await expectRefused(() => h.run(monitor, CERTIFY, { input: { milestoneId: m.id, metAt: '2026-03-11T00:00:00Z', evidence: [{ reference: 'x' }] } }), 'BAD_USER_INPUT', /in the future/);
    await expectRefused(() => h.run(monitor, CERTIFY, { input: { milestoneId: m.id, metAt: '2026-02-01T00:00:00Z', evidence: [{ reference: 'x' }] } }), 'BAD_USER_INPUT', /before the agreement entered into force/);
  });

  it('refuses an empty waiver reason and a certification by a MEDIATOR', async () => {
    const a = await createAgreement();
    const m = await addMilestone(a);
    await expectRefused(() => h.run(mediator, WAIVE, { input: { milestoneId: m.id, reason: ' ' } }), 'BAD_USER_INPUT', /Reason is empty/);
    await expectRefused(() => h.run(mediator, CERTIFY, { input: { milestoneId: m.id, evidence: [{ reference: 'x' }] } }), 'FORBIDDEN', /needs the MONITOR role/);
  });

  it('certifies exactly once under concurrent requests', async () => {
    const a = await createAgreement();
    const m = await addMilestone(a);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => h.run(monitor, CERTIFY, { input: { milestoneId: m.id, evidence: [{ reference: `report ${i}` }] } })),
    );
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    expect(results.filter((r) => r.errors).every((r) => codes(r)[0] === 'BAD_USER_INPUT')).toBe(true);
    const [{ n }] = await h.db.query('SELECT count(*)::int AS n FROM certification WHERE milestone_id = $1', [m.id]);
    expect(n).toBe(1);
  });

  it('hides evidence from anonymous callers but shows status', async () => {
    const a = await createAgreement();
    const m = await addMilestone(a);
    await h.run(monitor, CERTIFY, { input: { milestoneId: m.id, evidence: [{ reference: 'r' }] } });
    const r = await h.run(anonymous, `{ agreement(id: "${a.id}") { milestones { status certifications { verifier evidence { reference } } } } }`);
    expect(codes(r)).toEqual(['FORBIDDEN']);
    expect(r.data!.agreement).toBeNull();
    const ok = await h.run(anonymous, `{ agreement(id: "${a.id}") { milestones { status certifications { verifier } } } }`);
    expect(ok.errors).toBeUndefined();
    expect(ok.data!.agreement.milestones[0].certifications[0].verifier).toBe('Joint Monitoring Cell');
  });
});
