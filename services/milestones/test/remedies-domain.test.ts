import { describe, expect, it } from 'vitest';
import { evaluateBenchmark, score, tally, verdict } from '../src/domain/compliance.js';
import { DEFAULT_TIERS, disputeStage, guarantorStandingRefusal, tierDeadlines, tierRoleRefusal } from '../src/domain/disputes.js';
import { checkLodgedAt, checkSnapBackClause } from '../src/domain/rules.js';
import { missTrigger, rulingTriggers, snapBackState, underSnapBackAt, violationThresholdCrossed } from '../src/domain/snapback.js';
import { problems } from './problems.js';

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
  it('answers exactly the fields of a BenchmarkResult, description included, and none of the stored row', () => {
    const row = { id: 'b-1', milestoneId: 'm-1', metric: 'TRUCKS_DELIVERED' as const, comparator: 'AT_LEAST' as const, threshold: 50, description: 'Fifty trucks' };
    expect(evaluateBenchmark(row, 51)).toStrictEqual({ metric: 'TRUCKS_DELIVERED', comparator: 'AT_LEAST', threshold: 50, description: 'Fifty trucks', measured: 51, satisfied: true, source: 'corridors' });
    expect(evaluateBenchmark({ metric: 'QUIET_HOURS', comparator: 'AT_LEAST', threshold: 72 }, 10).description).toBeNull();
  });
});

describe('compliance verdict without benchmarks, or on the due day', () => {
  const start = t('2026-03-01T00:00:00Z');
  const due = t('2026-03-31T00:00:00Z');
  const met = [evaluateBenchmark({ metric: 'TRUCKS_DELIVERED', comparator: 'AT_LEAST', threshold: 600 }, 600)];
  it('is AT_RISK on the due day while uncertified, with no benchmarks or every benchmark satisfied', () => {
    expect(verdict('DUE', [], start, due, t('2026-03-30T01:00:00Z'))).toBe('AT_RISK');
    expect(verdict('DUE', met, start, due, t('2026-03-30T23:00:00Z'))).toBe('AT_RISK');
  });
  it('counts a milestone without benchmarks as unmet until it is certified', () => {
    expect(verdict('PENDING', [], start, due, t('2026-03-20T00:00:00Z'))).toBe('ON_TRACK'); // 11/30 left
    expect(verdict('PENDING', [], start, due, t('2026-03-23T12:00:00Z'))).toBe('AT_RISK'); // 7.5/30 left
    expect(verdict('MET', [], start, due, t('2026-03-23T12:00:00Z'))).toBe('MET');
    expect(verdict('MISSED', [], start, due, t('2026-04-02T00:00:00Z'))).toBe('BREACHED');
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

describe('snap-back clauses apply from their adoption', () => {
  const day0 = t('2026-03-01T00:00:00Z'); // Day 7 ends at 2026-03-09T00:00:00Z
  const miss = (over: Partial<Parameters<typeof missTrigger>[0]> = {}, adoptedAt = t('2026-03-02T00:00:00Z')) =>
    missTrigger({ entryIntoForceAt: day0, dueDay: 7, title: 'Lists', certification: null, waivedAt: null, ...over }, adoptedAt);
  it('fires a miss at the deadline when the clause came first', () => {
    expect(miss()).toEqual({ at: t('2026-03-09T00:00:00Z'), endsAt: null, reason: "Milestone 'Lists' missed (due Day 7)." });
  });
  it('fires a miss still unmet at adoption at the adoption, never before the clause existed', () => {
    expect(miss({}, t('2026-03-18T00:00:00Z'))).toEqual({
      at: t('2026-03-18T00:00:00Z'),
      endsAt: null,
      reason: "Milestone 'Lists' missed (due Day 7); still unmet when the clause was adopted.",
    });
  });
  it('ends a miss when the late certification is recorded, or when the milestone is waived after its deadline', () => {
    const late = { metAt: t('2026-03-11T00:00:00Z'), recordedAt: t('2026-03-12T06:00:00Z') };
    expect(miss({ certification: late })).toMatchObject({ at: t('2026-03-09T00:00:00Z'), endsAt: t('2026-03-12T06:00:00Z') });
    expect(miss({ waivedAt: t('2026-03-10T00:00:00Z') })).toMatchObject({ at: t('2026-03-09T00:00:00Z'), endsAt: t('2026-03-10T00:00:00Z') });
  });
  it('never fires for a milestone met or waived by its deadline, or a miss cured before adoption', () => {
    expect(miss({ certification: { metAt: t('2026-03-08T23:00:00Z'), recordedAt: t('2026-03-10T00:00:00Z') } })).toBeNull();
    expect(miss({ waivedAt: t('2026-03-08T00:00:00Z') })).toBeNull();
    expect(miss({ certification: { metAt: t('2026-03-11T00:00:00Z'), recordedAt: t('2026-03-12T00:00:00Z') } }, t('2026-03-12T00:00:00Z'))).toBeNull();
  });
  it('counts violations in the rolling window from adoption: a window over the threshold at adoption fires then, an earlier burst never', () => {
    const burst = ['2026-03-02T00:00:00Z', '2026-03-02T06:00:00Z', '2026-03-02T12:00:00Z'].map(t);
    expect(violationThresholdCrossed(burst, 2, 72)?.toISOString()).toBe('2026-03-02T12:00:00.000Z');
    // The burst's window holds three until 72 h after its first violation (2026-03-05T00:00Z).
    expect(violationThresholdCrossed(burst, 2, 72, t('2026-03-04T00:00:00Z'))?.toISOString()).toBe('2026-03-04T00:00:00.000Z');
    expect(violationThresholdCrossed(burst, 2, 72, t('2026-03-05T00:00:00Z'))).toBeNull();
    const later = [...burst, ...['2026-03-20T00:00:00Z', '2026-03-20T01:00:00Z', '2026-03-21T00:00:00Z'].map(t)];
    expect(violationThresholdCrossed(later, 2, 72, t('2026-03-10T00:00:00Z'))?.toISOString()).toBe('2026-03-21T00:00:00.000Z');
  });
  it('counts only rulings made at or after adoption', () => {
    const rulings = [
      { disputeId: 'd1', outcome: 'BREACH_CONFIRMED', ruledAt: t('2026-03-05T00:00:00Z') },
      { disputeId: 'd2', outcome: 'NO_BREACH', ruledAt: t('2026-03-12T00:00:00Z') },
      { disputeId: 'd3', outcome: 'BREACH_CONFIRMED', ruledAt: t('2026-03-14T00:00:00Z') },
    ];
    expect(rulingTriggers(rulings, t('2026-03-10T00:00:00Z'))).toEqual([{ at: t('2026-03-14T00:00:00Z'), endsAt: null, reason: 'A ruling confirmed a breach (dispute d3).' }]);
    expect(rulingTriggers(rulings, t('2026-03-15T00:00:00Z'))).toEqual([]);
  });
  it('is off once every trigger in force has ended, and reports the earliest one still in force', () => {
    const a = { at: t('2026-03-09T00:00:00Z'), endsAt: t('2026-03-12T00:00:00Z'), reason: 'a' };
    const b = { at: t('2026-03-10T00:00:00Z'), endsAt: null, reason: 'b' };
    expect(snapBackState([a], [], t('2026-03-11T00:00:00Z'))).toMatchObject({ active: true, reason: 'a' });
    expect(snapBackState([a], [], t('2026-03-12T00:00:00Z'))).toEqual({ active: false, triggeredAt: null, reason: null });
    expect(snapBackState([a, b], [], t('2026-03-11T00:00:00Z'))).toMatchObject({ active: true, triggeredAt: t('2026-03-09T00:00:00Z'), reason: 'a' });
    expect(snapBackState([a, b], [], t('2026-03-13T00:00:00Z'))).toMatchObject({ active: true, triggeredAt: t('2026-03-10T00:00:00Z'), reason: 'b' });
  });
});

describe('who rules at a tier', () => {
  const panel = { tier: DEFAULT_TIERS[1]!, deadline: t('2026-03-15T00:00:00Z') };
  const commission = { tier: DEFAULT_TIERS[0]!, deadline: t('2026-03-12T00:00:00Z') };
  const as = (roles: string[], guarantorId: string | null = null) => ({ roles, guarantorId }) as Parameters<typeof tierRoleRefusal>[1];
  it('needs the tier\'s role', () => {
    expect(tierRoleRefusal(commission, as(['GUARANTOR'], 'g1'), 'Accord')).toBe('The dispute is before tier 1 (Joint commission) until 2026-03-12T00:00:00.000Z; only the MEDIATOR role rules there.');
    expect(tierRoleRefusal(commission, as(['MEDIATOR']), 'Accord')).toBeNull();
    expect(tierRoleRefusal(panel, as(['MEDIATOR']), 'Accord')).toMatch(/^The dispute is before tier 2 \(Guarantor panel\) until 2026-03-15T00:00:00.000Z; only the GUARANTOR role rules there, for a guarantor of "Accord"/);
  });
  it('needs a token naming a guarantor at a guarantor tier', () => {
    expect(tierRoleRefusal(panel, as(['GUARANTOR']), 'Accord')).toBe(
      'The dispute is before tier 2 (Guarantor panel) until 2026-03-15T00:00:00.000Z, where only a guarantor of "Accord" rules, and your GUARANTOR token names no guarantor. ' +
        'Ask your agency administrator for a token that carries your guarantor\'s id (guarantorId).',
    );
    expect(tierRoleRefusal(panel, as(['GUARANTOR'], 'g1'), 'Accord')).toBeNull();
  });
  it('needs that guarantor to be registered and committed to the agreement', () => {
    expect(guarantorStandingRefusal(panel, 'g1', 'Accord', { id: 'g1', name: 'Littoral Council', commitments: 2 })).toBeNull();
    expect(guarantorStandingRefusal(panel, 'g1', 'Accord', { id: 'g1', name: 'Littoral Council', commitments: 0 })).toBe(
      'Littoral Council (guarantor g1) has made no commitment to "Accord"; only a guarantor of the agreement (one with a security assurance or funding pledge to it) rules at tier 2 (Guarantor panel). ' +
        'If it does guarantee the agreement, record its commitment with the guarantors service (pledge) first.',
    );
    expect(guarantorStandingRefusal(panel, 'g9', 'Accord', null)).toBe(
      'Your token names guarantor g9, which the guarantors service does not know; only a guarantor of "Accord" rules at tier 2 (Guarantor panel). Ask your agency administrator for a token naming your registered guarantor.',
    );
  });
});

describe('snap-back reach', () => {
  const day0 = t('2026-03-01T00:00:00Z'); // Day 10 ends at 2026-03-12T00:00:00Z
  const active = (at: string) => ({ active: true, triggeredAt: t(at), reason: 'r' });
  it('reaches a milestone when triggered before the end of its due day', () => {
    expect(underSnapBackAt(active('2026-03-11T23:59:59.999Z'), day0, 10)).toBe(true);
    expect(underSnapBackAt(active('2026-03-02T00:00:00Z'), day0, 10)).toBe(true);
  });
  it('does not reach it when triggered at or after the end of its due day', () => {
    expect(underSnapBackAt(active('2026-03-12T00:00:00Z'), day0, 10)).toBe(false);
    expect(underSnapBackAt(active('2026-03-20T00:00:00Z'), day0, 10)).toBe(false);
  });
  it('reaches nothing while no snap-back is in force', () => {
    expect(underSnapBackAt({ active: false, triggeredAt: null, reason: null }, day0, 10)).toBe(false);
  });
});

describe('snap-back clause input', () => {
  const clause = { reverts: 'Phase 1 cargo only', milestoneId: null, threshold: null, windowHours: null };
  it('accepts a violations clause with a whole threshold and a window of 1 to 8760 hours', () => {
    expect(problems((p) => checkSnapBackClause(p, { ...clause, trigger: 'VIOLATIONS_THRESHOLD', threshold: 1, windowHours: 8760 }))).toEqual([]);
  });
  it('refuses a violations clause without a whole threshold or with a window out of range', () => {
    expect(problems((p) => checkSnapBackClause(p, { ...clause, trigger: 'VIOLATIONS_THRESHOLD', threshold: 0, windowHours: 8761 }))).toEqual([
      'input.threshold: A violations clause needs threshold: a whole number of violations, 1 or more.',
      'input.windowHours: A violations clause needs windowHours from 1 to 8760 (e.g. 72).',
    ]);
    expect(problems((p) => checkSnapBackClause(p, { ...clause, trigger: 'VIOLATIONS_THRESHOLD', threshold: 2.5, windowHours: 0 }))).toHaveLength(2);
  });
  it('refuses fields the trigger does not use, and an empty reverts', () => {
    expect(problems((p) => checkSnapBackClause(p, { ...clause, reverts: ' ', trigger: 'RULING_CONFIRMS_BREACH', threshold: 3, milestoneId: 'm' }))).toEqual([
      'input.reverts: Reverts is empty; give a short, descriptive reverts.',
      'input: threshold and windowHours apply only to VIOLATIONS_THRESHOLD clauses; remove them for RULING_CONFIRMS_BREACH.',
      'input.milestoneId: milestoneId applies only to MILESTONE_MISSED clauses.',
    ]);
    expect(problems((p) => checkSnapBackClause(p, { ...clause, trigger: 'MILESTONE_MISSED', milestoneId: 'm' }))).toEqual([]);
  });
});

describe('when a complaint was lodged', () => {
  const entry = t('2026-03-01T00:00:00Z');
  const now = t('2026-03-20T00:00:00Z');
  it('may be now or up to exactly 7 days ago', () => {
    expect(problems((p) => checkLodgedAt(p, now, now, entry))).toEqual([]);
    expect(problems((p) => checkLodgedAt(p, t('2026-03-13T00:00:00Z'), now, entry))).toEqual([]);
  });
  it('may not be in the future or more than 7 days ago', () => {
    expect(problems((p) => checkLodgedAt(p, t('2026-03-20T00:00:00.001Z'), now, entry))).toEqual([
      'input.lodgedAt: lodgedAt 2026-03-20T00:00:00.001Z is in the future; give when the complaint was received (now is 2026-03-20T00:00:00.000Z).',
    ]);
    expect(problems((p) => checkLodgedAt(p, t('2026-03-12T23:59:59.999Z'), now, entry))).toEqual([
      'input.lodgedAt: lodgedAt is more than 7 days ago; a complaint must be entered within a week of being lodged.',
    ]);
  });
  it('may not be before entry into force', () => {
    expect(problems((p) => checkLodgedAt(p, t('2026-02-28T23:00:00Z'), t('2026-03-01T12:00:00Z'), entry))).toEqual([
      'input.lodgedAt: lodgedAt is before the agreement entered into force (2026-03-01T00:00:00.000Z).',
    ]);
  });
});
