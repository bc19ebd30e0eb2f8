import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * A subgraph's place in the federation, declared once, in its own package.json:
 *
 *     "treaty": { "subgraph": "milestones", "defaultPort": 4001 }
 *
 * The service takes its name and default port from there (subgraphManifest); composition
 * (gateway/src/compose.ts) finds every service that declares one and writes its name and local URL
 * into the supergraph, from which the gateway, the launcher and the test kit read the list. The kit
 * holds no list of subgraphs: a fifth one is a new package and `npm run compose`.
 */
export interface SubgraphManifest {
  name: string;
  defaultPort: number;
}

/** Reads and checks the `treaty` field of a subgraph's package.json; a clear error names what is wrong. */
export function subgraphManifest(packageJson: URL | string): SubgraphManifest {
  const file = typeof packageJson === 'string' ? packageJson : fileURLToPath(packageJson);
  const pkg = JSON.parse(readFileSync(file, 'utf8')) as { treaty?: { subgraph?: unknown; defaultPort?: unknown } };
  const name = pkg.treaty?.subgraph;
  const port = pkg.treaty?.defaultPort;
  if (typeof name !== 'string' || !/^[a-z][a-z0-9]*$/.test(name) || !Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535) {
    throw new Error(`${file} must declare "treaty": { "subgraph": "<lower-case name>", "defaultPort": <1-65535> } to be a subgraph of the federation.`);
  }
  return { name, defaultPort: port as number };
}
