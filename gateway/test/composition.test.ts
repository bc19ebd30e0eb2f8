import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { compose } from '../src/compose.js';
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
