import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { anonymous, caller, codes } from '@treaty/testing';
import {
  APPROVE,
  CREATE_TRANCHE,
  RELEASE,
  addMilestone,
  benchmarkIds,
  certify,
  createAgreement,
  createTranche,
  deposit,
  guarantorCaller,
  mediator,
  openAccount,
  registerGuarantor,
  startGuarantors,
  type Harness,
} from './harness.js';

/**
 * Issue 20, part 1: variable tranches. Milestones, prisoners and corridors run for real: the benchmark
 * comes from milestones, its measured value from the service that owns it. The benchmark used most here
 * is QUIET_HOURS ≥ 72: with no verified violation, corridors measures the hours since Day 0
 * (2026-03-01T00:00Z), so the clock decides the band: 60 h is 83.33 % (the 50 % band), 72 h is 100 %,
 * 24 h is below every band.
 */

let h: Harness;
let n = 0;

beforeAll(async () => {
  h = await startGuarantors(undefined, { measuring: true });
});
beforeEach(() => {
  h.clock.set('2026-03-02T00:00:00Z');
});
afterAll(async () => {
  await h?.expectLedgerReconciles();
  await h?.stop();
});

const AT_60_HOURS = '2026-03-03T12:00:00Z';
const AT_72_HOURS = '2026-03-04T00:00:00Z';
const EU_BANDS = [
  { fromBasisPoints: 9000, paysBasisPoints: 10000 },
  { fromBasisPoints: 6000, paysBasisPoints: 5000 },
];

const BENCHMARKS = [
  { metric: 'QUIET_HOURS', comparator: 'AT_LEAST', threshold: 72, description: '72 hours without a verified material violation' },
  { metric: 'ESCROW_FUNDED_RATIO', comparator: 'AT_LEAST', threshold: 1 },
  { metric: 'DETAINEES_RELEASED', comparator: 'AT_LEAST', threshold: 20 },
  { metric: 'TRUCKS_DELIVERED', comparator: 'AT_LEAST', threshold: 120 },
];

/** An agreement with a Day-30 milestone carrying the benchmarks above, a Day-60 one, a funding guarantor and a USD account for the government funded with `funds`. */
async function scenario(funds = '10000.00') {
  n += 1;
  const agreement = await createAgreement(h);
  const day30 = await addMilestone(h, agreement, 30, 'Quiet along the line of contact', BENCHMARKS);
  const day60 = await addMilestone(h, agreement, 60, 'Reopening of the Sorrel crossing');
  const [quiet, funded, detainees, trucks] = (await benchmarkIds(h, agreement.id, day30)) as [string, string, string, string];
  const guarantorId = await registerGuarantor(h, `Peace Dividend Fund ${n}`, 'UN_BODY', ['FUNDER']);
  const accountId = await openAccount(h, agreement.id, agreement.government, 'USD');
  if (funds !== '0.00') await deposit(h, accountId, guarantorId, funds);
  const releaser = guarantorCaller(guarantorId, 'releasing-officer');
  return { agreement, day30, day60, quiet, funded, detainees, trucks, guarantorId, accountId, releaser };
}
type Scenario = Awaited<ReturnType<typeof scenario>>;

const variable = (s: Scenario, amount: string, performance: Record<string, unknown>) =>
  h.run(mediator, CREATE_TRANCHE, { input: { escrowAccountId: s.accountId, milestoneId: s.day30, guarantorId: s.guarantorId, amount, currency: 'USD', performance } });

async function createVariable(s: Scenario, amount: string, performance: Record<string, unknown> = {}) {
  const r = await variable(s, amount, { benchmarkId: s.quiet, bands: EU_BANDS, remainder: 'RETURN_TO_HOLDING', ...performance });
  expect(r.errors).toBeUndefined();
  return r.data!.createTranche.id as string;
}

const PAYOUT = 'measured threshold ratio bandFromBasisPoints paysBasisPoints pays { amount currency } unpaid { amount } remainder carryTo { id } measuredAt';
const TRANCHE = (id: string) => `{ tranche(id: "${id}") {
  id status amount { amount } released { amount } unpaid { amount } carriedIn { amount } held { amount } unfunded { amount }
  performance { benchmarkId metric threshold remainder bands { fromBasisPoints paysBasisPoints } carryTo { id } }
  projectedPayout { ${PAYOUT} }
  release { amount { amount } logEntry { kind } payout { ${PAYOUT} logEntry { kind subject } } }
} }`;
const read = async (id: string) => (await h.ok(anonymous, TRANCHE(id))).tranche;
const approve = (trancheId: string) => h.ok(mediator, APPROVE, { input: { trancheId } });
const HOLDING = (accountId: string) => `{ escrowAccount(id: "${accountId}") { balance { amount } released { amount } holdings { balance { amount } reserved { amount } unreserved { amount } } } }`;

describe('createTranche with performance bands', () => {
  it('keeps the terms, with the benchmark as milestones reports it, and projects the payout from the value measured now', async () => {
    const s = await scenario();
    const id = await createVariable(s, '300.00');
    h.clock.set(AT_60_HOURS);
    const t = await read(id);
    expect(t.performance).toEqual({ benchmarkId: s.quiet, metric: 'QUIET_HOURS', threshold: 72, remainder: 'RETURN_TO_HOLDING', bands: EU_BANDS, carryTo: null });
    expect(t.projectedPayout).toEqual({
      measured: 60,
      threshold: 72,
      ratio: 0.8333,
      bandFromBasisPoints: 6000,
      paysBasisPoints: 5000,
      pays: { amount: '150.00', currency: 'USD' },
      unpaid: { amount: '150.00' },
      remainder: 'RETURN_TO_HOLDING',
      carryTo: null,
      measuredAt: '2026-03-03T12:00:00.000Z',
    });
    h.clock.set(AT_72_HOURS);
    expect((await read(id)).projectedPayout).toMatchObject({ measured: 72, ratio: 1, bandFromBasisPoints: 9000, paysBasisPoints: 10000, pays: { amount: '300.00' }, unpaid: { amount: '0.00' }, remainder: null });
    h.clock.set('2026-03-02T00:00:00Z');
    expect((await read(id)).projectedPayout).toMatchObject({ measured: 24, ratio: 0.3333, bandFromBasisPoints: null, paysBasisPoints: 0, pays: { amount: '0.00' }, unpaid: { amount: '300.00' } });
    // A tranche without bands projects all of what remains of it.
    const fixed = await createTranche(h, s.accountId, s.day30, s.guarantorId, '50.00');
    expect((await read(fixed.id)).projectedPayout).toMatchObject({ measured: null, ratio: null, paysBasisPoints: 10000, pays: { amount: '50.00' }, unpaid: { amount: '0.00' } });
  });

  it('measures detainees released with prisoners and trucks delivered with corridors, asking each once per request', async () => {
    const s = await scenario();
    const onDetainees = await createVariable(s, '100.00', { benchmarkId: s.detainees });
    const onTrucks = await createVariable(s, '100.00', { benchmarkId: s.trucks });
    const onQuiet = await createVariable(s, '100.00');
    const fetchSpy = vi.spyOn(globalThis, 'fetch');
    try {
      const r = await h.ok(anonymous, `{ a: tranche(id: "${onDetainees}") { projectedPayout { measured paysBasisPoints } } b: tranche(id: "${onTrucks}") { projectedPayout { measured paysBasisPoints } } c: tranche(id: "${onQuiet}") { projectedPayout { measured } } }`);
      expect(r).toEqual({ a: { projectedPayout: { measured: 0, paysBasisPoints: 0 } }, b: { projectedPayout: { measured: 0, paysBasisPoints: 0 } }, c: { projectedPayout: { measured: 24 } } });
      const hosts = fetchSpy.mock.calls.map((c) => String(c[0]));
      expect(hosts).toHaveLength(3);
      expect(new Set(hosts)).toEqual(new Set([h.urls.milestones, h.urls.prisoners, h.urls.corridors]));
    } finally {
      fetchSpy.mockRestore();
    }
  });

  it('refuses bands that are empty, out of order or out of range, naming each, and writes nothing', async () => {
    const s = await scenario();
    const perf = { benchmarkId: s.quiet, remainder: 'RETURN_TO_HOLDING' };
    await h.expectRefused(() => variable(s, '10.00', { ...perf, bands: [] }), 'BAD_USER_INPUT', /input.performance.bands: A variable tranche needs at least one band/);
    await h.expectRefused(() => variable(s, '10.00', { ...perf, bands: [...EU_BANDS].reverse() }), 'BAD_USER_INPUT', /input.performance.bands.1: .*list the bands from the highest down/);
    await h.expectRefused(
      () => variable(s, '10.00', { ...perf, bands: [{ fromBasisPoints: 12000, paysBasisPoints: 10001 }] }),
      'BAD_USER_INPUT',
      /The input has 2 problems: input.performance.bands.0.fromBasisPoints: .*from 0 to 10000.*input.performance.bands.0.paysBasisPoints: .*from 1 to 10000/,
    );
    await h.expectRefused(() => variable(s, '10.00', { ...perf, bands: [{ fromBasisPoints: 6000, paysBasisPoints: 0 }] }), 'BAD_USER_INPUT', /a band paying nothing is not needed/);
  });

  it('refuses a carry without a target, a target without a carry, and a benchmark the milestone lacks or that cannot carry bands', async () => {
    const s = await scenario();
    const later = await createTranche(h, s.accountId, s.day60, s.guarantorId, '10.00');
    await h.expectRefused(() => variable(s, '10.00', { benchmarkId: s.quiet, bands: EU_BANDS, remainder: 'CARRY_TO_TRANCHE' }), 'BAD_USER_INPUT', /CARRY_TO_TRANCHE needs the later tranche/);
    await h.expectRefused(
      () => variable(s, '10.00', { benchmarkId: s.quiet, bands: EU_BANDS, remainder: 'RETURN_TO_HOLDING', carryToTrancheId: later.id }),
      'BAD_USER_INPUT',
      /RETURN_TO_HOLDING keeps the unpaid part in the holding; leave carryToTrancheId out/,
    );
    await h.expectRefused(
      () => variable(s, '10.00', { benchmarkId: '00000000-0000-4000-8000-0000000000b1', bands: EU_BANDS, remainder: 'RETURN_TO_HOLDING' }),
      'BAD_USER_INPUT',
      new RegExp(`has no benchmark 00000000-0000-4000-8000-0000000000b1; its benchmarks are ${s.quiet} \\(QUIET_HOURS AT_LEAST 72\\)`),
    );
    await h.expectRefused(() => variable(s, '10.00', { benchmarkId: s.funded, bands: EU_BANDS, remainder: 'RETURN_TO_HOLDING' }), 'BAD_USER_INPUT', /cannot carry performance bands: .*how well it is funded itself/);
  });

  it('refuses a carry target that is unknown, of another holding, not on a later milestone, or already released', async () => {
    const s = await scenario();
    const carry = (carryToTrancheId: string) => variable(s, '10.00', { benchmarkId: s.quiet, bands: EU_BANDS, remainder: 'CARRY_TO_TRANCHE', carryToTrancheId });
    await h.expectRefused(() => carry('00000000-0000-4000-8000-0000000000c1'), 'NOT_FOUND', /No tranche has id .*Create the later tranche first/);
    const other = await registerGuarantor(h, `Littoral Council ${n}`, 'REGIONAL_ORGANISATION', ['FUNDER']);
    const othersTranche = await createTranche(h, s.accountId, s.day60, other, '10.00');
    await h.expectRefused(() => carry(othersTranche.id), 'BAD_USER_INPUT', /funded by another guarantor or from another escrow account/);
    const sameDay = await createTranche(h, s.accountId, s.day30, s.guarantorId, '10.00');
    await h.expectRefused(() => carry(sameDay.id), 'BAD_USER_INPUT', /not after "Quiet along the line of contact".*carry the unpaid part to a tranche on a later milestone/);
    const released = await createTranche(h, s.accountId, s.day60, s.guarantorId, '10.00');
    await certify(h, s.day60);
    await approve(released.id);
    await h.ok(s.releaser, RELEASE, { input: { trancheId: released.id } });
    await h.expectRefused(() => carry(released.id), 'BAD_USER_INPUT', /was released or wholly forfeited; nothing can be carried to it/);
  });
});

describe('releaseTranche on a variable tranche', () => {
  it('pays the band measured at the release, rounded down to the cent, and returns the rest (the half cent included) to the holding', async () => {
    const s = await scenario('333.33');
    const id = await createVariable(s, '333.33');
    await certify(h, s.day30);
    await approve(id);
    h.clock.set(AT_60_HOURS);
    const r = await h.ok(s.releaser, RELEASE, { input: { trancheId: id } });
    expect(r.releaseTranche.status).toBe('RELEASED');
    const t = await read(id);
    expect(t).toMatchObject({ status: 'RELEASED', amount: { amount: '333.33' }, released: { amount: '166.66' }, unpaid: { amount: '166.67' }, held: { amount: '0.00' }, unfunded: { amount: '0.00' }, projectedPayout: null });
    expect(t.release.amount.amount).toBe('166.66');
    expect(t.release.logEntry).toEqual({ kind: 'ledger-journal' });
    expect(t.release.payout).toEqual({
      measured: 60, threshold: 72, ratio: 0.8333, bandFromBasisPoints: 6000, paysBasisPoints: 5000,
      pays: { amount: '166.66', currency: 'USD' }, unpaid: { amount: '166.67' }, remainder: 'RETURN_TO_HOLDING', carryTo: null,
      measuredAt: '2026-03-03T12:00:00.000Z', logEntry: { kind: 'tranche-performance', subject: id },
    });
    // Returned to the holding: no longer reserved, still in escrow.
    const account = (await h.ok(mediator, HOLDING(s.accountId))).escrowAccount;
    expect(account).toMatchObject({ balance: { amount: '166.67' }, released: { amount: '166.66' }, holdings: [{ balance: { amount: '166.67' }, reserved: { amount: '0.00' }, unreserved: { amount: '166.67' } }] });
    // The alert carries what was paid, not the tranche's amount.
    const [alert] = await h.db.query(`SELECT data FROM alert_outbox WHERE type = 'tranche.released' AND data->>'trancheId' = $1`, [id]);
    expect(alert.data.amount).toBe('166.66');
    await h.expectLedgerReconciles();
  });

  it('carries the rest to the named later tranche, which then stands for it and releases it', async () => {
    const s = await scenario('800.00');
    const later = await createTranche(h, s.accountId, s.day60, s.guarantorId, '500.00');
    const id = await createVariable(s, '300.00', { remainder: 'CARRY_TO_TRANCHE', carryToTrancheId: later.id });
    expect((await read(id)).performance.carryTo).toEqual({ id: later.id });
    await certify(h, s.day30);
    await approve(id);
    h.clock.set(AT_60_HOURS);
    expect((await read(id)).projectedPayout).toMatchObject({ pays: { amount: '150.00' }, unpaid: { amount: '150.00' }, remainder: 'CARRY_TO_TRANCHE', carryTo: { id: later.id } });
    await h.ok(s.releaser, RELEASE, { input: { trancheId: id } });
    expect((await read(id)).release.payout).toMatchObject({ remainder: 'CARRY_TO_TRANCHE', carryTo: { id: later.id }, unpaid: { amount: '150.00' } });
    // forfeited + released + unpaid + held + unfunded = amount + carriedIn, for both.
    expect(await read(later.id)).toMatchObject({ amount: { amount: '500.00' }, carriedIn: { amount: '150.00' }, held: { amount: '650.00' }, unfunded: { amount: '0.00' }, projectedPayout: { pays: { amount: '650.00' } } });
    const account = (await h.ok(mediator, HOLDING(s.accountId))).escrowAccount;
    expect(account.holdings[0]).toEqual({ balance: { amount: '650.00' }, reserved: { amount: '650.00' }, unreserved: { amount: '0.00' } });
    await certify(h, s.day60);
    await approve(later.id);
    await h.ok(s.releaser, RELEASE, { input: { trancheId: later.id } });
    expect(await read(later.id)).toMatchObject({ status: 'RELEASED', released: { amount: '650.00' }, held: { amount: '0.00' } });
    expect((await h.ok(mediator, HOLDING(s.accountId))).escrowAccount).toMatchObject({ balance: { amount: '0.00' }, released: { amount: '800.00' } });
    await h.expectLedgerReconciles();
  });

  it('returns the rest instead when the carry target was released meanwhile, and says so', async () => {
    const s = await scenario('400.00');
    const later = await createTranche(h, s.accountId, s.day60, s.guarantorId, '100.00');
    const id = await createVariable(s, '300.00', { remainder: 'CARRY_TO_TRANCHE', carryToTrancheId: later.id });
    await certify(h, s.day60);
    await approve(later.id);
    await h.ok(s.releaser, RELEASE, { input: { trancheId: later.id } });
    await certify(h, s.day30);
    await approve(id);
    h.clock.set(AT_60_HOURS);
    await h.ok(s.releaser, RELEASE, { input: { trancheId: id } });
    expect((await read(id)).release.payout).toMatchObject({ remainder: 'RETURN_TO_HOLDING', carryTo: null, unpaid: { amount: '150.00' } });
    expect((await read(id)).performance.remainder).toBe('CARRY_TO_TRANCHE');
    expect((await read(later.id)).carriedIn.amount).toBe('0.00');
    await h.expectLedgerReconciles();
  });

  it('below every band pays nothing, moves no money, and still settles the tranche once', async () => {
    const s = await scenario('300.00');
    const id = await createVariable(s, '300.00');
    await certify(h, s.day30);
    await approve(id);
    const journalsBefore = (await h.db.query(`SELECT count(*)::int AS n FROM ledger_journal`))[0].n;
    await h.ok(s.releaser, RELEASE, { input: { trancheId: id } });
    const t = await read(id);
    expect(t).toMatchObject({ status: 'RELEASED', released: { amount: '0.00' }, unpaid: { amount: '300.00' }, release: { amount: { amount: '0.00' }, logEntry: null, payout: { measured: 24, bandFromBasisPoints: null, paysBasisPoints: 0, remainder: 'RETURN_TO_HOLDING', logEntry: { kind: 'tranche-performance' } } } });
    expect((await h.db.query(`SELECT count(*)::int AS n FROM ledger_journal`))[0].n).toBe(journalsBefore);
    await h.expectRefused(() => h.run(s.releaser, RELEASE, { input: { trancheId: id } }), 'ALREADY_RELEASED', /was already released on .* \(0.00 USD paid\); a tranche is released once/);
    await h.expectRefused(() => h.run(mediator, APPROVE, { input: { trancheId: id } }), 'ALREADY_RELEASED', /a tranche is released once/);
    const [alert] = await h.db.query(`SELECT data FROM alert_outbox WHERE type = 'tranche.released' AND data->>'trancheId' = $1`, [id]);
    expect(alert.data.amount).toBe('0.00');
  });

  it('keeps the rules of every release: two people, a certified milestone, the funds in escrow, with nothing written', async () => {
    const s = await scenario('100.00');
    const id = await createVariable(s, '300.00');
    h.clock.set(AT_72_HOURS);
    await h.expectRefused(() => h.run(s.releaser, RELEASE, { input: { trancheId: id } }), 'FORBIDDEN', /needs a mediator's recorded approval first/);
    await approve(id);
    await h.expectRefused(() => h.run(guarantorCaller(s.guarantorId, 'envoy-desk-officer'), RELEASE, { input: { trancheId: id } }), 'FORBIDDEN', /two different people/);
    await h.expectRefused(() => h.run(s.releaser, RELEASE, { input: { trancheId: id } }), 'MILESTONE_NOT_CERTIFIED', /is PENDING.*certified MET or MET_LATE/);
    await certify(h, s.day30);
    // Escrow must hold all of what remains, whatever the band would pay.
    await h.expectRefused(() => h.run(s.releaser, RELEASE, { input: { trancheId: id } }), 'BAD_USER_INPUT', /holds 100.00 USD .* releasing this tranche needs 300.00 USD\. Deposit at least 200.00 USD more/);
    await h.expectRefused(() => h.run(caller('MEDIATOR', { subject: 'x' }), RELEASE, { input: { trancheId: id } }), 'FORBIDDEN');
  });

  it('releases exactly once under twenty concurrent requests over HTTP, and the ledger still reconciles', async () => {
    const s = await scenario('1000.00');
    const id = await createVariable(s, '1000.00');
    await certify(h, s.day30);
    await approve(id);
    h.clock.set(AT_60_HOURS);
    const results = await Promise.all(Array.from({ length: 20 }, () => h.call('guarantors', s.releaser, RELEASE, { input: { trancheId: id } })));
    expect(results.filter((r) => !r.body.errors)).toHaveLength(1);
    expect(results.filter((r) => r.body.errors).map((r) => codes(r.body))).toEqual(Array(19).fill(['ALREADY_RELEASED']));
    const [rows] = await h.db.query(
      `SELECT (SELECT count(*)::int FROM tranche_performance_release WHERE tranche_id = $1) AS releases,
              (SELECT count(*)::int FROM ledger_journal WHERE tranche_id = $1 AND kind = 'RELEASE') AS journals,
              (SELECT count(*)::int FROM evidence_entry WHERE kind = 'tranche-performance' AND subject = $1::text) AS logged`,
      [id],
    );
    expect(rows).toEqual({ releases: 1, journals: 1, logged: 1 });
    expect((await h.ok(mediator, HOLDING(s.accountId))).escrowAccount).toMatchObject({ balance: { amount: '500.00' }, released: { amount: '500.00' } });
    await h.expectLedgerReconciles();
  });

  it('logs every variable release with the fact as stored: no fact of this service is missing from its log', async () => {
    const kinds = await h.expectEverythingLogged();
    const [{ n }] = await h.db.query(`SELECT count(*)::int AS n FROM tranche_performance_release`);
    expect(n).toBeGreaterThanOrEqual(5);
    expect(kinds['tranche-performance']).toBe(n);
  });

  it('is refused with SERVICE_UNAVAILABLE, nothing written, when the measuring service is down (and the projection is null, naming it)', async () => {
    const s = await scenario('300.00');
    const id = await createVariable(s, '300.00');
    await certify(h, s.day30);
    await approve(id);
    await h.running.corridors!.close();
    await h.expectRefused(() => h.run(s.releaser, RELEASE, { input: { trancheId: id } }), 'SERVICE_UNAVAILABLE', /corridors/);
    const r = await h.run(anonymous, `{ tranche(id: "${id}") { amount { amount } projectedPayout { pays { amount } } } }`);
    expect(r.data).toEqual({ tranche: { amount: { amount: '300.00' }, projectedPayout: null } });
    expect(r.errors![0]!.extensions!.code).toBe('SERVICE_UNAVAILABLE');
  });
});
