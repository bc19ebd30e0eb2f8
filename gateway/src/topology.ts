import { readFileSync } from 'node:fs';
import { SUPERGRAPH_URL } from './supergraph-file.js';

/** The gateway's own default port. */
export const GATEWAY_DEFAULT_PORT = 4000;

export interface Subgraph {
  name: string;
  /** The port the subgraph listens on when nothing else is configured (from its package.json). */
  defaultPort: number;
}

/**
 * The subgraphs of the federation, as the supergraph the gateway serves names them. Composition
 * (compose.ts) writes each service's name and local URL into `join__Graph`, from the `treaty` field of
 * its package.json; the gateway, the launcher and the test kit read the list from here. Derived, so
 * it cannot drift from what the gateway routes to.
 */
export function subgraphsOf(supergraphSdl: string): Subgraph[] {
  const graphs = [...supergraphSdl.matchAll(/@join__graph\(name: "([a-z][a-z0-9]*)", url: "http:\/\/localhost:(\d+)\/graphql"\)/g)];
  if (!graphs.length) throw new Error('The supergraph names no subgraph (join__Graph is empty or missing): run `npm run compose`.');
  return graphs.map((g) => ({ name: g[1]!, defaultPort: Number(g[2]) })).sort((a, b) => a.defaultPort - b.defaultPort);
}

/** Every subgraph of the checked-in supergraph, in the order of their default ports. */
export const SUBGRAPHS: readonly Subgraph[] = subgraphsOf(readFileSync(SUPERGRAPH_URL, 'utf8'));

/** A subgraph's default port; a name the supergraph does not know is a programming error. */
export function defaultPortOf(name: string): number {
  const s = SUBGRAPHS.find((x) => x.name === name);
  if (!s) throw new Error(`${name} is not a subgraph of the supergraph (${SUBGRAPHS.map((x) => x.name).join(', ')}).`);
  return s.defaultPort;
}
