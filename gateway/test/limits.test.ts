import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@treaty/service-kit';
import { exampleOperations } from '../src/playground.js';
import { DEFAULT_LIMITS, armor, checkTokens } from '../src/limits.js';
import { loadGatewayConfig } from '../src/config.js';
import { loadTrustedDocuments } from '../src/trusted-documents.js';
import { readSupergraph } from '../src/server.js';

// The same (CommonJS) graphql instance @apollo/gateway builds its schema with.
const { parse, validate, specifiedRules } = createRequire(import.meta.url)('graphql') as typeof import('graphql');

async function apiSchema() {
  const { ApolloGateway } = await import('@apollo/gateway');
  const gateway = new ApolloGateway({ supergraphSdl: await readSupergraph() });
  const { schema } = await gateway.load();
  await gateway.stop();
  return schema;
}

/** The operation's measure under each limit, found by running graphql-armor's rules with that limit at 1. */
function refusalsAt(schema: Awaited<ReturnType<typeof apiSchema>>, query: string, limits: typeof DEFAULT_LIMITS) {
  const { validationRules } = armor(limits, { hideSuggestions: false });
  return validate(schema, parse(query), [...specifiedRules, ...validationRules]).map((e) => ({ message: e.message, code: e.extensions.code }));
}

describe('operation limits', () => {
  it('let every example operation through with at least twice the room it needs, on every limit', async () => {
    const schema = await apiSchema();
    const half = {
      depth: Math.floor(DEFAULT_LIMITS.depth / 2),
      aliases: Math.floor(DEFAULT_LIMITS.aliases / 2),
      tokens: Math.floor(DEFAULT_LIMITS.tokens / 2),
      directives: Math.floor(DEFAULT_LIMITS.directives / 2),
      cost: Math.floor(DEFAULT_LIMITS.cost / 2),
    };
    const operations = await exampleOperations();
    expect(operations.length).toBeGreaterThanOrEqual(6);
    for (const op of operations) {
      expect(refusalsAt(schema, op.query, half), op.name).toEqual([]);
      expect(checkTokens(op.query, half.tokens), op.name).toBeNull();
    }
  });

  it('refuse, naming the limit and the value found, with OPERATION_TOO_COMPLEX', async () => {
    const schema = await apiSchema();
    const deep = `{ agreements { ${'parties { agreements { '.repeat(6)}id${' } }'.repeat(6)} } }`;
    const depth = refusalsAt(schema, deep, DEFAULT_LIMITS);
    expect(depth).toContainEqual({ code: 'OPERATION_TOO_COMPLEX', message: expect.stringMatching(/^The operation is too complex: Query depth limit of 10 exceeded, found 14\. /) });
    const aliases = `{ ${Array.from({ length: 31 }, (_, i) => `a${i}: agreements { id }`).join(' ')} }`;
    expect(refusalsAt(schema, aliases, DEFAULT_LIMITS)).toContainEqual({ code: 'OPERATION_TOO_COMPLEX', message: expect.stringContaining('Aliases limit of 30 exceeded, found 31') });
    const directives = `{ agreements { ${Array.from({ length: 21 }, () => 'id @include(if: true)').join(' ')} } }`;
    expect(refusalsAt(schema, directives, DEFAULT_LIMITS)).toContainEqual({ code: 'OPERATION_TOO_COMPLEX', message: expect.stringContaining('Directives limit of 20 exceeded, found 21') });
    const wide = `{ agreements { parties { agreements { milestones { ${'title dueDay status dueAt '.repeat(1)} compliance { verdict benchmarks { metric threshold measured satisfied } } } parties { name kind } } } } }`;
    expect(refusalsAt(schema, wide, { ...DEFAULT_LIMITS, cost: 50 })).toContainEqual({ code: 'OPERATION_TOO_COMPLEX', message: expect.stringMatching(/Query Cost limit of 50 exceeded, found \d+/) });
    const tokens = checkTokens(`{ ${'agreements { id } '.repeat(600)} }`, DEFAULT_LIMITS.tokens);
    expect(tokens?.extensions.code).toBe('OPERATION_TOO_COMPLEX');
    expect(tokens?.message).toContain('Token limit of 2000 exceeded');
    // Nested far enough, the parser runs out of stack. Whether that comes before 2,000 tokens are counted
    // depends on how far V8 has optimised the parser, so under the real limit either refusal; with no
    // token limit in the way, 200,000 levels always overflow, and that is refused as too complex too.
    for (const n of [3_000, 50_000]) {
      const nested = checkTokens(`query { agreements(x: ${'['.repeat(n)}${']'.repeat(n)}) { id } }`, DEFAULT_LIMITS.tokens);
      expect(nested?.extensions.code, `${n} brackets`).toBe('OPERATION_TOO_COMPLEX');
      expect(nested?.message).toMatch(/the document nests values or selections too deeply to be read|Token limit of 2000 exceeded/);
    }
    const overflow = checkTokens(`query { agreements(x: ${'['.repeat(200_000)}${']'.repeat(200_000)}) { id } }`, Number.MAX_SAFE_INTEGER);
    expect(overflow?.extensions.code).toBe('OPERATION_TOO_COMPLEX');
    expect(overflow?.message).toContain('the document nests values or selections too deeply to be read');
  });
});

describe('gateway configuration', () => {
  const base = { TREATY_INTERNAL_KEYS: JSON.stringify({ 'gateway>milestones': Buffer.alloc(32, 1).toString('base64url') }), TREATY_JWKS_FILE: '/tmp/jwks.json' };

  it('reads limits, timeouts, CORS origins and production mode from the environment', () => {
    const c = loadGatewayConfig({ ...base, NODE_ENV: 'production', GATEWAY_MAX_DEPTH: '12', GATEWAY_SUBGRAPH_TIMEOUT_MS: '2500', PRISONERS_TIMEOUT_MS: '900', GATEWAY_CORS_ORIGINS: 'https://a.example.org, https://b.example.org' });
    expect(c.settings.production).toBe(true);
    expect(c.settings.limits).toEqual({ ...DEFAULT_LIMITS, depth: 12 });
    expect(c.settings.subgraphTimeoutMs).toEqual({ milestones: 2500, prisoners: 900, corridors: 2500, guarantors: 2500 });
    expect(c.settings.corsOrigins).toEqual(['https://a.example.org', 'https://b.example.org']);
    expect(loadGatewayConfig(base).settings).toMatchObject({ production: false, corsOrigins: [], limits: DEFAULT_LIMITS, maxBodyBytes: 1024 * 1024 });
  });

  it('names every bad variable at once, with what a valid value looks like', () => {
    let error: unknown;
    try {
      loadGatewayConfig({ ...base, GATEWAY_MAX_DEPTH: 'deep', GATEWAY_SUBGRAPH_TIMEOUT_MS: '5', GATEWAY_CORS_ORIGINS: '*' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/GATEWAY_MAX_DEPTH: must be a whole number, e\.g\. 10/);
    expect(problems).toMatch(/GATEWAY_SUBGRAPH_TIMEOUT_MS: must be at least 100 ms/);
    expect(problems).toMatch(/GATEWAY_CORS_ORIGINS.*origins like https:\/\/dashboard\.example\.org/);
  });
});

describe('trusted documents', () => {
  it('match the shipped operations by text in any formatting or by the hash of the file, and nothing else', async () => {
    const trusted = await loadTrustedDocuments();
    const [compliance] = (await exampleOperations()).filter((o) => o.name === 'compliance');
    const { createHash } = await import('node:crypto');
    const hash = createHash('sha256').update(compliance!.query).digest('hex');
    expect(trusted.size).toBe((await exampleOperations()).length);
    expect(trusted.find(compliance!.query, undefined)).toBe(compliance!.query);
    expect(trusted.find(`# reformatted\n${compliance!.query.replace(/\n/g, '\n\n   ').replace(/ \{/g, '{')}`, undefined)).toBe(compliance!.query);
    expect(trusted.find(undefined, hash)).toBe(compliance!.query);
    expect(trusted.find(compliance!.query, 'f'.repeat(64))).toBeNull();
    expect(trusted.find('{ agreements { title } }', undefined)).toBeNull();
    expect(trusted.find('{ __schema { types { name } } }', undefined)).toBeNull();
    await expect(loadTrustedDocuments(['/nonexistent/folder'])).rejects.toThrow(/GATEWAY_TRUSTED_DOCUMENTS: cannot read the folder \/nonexistent\/folder/);
  });
});
