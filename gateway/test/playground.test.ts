import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSupergraph, type RunningGateway } from '../src/index.js';
import { startBareGateway } from './bare-gateway.js';

let gateway: RunningGateway;
let base: string;

beforeAll(async () => {
  ({ gateway, base } = await startBareGateway());
});
afterAll(() => gateway?.close());

describe('playground', () => {
  it('opens in a browser at /graphql, locked to this origin by its Content-Security-Policy', async () => {
    const res = await fetch(`${base}/graphql`, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<div id="graphiql">');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(html).not.toMatch(/src="https?:/);
    expect(html).not.toMatch(/href="https?:/);
  });

  it('serves every script and stylesheet the page loads from installed packages', async () => {
    const html = await (await fetch(`${base}/graphql`, { headers: { accept: 'text/html' } })).text();
    const assets = [...html.matchAll(/(?:src|href)="(\/playground\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(5);
    for (const asset of assets) {
      const res = await fetch(`${base}${asset}`);
      expect(res.status, asset).toBe(200);
      expect((await res.arrayBuffer()).byteLength, asset).toBeGreaterThan(100);
    }
  });

  it('keeps Apollo telemetry off', () => {
    expect(process.env.APOLLO_TELEMETRY_DISABLED).toBe('1');
  });
});

describe('example operations for partner agencies', () => {
  it('every shipped operation is valid against the composed supergraph', async () => {
    // Validate with the same (CommonJS) graphql instance @apollo/gateway built the schema with.
    const { createRequire } = await import('node:module');
    const { parse, validate } = createRequire(import.meta.url)('graphql') as typeof import('graphql');
    const { ApolloGateway } = await import('@apollo/gateway');
    const { exampleOperations } = await import('../src/playground.js');
    const loaded = new ApolloGateway({ supergraphSdl: await readSupergraph() });
    const { schema } = await loaded.load();
    await loaded.stop();
    const operations = await exampleOperations();
    expect(operations.map((o) => o.name)).toEqual(expect.arrayContaining(['agreements', 'compliance', 'party-scorecard']));
    for (const op of operations) expect(validate(schema, parse(op.query)).map((e) => `${op.name}: ${e.message}`)).toEqual([]);
  });

  it('are served to the playground as its tabs', async () => {
    const js = await (await fetch(`${base}/playground/examples.js`)).text();
    expect(js).toContain('window.TREATY_EXAMPLES');
    expect(js).toContain('query Compliance($id: ID!)');
  });
});
