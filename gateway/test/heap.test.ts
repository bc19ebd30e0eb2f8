import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HEAP_GROWING_PERCENT, tuneHeap } from '../src/heap.js';

const run = promisify(execFile);
const built = pathToFileURL(path.resolve(__dirname, '../dist/heap.js')).href;

/**
 * A process shaped like the gateway under load: a live set that stays, then batches of objects that
 * each live for several turns of the event loop (as the fetch results of operations in flight do), so
 * they are promoted and the old generation grows. Prints the peak heap V8 committed.
 */
const churn = (tuned: boolean) => `
  import v8 from 'node:v8';
  ${tuned ? `const { tuneHeap } = await import(${JSON.stringify(built)}); tuneHeap([]);` : ''}
  const live = []; for (let i = 0; i < 300000; i++) live.push({ i, s: 'x' + i, a: [i, i + 1] });
  const inFlight = []; let peak = 0;
  for (let round = 0; round < 300; round++) {
    const batch = []; for (let i = 0; i < 20000; i++) batch.push({ round, i, s: 'y' + i, a: [i] });
    inFlight.push(batch); if (inFlight.length > 8) inFlight.shift();
    await new Promise((r) => setImmediate(r));
    peak = Math.max(peak, v8.getHeapStatistics().total_heap_size);
  }
  console.log(peak, live.length);`;

async function peakHeap(tuned: boolean): Promise<number> {
  // The gateway's own young generation (GATEWAY_NODE_OPTIONS in the launcher and the deploy files).
  const { stdout } = await run(process.execPath, ['--max-semi-space-size=4', '--input-type=module', '-e', churn(tuned)], { timeout: 30_000 });
  return Number(stdout.trim().split(' ')[0]);
}

describe('the gateway heap', () => {
  it("grows to well under what V8's own growing factor lets it reach, under the same allocations", async () => {
    const [own, tuned] = await Promise.all([peakHeap(false), peakHeap(true)]);
    expect(tuned).toBeLessThan(own * 0.75);
  }, 60_000);
  it("leaves an operator's own factor alone and says which is in force", () => {
    expect(tuneHeap(['--heap-growing-percent=30'])).toBe(30);
    expect(tuneHeap(['--heap_growing_percent=0'])).toBe(0);
    expect(tuneHeap(['--max-semi-space-size=4'])).toBe(HEAP_GROWING_PERCENT);
  });
});
