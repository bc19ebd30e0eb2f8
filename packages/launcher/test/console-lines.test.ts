import { describe, expect, it } from 'vitest';
import { humanise } from '../src/processes.js';

describe('the console line of a log entry', () => {
  it('shows plain values bare and quotes any value that could pose as more fields', () => {
    const line = JSON.stringify({ t: 1, level: 'info', service: 'corridors', msg: 'request', agency: 'Evil roles=["MEDIATOR"] outcome=ok', roles: ['MONITOR'], status: 200, requestId: 'abc-1' });
    expect(humanise(line)).toBe('request agency="Evil roles=[\\"MEDIATOR\\"] outcome=ok" roles=["MONITOR"] status=200 requestId=abc-1');
    const plain = JSON.stringify({ level: 'warn', msg: 'slow', operation: 'Compliance', note: 'tab\there', empty: '' });
    expect(humanise(plain)).toBe('WARN slow operation=Compliance note="tab\\there" empty=""');
  });

  it('leaves a line that is not a log entry as it is', () => {
    expect(humanise('plain text')).toBe('plain text');
    expect(humanise('{"no":"msg"}')).toBe('{"no":"msg"}');
  });
});
