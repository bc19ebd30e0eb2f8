import { describe, expect, it } from 'vitest';
import { frames } from '../src/frame.js';
import { beginRequest, currentRequest, inRequest } from '../src/requests.js';
import { statements } from '../src/statements.js';

// The request scope and the statement tally share one AsyncLocalStorage (frame.ts). These hold the
// nesting each relies on: a tally inside a request keeps the request, a request inside a tally keeps
// the tally, and an inner tally counts apart from the outer one and from its siblings.
describe('one frame for the request and its statements', () => {
  const tick = () => new Promise<void>((r) => setImmediate(r));

  it('keeps the request across awaits inside a statement tally, and the tally inside a request', async () => {
    const scope = beginRequest('frame-1');
    const seen = await inRequest(scope, () =>
      statements.measure(async () => {
        await tick();
        statements.record('select 1');
        return currentRequest()?.requestId;
      }),
    );
    expect(seen).toEqual({ result: 'frame-1', count: 1, statements: [] });

    const inner = await statements.measure(() =>
      inRequest(beginRequest('frame-2'), async () => {
        await tick();
        statements.record('select 2');
        statements.record('select 3');
        return currentRequest()?.requestId;
      }),
    );
    expect(inner).toMatchObject({ result: 'frame-2', count: 2 });
  });

  it('counts a nested tally apart, and concurrent tallies apart from each other', async () => {
    const outer = await statements.measure(async () => {
      statements.record('outer');
      const nested = await statements.measure(async () => {
        await tick();
        statements.record('nested a');
        statements.record('nested b');
      }, true);
      expect(nested.statements).toEqual(['nested a', 'nested b']);
      await statements.run(async () => {
        statements.record('apart');
        expect(statements.current()).toBe(1);
      });
      statements.record('outer again');
      return statements.current();
    }, true);
    expect(outer.statements).toEqual(['outer', 'outer again']);
    expect(outer.result).toBe(2);

    const counts = await Promise.all(
      [1, 2, 3].map((n) =>
        statements.measure(async () => {
          for (let i = 0; i < n; i++) {
            await tick();
            statements.record(`s${n}`);
          }
        }),
      ),
    );
    expect(counts.map((c) => c.count)).toEqual([1, 2, 3]);
  });

  it('leaves nothing behind outside a unit of work', async () => {
    await inRequest(beginRequest('frame-3'), async () => statements.record('inside'));
    expect(frames.getStore()).toBeUndefined();
    expect(currentRequest()).toBeUndefined();
    statements.record('nowhere');
    expect(statements.current()).toBe(0);
  });
});
