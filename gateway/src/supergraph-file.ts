import { readFile } from 'node:fs/promises';

/** The composed supergraph checked in beside this package (see compose.ts). No side effects: compose.ts writes it. */
export const SUPERGRAPH_URL = new URL('../supergraph.graphql', import.meta.url);

export async function readSupergraph(): Promise<string> {
  return readFile(SUPERGRAPH_URL, 'utf8');
}
