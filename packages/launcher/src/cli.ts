#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, describeDatabaseError } from '@treaty/service-kit';
import { SUBGRAPHS } from '@treaty/gateway';
import { corridors } from '@treaty/corridors';
import { guarantors } from '@treaty/guarantors';
import { milestones } from '@treaty/milestones';
import { prisoners } from '@treaty/prisoners';
import { databaseUrl, dropDatabase, ensureDatabase, isPortFree, startEmbeddedPostgres, stopLeftoverServer, type EmbeddedServer } from '@treaty/local-postgres';
import { gql } from './client.js';
import { loadAllDemos } from './demo-all.js';
import { DEV_AUDIENCE, DEV_ISSUER, ensureKeys, mintDevToken, type LocalKeys } from './keys.js';
import { LOCK_FILE, acquireLock, releaseLock } from './lock.js';
import { REPO_ROOT, dataDir } from './paths.js';
import { stopProcess, supervise, waitHealthy, type Supervised } from './processes.js';
import { checkChildConfigs, readLauncherSettings, type ChildSpec, type PortSetting } from './settings.js';

const HELP = `npm start [-- --reset] [-- --no-demo]

Starts the whole federation locally: PostgreSQL (embedded unless DATABASE_URL is set), the four
subgraphs as separate processes, and the gateway; loads the demo scenario into empty databases.
Ctrl-C, closing the terminal (SIGHUP) or SIGTERM stops everything it started.

  --reset     delete the local data (or, with DATABASE_URL, drop the treaty_* databases) first
  --no-demo   do not load the demo scenario

Environment: TREATY_DATA_DIR (default .treaty-data in the repository), TREATY_RESET=1,
DATABASE_URL or <SERVICE>_DATABASE_URL, GATEWAY_PORT (4000), <SERVICE>_PORT (4001-4004), TREATY_PG_PORT (54329).`;

/** The services that encrypt personal data at rest and need TREATY_DATA_KEYS: as each module declares (ServiceModule.encryptsPersonalData). */
const ENCRYPTS_PERSONAL_DATA = new Set([milestones, prisoners, corridors, guarantors].filter((m) => m.encryptsPersonalData).map((m) => m.name));

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const say = (msg: string) => console.log(`▸ ${msg}`);
const fail = (msg: string): never => {
  console.error(`✗ ${msg}`);
  process.exit(1);
};

/**
 * The gateway's young generation: 4 MB semi-spaces (V8's default grows to 16). Paired with the heap
 * growing factor the gateway sets itself (gateway/src/heap.ts), which bounds its old generation.
 * Side by side over one set of subgraphs, headline query, 50 connections, heap factor on:
 * - dashboard cache on (the default): peak RSS 249 MB with 4 MB, 256 with 8, 275 with 16, and gateway
 *   CPU per request 0.17, 0.19 and 0.19 ms;
 * - cache off: 174-188 MB with 4 MB against 200-212 with 16, but gateway CPU per request 15-22 % higher
 *   (3.94 against 3.24 ms at 50 connections). A deployment that turns the cache off and has memory to
 *   spare may give 16 in its own NODE_OPTIONS.
 * The same setting is in deploy/compose.yaml and deploy/k8s/config.yaml. A NODE_OPTIONS of the user's
 * own is kept.
 */
export const GATEWAY_NODE_OPTIONS = '--max-semi-space-size=4';
function gatewayNodeOptions(own: string | undefined): string {
  return own?.includes('--max-semi-space-size') ? own : [own, GATEWAY_NODE_OPTIONS].filter(Boolean).join(' ');
}

/** What each process is given: the launcher's environment, its port, its keys, its database and its peers. */
function childSpecs(env: Record<string, string | undefined>, ports: PortSetting[], keys: LocalKeys, databaseUrls: Record<string, string>): ChildSpec[] {
  const portOf = (name: string) => ports.find((p) => p.name === name)!.port;
  const urls = Object.fromEntries(ports.map((p) => [p.name, `http://127.0.0.1:${p.port}/graphql`]));
  const subgraphs = SUBGRAPHS.map((s) => ({
    name: s.name,
    file: path.join(REPO_ROOT, 'services', s.name, 'dist', 'index.js'),
    env: {
      ...env,
      ...Object.fromEntries(SUBGRAPHS.filter((o) => o.name !== s.name).map((o) => [`TREATY_PEER_${o.name.toUpperCase()}_URL`, urls[o.name]])),
      DATABASE_URL: databaseUrls[s.name],
      PORT: String(portOf(s.name)),
      TREATY_INTERNAL_KEYS: keys.internal[s.name]!,
      // Only a service that holds personal data is handed the KEKs, as each is handed only its own internal keys.
      ...(ENCRYPTS_PERSONAL_DATA.has(s.name) ? { TREATY_DATA_KEYS: keys.dataKeys } : {}),
      TREATY_EVIDENCE_KEY: keys.evidence[s.name]!,
    },
    health: `http://127.0.0.1:${portOf(s.name)}/health`,
  }));
  const gateway = {
    name: 'gateway',
    file: path.join(REPO_ROOT, 'gateway', 'dist', 'main.js'),
    env: {
      ...env,
      ...Object.fromEntries(SUBGRAPHS.map((s) => [`${s.name.toUpperCase()}_URL`, urls[s.name]])),
      PORT: String(portOf('gateway')),
      GATEWAY_PORT: String(portOf('gateway')),
      TREATY_INTERNAL_KEYS: keys.internal.gateway!,
      TREATY_JWKS_FILE: keys.jwksFile,
      TREATY_JWT_ISSUER: DEV_ISSUER,
      TREATY_JWT_AUDIENCE: DEV_AUDIENCE,
      NODE_OPTIONS: gatewayNodeOptions(env.NODE_OPTIONS),
    },
    health: `http://127.0.0.1:${portOf('gateway')}/health`,
  };
  return [...subgraphs, gateway];
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { reset: { type: 'boolean' }, 'no-demo': { type: 'boolean' }, help: { type: 'boolean' } } });
  if (values.help) return console.log(HELP);
  // A closed terminal turns every write into an error; the launcher must still stop what it started.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  const env: Record<string, string | undefined> = { ...process.env, APOLLO_TELEMETRY_DISABLED: '1' };
  delete env.TREATY_LAUNCHER_PID;
  const dir = dataDir(env);

  // The launcher's own variables first: failing here costs nothing and says exactly what to fix.
  let settings: ReturnType<typeof readLauncherSettings>;
  try {
    settings = readLauncherSettings(env, values.reset);
  } catch (e) {
    if (e instanceof ConfigError) return fail(e.message);
    throw e;
  }
  const { ports, reset } = settings;
  const gatewayPort = ports[0]!.port;

  // One launcher per data directory: a second one must not touch the first one's database or keys.
  let lock: ReturnType<typeof acquireLock>;
  try {
    lock = acquireLock(dir, { startedAt: new Date().toISOString(), gateway: `http://localhost:${gatewayPort}/graphql`, script: process.argv[1] ?? '' });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return fail(`TREATY_DATA_DIR: cannot use ${dir} (${code ?? (e as Error).message}): choose a folder you may write to, e.g. TREATY_DATA_DIR=$HOME/.treaty-data npm start.`);
  }
  if (!lock.acquired) {
    const h = lock.holder;
    return fail(
      `Another launcher (pid ${h.pid}, started ${h.startedAt}, playground ${h.gateway}) is running on the data directory ${dir}. ` +
        `Use that one, or stop it first (Ctrl-C in its terminal, or kill ${h.pid}); to run a second federation beside it, ` +
        `give this one its own TREATY_DATA_DIR and ports (GATEWAY_PORT, MILESTONES_PORT …).`,
    );
  }
  const lockFile = lock.file;
  process.on('exit', () => releaseLock(lockFile));
  if (lock.stale) say(`taking over ${dir} from an earlier launcher (pid ${lock.stale.pid}, started ${lock.stale.startedAt}) that ended without stopping`);

  for (const p of ports) {
    if (!(await isPortFree(p.port))) {
      fail(
        `Port ${p.port}, needed by the ${p.name}, is already in use. Stop whatever holds it (perhaps an earlier npm start), ` +
          `or pick another port, e.g. ${p.variable}=${p.port + 100} npm start.`,
      );
    }
  }

  // Only now, holding the lock: a server still running on this directory belongs to no live launcher.
  if (!env.DATABASE_URL && (await stopLeftoverServer(dir))) say('PostgreSQL: stopped the server an earlier launcher left running');

  if (reset && !env.DATABASE_URL && existsSync(dir)) {
    const entries = await readdir(dir);
    if (entries.some((e) => !['pg', 'keys', LOCK_FILE].includes(e))) {
      fail(`Refusing to reset ${dir}: it holds files npm start did not create. Remove it by hand if you mean to.`);
    }
    // Everything but the lock, which this launcher holds.
    for (const e of ['pg', 'keys']) await rm(path.join(dir, e), { recursive: true, force: true });
    say(`reset: removed the database and keys in ${dir}`);
  }
  say(`data directory: ${dir}`);
  const keys = await ensureKeys(dir);

  // Every child's own configuration, on the environment it would get, before anything is started.
  try {
    checkChildConfigs(childSpecs(env, ports, keys, Object.fromEntries(SUBGRAPHS.map((s) => [s.name, `postgres://treaty@127.0.0.1:1/treaty_${s.name}`]))), ENCRYPTS_PERSONAL_DATA);
  } catch (e) {
    if (e instanceof ConfigError) return fail(e.message);
    throw e;
  }

  let pgStarting: Promise<EmbeddedServer> | null = null;
  const children: Supervised[] = [];
  const specs: ChildSpec[] = [];
  let stopping = false;
  /** Restarts child `i` whenever it exits, waiting 1, 2, 4 … 30 s; a run of a minute resets the wait. */
  const keepRunning = async (i: number): Promise<void> => {
    let delay = 1_000;
    while (!stopping) {
      const ranFrom = Date.now();
      const code = await children[i]!.exited;
      if (stopping) return;
      if (Date.now() - ranFrom > 60_000) delay = 1_000;
      const { name } = specs[i]!;
      const how = code === null ? 'killed by a signal' : `exit code ${code}`;
      const meanwhile =
        name === 'gateway'
          ? `The subgraphs keep running; nothing answers on port ${gatewayPort} until the gateway is back.`
          : `The gateway keeps serving the rest meanwhile: answers leave out the ${name} service's fields, with a SERVICE_UNAVAILABLE error naming it, until it is back.`;
      console.error(`✗ ${name} stopped unexpectedly (${how}); restarting it in ${delay / 1000} s. ${meanwhile}`);
      await new Promise((r) => setTimeout(r, delay));
      if (stopping) return;
      delay = Math.min(delay * 2, 30_000);
      children[i] = supervise(name, specs[i]!.file, specs[i]!.env, console.log);
      try {
        await waitHealthy(children[i]!, specs[i]!.health);
        say(name === 'gateway' ? 'gateway is back' : `${name} is back; the gateway serves its fields again`);
      } catch (e) {
        console.error(`✗ ${(e as Error).message}`);
      }
    }
  };
  const shutdown = async (code: number, why?: string) => {
    if (stopping) return;
    stopping = true;
    const running = [...children].reverse().filter((c) => c.child.exitCode === null && c.child.signalCode === null);
    const what = [...running.map((c) => c.name), ...(pgStarting ? ['PostgreSQL'] : [])];
    if (what.length) say(`${why ? `${why}: ` : ''}stopping ${what.join(', ')}…`);
    for (const c of running) await stopProcess(c);
    // A server still starting is waited for, then stopped: it must not be left running.
    const pg = await pgStarting?.catch(() => null);
    if (pg) await pg.stop();
    say('stopped.');
    process.exit(code);
  };
  // The launcher stops things in order: gateway, subgraphs, database (startEmbeddedPostgres with `detached`
  // leaves these signals to it). SIGHUP is a closed terminal: the children run in their own process groups
  // and would not get it.
  process.on('SIGINT', () => void shutdown(0, 'Ctrl-C'));
  process.on('SIGTERM', () => void shutdown(0, 'SIGTERM'));
  process.on('SIGHUP', () => void shutdown(0, 'terminal closed (SIGHUP)'));

  try {
    let serverUrl: string;
    if (env.DATABASE_URL) {
      serverUrl = env.DATABASE_URL;
      say(`PostgreSQL: using DATABASE_URL (${new URL(serverUrl).host})`);
    } else {
      const port = (await isPortFree(settings.pgPort)) ? settings.pgPort : undefined;
      say('PostgreSQL: starting the embedded server…');
      pgStarting = startEmbeddedPostgres({ dir, port, persistent: true, detached: true });
      const pg = await pgStarting;
      serverUrl = pg.baseUrl;
      say(`PostgreSQL: embedded server ready on 127.0.0.1:${pg.port} (${elapsed()})`);
    }

    const databaseUrls: Record<string, string> = {};
    for (const s of SUBGRAPHS) {
      let url = env[`${s.name.toUpperCase()}_DATABASE_URL`];
      if (!url) {
        const name = `treaty_${s.name}`;
        try {
          if (reset && env.DATABASE_URL) await dropDatabase(serverUrl, name);
          await ensureDatabase(serverUrl, name);
        } catch (e) {
          // With the embedded server this cannot be the user's URL; with DATABASE_URL it is theirs to fix.
          if (env.DATABASE_URL) throw new Error(describeDatabaseError('DATABASE_URL', databaseUrl(serverUrl, 'postgres'), e), { cause: e });
          throw e;
        }
        url = databaseUrl(serverUrl, name);
      }
      databaseUrls[s.name] = url;
    }
    specs.push(...childSpecs(env, ports, keys, databaseUrls));
    const subgraphs = specs.filter((s) => s.name !== 'gateway');
    for (const spec of subgraphs) children.push(supervise(spec.name, spec.file, spec.env, console.log));
    say(`starting ${SUBGRAPHS.map((s) => s.name).join(', ')} (each migrates its own database)…`);
    await Promise.all(subgraphs.map((spec, i) => waitHealthy(children[i]!, spec.health)));
    say(`subgraphs ready (${elapsed()})`);

    const gatewaySpec = specs.find((s) => s.name === 'gateway')!;
    const gateway = supervise(gatewaySpec.name, gatewaySpec.file, gatewaySpec.env, console.log);
    children.push(gateway);
    await waitHealthy(gateway, gatewaySpec.health);
    const gatewayUrl = `http://localhost:${gatewayPort}/graphql`;
    say(`gateway ready (${elapsed()})`);

    if (!values['no-demo']) {
      const mediator = await mintDevToken(keys, { agency: 'Office of the Special Envoy for Veltria', roles: ['MEDIATOR'], subject: 'demo-loader' });
      const { agreements } = await gql(`http://127.0.0.1:${gatewayPort}/graphql`, '{ agreements { id } }', {}, mediator);
      if (agreements.length === 0) {
        say('loading the demo scenario…');
        await loadAllDemos(`http://127.0.0.1:${gatewayPort}/graphql`, (claims) => mintDevToken(keys, claims), (m) => say(`  demo ${m}`));
        say(`demo scenario loaded (${elapsed()})`);
      } else {
        say(`databases already hold ${agreements.length} agreement(s); demo not loaded (use --reset to start over)`);
      }
    }

    const production = env.NODE_ENV === 'production';
    console.log(`
  Treaty graph is running (${elapsed()})${production ? ' in production mode' : ''}.

  ${production ? `Playground:  off in production (no introspection either); anonymous callers may run only
               the operations in gateway/operations/ (trusted documents).` : `Playground:  ${gatewayUrl}   (open in a browser)`}
  GraphQL:     POST ${gatewayUrl}
  Public:      ${gatewayUrl.replace(/\/graphql$/, '/public/')}   (scorecards and weekly bulletins, no token)
  Try:         ${production ? `curl -s ${gatewayUrl} -H 'content-type: application/json' \\
                 -d '{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"'$(sha256sum gateway/operations/agreements.graphql | cut -d' ' -f1)'"}}}'` : `curl -s ${gatewayUrl} -H 'content-type: application/json' \\
                 -d '{"query":"{ agreements { title currentDay milestones { title dueDay status } } }"}'`}
  Act as a role: npm run token -- --agency "Office of the Envoy" --role MEDIATOR
                 then send "Authorization: Bearer <token>".

  Press Ctrl-C to stop; closing this terminal stops everything too.
`);
    // A process that dies is started again, with back-off, while the others keep serving: the gateway
    // answers without the missing service's fields meanwhile (SERVICE_UNAVAILABLE names it).
    await Promise.all(children.map((_, i) => keepRunning(i)));
  } catch (e) {
    console.error(`✗ ${e instanceof Error ? e.message : e}`);
    await shutdown(1);
  }
}

main().catch((e) => {
  console.error(`✗ ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
