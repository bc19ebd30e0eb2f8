import { describe, expect, it } from 'vitest';
import { evaluateBenchmark, score, tally, verdict } from '../src/domain/compliance.js';
import { DEFAULT_TIERS, disputeStage, tierDeadlines } from '../src/domain/disputes.js';
import { snapBackState, violationThresholdCrossed } from '../src/domain/snapback.js';

const t = (iso: string) => new Date(iso);

describe('compliance verdict', () => {
  const start = t('2026-03-01T00:00:00Z');
  const due = t('2026-03-31T00:00:00Z'); // 30-day window
  const unmet = [evaluateBenchmark({ metric: 'TRUCKS_DELIVERED', comparator: 'AT_LEAST', threshold: 600 }, 100)];
  const met = [evaluateBenchmark({ metric: 'TRUCKS_DELIVERED', comparator: 'AT_LEAST', threshold: 600 }, 600)];
  it('is MET when certified or waived, BREACHED when missed', () => {
    expect(verdict('MET_LATE', unmet, start, due, t('2026-04-05T00:00:00Z'))).toBe('MET');
    expect(verdict('WAIVED', unmet, start, due, t('2026-03-05T00:00:00Z'))).toBe('MET');
    expect(verdict('MISSED', met, start, due, t('2026-04-05T00:00:00Z'))).toBe('BREACHED');
  });
  it('is AT_RISK with a benchmark unmet and a quarter or less of the window left', () => {
    expect(verdict('PENDING', unmet, start, due, t('2026-03-20T00:00:00Z'))).toBe('ON_TRACK'); // 11/30 left
    expect(verdict('PENDING', unmet, start, due, t('2026-03-23T12:00:00Z'))).toBe('AT_RISK'); // 7.5/30 left
    expect(verdict('DUE', unmet, start, due, t('2026-03-30T01:00:00Z'))).toBe('AT_RISK');
    expect(verdict('PENDING', met, start, due, t('2026-03-29T00:00:00Z'))).toBe('ON_TRACK');
  });
  it('compares AT_MOST and AT_LEAST and names the source', () => {
    expect(evaluateBenchmark({ metric: 'QUIET_HOURS', comparator: 'AT_LEAST', threshold: 72 }, 71.9)).toMatchObject({ satisfied: false, source: 'corridors' });
    expect(evaluateBenchmark({ metric: 'DETAINEES_RELEASED', comparator: 'AT_MOST', threshold: 5 }, 5)).toMatchObject({ satisfied: true, source: 'prisoners' });
  });
});

describe('scorecard score', () => {
  it('scores on-time 1, late 0.5, missed 0 over decided milestones; null before any', () => {
    expect(score(tally(['MET', 'MET_LATE', 'MISSED', 'PENDING', 'WAIVED', 'DUE']))).toBe(0.5);
    expect(tally(['MET', 'MET_LATE', 'MISSED', 'PENDING', 'WAIVED', 'DUE'])).toEqual({ met: 1, metLate: 1, missed: 1, pending: 2, waived: 1 });
    expect(score(tally(['PENDING']))).toBeNull();
  });
});

describe('dispute ladder', () => {
  const filed = t('2026-03-10T00:00:00Z');
  it('puts each deadline after the tiers before it', () => {
    expect(tierDeadlines(filed, DEFAULT_TIERS).map((l) => l.deadline.toISOString())).toEqual(['2026-03-12T00:00:00.000Z', '2026-03-15T00:00:00.000Z']);
  });
  it('escalates by itself when a tier clock runs out, then is exhausted', () => {
    expect(disputeStage(filed, DEFAULT_TIERS, null, t('2026-03-11T23:59:59Z'))).toMatchObject({ kind: 'OPEN', tier: { ordinal: 1 } });
    expect(disputeStage(filed, DEFAULT_TIERS, null, t('2026-03-12T00:00:00Z'))).toMatchObject({ kind: 'OPEN', tier: { ordinal: 2 } });
    expect(disputeStage(filed, DEFAULT_TIERS, null, t('2026-03-15T00:00:00Z'))).toMatchObject({ kind: 'EXHAUSTED' });
    expect(disputeStage(filed, DEFAULT_TIERS, t('2026-03-11T00:00:00Z'), t('2026-04-01T00:00:00Z'))).toEqual({ kind: 'RULED' });
  });
});

describe('snap-back', () => {
  it('finds the first moment a rolling window holds more than the threshold', () => {
    const times = ['2026-03-01T00:00:00Z', '2026-03-05T00:00:00Z', '2026-03-05T10:00:00Z', '2026-03-06T09:00:00Z'].map(t);
    expect(violationThresholdCrossed(times, 2, 72)?.toISOString()).toBe('2026-03-06T09:00:00.000Z');
    expect(violationThresholdCrossed(times, 3, 72)).toBeNull();
    expect(violationThresholdCrossed(times, 2, 24)).toBeNull();
  });
  it('is active from the first trigger after the last lift', () => {
    const triggers = [{ at: t('2026-03-05T00:00:00Z'), reason: 'a' }, { at: t('2026-03-20T00:00:00Z'), reason: 'b' }];
    expect(snapBackState(triggers, [], t('2026-03-06T00:00:00Z'))).toMatchObject({ active: true, reason: 'a' });
    expect(snapBackState(triggers, [t('2026-03-10T00:00:00Z')], t('2026-03-15T00:00:00Z'))).toMatchObject({ active: false });
    expect(snapBackState(triggers, [t('2026-03-10T00:00:00Z')], t('2026-03-21T00:00:00Z'))).toMatchObject({ active: true, reason: 'b' });
    expect(snapBackState(triggers, [], t('2026-03-01T00:00:00Z'))).toMatchObject({ active: false });
  });
});
