import { describe, expect, it } from 'vitest';
import { PARTNER_ROLES, RaisedKeys, type AlertInput } from '../src/alerts.js';

const event = (key: string): AlertInput => ({
  key,
  type: 'milestone.missed',
  agreementId: null,
  occurredAt: new Date('2026-06-14T23:59:59.999Z'),
  recordedAt: new Date('2026-06-15T09:30:00.000Z'),
  audience: PARTNER_ROLES,
  data: {},
});

describe('RaisedKeys: what an alert watcher tries to insert on each tick', () => {
  it('tries every event of the first scan, then only what a later scan adds', () => {
    const raised = new RaisedKeys();
    const first = [event('milestone.missed:a'), event('dispute.escalated:d:1')];
    expect(raised.fresh(first).map((e) => e.key)).toEqual(['milestone.missed:a', 'dispute.escalated:d:1']);
    raised.settle(first);
    expect(raised.fresh(first)).toEqual([]);
    const second = [...first, event('milestone.due_today:b')];
    expect(raised.fresh(second).map((e) => e.key)).toEqual(['milestone.due_today:b']);
  });

  it('tries a tick again whose raise failed (nothing settled)', () => {
    const raised = new RaisedKeys();
    const due = [event('milestone.missed:a')];
    expect(raised.fresh(due)).toHaveLength(1);
    // raiseAlerts threw: settle is not called, so the next tick tries the same events.
    expect(raised.fresh(due)).toHaveLength(1);
  });

  it('keeps only the last scan\'s keys: one that left and came back is tried again', () => {
    const raised = new RaisedKeys();
    raised.settle([event('milestone.missed:a'), event('milestone.missed:b')]);
    raised.settle([event('milestone.missed:b')]);
    expect(raised.fresh([event('milestone.missed:a'), event('milestone.missed:b')]).map((e) => e.key)).toEqual(['milestone.missed:a']);
  });
});
