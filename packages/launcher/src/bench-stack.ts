import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '@treaty/local-postgres';
import { ensureKeys, type LocalKeys } from './keys.js';
import { LOCK_FILE } from './lock.js';
import { profileArgs } from './processes.js';
import { REPO_ROOT, dataDir } from './paths.js';
import { allPids, cmdline, descendantsOf, environ, type Accounted } from './bench-procs.js';

/**
 * The federation a benchmark measures: npm start's launcher in a temporary data directory (separate
 * processes, embedded PostgreSQL, the demo scenario), or with `running` the one npm start runs on
 * TREATY_DATA_DIR; and extra gateways in front of its subgraphs. Shared by npm run bench and bench:alerts.
 */

/** Waits until a gateway answers `{ __typename }` (the stock one has no /health). */
export async function waitForGraphQL(url: string, what: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode} before it was ready.`);
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
      // Answered, or refused as a gateway in production mode refuses an anonymous ad-hoc document: up.
      if (res.status < 500) return;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not answer at ${url} within ${timeoutMs / 1000} s.`);
}

export interface Stack {
  dir: string;
  keys: LocalKeys;
  /** The processes the launcher runs, by role; postgres as a tree. */
  procs: Accounted[];
  /** The gateway's environment as the launcher gave it (keys, subgraph URLs, JWKS). */
  gatewayEnv: Record<string, string>;
  subgraphPorts: Record<string, number>;
  stop(): Promise<void>;
}

export const SUBGRAPH_NAMES = ['milestones', 'prisoners', 'corridors', 'guarantors'];

/** The launcher's children, found by their command lines. */
export function discover(launcherPid: number, dir: string): Pick<Stack, 'procs' | 'gatewayEnv' | 'subgraphPorts'> {
  const procs: Accounted[] = [];
  let gatewayEnv: Record<string, string> | null = null;
  const subgraphPorts: Record<string, number> = {};
  const kids = descendantsOf(launcherPid);
  for (const pid of kids) {
    const argv = cmdline(pid).join(' ');
    if (argv.includes('gateway/dist/main.js')) {
      gatewayEnv = environ(pid);
      procs.push({ name: 'gateway (npm start)', pid });
    }
    for (const name of SUBGRAPH_NAMES) {
      if (argv.includes(`services/${name}/dist/`)) {
        const env = environ(pid);
        subgraphPorts[name] = Number(env[`${name.toUpperCase()}_PORT`] || env.PORT);
        procs.push({ name, pid });
      }
    }
  }
  // The postmaster: pg_ctl detaches it from the launcher, so it is found by its data directory.
  const postmaster = allPids().find((p) => {
    const argv = cmdline(p);
    return (argv[0] ?? '').endsWith('/bin/postgres') && argv.includes('-D') && argv[argv.indexOf('-D') + 1] === path.join(dir, 'pg');
  });
  if (postmaster) procs.push({ name: 'postgresql', pid: postmaster, tree: true });
  if (!gatewayEnv || Object.keys(subgraphPorts).length !== SUBGRAPH_NAMES.length || !postmaster) {
    throw new Error(`Could not find the gateway and the four subgraphs under launcher pid ${launcherPid}, and PostgreSQL on ${path.join(dir, 'pg')}.`);
  }
  return { procs, gatewayEnv, subgraphPorts };
}

export async function startStack(running: boolean, log: (msg: string) => void): Promise<Stack> {
  if (running) {
    const dir = dataDir(process.env);
    const lock = JSON.parse(await readFile(path.join(dir, LOCK_FILE), 'utf8').catch(() => '{}')) as { pid?: number };
    if (!lock.pid) throw new Error(`No launcher holds ${dir} (no ${LOCK_FILE}). Start one with npm start, or run without --running.`);
    log(`using the federation npm start runs on ${dir} (launcher pid ${lock.pid})`);
    return { dir, keys: await ensureKeys(dir), ...discover(lock.pid, dir), stop: async () => undefined };
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'treaty-bench-'));
  const ports = { GATEWAY_PORT: await freePort(), MILESTONES_PORT: await freePort(), PRISONERS_PORT: await freePort(), CORRIDORS_PORT: await freePort(), GUARANTORS_PORT: await freePort(), TREATY_PG_PORT: await freePort() };
  log(`starting a federation with the demo scenario in ${dir} (npm start's launcher; about a minute)`);
  const env = { ...process.env, TREATY_DATA_DIR: dir, APOLLO_TELEMETRY_DISABLED: '1', LOG_LEVEL: 'warn', ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])) };
  const launcher = spawn(process.execPath, [path.join(REPO_ROOT, 'packages/launcher/dist/cli.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (b: Buffer) => {
      output += b.toString();
      if (output.includes('Treaty graph is running')) resolve();
    };
    launcher.stdout!.on('data', onData);
    launcher.stderr!.on('data', (b: Buffer) => (output += b.toString()));
    launcher.on('exit', (code) => reject(new Error(`The launcher exited (code ${code}) before the federation was up:\n${output.slice(-2000)}`)));
  });
  await ready;
  log('federation up');
  const stop = async () => {
    launcher.kill('SIGINT');
    await new Promise((r) => launcher.once('exit', r));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    return { dir, keys: await ensureKeys(dir), ...discover(launcher.pid!, dir), stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

export interface Gateway {
  name: string;
  url: string;
  proc: Accounted;
  child: ChildProcess;
}

export async function startGateway(name: string, file: string, env: Record<string, string>): Promise<Gateway> {
  const port = await freePort();
  const childEnv: Record<string, string> = { ...env, PORT: String(port), GATEWAY_PORT: String(port), LOG_LEVEL: 'warn' };
  // Its /health, /ready and /metrics on its own port, not on the npm start gateway's ops port.
  delete childEnv.GATEWAY_OPS_PORT;
  const child = spawn(process.execPath, [...profileArgs(childEnv), path.join(REPO_ROOT, file)], { env: childEnv, stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}/graphql`;
  await waitForGraphQL(url, name, child);
  return { name, url, proc: { name, pid: child.pid! }, child };
}

export async function gql<T = any>(url: string, token: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length) throw new Error(`${query.slice(0, 60)}…: ${body.errors.map((e) => e.message).join('; ')}`);
  return body.data!;
}

