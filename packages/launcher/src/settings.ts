import { ConfigError, loadSubgraphConfig, portSetting, postgresUrlSetting } from '@treaty/service-kit';
import { GATEWAY_DEFAULT_PORT, SUBGRAPHS, loadGatewayConfig } from '@treaty/gateway';

export interface PortSetting {
  name: string;
  port: number;
  variable: string;
}

export interface LauncherSettings {
  /** The gateway's port first, then each subgraph's. */
  ports: PortSetting[];
  /** TREATY_PG_PORT: where the embedded PostgreSQL listens when that port is free. */
  pgPort: number;
  reset: boolean;
}

/** The embedded PostgreSQL's usual port: never 5432, where a system PostgreSQL may run. */
export const DEFAULT_PG_PORT = 54329;

/**
 * The launcher's own variables, checked before anything starts, every problem at once, each naming the
 * variable and what a valid value looks like (ConfigError, as the services' own configuration).
 */
export function readLauncherSettings(env: Record<string, string | undefined>, resetFlag = false): LauncherSettings {
  const problems: string[] = [];
  const read = <T>(variable: string, schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { message: string }[] } } }, fallback: T): T => {
    const raw = env[variable];
    if (raw === undefined || raw === '') return fallback;
    const r = schema.safeParse(raw);
    if (r.success) return r.data;
    problems.push(`${variable}: ${r.error.issues[0]!.message}`);
    return fallback;
  };
  const ports: PortSetting[] = [
    { name: 'gateway', variable: 'GATEWAY_PORT', port: read('GATEWAY_PORT', portSetting(GATEWAY_DEFAULT_PORT), GATEWAY_DEFAULT_PORT) },
    ...SUBGRAPHS.map((s) => {
      const variable = `${s.name.toUpperCase()}_PORT`;
      return { name: s.name, variable, port: read(variable, portSetting(s.defaultPort), s.defaultPort) };
    }),
  ];
  const pgPort = read('TREATY_PG_PORT', portSetting(DEFAULT_PG_PORT), DEFAULT_PG_PORT);
  // The launcher creates the treaty_* databases on this server: any database name in it is replaced.
  read('DATABASE_URL', postgresUrlSetting('postgres'), '');
  for (const s of SUBGRAPHS) read(`${s.name.toUpperCase()}_DATABASE_URL`, postgresUrlSetting(`treaty_${s.name}`), '');
  const resetValue = env.TREATY_RESET;
  if (resetValue !== undefined && resetValue !== '' && resetValue !== '1' && resetValue !== '0') {
    problems.push(`TREATY_RESET: must be 1 to delete the local data and start over, or 0 or unset to keep it (got "${resetValue}")`);
  }
  const taken = new Map<number, string>();
  // Only among ports read well: a bad one stands in for its default here, which would mislead.
  if (!problems.length) for (const p of [...ports, { variable: 'TREATY_PG_PORT', port: pgPort }]) {
    const other = taken.get(p.port);
    if (other) problems.push(`${p.variable}: ${p.port} is also ${other}'s port; give each process its own, e.g. ${p.variable}=${p.port + 100}`);
    else taken.set(p.port, p.variable);
  }
  if (problems.length) throw new ConfigError(problems);
  return { ports, pgPort, reset: resetFlag || resetValue === '1' };
}

export interface ChildSpec {
  name: string;
  file: string;
  env: Record<string, string | undefined>;
  health: string;
}

/**
 * Runs each child's own configuration schema on the environment the launcher would give it, so a bad
 * LOG_LEVEL or NODE_ENV is reported once, before PostgreSQL starts, rather than by five processes that
 * each stop while starting. The same problem in several processes is listed once.
 */
export function checkChildConfigs(specs: ChildSpec[], encryptsPersonalData: Set<string>): void {
  const problems = new Set<string>();
  for (const spec of specs) {
    try {
      if (spec.name === 'gateway') loadGatewayConfig(spec.env);
      else {
        const s = SUBGRAPHS.find((x) => x.name === spec.name)!;
        loadSubgraphConfig(s.name, s.defaultPort, spec.env, { dataKeysRequired: encryptsPersonalData.has(s.name) });
      }
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      for (const p of e.problems) problems.add(p);
    }
  }
  if (problems.size) throw new ConfigError([...problems]);
}
