import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { subgraphManifest } from '@treaty/service-kit';
import { compose, discoverSubgraphs } from '../src/compose.js';
import { SUBGRAPHS, defaultPortOf, subgraphsOf } from '../src/topology.js';
import { SUPERGRAPH_URL } from '../src/server.js';

describe('supergraph composition', () => {
  it('composes every subgraph with no errors and no hints', async () => {
    const result = await compose();
    expect(result.errors).toEqual([]);
    expect(result.hints).toEqual([]);
    expect(result.supergraphSdl).toContain('@join__graph(name: "milestones"');
  });

  it('matches the checked-in gateway/supergraph.graphql (run `npm run compose` after changing a schema)', async () => {
    const { supergraphSdl } = await compose();
    const checkedIn = await readFile(SUPERGRAPH_URL, 'utf8');
    expect(checkedIn === supergraphSdl, 'gateway/supergraph.graphql is stale: run `npm run compose` and commit it').toBe(true);
  });
});

describe('the topology: declared by each service, derived everywhere else', () => {
  it('finds every service that declares itself in its package.json, with its default port', async () => {
    const found = await discoverSubgraphs();
    expect(found.map((s) => [s.name, s.defaultPort])).toEqual([['milestones', 4001], ['prisoners', 4002], ['corridors', 4003], ['guarantors', 4004]]);
  });

  it('reads the same list back from the supergraph the gateway serves', async () => {
    const found = await discoverSubgraphs();
    expect(SUBGRAPHS).toEqual(found.map(({ name, defaultPort }) => ({ name, defaultPort })));
    expect(defaultPortOf('corridors')).toBe(4003);
    expect(() => defaultPortOf('elections')).toThrow('elections is not a subgraph of the supergraph (milestones, prisoners, corridors, guarantors).');
    expect(() => subgraphsOf('type Query { a: Int }')).toThrow('run `npm run compose`');
  });

  it('refuses a package whose declaration is malformed, naming the file and the shape it needs', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'manifest-'));
    const bad = [{ subgraph: 'Milestones', defaultPort: 4001 }, { subgraph: 'x', defaultPort: 0 }, { subgraph: 'x', defaultPort: '4001' }, {}];
    for (const treaty of bad) {
      const file = path.join(dir, 'package.json');
      await writeFile(file, JSON.stringify({ name: 'x', treaty }));
      expect(() => subgraphManifest(file)).toThrow(`${file} must declare "treaty": { "subgraph": "<lower-case name>", "defaultPort": <1-65535> }`);
    }
    await rm(dir, { recursive: true });
  });
});

describe('the shared types in every subgraph: evidence logs (DESIGN §11) and pages', () => {
  it('declares the shared evidence types exactly as the kit does, its own log on EvidenceLogs, and its countersign mutation', async () => {
    const canonical = await readFile(new URL('../../packages/service-kit/src/evidence.graphql', import.meta.url), 'utf8');
    const pageInfo = await readFile(new URL('../../packages/service-kit/src/page-info.graphql', import.meta.url), 'utf8');
    const found = await discoverSubgraphs();
    for (const s of found) {
      const sdl = await readFile(new URL('src/schema.graphql', s.dir), 'utf8');
      // Shareable types must match across subgraphs: each copy is the kit's text, byte for byte.
      expect(sdl.includes(canonical), `${s.name}/src/schema.graphql holds packages/service-kit/src/evidence.graphql unchanged`).toBe(true);
      expect(sdl.includes(pageInfo), `${s.name}/src/schema.graphql holds packages/service-kit/src/page-info.graphql unchanged`).toBe(true);
      expect(sdl).toMatch(new RegExp(`type EvidenceLogs @key\\(fields: "id"\\) \\{[^}]*\\n  ${s.name}: EvidenceLog!?\\n\\}`));
      expect(sdl).toContain(`countersign${s.name[0]!.toUpperCase()}${s.name.slice(1)}Log(input: CountersignTreeHeadInput!): TreeHead!`);
    }
    const { supergraphSdl } = await compose();
    expect(supergraphSdl).toMatch(/evidenceLogs: EvidenceLogs!/);
  });
});
