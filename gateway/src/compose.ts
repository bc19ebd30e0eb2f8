import { readFile, readdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { subgraphManifest } from '@treaty/service-kit/edge';
import { SUPERGRAPH_URL } from './supergraph-file.js';

const SERVICES_DIR = new URL('../../services/', import.meta.url);

/**
 * The subgraphs to compose: every package under services/ whose package.json declares a `treaty`
 * field (see packages/service-kit/src/federation.ts). Read from the repository, not through package
 * imports, so the gateway depends on no service.
 */
export async function discoverSubgraphs(): Promise<{ name: string; defaultPort: number; dir: URL }[]> {
  const found = [];
  for (const entry of await readdir(SERVICES_DIR, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = new URL(`${entry.name}/`, SERVICES_DIR);
    const pkg = JSON.parse(await readFile(new URL('package.json', dir), 'utf8').catch(() => '{}')) as { treaty?: unknown };
    if (pkg.treaty === undefined) continue;
    found.push({ ...subgraphManifest(new URL('package.json', dir)), dir });
  }
  const ports = new Map<number, string>();
  for (const s of found) {
    const other = ports.get(s.defaultPort);
    if (other) throw new Error(`services/${s.name} and services/${other} both declare default port ${s.defaultPort}; give each its own.`);
    ports.set(s.defaultPort, s.name);
  }
  return found.sort((a, b) => a.defaultPort - b.defaultPort);
}

/** Hints that only note harmless, intended differences; any other hint fails composition here. */
const HARMLESS_HINTS = new Set<string>([]);

export interface Composition {
  supergraphSdl: string | null;
  errors: string[];
  hints: string[];
}

/** Reads every subgraph's SDL from its package and composes the supergraph, as the gateway will serve it. */
export async function compose(): Promise<Composition> {
  const services = await Promise.all(
    (await discoverSubgraphs()).map(async (s) => ({
      name: s.name,
      // The local URL carries the default port into the supergraph, where topology.ts reads it.
      url: `http://localhost:${s.defaultPort}/graphql`,
      typeDefs: parse(await readFile(new URL('src/schema.graphql', s.dir), 'utf8')),
    })),
  );
  const result = composeServices(services);
  const hints = (result.hints ?? []).filter((h) => !HARMLESS_HINTS.has(h.definition.code)).map((h) => `${h.definition.code}: ${h.message}`);
  if (result.errors) return { supergraphSdl: null, errors: result.errors.map((e) => e.message), hints };
  return { supergraphSdl: result.supergraphSdl, errors: [], hints };
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const { supergraphSdl, errors, hints } = await compose();
  for (const h of hints) console.error(`hint: ${h}`);
  if (errors.length || !supergraphSdl) {
    console.error(`Composition failed with ${errors.length} error(s):\n${errors.map((e) => `  - ${e}`).join('\n')}`);
    process.exit(1);
  }
  if (hints.length) {
    console.error('Composition produced hints; resolve them (or list them as harmless in gateway/src/compose.ts with a reason).');
    process.exit(1);
  }
  const current = await readFile(SUPERGRAPH_URL, 'utf8').catch(() => '');
  if (check) {
    if (current !== supergraphSdl) {
      console.error('gateway/supergraph.graphql is stale: run `npm run compose` and commit it.');
      process.exit(1);
    }
    console.log('gateway/supergraph.graphql is up to date.');
    return;
  }
  await writeFile(SUPERGRAPH_URL, supergraphSdl);
  console.log(current === supergraphSdl ? 'gateway/supergraph.graphql unchanged.' : `Wrote ${fileURLToPath(SUPERGRAPH_URL)}.`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
