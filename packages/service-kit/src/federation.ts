/** The subgraphs of the federation, their default ports and the packages that hold them. */
export interface SubgraphInfo {
  name: 'milestones' | 'prisoners' | 'corridors' | 'guarantors';
  defaultPort: number;
  packageName: string;
}

export const SUBGRAPHS: readonly SubgraphInfo[] = [
  { name: 'milestones', defaultPort: 4001, packageName: '@treaty/milestones' },
  { name: 'prisoners', defaultPort: 4002, packageName: '@treaty/prisoners' },
  { name: 'corridors', defaultPort: 4003, packageName: '@treaty/corridors' },
  { name: 'guarantors', defaultPort: 4004, packageName: '@treaty/guarantors' },
];

export const GATEWAY_DEFAULT_PORT = 4000;

/** The port a subgraph listens on: `<NAME>_PORT` when set, else its default. */
export function subgraphPort(info: SubgraphInfo, env: Record<string, string | undefined>): number {
  const v = env[`${info.name.toUpperCase()}_PORT`];
  return v ? Number(v) : info.defaultPort;
}
