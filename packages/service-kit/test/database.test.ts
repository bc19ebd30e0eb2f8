import { describe, expect, it } from 'vitest';
import { poolConnection } from '../src/database.js';

describe('poolConnection', () => {
  it('opens every connection with prepared statements planned once', () => {
    expect(poolConnection('postgres://u:p@127.0.0.1:5432/treaty_milestones')).toEqual({
      url: 'postgres://u:p@127.0.0.1:5432/treaty_milestones',
      options: '-c plan_cache_mode=force_generic_plan',
    });
  });
  it("keeps the URL's own startup options, first, and takes them out of the URL (where pg would let them replace ours)", () => {
    const c = poolConnection('postgres://u:p@db.example:5432/treaty_prisoners?sslmode=require&options=-c%20statement_timeout%3D5000');
    expect(c.options).toBe('-c statement_timeout=5000 -c plan_cache_mode=force_generic_plan');
    expect(c.url).toBe('postgres://u:p@db.example:5432/treaty_prisoners?sslmode=require');
  });
  it('leaves a string that is not a URL for pg to refuse with its own message', () => {
    expect(poolConnection('not a url')).toEqual({ url: 'not a url', options: '-c plan_cache_mode=force_generic_plan' });
  });
});
