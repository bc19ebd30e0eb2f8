/** The subgraphs of the federation, their default ports and the packages that hold them. */
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
