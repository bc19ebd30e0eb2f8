import { describe, expect, it } from 'vitest';
import DataLoader from 'dataloader';
import { parse } from 'graphql';
import { role } from '../src/access.js';
import { PersonalReads } from '../src/access-log.js';
import { PUBLIC_CALLER, type Caller } from '../src/caller.js';
import { withReads, type BaseContext } from '../src/context.js';
import { silentLogger } from '../src/log.js';
import { buildSubgraphServer } from '../src/subgraph.js';

// graphql-js runs a document's root mutation fields one after another; each answer must show its own
// write and every earlier one (subgraph.ts, forgettingReads), while reads stay batched and cached.

const typeDefs = parse(/* GraphQL */ `
  type Query { counters(ids: [ID!]!): [Counter!]! }
  type Mutation { add(ids: [ID!]!, by: Int!): [Counter!]! }
  type Counter { id: ID! value: Int! }
`);

const mediator: Caller = { ...PUBLIC_CALLER, agency: 'A', roles: ['MEDIATOR'] };

function service() {
  const values = new Map<string, number>();
  const batches: string[][] = [];
  type Ctx = BaseContext & { loaders: { value: DataLoader<string, number> } };
  const server = buildSubgraphServer<Ctx>({
    name: 'test',
    typeDefs,
    resolvers: {
      Query: { counters: (_: unknown, { ids }: { ids: string[] }) => ids.map((id) => ({ id })) },
      Mutation: {
        // Reads what it changes through the loader first, as a check before a write might.
        async add(_: unknown, { ids, by }: { ids: string[]; by: number }, ctx: Ctx) {
          const before = await ctx.loaders.value.loadMany(ids);
          ids.forEach((id, i) => values.set(id, (before[i] as number) + by));
          return ids.map((id) => ({ id }));
        },
      },
      Counter: { value: (c: { id: string }, _: unknown, ctx: Ctx) => ctx.loaders.value.load(c.id) },
    },
    rules: { 'Mutation.add': role('MEDIATOR') },
    logger: silentLogger,
  });
  const context = (): Ctx =>
    withReads({ caller: mediator, personalReads: new PersonalReads(), logEntries: new DataLoader(async (keys) => keys.map(() => null)) } as unknown as BaseContext, () => ({
      loaders: {
        value: new DataLoader<string, number>(async (keys) => {
          batches.push([...keys]);
          return keys.map((k) => values.get(k) ?? 0);
        }),
      },
    }));
  const run = async (query: string) => {
    const r = await server.executeOperation({ query }, { contextValue: context() });
    if (r.body.kind !== 'single') throw new Error('unexpected incremental response');
    expect(r.body.singleResult.errors).toBeUndefined();
    return r.body.singleResult.data as any;
  };
  return { run, batches };
}

describe('root mutation fields of one document', () => {
  it('answers each with its own write and the earlier ones, also where its resolver read before writing', async () => {
    const s = service();
    const data = await s.run(`mutation { a: add(ids: ["x"], by: 1) { value } b: add(ids: ["x"], by: 2) { value } c: add(ids: ["x", "y"], by: 4) { id value } }`);
    expect(data).toEqual({ a: [{ value: 1 }], b: [{ value: 3 }], c: [{ id: 'x', value: 7 }, { id: 'y', value: 4 }] });
  });

  it('keeps the reads of one field batched: one batch for its check, one for its answer', async () => {
    const s = service();
    await s.run(`mutation { a: add(ids: ["x", "y", "z"], by: 1) { value again: value } }`);
    expect(s.batches).toEqual([
      ['x', 'y', 'z'],
      ['x', 'y', 'z'],
    ]);
  });

  it('leaves a query alone: what one field read, the next reads from the cache', async () => {
    const s = service();
    expect(await s.run(`{ a: counters(ids: ["x", "y"]) { value } b: counters(ids: ["y", "x"]) { value } }`)).toEqual({ a: [{ value: 0 }, { value: 0 }], b: [{ value: 0 }, { value: 0 }] });
    expect(s.batches).toEqual([['x', 'y']]);
  });
});
