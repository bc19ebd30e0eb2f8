import { describe, expect, it } from 'vitest';
import { disputeEvents, milestoneEvents, type DisputeRow, type MilestoneRow } from '../src/alerts.js';

const H = 3_600_000;
const day0 = new Date('2026-05-22T00:00:00Z');

describe('milestone events from the clock', () => {
  const row = (over: Partial<MilestoneRow> = {}): MilestoneRow => ({ id: 'm1', agreement_id: 'a1', title: 'Lists exchanged', due_day: 7, obligated_party_id: 'p1', entry_into_force_at: day0, settled: false, ...over });
  const dueStart = day0.getTime() + 7 * 24 * H;

  it('is due today from the start of its due day, and missed from the end of it', () => {
    expect(milestoneEvents([row()], new Date(dueStart + H)).map((e) => [e.type, e.key, e.occurredAt.getTime()])).toEqual([['milestone.due_today', 'milestone.due_today:m1', dueStart]]);
    const missed = milestoneEvents([row()], new Date(dueStart + 24 * H));
    expect(missed.map((e) => [e.type, e.occurredAt.getTime()])).toEqual([['milestone.missed', dueStart + 24 * H]]);
    expect(missed[0]!.data).toMatchObject({ milestoneId: 'm1', dueDay: 7, dueAt: new Date(dueStart + 24 * H).toISOString() });
  });

  it('says nothing of a milestone certified or waived', () => {
    expect(milestoneEvents([row({ settled: true })], new Date(dueStart + 30 * H))).toEqual([]);
  });
});

describe('dispute events from the clock', () => {
  const filed = new Date('2026-06-10T00:00:00Z');
  const tiers = [
    { ordinal: 1, name: 'Joint commission', hours: 48, ruling_role: 'MEDIATOR' as const },
    { ordinal: 2, name: 'Guarantor panel', hours: 72, ruling_role: 'GUARANTOR' as const },
  ];
  const row: DisputeRow = { id: 'd1', agreement_id: 'a1', milestone_id: 'm1', incident_id: null, filed_at: filed, tiers };
  const at = (hours: number) => new Date(filed.getTime() + hours * H);

  it('raises tier_due once inside the horizon, and escalation at each deadline', () => {
    expect(disputeEvents([row], at(30), 12 * H)).toEqual([]);
    expect(disputeEvents([row], at(37), 12 * H).map((e) => [e.key, e.occurredAt.getTime()])).toEqual([['dispute.tier_due:d1:1', at(36).getTime()]]);
    // A wider horizon (TREATY_ALERT_HORIZON_HOURS=24) says it earlier.
    expect(disputeEvents([row], at(30), 24 * H).map((e) => e.key)).toEqual(['dispute.tier_due:d1:1']);
    const after = disputeEvents([row], at(49), 12 * H);
    expect(after.map((e) => e.key)).toEqual(['dispute.escalated:d1:1']);
    expect(after[0]!.data).toMatchObject({ tier: 1, toTier: 2, toTierName: 'Guarantor panel', exhausted: false });
    const exhausted = disputeEvents([row], at(121), 12 * H);
    expect(exhausted.map((e) => [e.key, e.data.exhausted])).toEqual([
      ['dispute.escalated:d1:1', false],
      ['dispute.escalated:d1:2', true],
    ]);
  });

  it('falls back to the default ladder when the agreement sets none, and forgets deadlines past the lookback', () => {
    expect(disputeEvents([{ ...row, tiers: null }], at(49), 12 * H).map((e) => e.key)).toEqual(['dispute.escalated:d1:1']);
    expect(disputeEvents([row], at(120 + 8 * 24), 12 * H)).toEqual([]);
  });
});
