/**
 * The deployment files (Dockerfile, deploy/compose.yaml, deploy/k8s/) held against the code. Docker and
 * Kubernetes are not run here: the files are parsed, and what they give each process is fed to the real
 * configuration schemas, so a renamed variable, a moved port or a new sibling call fails this test.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import {
  ConfigError,
  deriveInternalKeys,
  loadSubgraphConfig,
  parseDataKeys,
  parseInternalKeys,
  serializeInternalKeys,
  subgraphsReadiness,
} from '@treaty/service-kit';
import { GATEWAY_DEFAULT_PORT, SUBGRAPHS, createTokenVerifier, defaultPortOf, loadGatewayConfig } from '@treaty/gateway';
import { freePort } from '@treaty/local-postgres';
import { ALL_SERVICES } from './services.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DEPLOY = path.join(ROOT, 'deploy');
const read = (...p: string[]) => readFileSync(path.join(ROOT, ...p), 'utf8');
const NAMES = SUBGRAPHS.map((s) => s.name);
type Name = (typeof NAMES)[number];
const PROCESSES = ['gateway', ...NAMES];
type Env = Record<string, string>;

// ---------------------------------------------------------------------------------------------------
// What the code says.

/** Sibling calls the code makes: caller -> callee, read from each service's src/peers.ts. */
function siblingEdgesInCode(): Set<string> {
  const viaMilestones = /callPeer[^;]*\(deps, 'milestones'/.test(read('packages/service-kit/src/peer.ts').split('export async function agreementFromMilestones')[1] ?? '');
  expect(viaMilestones, 'agreementFromMilestones asks the milestones service').toBe(true);
  const edges = new Set<string>();
  for (const from of NAMES) {
    const src = read('services', from, 'src/peers.ts');
    for (const m of src.matchAll(/\(deps, '([a-z]+)'/g)) edges.add(`${from}>${m[1]}`);
    if (/agreementFromMilestones\s*(<[^>]*>)?\(/.test(src)) edges.add(`${from}>milestones`);
  }
  return edges;
}
const EDGES = siblingEdgesInCode();
const callersOf = (to: string) => [...EDGES].filter((e) => e.endsWith(`>${to}`)).map((e) => e.split('>')[0]!);
const calleesOf = (from: string) => [...EDGES].filter((e) => e.startsWith(`${from}>`)).map((e) => e.split('>')[1] as Name);
const moduleOf = (name: string) => ALL_SERVICES.find((m) => m.name === name)!;

function loadSubgraph(name: string, env: Env) {
  const m = moduleOf(name);
  return loadSubgraphConfig(name, m.defaultPort, env, { dataKeysRequired: m.encryptsPersonalData });
}

/** The peers a subgraph would call, exactly as runService reads them from its environment. */
function peersIn(env: Env): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env)
      .filter(([k, v]) => k.startsWith('TREATY_PEER_') && k.endsWith('_URL') && v)
      .map(([k, v]) => [k.slice('TREATY_PEER_'.length, -'_URL'.length).toLowerCase(), v]),
  );
}

function parseEnvFile(file: string): Env {
  const env: Env = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim() || line.trimStart().startsWith('#')) continue;
    const i = line.indexOf('=');
    env[line.slice(0, i).trim()] = line.slice(i + 1);
  }
  return env;
}

// ---------------------------------------------------------------------------------------------------
// The Dockerfile, read instruction by instruction.

interface Instruction {
  stage: string;
  op: string;
  args: string;
}
function dockerfile(): { stages: { name: string; from: string }[]; ins: Instruction[] } {
  const logical = read('Dockerfile')
    .split('\n')
    .filter((l) => !l.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((l) => l.trim());
  const stages: { name: string; from: string }[] = [];
  const ins: Instruction[] = [];
  for (const line of logical) {
    const [, op, args] = /^\s*(\w+)\s+(.*)$/.exec(line)!;
    if (op!.toUpperCase() === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(args!)!;
      stages.push({ name: m[2] ?? String(stages.length), from: m[1]! });
    }
    ins.push({ stage: stages.at(-1)?.name ?? '', op: op!.toUpperCase(), args: args!.trim() });
  }
  return { stages, ins };
}
const DOCKER = dockerfile();
const FINAL = DOCKER.stages.at(-1)!.name;
const inStage = (stage: string, op: string) => DOCKER.ins.filter((i) => i.stage === stage && i.op === op);
/** The final stage's ENV, as every container of the image starts with it. */
function imageEnv(): Env {
  const env: Env = {};
  for (const i of inStage(FINAL, 'ENV')) for (const m of i.args.matchAll(/([A-Z_][A-Z0-9_]*)=("[^"]*"|\S+)/g)) env[m[1]!] = m[2]!.replace(/^"|"$/g, '');
  return env;
}
/** The commands the entrypoint runs, by first argument. */
function entrypointCommands(): Record<string, string> {
  const script = read('deploy/image/entrypoint.sh');
  const out: Record<string, string> = {};
  for (const m of script.matchAll(/^\s*([a-z|-]+)\)\s*\n\s*exec node ("?)([^"\s]+)\2/gm)) {
    for (const role of m[1]!.split('|')) out[role] = m[3]!.replace('$role', role);
  }
  return out;
}
const FINAL_UID = Number(/^(\d+)/.exec(inStage(FINAL, 'USER').at(-1)?.args ?? '')?.[1]);

// ---------------------------------------------------------------------------------------------------
// Secrets, made by the real script in a throwaway folder.

let secrets: string;
beforeAll(() => {
  secrets = mkdtempSync(path.join(tmpdir(), 'treaty-deploy-'));
  execFileSync(process.execPath, [path.join(DEPLOY, 'make-secrets.mjs'), '--out', secrets], { stdio: 'pipe' });
});
afterAll(() => rmSync(secrets, { recursive: true, force: true }));

describe('the image (Dockerfile)', () => {
  it('builds in one stage with npm ci and npm run build, and runs from another that builds nothing', () => {
    expect(DOCKER.stages.length).toBeGreaterThanOrEqual(2);
    const build = DOCKER.stages[0]!.name;
    expect(inStage(build, 'RUN').map((i) => i.args)).toEqual(expect.arrayContaining(['npm ci', 'npm run build']));
    expect(inStage(FINAL, 'RUN').some((i) => /npm (ci|install|run build)/.test(i.args))).toBe(false);
    expect(DOCKER.stages.every((s) => s.from === '${NODE_IMAGE}')).toBe(true);
    expect(inStage('', 'ARG')[0]!.args).toMatch(/^NODE_IMAGE=node:20[.\w-]*-slim$/);
  });

  it('copies every workspace manifest before npm ci, or npm ci would find the lockfile out of step', () => {
    const workspaces = (JSON.parse(read('package.json')).workspaces as string[]).flatMap((w) =>
      w.endsWith('/*') ? readdirSync(path.join(ROOT, w.slice(0, -2))).map((d) => `${w.slice(0, -2)}/${d}`) : [w],
    ).filter((w) => existsSync(path.join(ROOT, w, 'package.json')));
    expect(workspaces.length).toBeGreaterThanOrEqual(10);
    for (const stage of [DOCKER.stages[0]!.name, 'runtime-deps']) {
      const ins = DOCKER.ins.filter((i) => i.stage === stage);
      const ci = ins.findIndex((i) => i.op === 'RUN' && /npm ci/.test(i.args));
      const copied = ins.slice(0, ci).filter((i) => i.op === 'COPY').map((i) => i.args);
      for (const w of workspaces) expect(copied.some((c) => c.includes(`${w}/package.json `)), `${stage} copies ${w}/package.json`).toBe(true);
      expect(copied.some((c) => c.includes('package-lock.json'))).toBe(true);
    }
  });

  it('runs as a numeric non-root user, the one the Kubernetes manifests require', () => {
    expect(FINAL_UID).toBeGreaterThan(0);
    for (const d of deployments()) expect(d.spec.template.spec.securityContext.runAsUser).toBe(FINAL_UID);
  });

  it('is in production mode with telemetry off and listens on every interface', () => {
    expect(imageEnv()).toMatchObject({ NODE_ENV: 'production', APOLLO_TELEMETRY_DISABLED: '1', HOST: '0.0.0.0' });
  });

  it('checks /health with a script it contains', () => {
    const [hc] = inStage(FINAL, 'HEALTHCHECK');
    expect(hc!.args).toMatch(/CMD \["node", "deploy\/image\/healthcheck\.mjs", "\/health"\]/);
    expect(inStage(FINAL, 'COPY').some((i) => i.args.includes('deploy/image/healthcheck.mjs'))).toBe(true);
  });

  it('starts each process from a file the build writes, and copies that file and what it reads into the image', () => {
    const commands = entrypointCommands();
    expect(commands).toMatchObject({ gateway: 'gateway/dist/main.js', ...Object.fromEntries(NAMES.map((n) => [n, `services/${n}/dist/index.js`])) });
    const copiedFromBuild = inStage(FINAL, 'COPY')
      .map((i) => /^--from=build \/src\/(\S+) (\S+)$/.exec(i.args))
      .filter((m): m is RegExpExecArray => m !== null && m[1] === m[2])
      .map((m) => m[1]!);
    const inImage = (file: string) => copiedFromBuild.some((c) => file === c || file.startsWith(`${c}/`));
    const runtimeFiles = [
      ...Object.values(commands),
      'gateway/supergraph.graphql',
      'gateway/operations',
      'gateway/playground/start.js',
      'packages/service-kit/dist/index.js',
      // The kit imports the evidence log's Merkle tree and signatures at run time.
      'packages/evidence/dist/index.js',
      'gateway/dist/topology.js',
      ...NAMES.map((n) => `services/${n}/dist/schema.graphql`),
      ...NAMES.map((n) => `services/${n}/dist/server.js`),
    ];
    for (const f of runtimeFiles) {
      expect(existsSync(path.join(ROOT, f)), `${f} is in the build output`).toBe(true);
      expect(inImage(f), `${f} is copied into the image`).toBe(true);
    }
    expect(inStage(FINAL, 'ENTRYPOINT')[0]!.args).toBe('["/bin/sh", "deploy/image/entrypoint.sh"]');
  });

  it('installs what the compiled code imports: each bare import is a dependency of its own workspace', () => {
    const builtins = new Set(['node']);
    for (const ws of ['gateway', 'packages/service-kit', ...NAMES.map((n) => `services/${n}`)]) {
      const deps = Object.keys(JSON.parse(read(ws, 'package.json')).dependencies ?? {});
      const files: string[] = [];
      const walk = (dir: string) => {
        for (const e of readdirSync(dir)) {
          const p = path.join(dir, e);
          if (statSync(p).isDirectory()) walk(p);
          else if (p.endsWith('.js')) files.push(p);
        }
      };
      walk(path.join(ROOT, ws, 'dist'));
      const imported = new Set<string>();
      for (const f of files) {
        for (const m of readFileSync(f, 'utf8').matchAll(/(?:from\s+|import\s*\(\s*|^import\s+)['"]([^'".][^'"]*)['"]/gm)) {
          const spec = m[1]!;
          if (spec.startsWith('node:') || builtins.has(spec) || !/^(@[a-z0-9._-]+\/)?[a-z0-9._-]+(\/\S*)?$/.test(spec)) continue;
          imported.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
        }
      }
      expect(imported.size, `${ws} imports packages`).toBeGreaterThan(0);
      for (const pkg of imported) expect(deps, `${ws}/dist imports ${pkg}`).toContain(pkg);
    }
  });

  it('the entrypoint starts the gateway with the settings compose gives it, and the healthcheck finds its port', async () => {
    const port = await freePort();
    // Only the addresses change: free ports on loopback, and the JWKS where make-secrets wrote it.
    const env = { ...process.env, ...composeEnv('gateway'), TREATY_JWKS_FILE: path.join(secrets, 'jwks.json'), HOST: '127.0.0.1', PORT: String(port), GATEWAY_OPS_PORT: String(await freePort()) };
    const child = spawn('/bin/sh', ['deploy/image/entrypoint.sh', 'gateway'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    try {
      const check = () => new Promise<number | null>((resolve) => spawn(process.execPath, ['deploy/image/healthcheck.mjs', '/health', 'gateway'], { cwd: ROOT, env, stdio: 'ignore' }).on('exit', resolve));
      let code = await check();
      for (let i = 0; code !== 0 && i < 200 && child.exitCode === null; i++) {
        await new Promise((r) => setTimeout(r, 100));
        code = await check();
      }
      expect(code, `the gateway's /health through the image's healthcheck; its output:\n${output}`).toBe(0);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('the entrypoint refuses an unknown process by naming the ones it knows', () => {
    let failure: { status: number; stderr: Buffer } | undefined;
    try {
      execFileSync('/bin/sh', ['deploy/image/entrypoint.sh', 'milestone'], { cwd: ROOT, stdio: 'pipe' });
    } catch (e) {
      failure = e as typeof failure;
    }
    expect(failure?.status).toBe(64);
    expect(failure?.stderr.toString()).toContain('give one of gateway, milestones, prisoners, corridors, guarantors');
  });

  it('the healthcheck passes on 200 only, at the port the process would take', async () => {
    const server = createServer((req, res) => {
      res.writeHead(req.url === '/ready' ? 503 : 200).end(req.url === '/ready' ? '{"status":"not ready"}' : 'ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = String((server.address() as { port: number }).port);
    const run = (args: string[], env: Env) =>
      new Promise<number | null>((resolve) => spawn(process.execPath, ['deploy/image/healthcheck.mjs', ...args], { cwd: ROOT, env: { PATH: process.env.PATH!, ...env }, stdio: 'ignore' }).on('exit', resolve));
    try {
      expect(await run(['/health', 'milestones'], { MILESTONES_PORT: port, PORT: '1' })).toBe(0);
      expect(await run(['/health', 'milestones'], { PORT: port })).toBe(0);
      expect(await run(['/health', 'gateway'], { GATEWAY_PORT: port })).toBe(0);
      expect(await run(['/ready', 'milestones'], { PORT: port })).toBe(1);
      expect(await run(['/health', 'milestones'], { PORT: port, MILESTONES_PORT: String(await freePort()) })).toBe(1);
    } finally {
      server.close();
    }
  });
});

describe('make-secrets.mjs', () => {
  it('gives each process only its own pairs, both ends of a pair the same key, as the launcher derives them', () => {
    const master = Buffer.from(readFileSync(path.join(secrets, 'internal-master.key'), 'utf8').trim(), 'base64url');
    expect(master.length).toBe(32);
    for (const p of PROCESSES) {
      const env = parseEnvFile(path.join(secrets, `${p}.env`));
      const keys = parseInternalKeys(env.TREATY_INTERNAL_KEYS!);
      expect(JSON.parse(env.TREATY_INTERNAL_KEYS!)).toEqual(JSON.parse(serializeInternalKeys(deriveInternalKeys(master, p, PROCESSES))));
      const expected = p === 'gateway' ? NAMES.map((s) => `gateway>${s}`) : [`gateway>${p}`, ...NAMES.filter((s) => s !== p).flatMap((s) => [`${p}>${s}`, `${s}>${p}`])];
      expect([...keys.keys()].sort()).toEqual(expected.sort());
    }
    const gateway = parseInternalKeys(parseEnvFile(path.join(secrets, 'gateway.env')).TREATY_INTERNAL_KEYS!);
    const milestones = parseInternalKeys(parseEnvFile(path.join(secrets, 'milestones.env')).TREATY_INTERNAL_KEYS!);
    const corridors = parseInternalKeys(parseEnvFile(path.join(secrets, 'corridors.env')).TREATY_INTERNAL_KEYS!);
    expect(gateway.get('gateway>milestones')!.equals(milestones.get('gateway>milestones')!)).toBe(true);
    expect(corridors.get('corridors>milestones')!.equals(milestones.get('corridors>milestones')!)).toBe(true);
    expect(gateway.get('gateway>milestones')!.equals(gateway.get('gateway>corridors')!)).toBe(false);
  });

  it('gives data keys to the service that encrypts personal data only, and a second run keeps every secret', () => {
    for (const p of PROCESSES) {
      const env = parseEnvFile(path.join(secrets, `${p}.env`));
      const encrypts = p !== 'gateway' && moduleOf(p).encryptsPersonalData === true;
      expect('TREATY_DATA_KEYS' in env, p).toBe(encrypts);
      if (encrypts) expect(parseDataKeys(env.TREATY_DATA_KEYS!).keys.size).toBe(1);
    }
    const files = readdirSync(secrets).sort();
    const before = Object.fromEntries(files.map((f) => [f, readFileSync(path.join(secrets, f), 'utf8')]));
    execFileSync(process.execPath, [path.join(DEPLOY, 'make-secrets.mjs'), '--out', secrets], { stdio: 'pipe' });
    expect(readdirSync(secrets).sort()).toEqual(files);
    for (const f of files) expect(readFileSync(path.join(secrets, f), 'utf8'), f).toBe(before[f]);
    for (const f of files.filter((f) => f !== 'jwks.json')) expect(statSync(path.join(secrets, f)).mode & 0o077, `${f} is private`).toBe(0);
  });

  it("makes a development issuer whose tokens the gateway's verifier accepts with compose's issuer and audience", async () => {
    const gw = composeEnv('gateway');
    const token = execFileSync(process.execPath, [path.join(DEPLOY, 'dev-token.mjs'), '--out', secrets, '--agency', 'Office of the Special Envoy for Veltria', '--roles', 'MEDIATOR,MONITOR'], { encoding: 'utf8' }).trim();
    const verifier = await createTokenVerifier({ jwksFile: path.join(secrets, 'jwks.json'), issuer: gw.TREATY_JWT_ISSUER!, audience: gw.TREATY_JWT_AUDIENCE! });
    const caller = await verifier.authenticate(`Bearer ${token}`);
    expect(caller).toMatchObject({ agency: 'Office of the Special Envoy for Veltria', roles: ['MEDIATOR', 'MONITOR'] });
    const other = await createTokenVerifier({ jwksFile: path.join(secrets, 'jwks.json'), issuer: 'someone-else', audience: gw.TREATY_JWT_AUDIENCE! });
    await expect(other.authenticate(`Bearer ${token}`)).rejects.toThrow(/"iss" claim/);
  });
});

// ---------------------------------------------------------------------------------------------------
// Compose.

const COMPOSE = parse(read('deploy/compose.yaml'), { merge: true }) as { services: Record<string, any>; networks: Record<string, any>; secrets: Record<string, any>; volumes: Record<string, any> };

/** `${NAME:-default}`, `${NAME:?message}`, `${NAME}` as compose resolves them, with `vars` as the shell's environment. */
function interpolate(value: string, vars: Env = {}): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?:(:?[-?])([^}]*))?\}/g, (_, name: string, op: string | undefined, arg: string) => {
    const v = vars[name];
    if (op?.endsWith('-')) return v ?? arg;
    if (op?.endsWith('?')) {
      if (v === undefined) throw new Error(`compose would refuse: ${name} ${arg}`);
      return v;
    }
    return v ?? '';
  });
}

/**
 * The environment a compose service's container starts with: the image's ENV, then env_file, then
 * environment. `envFiles` keeps only the env files it accepts (to show what each one provides).
 */
function composeEnv(service: string, opts: { envFiles?: (file: string) => boolean } = {}): Env {
  const s = COMPOSE.services[service];
  const env: Env = { ...imageEnv() };
  for (const f of s.env_file ?? []) {
    const rel: string = typeof f === 'string' ? f : f.path;
    expect(rel, 'env files are read from deploy/secrets/').toMatch(/^secrets\//);
    if (typeof f !== 'string') expect(f.required, `${rel} is required`).toBe(true);
    if (opts.envFiles && !opts.envFiles(rel)) continue;
    Object.assign(env, parseEnvFile(path.join(secrets, rel.slice('secrets/'.length))));
  }
  for (const [k, v] of Object.entries(s.environment ?? {})) env[k] = interpolate(String(v));
  return env;
}

describe('deploy/compose.yaml', () => {
  it('runs the gateway, the four subgraphs and one PostgreSQL 17 per service, each with its own volume', () => {
    expect(Object.keys(COMPOSE.services).sort()).toEqual([...PROCESSES, ...NAMES.map((n) => `${n}-db`)].sort());
    for (const n of NAMES) {
      const db = COMPOSE.services[`${n}-db`];
      expect(db.image).toMatch(/^postgres:17(\b|$)/);
      expect(db.volumes).toEqual([`${n}-db:/var/lib/postgresql/data`]);
      expect(db.healthcheck.test).toEqual(['CMD', 'pg_isready', '-U', db.environment.POSTGRES_USER, '-d', db.environment.POSTGRES_DB]);
    }
    for (const p of PROCESSES) expect(COMPOSE.services[p].command).toEqual([p]);
  });

  it("gives each subgraph every variable its config schema requires, its own database and its code's default port", () => {
    for (const n of NAMES) {
      const env = composeEnv(n);
      const config = loadSubgraph(n, env);
      expect(config.port).toBe(defaultPortOf(n));
      expect(config.opsPort).toBe(OPS_PORT);
      expect(COMPOSE.services[n].expose).toEqual([String(defaultPortOf(n))]);
      expect(config.host).toBe('0.0.0.0');
      expect(config.dataKeys !== undefined).toBe(moduleOf(n).encryptsPersonalData === true);
      const url = new URL(config.databaseUrl);
      const db = composeEnv(`${n}-db`);
      expect({ host: url.hostname, port: url.port, user: url.username, password: url.password, database: url.pathname.slice(1) }).toEqual({
        host: `${n}-db`,
        port: '5432',
        user: db.POSTGRES_USER,
        password: db.POSTGRES_PASSWORD,
        database: db.POSTGRES_DB,
      });
    }
  });

  it('without the secrets files the processes refuse to start, naming what each file provides', () => {
    const problemsOf = (load: () => unknown) => {
      try {
        load();
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as ConfigError).problems.join('\n');
      }
      throw new Error('the configuration was accepted');
    };
    for (const n of NAMES) {
      const withoutKeys = problemsOf(() => loadSubgraph(n, composeEnv(n, { envFiles: (f) => f !== `secrets/${n}.env` })));
      expect(withoutKeys).toContain('TREATY_INTERNAL_KEYS');
      expect(withoutKeys).toContain('TREATY_EVIDENCE_KEY');
      expect(withoutKeys.includes('TREATY_DATA_KEYS')).toBe(moduleOf(n).encryptsPersonalData === true);
      expect(problemsOf(() => loadSubgraph(n, composeEnv(n, { envFiles: (f) => f !== `secrets/${n}-database.env` })))).toContain('DATABASE_URL');
    }
    expect(problemsOf(() => loadGatewayConfig(composeEnv('gateway', { envFiles: () => false })))).toContain('TREATY_INTERNAL_KEYS');
  });

  it('gives the gateway what its schema requires, the subgraphs by service name and port, and publishes port 4000', () => {
    const config = loadGatewayConfig(composeEnv('gateway'));
    expect(config.port).toBe(GATEWAY_DEFAULT_PORT);
    expect(config.ops?.port, '/metrics apart from the published port').toBe(OPS_PORT);
    expect(config.host).toBe('0.0.0.0');
    expect(config.settings.production).toBe(true);
    expect(config.jwt.jwksFile).toBe(`/run/secrets/${COMPOSE.services.gateway.secrets[0]}`);
    expect(COMPOSE.secrets.jwks.file).toBe('secrets/jwks.json');
    expect(config.subgraphUrls).toEqual(Object.fromEntries(NAMES.map((n) => [n, `http://${n}:${defaultPortOf(n)}/graphql`])));
    expect(COMPOSE.services.gateway.ports.map((p: string) => interpolate(p))).toEqual([`${GATEWAY_DEFAULT_PORT}:${GATEWAY_DEFAULT_PORT}`]);
  });

  it('gives each subgraph the sibling URLs its code calls, and no others', () => {
    for (const n of NAMES) {
      expect(peersIn(composeEnv(n))).toEqual(Object.fromEntries(calleesOf(n).map((t) => [t, `http://${t}:${defaultPortOf(t)}/graphql`])));
    }
  });

  it('checks /ready for the subgraphs, /health for the gateway, pg_isready for PostgreSQL, and starts each after what it needs is healthy', () => {
    for (const n of NAMES) {
      expect(COMPOSE.services[n].healthcheck.test).toEqual(['CMD', 'node', 'deploy/image/healthcheck.mjs', '/ready']);
      expect(COMPOSE.services[n].depends_on).toEqual({ [`${n}-db`]: { condition: 'service_healthy' } });
    }
    expect(COMPOSE.services.gateway.healthcheck.test).toEqual(['CMD', 'node', 'deploy/image/healthcheck.mjs', '/health']);
    expect(COMPOSE.services.gateway.depends_on).toEqual(Object.fromEntries(NAMES.map((n) => [n, { condition: 'service_healthy' }])));
  });

  it('publishes only the gateway; a database shares a network with its own service only', () => {
    for (const [name, s] of Object.entries(COMPOSE.services)) if (name !== 'gateway') expect(s.ports, name).toBeUndefined();
    const members = (net: string) => Object.entries(COMPOSE.services).filter(([, s]) => (s.networks as string[]).includes(net)).map(([n]) => n).sort();
    for (const n of NAMES) {
      expect(COMPOSE.services[`${n}-db`].networks).toEqual([`${n}-data`]);
      expect(members(`${n}-data`)).toEqual([n, `${n}-db`].sort());
      expect(COMPOSE.networks[`${n}-data`].internal).toBe(true);
    }
    expect(members('federation')).toEqual([...PROCESSES].sort());
    expect(COMPOSE.networks.federation.internal).toBe(true);
    expect(members('edge')).toEqual(['gateway']);
  });
});

// ---------------------------------------------------------------------------------------------------
// Kubernetes.

const K8S = path.join(DEPLOY, 'k8s');
const KUSTOMIZATION = parse(readFileSync(path.join(K8S, 'kustomization.yaml'), 'utf8'));
const MANIFESTS: any[] = (KUSTOMIZATION.resources as string[]).flatMap((f) =>
  parseAllDocuments(readFileSync(path.join(K8S, f), 'utf8')).map((d) => {
    expect(d.errors, f).toEqual([]);
    return d.toJS();
  }),
);
const ofKind = (kind: string) => MANIFESTS.filter((m) => m.kind === kind);
function deployments() {
  return ofKind('Deployment');
}
const deployment = (name: string) => deployments().find((d) => d.metadata.name === name)!;
const container = (name: string) => deployment(name).spec.template.spec.containers[0];

/** The environment of a pod: its ConfigMaps, then its env, with each Secret reference given a placeholder. */
function podEnv(name: string, placeholder: (secret: string, key: string) => string): Env {
  const c = container(name);
  const env: Env = {};
  for (const from of c.envFrom ?? []) {
    const cm = ofKind('ConfigMap').find((m) => m.metadata.name === from.configMapRef.name);
    expect(cm, `ConfigMap ${from.configMapRef.name}`).toBeDefined();
    Object.assign(env, cm.data);
  }
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env[e.name] = String(e.value);
    else env[e.name] = placeholder(e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key);
  }
  return env;
}
/** A Secret's key, filled as the platform team would: from make-secrets' env file, or a database URL. */
function secretValue(secret: string, key: string): string {
  const db = /^treaty-([a-z]+)-database$/.exec(secret);
  if (db) {
    expect(key).toBe('DATABASE_URL');
    return `postgres://${db[1]}:placeholder@${db[1]}.postgres.example:5432/${db[1]}`;
  }
  const p = /^treaty-([a-z]+)$/.exec(secret)?.[1];
  expect(PROCESSES, `Secret ${secret}`).toContain(p);
  const value = parseEnvFile(path.join(secrets, `${p}.env`))[key];
  expect(value, `make-secrets writes ${key} for ${p}`).toBeDefined();
  return value!;
}
/** Where /metrics is served apart from GraphQL (TREATY_OPS_PORT, GATEWAY_OPS_PORT), in every container. */
const OPS_PORT = 9464;
const portOf = (name: string) => (name === 'gateway' ? GATEWAY_DEFAULT_PORT : defaultPortOf(name as Name));

describe('deploy/k8s', () => {
  it('lists every manifest in the kustomization and fills no Secret', () => {
    const files = readdirSync(K8S).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort();
    expect([...KUSTOMIZATION.resources].sort()).toEqual(files);
    expect(ofKind('Secret')).toEqual([]);
    expect(KUSTOMIZATION.images.map((i: { name: string }) => i.name)).toEqual(['treaty-graph']);
  });

  it('has a Deployment and a Service per process, on the port the code defaults to', () => {
    expect(deployments().map((d) => d.metadata.name).sort()).toEqual([...PROCESSES].sort());
    for (const p of PROCESSES) {
      const d = deployment(p);
      const labels = d.spec.template.metadata.labels;
      expect(d.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': p });
      expect(labels).toMatchObject(d.spec.selector.matchLabels);
      const c = container(p);
      expect(c.image.split(':')[0]).toBe('treaty-graph');
      expect(c.args).toEqual([p]);
      expect(Object.keys(entrypointCommands())).toContain(p);
      expect(c.ports).toEqual([
        { name: 'http', containerPort: portOf(p) },
        { name: 'ops', containerPort: OPS_PORT },
      ]);
      expect(d.spec.template.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(OPS_PORT), 'prometheus.io/path': '/metrics' });
      const svc = ofKind('Service').find((s) => s.metadata.name === p);
      expect(svc.spec.selector).toEqual(d.spec.selector.matchLabels);
      expect(svc.spec.ports).toEqual([{ name: 'http', port: portOf(p), targetPort: 'http' }]);
    }
  });

  it('probes liveness on /health and readiness on /ready, at the GraphQL port', () => {
    for (const p of PROCESSES) {
      const c = container(p);
      expect(c.livenessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
      expect(c.startupProbe.httpGet).toEqual({ path: '/health', port: 'http' });
      expect(c.readinessProbe.httpGet).toEqual({ path: p === 'gateway' ? '/health' : '/ready', port: 'http' });
    }
  });

  it("keeps the gateway in service while one subgraph is down: its /ready needs them all, so it is not the gateway's readiness", async () => {
    const server = createServer((req, res) => res.writeHead(req.url === '/ready' ? 200 : 404).end());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const up = `http://127.0.0.1:${(server.address() as { port: number }).port}/graphql`;
    try {
      const oneDown = await subgraphsReadiness({ milestones: up, prisoners: `http://127.0.0.1:${await freePort()}/graphql` });
      expect(oneDown.ready).toBe(false);
      expect((await subgraphsReadiness({ milestones: up })).ready).toBe(true);
    } finally {
      server.close();
    }
    expect(container('gateway').readinessProbe.httpGet.path).toBe('/health');
  });

  it('sets resource requests and limits, each request within its limit', () => {
    const cpu = (q: string) => (q.endsWith('m') ? Number(q.slice(0, -1)) / 1000 : Number(q));
    const mem = (q: string) => Number(/^(\d+)Mi$/.exec(q)![1]);
    for (const p of PROCESSES) {
      const { requests, limits } = container(p).resources;
      expect(cpu(requests.cpu)).toBeGreaterThan(0);
      expect(cpu(requests.cpu)).toBeLessThanOrEqual(cpu(limits.cpu));
      expect(mem(requests.memory)).toBeGreaterThan(0);
      expect(mem(requests.memory)).toBeLessThanOrEqual(mem(limits.memory));
    }
  });

  it('runs as non-root with no privileges (the restricted Pod Security profile its namespace enforces)', () => {
    expect(ofKind('Namespace')[0].metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    for (const p of PROCESSES) {
      const pod = deployment(p).spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(container(p).securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    }
  });

  it('turns off service links, whose MILESTONES_PORT=tcp://… the processes would refuse as a port', () => {
    for (const p of PROCESSES) expect(deployment(p).spec.template.spec.enableServiceLinks).toBe(false);
    const linked = { ...podEnv('milestones', secretValue), MILESTONES_PORT: 'tcp://10.96.0.12:4001' };
    expect(() => loadSubgraph('milestones', linked)).toThrow(/MILESTONES_PORT/);
    expect(() => loadGatewayConfig({ ...podEnv('gateway', secretValue), GATEWAY_PORT: 'tcp://10.96.0.10:4000' })).toThrow(/GATEWAY_PORT/);
  });

  it('gives each subgraph every variable its config schema requires, with its Secrets referenced, and its sibling URLs', () => {
    for (const n of NAMES) {
      const refs: string[] = [];
      const env = podEnv(n, (s, k) => (refs.push(`${s}/${k}`), secretValue(s, k)));
      const config = loadSubgraph(n, env);
      expect(config.port).toBe(container(n).ports[0].containerPort);
      expect(config.opsPort).toBe(container(n).ports.find((p: { name: string }) => p.name === 'ops').containerPort);
      expect(config.host).toBe('0.0.0.0');
      expect(config.dataKeys !== undefined).toBe(moduleOf(n).encryptsPersonalData === true);
      const expected = [`treaty-${n}/TREATY_INTERNAL_KEYS`, `treaty-${n}/TREATY_EVIDENCE_KEY`, `treaty-${n}-database/DATABASE_URL`, ...(moduleOf(n).encryptsPersonalData ? [`treaty-${n}/TREATY_DATA_KEYS`] : [])];
      expect(refs.sort()).toEqual(expected.sort());
      expect(peersIn(env)).toEqual(Object.fromEntries(calleesOf(n).map((t) => [t, `http://${t}:${ofKind('Service').find((s) => s.metadata.name === t).spec.ports[0].port}/graphql`])));
      // Without its Secrets the process would not start: the references are what make the config valid.
      expect(() => loadSubgraph(n, podEnv(n, () => ''))).toThrow(ConfigError);
    }
  });

  it('gives the gateway what its schema requires and the subgraphs by Service name and port', () => {
    const config = loadGatewayConfig(podEnv('gateway', secretValue));
    expect(config.port).toBe(container('gateway').ports[0].containerPort);
    expect(config.ops?.port).toBe(container('gateway').ports.find((p: { name: string }) => p.name === 'ops').containerPort);
    expect(config.host).toBe('0.0.0.0');
    expect(config.settings.production).toBe(true);
    expect(config.subgraphUrls).toEqual(Object.fromEntries(NAMES.map((n) => [n, `http://${n}:${portOf(n)}/graphql`])));
    for (const n of NAMES) expect(ofKind('Service').find((s) => s.metadata.name === n).spec.ports[0].port).toBe(portOf(n));
  });

  it("lets only the gateway and the code's sibling calls reach each subgraph, on its port, and nothing else", () => {
    expect([...EDGES].sort()).toEqual(['corridors>milestones', 'guarantors>corridors', 'guarantors>milestones', 'guarantors>prisoners', 'milestones>corridors', 'milestones>guarantors', 'prisoners>milestones']);
    const policies = ofKind('NetworkPolicy');
    const selects = (pol: any, name: string) => pol.spec.podSelector.matchLabels?.['app.kubernetes.io/name'] === name;
    expect(policies.some((pol) => selects(pol, 'gateway') || Object.keys(pol.spec.podSelector).length === 0)).toBe(false);
    for (const n of NAMES) {
      const mine = policies.filter((pol) => selects(pol, n));
      expect(mine.length, `a policy selects ${n}`).toBeGreaterThan(0);
      const admitted = new Set<string>();
      for (const pol of mine) {
        expect(pol.spec.policyTypes).toContain('Ingress');
        for (const rule of pol.spec.ingress ?? []) {
          expect(rule.ports).toEqual([{ protocol: 'TCP', port: portOf(n) }]);
          expect(rule.from?.length, 'a rule without `from` admits everyone').toBeGreaterThan(0);
          for (const peer of rule.from) {
            expect(Object.keys(peer), 'pods of this namespace only: no namespaceSelector or ipBlock').toEqual(['podSelector']);
            expect(Object.keys(peer.podSelector)).toEqual(['matchLabels']);
            admitted.add(peer.podSelector.matchLabels['app.kubernetes.io/name']);
          }
        }
      }
      expect([...admitted].sort(), n).toEqual(['gateway', ...callersOf(n)].sort());
    }
  });

  it('scales the gateway with a HorizontalPodAutoscaler on CPU, which its CPU request makes computable', () => {
    const [hpa] = ofKind('HorizontalPodAutoscaler');
    expect(ofKind('HorizontalPodAutoscaler')).toHaveLength(1);
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'gateway' });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
    expect(hpa.spec.metrics[0].resource.name).toBe('cpu');
    expect(container('gateway').resources.requests.cpu).toBeDefined();
  });
});

describe('the gateway\'s memory setting', () => {
  it('is the same in compose, Kubernetes and npm start (packages/launcher/src/cli.ts)', () => {
    const cli = read('packages/launcher/src/cli.ts');
    const launcher = /GATEWAY_NODE_OPTIONS = '([^']+)'/.exec(cli)?.[1];
    expect(launcher).toMatch(/^--max-semi-space-size=\d+$/);
    expect(COMPOSE.services.gateway.environment.NODE_OPTIONS).toBe(launcher);
    expect(podEnv('gateway', () => 'placeholder').NODE_OPTIONS).toBe(launcher);
    // Only the gateway: the subgraphs keep V8's defaults.
    for (const n of NAMES) expect(podEnv(n, () => 'placeholder').NODE_OPTIONS).toBeUndefined();
  });
});

describe('no secret in the repository', () => {
  it('the deployment files hold no key, private key or password', () => {
    const files = ['Dockerfile', '.dockerignore', ...readdirSync(DEPLOY, { recursive: true }).map(String).filter((f) => !f.startsWith('secrets')).map((f) => path.join('deploy', f))].filter((f) =>
      statSync(path.join(ROOT, f)).isFile(),
    );
    expect(files).toContain(path.join('deploy', 'k8s', 'config.yaml'));
    for (const f of files) {
      const text = read(f);
      // A key is 43 base64url characters; a line of dashes in a comment is not one.
      const keyLike = [...text.matchAll(/[A-Za-z0-9_-]{40,}/g)].map((m) => m[0]).filter((w) => w.replace(/[^A-Za-z0-9]/g, '').length >= 20);
      expect(keyLike, f).toEqual([]);
      expect(text, f).not.toMatch(/PRIVATE KEY-----/);
      expect(text, f).not.toMatch(/postgres(ql)?:\/\/[^:/\s]+:[^@\s$]+@/);
      expect(text, f).not.toMatch(/POSTGRES_PASSWORD\s*[:=]\s*[^\s$<{]/);
    }
    expect(read('deploy/.gitignore')).toMatch(/^secrets\/$/m);
    expect(read('.dockerignore')).toMatch(/^deploy\/secrets$/m);
  });
});
