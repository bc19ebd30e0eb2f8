import { describe, expect, it } from 'vitest';
import { DEFAULT_TIERS, disputeActivity } from '../src/domain/disputes.js';

/** The public bulletin's dispute counts: filed, ruled, breaches confirmed and escalations, in a window, up to now. */
const at = (s: string) => new Date(s);
const WEEK = { from: at('2026-06-08T00:00:00Z'), until: at('2026-06-15T00:00:00Z') };

describe('disputeActivity', () => {
  it('counts filings and rulings in the window, and each tier deadline passed without a ruling as an escalation', () => {
    const disputes = [
      // Filed Monday, no ruling: the 48 h joint commission passes on Wednesday (one escalation), the 72 h panel on Saturday (another).
      { filedAt: at('2026-06-08T10:00:00Z'), ruling: null },
      // Filed the week before, ruled a breach this week before its first deadline: no escalation.
      { filedAt: at('2026-06-07T20:00:00Z'), ruling: { ruledAt: at('2026-06-09T08:00:00Z'), outcome: 'BREACH_CONFIRMED' } },
      // Filed and settled this week.
      { filedAt: at('2026-06-12T09:00:00Z'), ruling: { ruledAt: at('2026-06-12T15:00:00Z'), outcome: 'SETTLED' } },
      // Entirely after the window.
      { filedAt: at('2026-06-16T09:00:00Z'), ruling: null },
    ];
    expect(disputeActivity(disputes, DEFAULT_TIERS, WEEK.from, WEEK.until, at('2026-06-20T00:00:00Z'))).toEqual({ filed: 2, ruled: 2, breachesConfirmed: 1, escalated: 2 });
  });

  it('counts nothing the clock has not reached: on Wednesday morning the first escalation has not happened yet', () => {
    const disputes = [{ filedAt: at('2026-06-08T10:00:00Z'), ruling: null }];
    expect(disputeActivity(disputes, DEFAULT_TIERS, WEEK.from, WEEK.until, at('2026-06-10T09:59:00Z'))).toEqual({ filed: 1, ruled: 0, breachesConfirmed: 0, escalated: 0 });
    expect(disputeActivity(disputes, DEFAULT_TIERS, WEEK.from, WEEK.until, at('2026-06-10T10:00:00Z')).escalated).toBe(1);
  });
});
