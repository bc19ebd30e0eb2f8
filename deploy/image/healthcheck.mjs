// The image's HEALTHCHECK: GET http://127.0.0.1:<port><path> and exit 0 on 200, 1 otherwise.
//   node deploy/image/healthcheck.mjs [/health|/ready] [gateway|milestones|…]
// Without a role it reads the one PID 1 runs (the entrypoint execs node with its script), and finds the
// port as that process does: <NAME>_PORT, then PORT, then the code's default (the gateway's topology,
// read from the supergraph, where composition wrote each service's declared default port).
import { readFileSync } from 'node:fs';
import { GATEWAY_DEFAULT_PORT, SUBGRAPHS } from '../../gateway/dist/topology.js';

const path = process.argv[2] ?? '/health';
const role = process.argv[3] ?? roleOfPid1();

function roleOfPid1() {
  try {
    const argv = readFileSync('/proc/1/cmdline', 'utf8').split('\0');
    if (argv.some((a) => a.endsWith('gateway/dist/main.js'))) return 'gateway';
    for (const s of SUBGRAPHS) if (argv.some((a) => a.startsWith(`services/${s.name}/`) || a.includes(`/services/${s.name}/`))) return s.name;
  } catch {
    // not Linux, or no /proc: fall back to PORT below
  }
  return undefined;
}

function portOf(role, env) {
  const nonEmpty = (v) => (v === undefined || v === '' ? undefined : v);
  if (role === 'gateway') return Number(nonEmpty(env.GATEWAY_PORT) ?? nonEmpty(env.PORT) ?? GATEWAY_DEFAULT_PORT);
  const subgraph = SUBGRAPHS.find((s) => s.name === role);
  if (subgraph) return Number(nonEmpty(env[`${role.toUpperCase()}_PORT`]) ?? nonEmpty(env.PORT) ?? subgraph.defaultPort);
  return Number(nonEmpty(env.PORT) ?? GATEWAY_DEFAULT_PORT);
}

const url = `http://127.0.0.1:${portOf(role, process.env)}${path}`;
try {
  const res = await fetch(url, { signal: AbortSignal.timeout(2_500) });
  if (res.ok) process.exit(0);
  console.error(`${url} answered HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`);
} catch (e) {
  console.error(`${url} did not answer: ${e instanceof Error ? e.message : e}`);
}
process.exit(1);
