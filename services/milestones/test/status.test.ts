import { describe, expect, it } from 'vitest';
import { dayNumber, endOfDay } from '../src/domain/calendar.js';
import { checkMetAt } from '../src/domain/rules.js';
import { problems } from './problems.js';
import { milestoneStatus } from '../src/domain/status.js';

const day0 = new Date('2026-03-01T00:00:00Z');
const at = (iso: string) => new Date(iso);
const facts = (over: Partial<Parameters<typeof milestoneStatus>[0]>) =>
  milestoneStatus({ entryIntoForceAt: day0, dueDay: 30, metAt: null, waived: false, now: at('2026-03-10T00:00:00Z'), ...over });

describe('calendar', () => {
  it('counts Day 0 from entry into force and is negative before it', () => {
    expect(dayNumber(day0, at('2026-03-01T23:59:59Z'))).toBe(0);
    expect(dayNumber(day0, at('2026-03-02T00:00:00Z'))).toBe(1);
    expect(dayNumber(day0, at('2026-02-28T12:00:00Z'))).toBe(-1);
  });
  it('puts the deadline of Day N at the end of that day', () => {
    expect(endOfDay(day0, 30).toISOString()).toBe('2026-04-01T00:00:00.000Z');
  });
});

describe('milestone status', () => {
  it('is PENDING before the due day', () => expect(facts({})).toBe('PENDING'));
  it('is DUE on the due day', () => expect(facts({ now: at('2026-03-31T08:00:00Z') })).toBe('DUE'));
  it('is MISSED once the due day has ended', () => expect(facts({ now: at('2026-04-01T00:00:00Z') })).toBe('MISSED'));
  it('is MET when met by the end of the due day, whenever certified', () => {
    expect(facts({ metAt: at('2026-03-31T23:59:59Z'), now: at('2026-05-01T00:00:00Z') })).toBe('MET');
  });
  it('is MET_LATE when met after the due day', () => {
    expect(facts({ metAt: at('2026-04-01T00:00:00Z'), now: at('2026-04-02T00:00:00Z') })).toBe('MET_LATE');
  });
  it('is WAIVED whatever the clock says', () => {
    expect(facts({ waived: true, now: at('2027-01-01T00:00:00Z') })).toBe('WAIVED');
  });
});

describe('when a certified obligation was met', () => {
  const now = at('2026-03-10T00:00:00Z');
  const check = (metAt: Date) => problems((p) => checkMetAt(p, metAt, now, day0));
  it('may be any instant from entry into force to now', () => {
    expect(check(day0)).toEqual([]);
    expect(check(now)).toEqual([]);
  });
  it('may not be in the future or before entry into force', () => {
    expect(check(at('2026-03-10T00:00:00.001Z'))).toEqual([
      'input.metAt: metAt 2026-03-10T00:00:00.001Z is in the future; certify what has happened, at the time it happened (now is 2026-03-10T00:00:00.000Z).',
    ]);
    expect(check(at('2026-02-28T23:59:59.999Z'))).toEqual(['input.metAt: metAt 2026-02-28T23:59:59.999Z is before the agreement entered into force (2026-03-01T00:00:00.000Z).']);
  });
});
