import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mediator, startPrisoners, type Harness } from './harness.js';

// graphql-js runs a document's root mutation fields one after another: each answer must show its own
// write and every earlier one, never what an earlier field's selection read (kit subgraph.ts, forgettingReads).

let h: Harness;
beforeAll(async () => {
  h = await startPrisoners();
});
afterAll(async () => {
  await h?.stop();
});

const WAVE = `id manifestSize ratio { counterpartOnManifest } manifest { detainee { id } }`;

describe('two root mutation fields in one document', () => {
  it('answers the second manifest change with its own write and the first', async () => {
    const w = await h.world();
    await h.deadlines(w);
    const [first, second] = await h.agreed(w, w.gov, 'OTHER', 2);
    const p = await h.plan(w);
    const r = await h.run(
      mediator,
      /* GraphQL */ `
        mutation ($i: ManifestChangeInput!, $j: ManifestChangeInput!) {
          a: addToManifest(input: $i) { ${WAVE} }
          c: addToManifest(input: $j) { ${WAVE} }
        }`,
      { i: { waveId: p.id, detaineeIds: [first] }, j: { waveId: p.id, detaineeIds: [second] } },
    );
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    const data = r.data as any;
    // Both were added at the same instant (the clock is fixed): the manifest's order is by entry id then.
    const onManifest = (wave: any) => wave.manifest.map((e: any) => e.detainee.id).sort();
    expect(data.a.manifestSize).toBe(1);
    expect(onManifest(data.a)).toEqual([first]);
    expect(data.c.manifestSize).toBe(2);
    expect(onManifest(data.c)).toEqual([first, second].sort());
  });
});
