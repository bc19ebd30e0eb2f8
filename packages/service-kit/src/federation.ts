/** The subgraphs of the federation and their default ports: the one place those ports are written. */
export interface SubgraphInfo {
  name: 'milestones' | 'prisoners' | 'corridors' | 'guarantors';
  defaultPort: number;
}

export const SUBGRAPHS: readonly SubgraphInfo[] = [
  { name: 'milestones', defaultPort: 4001 },
  { name: 'prisoners', defaultPort: 4002 },
  { name: 'corridors', defaultPort: 4003 },
  { name: 'guarantors', defaultPort: 4004 },
];

export const GATEWAY_DEFAULT_PORT = 4000;

/** A subgraph's default port, from the list above (each service module takes its own from here). */
export function defaultPortOf(name: SubgraphInfo['name']): number {
  return SUBGRAPHS.find((s) => s.name === name)!.defaultPort;
}
