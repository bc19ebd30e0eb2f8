import { describe, expect, it } from 'vitest';
import { ChannelCounters } from '../src/confidential-limits.js';

const limits = { submissions: 3, lookups: 5, failures: 2, globalSubmissions: 4 };
const at = (iso: string) => new Date(iso).getTime();

describe('the confidential channel limits', () => {
  it('counts reports per source per hour and forgets them when the hour turns', () => {
    let now = at('2026-06-15T09:10:00Z');
    const c = new ChannelCounters(limits, () => now);
    for (let i = 0; i < 3; i += 1) expect(c.admit('198.51.100.7', 'submit')).toBeNull();
    const refused = c.admit('198.51.100.7', 'submit');
    expect(refused?.message).toMatch(/Too many confidential reports from this network this hour \(3\); nothing was recorded/);
    expect(refused?.retryAfter).toBe(50 * 60);
    // Another network is counted apart.
    expect(c.admit('203.0.113.9', 'submit')).toBeNull();
    now = at('2026-06-15T10:00:01Z');
    expect(c.admit('198.51.100.7', 'submit')).toBeNull();
  });

  it('caps reports from everyone together per minute', () => {
    let now = at('2026-06-15T09:10:30Z');
    const c = new ChannelCounters({ ...limits, submissions: 100 }, () => now);
    for (let i = 0; i < 4; i += 1) expect(c.admit(`192.0.2.${i}`, 'submit')).toBeNull();
    const refused = c.admit('192.0.2.99', 'submit');
    expect(refused?.message).toMatch(/more reports than it can take in right now/);
    expect(refused?.retryAfter).toBe(30);
    now = at('2026-06-15T09:11:00Z');
    expect(c.admit('192.0.2.99', 'submit')).toBeNull();
  });

  it('refuses receipts from a source after too many wrong ones, and caps uses of receipts', () => {
    const now = at('2026-06-15T09:00:00Z');
    const c = new ChannelCounters(limits, () => now);
    expect(c.admit('198.51.100.7', 'receipt')).toBeNull();
    c.failed('198.51.100.7');
    expect(c.admit('198.51.100.7', 'receipt')).toBeNull();
    c.failed('198.51.100.7');
    expect(c.admit('198.51.100.7', 'receipt')?.message).toMatch(/Too many receipts that match no report/);
    // A wrong receipt elsewhere does not lock this one out.
    for (let i = 0; i < 5; i += 1) expect(c.admit('203.0.113.9', 'receipt')).toBeNull();
    expect(c.admit('203.0.113.9', 'receipt')?.message).toMatch(/Too many uses of receipts from this network this hour \(5\)/);
  });
});
