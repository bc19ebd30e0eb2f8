import { describe, expect, it } from 'vitest';
import { NotFoundError, plural } from '../src/errors.js';

describe('messages about missing records', () => {
  it('name the kind in a plural a reader expects', () => {
    expect(['party', 'convoy', 'escrow account', 'inquiry', 'process', 'box', 'batch', 'day'].map(plural)).toEqual(['parties', 'convoys', 'escrow accounts', 'inquiries', 'processes', 'boxes', 'batches', 'days']);
    expect(new NotFoundError('party', 'p-1').message).toBe('No party has id "p-1". Check the id; list the parties you can see with a query first.');
  });
});
