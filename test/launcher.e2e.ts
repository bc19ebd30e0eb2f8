import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '@treaty/local-postgres';

const CLI = fileURLToPath(new URL('../packages/launcher/dist/cli.js', import.meta.url));
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Every port the launcher binds, all free: a running `npm start` (or a parallel test) never collides. */
async function freePorts() {
  return { gateway: await freePort(), milestones: await freePort(), prisoners: await freePort(), corridors: await freePort(), guarantors: await freePort(), pg: await freePort() };
}
type Ports = Awaited<ReturnType<typeof freePorts>>;

/** Starts `npm start`'s launcher on `ports` with data in `dataDir` and waits for its banner (or its exit). */
async function launch(dataDir: string, ports: Ports, args: string[] = [], extraEnv: Record<string, string> = {}) {
  const child = spawn(process.execPath, [CLI, ...args], {
    env: {
      ...process.env,
      DATABASE_URL: '',
      TREATY_DATA_DIR: dataDir,
      GATEWAY_PORT: String(ports.gateway),
      MILESTONES_PORT: String(ports.milestones),
      PRISONERS_PORT: String(ports.prisoners),
      CORRIDORS_PORT: String(ports.corridors),
      GUARANTORS_PORT: String(ports.guarantors),
      TREATY_PG_PORT: String(ports.pg),
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const deadline = Date.now() + 90_000;
  while (!output.includes('Press Ctrl-C to stop') && Date.now() < deadline) {
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, exited, output: () => output };
}

/** The pid of this run's subgraph process: its command names the service and its environment its port. */
function processListeningFor(service: string, port: number): number {
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmd.includes(`services/${service}/dist/index.js`)) continue;
      if (readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`PORT=${port}`)) return Number(pid);
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  throw new Error(`no ${service} process for port ${port}`);
}

async function graphql(port: number, query: string): Promise<any> {
  const res = await fetch(`http://127.0.0.1:${port}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  return res.json();
}

async function waitFor(done: () => boolean | Promise<boolean>, ms: number, what = 'it'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Every process a launcher on `dataDir` started, and the launcher itself: the subgraphs, the gateway and the
 * PostgreSQL guardian inherit TREATY_DATA_DIR (this run's directory is unique), and the PostgreSQL server is
 * named by its data directory on its command line (its backends rewrite theirs, and die with it).
 */
function processesOf(dataDir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      // PostgreSQL rewrites its command line as one string (its ps title): compare as text.
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      const ours = cmdline.includes(`-D ${path.join(dataDir, 'pg')} `) || readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`TREATY_DATA_DIR=${dataDir}`);
      if (ours) found.push(`${pid} ${cmdline.slice(0, 100)}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/**
 * Whether any socket listens on `port` (from /proc/net/tcp and tcp6, state 0A). Not "can we bind it":
 * the ports are in the ephemeral range, so another test's outgoing connection may hold one for a while
 * after our processes are gone, which says nothing about what we left running.
 */
function someoneListensOn(port: number): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  return ['/proc/net/tcp', '/proc/net/tcp6'].some((file) => {
    try {
      return readFileSync(file, 'utf8')
        .split('\n')
        .slice(1)
        .some((line) => {
          const [, local, , state] = line.trim().split(/\s+/);
          return state === '0A' && local?.endsWith(`:${hex}`);
        });
    } catch {
      return false;
    }
  });
}

/** Nothing is left: no process of this run, PostgreSQL shut down cleanly, nothing listening on its ports. */
async function expectNothingLeft(dataDir: string, ports: Ports): Promise<void> {
  await waitFor(() => processesOf(dataDir).length === 0, 30_000, `the processes to exit: ${processesOf(dataDir).join('; ')}`);
  // A server that stops cleanly removes its pid file; one killed outright leaves it.
  expect(existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
  for (const [name, port] of Object.entries(ports)) expect(someoneListensOn(port), `${name}'s port ${port}`).toBe(false);
}

describe('npm start (the launcher)', () => {
  // The first three tests share one data directory and its ports, in order: one demo load serves them all.
  let dataDir: string;
  let ports: Ports;
  let killed: number | undefined;

  it('brings up the federation with the demo, answers the first query, refuses a second launcher, and stops cleanly on Ctrl-C', async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'treaty-launch-'));
    dirs.push(dataDir);
    ports = await freePorts();
    const started = Date.now();
    const run = await launch(dataDir, ports);
    expect(run.output(), run.output()).toContain('Press Ctrl-C to stop');
    const res = await fetch(`http://127.0.0.1:${ports.gateway}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ agreements { title currentDay milestones { title dueDay status } } }' }),
    });
    const body = (await res.json()) as any;
    console.log(`[launcher] first answer ${Date.now() - started} ms after start`);
    expect(body.errors).toBeUndefined();
    expect(body.data.agreements[0].title).toBe('Veltria Ceasefire and Phased Exchange Framework');
    expect(body.data.agreements[0].currentDay).toBe(24);
    expect(body.data.agreements[0].milestones.map((m: any) => m.dueDay)).toEqual(expect.arrayContaining([30, 60]));

    const page = await fetch(`http://127.0.0.1:${ports.gateway}/graphql`, { headers: { accept: 'text/html' } });
    expect(await page.text()).toContain('graphiql');

    // A subgraph that dies is restarted while the rest keep serving, its fields null meanwhile.
    const prisoners = processListeningFor('prisoners', ports.prisoners);
    process.kill(prisoners, 'SIGKILL');
    await waitFor(() => !existsSync(`/proc/${prisoners}`), 10_000);
    const releases = `{ agreements { title milestones { detaineesReleased } } }`;
    const during = await graphql(ports.gateway, releases);
    expect(during.data.agreements[0].title).toBe('Veltria Ceasefire and Phased Exchange Framework');
    expect(during.errors?.[0]?.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', service: 'prisoners' });
    await waitFor(() => run.output().includes('prisoners is back'), 30_000);
    expect(run.output()).toContain('✗ prisoners stopped unexpectedly (killed by a signal); restarting it in 1 s. The gateway keeps serving the rest meanwhile');
    const after = await graphql(ports.gateway, releases);
    expect(after.errors).toBeUndefined();
    expect(after.data.agreements[0].milestones.some((m: any) => m.detaineesReleased > 0)).toBe(true);
    expect(processListeningFor('prisoners', ports.prisoners)).not.toBe(prisoners);

    // A second launcher on the same data directory refuses before touching anything, naming the first,
    // which keeps serving from its database (it used to stop the first one's PostgreSQL).
    const second = await launch(dataDir, ports);
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain(`✗ Another launcher (pid ${run.child.pid}, started `);
    expect(second.output()).toContain(`playground http://localhost:${ports.gateway}/graphql) is running on the data directory ${dataDir}.`);
    expect(second.output()).not.toContain('PostgreSQL');
    const still = await graphql(ports.gateway, releases);
    expect(still.errors).toBeUndefined();
    expect(still.data.agreements[0].milestones.some((m: any) => m.detaineesReleased > 0)).toBe(true);

    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(run.output()).toContain('▸ Ctrl-C: stopping gateway, guarantors, corridors, prisoners, milestones, PostgreSQL…');
    expect(run.output()).toContain('stopped.');
    await expectNothingLeft(dataDir, ports);
  });

  it('killed with SIGKILL, leaves nothing running: its children and its PostgreSQL stop on their own', async () => {
    // Data persists: a second start finds the agreement and does not load the demo twice.
    const again = await launch(dataDir, ports);
    expect(again.output()).toContain('demo not loaded');
    // The launcher, four subgraphs, the gateway, PostgreSQL's guardian and the server.
    const running = processesOf(dataDir);
    expect(running.length, running.join('\n')).toBe(8);
    expect(running.filter((p) => p.includes('/bin/postgres -D '))).toHaveLength(1);
    killed = again.child.pid;
    again.child.kill('SIGKILL');
    expect(await again.exited).toBe(null);
    await expectNothingLeft(dataDir, ports);
  });

  it('after a SIGKILL, the next launcher takes the data directory over; SIGHUP (a closed terminal) stops everything', async () => {
    expect(killed).toBeDefined();
    const run = await launch(dataDir, ports, ['--no-demo']);
    expect(run.output(), run.output()).toContain('Press Ctrl-C to stop');
    expect(run.output()).toContain(`▸ taking over ${dataDir} from an earlier launcher (pid ${killed}, started `);
    expect((await graphql(ports.gateway, '{ agreements { title } }')).data.agreements).toHaveLength(1);
    run.child.kill('SIGHUP');
    expect(await run.exited).toBe(0);
    expect(run.output()).toContain('▸ terminal closed (SIGHUP): stopping gateway, guarantors, corridors, prisoners, milestones, PostgreSQL…');
    expect(run.output()).toContain('stopped.');
    await expectNothingLeft(dataDir, ports);
  });

  it('names a bad variable and what a valid value looks like, before starting anything', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'treaty-launch-'));
    dirs.push(dataDir);
    const ports = await freePorts();
    const badPort = await launch(dataDir, ports, [], { GATEWAY_PORT: 'abc' });
    expect(await badPort.exited).toBe(1);
    expect(badPort.output()).toContain('GATEWAY_PORT: must be a port number from 1 to 65535, e.g. 4000');
    expect(badPort.output()).not.toContain('options.port');
    // An unreachable server: the variable, where, why and what to check, not `connect ECONNREFUSED`.
    const nobody = await freePort();
    const unreachable = await launch(dataDir, ports, [], { DATABASE_URL: `postgres://u@127.0.0.1:${nobody}/x` });
    expect(await unreachable.exited).toBe(1);
    expect(unreachable.output()).toContain(`✗ DATABASE_URL could not connect to 127.0.0.1:${nobody} (connection refused): check that PostgreSQL is running there`);
    expect(unreachable.output()).not.toContain('ECONNREFUSED');
    expect(processesOf(dataDir)).toEqual([]);
  });

  it('says which port is taken and exits non-zero', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'treaty-launch-'));
    dirs.push(dataDir);
    const { createServer } = await import('node:net');
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const taken = (blocker.address() as { port: number }).port;
    const run = await launch(dataDir, { ...(await freePorts()), gateway: taken });
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain(`Port ${taken}, needed by the gateway, is already in use`);
    blocker.close();
  });
});
