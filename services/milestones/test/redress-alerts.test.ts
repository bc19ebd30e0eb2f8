import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caller } from '@treaty/testing';
import { raiseAlerts, statements } from '@treaty/service-kit';
import { ADD_MILESTONE, CREATE_AGREEMENT, agreementInput, startMilestones } from './harness.js';
import { redressAlerts } from '../src/redress-alerts.js';
import { redressEvents, redressStatus } from '../src/domain/redress.js';

/**
 * The clock-driven redress events (redress.due, redress.overdue) that the milestones watcher raises:
 * `redressAlerts` against a real database, with cases opened through the API on a ruling that confirmed
 * a breach; and the pure rules behind them.
 */

const NOW = '2026-03-20T10:00:00.000Z';
const H = 3_600_000;
const DAY = 24 * H;
const HORIZON = 12 * H;
const at = (ms: number) => new Date(Date.parse(NOW) + ms);
const mediator = caller('MEDIATOR', { agency: 'Office of the Envoy' });

let h: Awaited<ReturnType<typeof startMilestones>>;
let agreement: { id: string; parties: { id: string }[] };
let disputeId: string;

beforeAll(async () => {
  h = await startMilestones(NOW);
  agreement = (await h.run(mediator, CREATE_AGREEMENT, { input: agreementInput() })).data!.createAgreement;
  const m = (await h.run(mediator, ADD_MILESTONE, { input: { agreementId: agreement.id, phaseOrdinal: 1, title: 'Lists exchanged', obligatedPartyId: agreement.parties[0]!.id, dueDay: 30 } })).data!.addMilestone;
  disputeId = (await h.run(mediator, `mutation ($input: FileDisputeInput!) { fileDispute(input: $input) { id } }`, { input: { agreementId: agreement.id, milestoneId: m.id, allegation: 'Lists withheld' } })).data!.fileDispute.id;
  const ruled = await h.run(mediator, `mutation ($input: RuleOnDisputeInput!) { ruleOnDispute(input: $input) { id } }`, { input: { disputeId, outcome: 'BREACH_CONFIRMED', reasoning: 'The lists were not handed over' } });
  expect(ruled.errors).toBeUndefined();
});
afterAll(() => h?.drop());

/** Opens a case at the clock's now, due `dueInMs` later. */
async function openCase(dueInMs: number): Promise<{ id: string; dueAt: Date }> {
  const dueAt = new Date(h.clock.now().getTime() + dueInMs);
  const r = await h.run(mediator, `mutation ($input: OpenRedressCaseInput!) { openRedressCase(input: $input) { id } }`, {
    input: { agreementId: agreement.id, basis: 'RULING', disputeId, remedy: 'Hand over the complete lists to the intermediary', owedByPartyId: agreement.parties[1]!.id, dueAt: dueAt.toISOString() },
  });
  expect(r.errors).toBeUndefined();
  return { id: r.data!.openRedressCase.id, dueAt };
}

const keysFor = (events: { key: string }[], id: string) => events.map((e) => e.key).filter((k) => k.endsWith(id));

describe('redressAlerts against PostgreSQL', () => {
  it('says nothing before the horizon, redress.due inside it, redress.overdue once the deadline passes, and nothing once delivered', async () => {
    h.clock.set(NOW);
    const c = await openCase(5 * DAY);
    expect(keysFor(await redressAlerts(h.db, at(4 * DAY), HORIZON), c.id)).toEqual([]);
    const due = (await redressAlerts(h.db, at(5 * DAY - 11 * H), HORIZON)).filter((e) => e.key.endsWith(c.id));
    expect(due).toEqual([
      {
        key: `redress.due:${c.id}`,
        type: 'redress.due',
        agreementId: agreement.id,
        occurredAt: at(5 * DAY - HORIZON),
        recordedAt: at(5 * DAY - 11 * H),
        audience: ['MEDIATOR', 'MONITOR', 'GUARANTOR', 'PARTY'],
        data: { caseId: c.id, basis: 'RULING', dueAt: c.dueAt.toISOString(), owedByPartyId: agreement.parties[1]!.id, hoursLeft: 11 },
      },
    ]);
    // A wider horizon says it sooner.
    expect(keysFor(await redressAlerts(h.db, at(4 * DAY), 2 * DAY), c.id)).toEqual([`redress.due:${c.id}`]);
    const overdue = (await redressAlerts(h.db, at(5 * DAY + 60_000), HORIZON)).filter((e) => e.key.endsWith(c.id));
    expect(overdue.map((e) => [e.key, e.type, e.occurredAt])).toEqual([[`redress.overdue:${c.id}`, 'redress.overdue', c.dueAt]]);
    h.clock.set(at(5 * DAY + H));
    const delivered = await h.run(mediator, `mutation ($input: RecordRedressDeliveredInput!) { recordRedressDelivered(input: $input) { status } }`, { input: { caseId: c.id, evidence: [{ reference: 'Intermediary receipt of lists' }] } });
    expect(delivered.data!.recordRedressDelivered.status).toBe('DELIVERED_LATE');
    expect(keysFor(await redressAlerts(h.db, at(5 * DAY + 2 * H), HORIZON), c.id)).toEqual([]);
    h.clock.set(NOW);
  });

  it('opened inside the horizon, the due event is dated at the opening; a deadline past the 7-day lookback is no longer announced', async () => {
    h.clock.set(NOW);
    const c = await openCase(6 * H);
    const [due] = (await redressAlerts(h.db, at(H), HORIZON)).filter((e) => e.key.endsWith(c.id));
    expect(due).toMatchObject({ type: 'redress.due', occurredAt: at(0) });
    expect(keysFor(await redressAlerts(h.db, at(6 * H + 7 * DAY - 60_000), HORIZON), c.id)).toEqual([`redress.overdue:${c.id}`]);
    expect(keysFor(await redressAlerts(h.db, at(6 * H + 7 * DAY + 60_000), HORIZON), c.id)).toEqual([]);
  });

  it('is one SQL statement, whatever the number of cases, and its events are kept once in the outbox however often raised', async () => {
    h.clock.set(NOW);
    const first = await openCase(2 * H);
    const one = await statements.measure(() => redressAlerts(h.db, at(3 * H), HORIZON));
    for (let i = 0; i < 5; i += 1) await openCase((2 + i) * H);
    const six = await statements.measure(() => redressAlerts(h.db, at(3 * H), HORIZON));
    expect(one.count).toBe(1);
    expect(six.count).toBe(1);
    expect(six.result.length).toBeGreaterThan(one.result.length);
    const events = six.result;
    expect(await raiseAlerts(h.db, events)).toBe(events.length);
    expect(await raiseAlerts(h.db, await redressAlerts(h.db, at(3 * H), HORIZON))).toBe(0);
    const [{ n }] = await h.db.query(`SELECT count(*)::int AS n FROM alert_outbox WHERE event_key = $1`, [`redress.overdue:${first.id}`]);
    expect(n).toBe(1);
  });
});

describe('the rules behind them', () => {
  const c = { id: 'c1', agreementId: 'a1', basis: 'INCIDENT' as const, dueAt: at(3 * DAY), owedByPartyId: 'p1', openedAt: at(0) };

  it('derives OPEN, DUE_SOON (72 h), OVERDUE, DELIVERED and DELIVERED_LATE', () => {
    expect(redressStatus(c.dueAt, null, at(-1))).toBe('OPEN');
    expect(redressStatus(c.dueAt, null, at(0))).toBe('DUE_SOON');
    expect(redressStatus(c.dueAt, null, at(3 * DAY - 1))).toBe('DUE_SOON');
    expect(redressStatus(c.dueAt, null, at(3 * DAY))).toBe('OVERDUE');
    expect(redressStatus(c.dueAt, at(3 * DAY), at(9 * DAY))).toBe('DELIVERED');
    expect(redressStatus(c.dueAt, at(3 * DAY + 1), at(4 * DAY))).toBe('DELIVERED_LATE');
  });

  it('raises due with the hours left, and only overdue once the deadline is reached', () => {
    expect(redressEvents([c], at(3 * DAY - 13 * H), HORIZON)).toEqual([]);
    expect(redressEvents([c], at(3 * DAY - 6 * H), HORIZON).map((e) => [e.key, e.data.hoursLeft])).toEqual([['redress.due:c1', 6]]);
    expect(redressEvents([c], at(3 * DAY), HORIZON).map((e) => e.key)).toEqual(['redress.overdue:c1']);
  });
});
