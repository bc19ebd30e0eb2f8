import v8 from 'node:v8';

/**
 * How far V8 lets the gateway's heap grow past what survived its last full collection: 100 % (a factor
 * of 2). Left to itself V8 picks up to a factor of 4 when collecting is fast, and under load the
 * gateway is always fast to collect. Its live state is small, but 50 operations in flight keep their
 * fetch results long enough to be promoted, so the heap grew to about twice what it needed.
 *
 * Measured over the headline query, cache off, three gateways side by side over one set of
 * subgraphs (three 10-second runs at each of 1, 10 and 50 connections, interleaved):
 * - V8's own factor with 4 MB semi-spaces (the settings before): peak RSS 270-296 MB; gateway CPU per
 *   request 4.75, 3.88 and 4.17 ms at 1, 10 and 50 connections;
 * - this factor with 4 MB semi-spaces (GATEWAY_NODE_OPTIONS in packages/launcher/src/cli.ts, which
 *   says why 4): 174-188 MB; 4.51, 4.12 and 3.94 ms;
 * - this factor with 16 MB semi-spaces: 200-212 MB; 3.83, 3.62 and 3.24 ms.
 * `npm run bench` prints the gateway's peak RSS and its CPU per request.
 *
 * V8 reads the flag at every full collection, so setting it once the process runs takes effect.
 */
export const HEAP_GROWING_PERCENT = 100;

/**
 * Sets V8's heap growing factor for this process, unless the operator gave one on the command line
 * (`node --heap-growing-percent=N`; NODE_OPTIONS does not accept it). Returns the percentage in
 * force, 0 meaning V8's own choice.
 */
export function tuneHeap(execArgv: readonly string[] = process.execArgv): number {
  const given = execArgv.find((a) => a.startsWith('--heap-growing-percent') || a.startsWith('--heap_growing_percent'));
  if (given !== undefined) return Number(given.split('=')[1] ?? 0) || 0;
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return HEAP_GROWING_PERCENT;
}
