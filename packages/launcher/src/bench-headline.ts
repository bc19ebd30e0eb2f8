import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from './paths.js';
import path from 'node:path';

/**
 * Latency of the headline compliance query (gateway/operations/compliance.graphql) through a running
 * gateway: `npm run bench:headline [-- --runs 200 --url http://localhost:4000/graphql --token <t>]`.
 * Runs sequentially after a warm-up and prints the median and tail, in milliseconds.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { url: { type: 'string', default: 'http://localhost:4000/graphql' }, runs: { type: 'string', default: '200' }, warmup: { type: 'string', default: '20' }, token: { type: 'string' } },
  });
  const url = values.url!;
  const headers = { 'content-type': 'application/json', ...(values.token ? { authorization: `Bearer ${values.token}` } : {}) };
  const post = async (query: string, variables: Record<string, unknown> = {}) => {
    const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    const body = (await res.json()) as { data?: any; errors?: { message: string }[] };
    if (body.errors?.length) throw new Error(`The gateway answered with errors: ${body.errors.map((e) => e.message).join('; ')}`);
    return body.data;
  };
  let agreements: { id: string }[];
  try {
    agreements = (await post('{ agreements { id } }')).agreements;
  } catch (e) {
    throw new Error(`Could not reach the gateway at ${url} (${(e as Error).message}). Start it with npm start first.`);
  }
  if (!agreements.length) throw new Error('No agreement to query: start with the demo (npm start) or create one.');
  const query = await readFile(path.join(REPO_ROOT, 'gateway', 'operations', 'compliance.graphql'), 'utf8');
  const variables = { id: agreements[0]!.id };
  const runs = Number(values.runs);
  for (let i = 0; i < Number(values.warmup); i++) await post(query, variables);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    await post(query, variables);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
    if ((i + 1) % 50 === 0) console.error(`  ${i + 1}/${runs}`);
  }
  times.sort((a, b) => a - b);
  const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(1);
  const mean = (times.reduce((s, t) => s + t, 0) / times.length).toFixed(1);
  console.log(`headline compliance query, ${runs} sequential runs via ${url}: median ${q(0.5)} ms, p90 ${q(0.9)} ms, p99 ${q(0.99)} ms, mean ${mean} ms`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
