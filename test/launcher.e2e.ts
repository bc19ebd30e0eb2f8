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

/** Starts `npm start`'s launcher on free ports in a fresh data directory and waits for its banner. */
async function launch(dataDir: string, ports: Ports) {
  const child = spawn(process.execPath, [CLI], {
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

async function waitFor(done: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('gave up waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('npm start (the launcher)', () => {
  it('brings up the federation with the demo, answers the first query, and stops cleanly on Ctrl-C', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'treaty-launch-'));
    dirs.push(dataDir);
    const ports = await freePorts();
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
    expect(run.output()).toContain('✗ prisoners stopped unexpectedly (killed by a signal); restarting it in 1 s.');
    const after = await graphql(ports.gateway, releases);
    expect(after.errors).toBeUndefined();
    expect(after.data.agreements[0].milestones.some((m: any) => m.detaineesReleased > 0)).toBe(true);
    expect(processListeningFor('prisoners', ports.prisoners)).not.toBe(prisoners);

    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(run.output()).toContain('stopped.');

    // Data persists: a second start finds the agreement and does not load the demo twice.
    const again = await launch(dataDir, ports);
    expect(again.output()).toContain('demo not loaded');
    again.child.kill('SIGINT');
    expect(await again.exited).toBe(0);
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
