import { describe, expect, it } from 'vitest';
import { parse } from 'graphql';
import { applyAccess, either, ownParty, role } from '../src/access.js';
import { buildSubgraphServer } from '../src/subgraph.js';
import { silentLogger } from '../src/log.js';
import { PUBLIC_CALLER, type Caller } from '../src/caller.js';
import { PersonalReads } from '../src/access-log.js';

const caller = (roles: Caller['roles'], partyId: string | null = null): Caller => ({ ...PUBLIC_CALLER, agency: 'A', roles, partyId });
const ctx = (c: Caller) => ({ caller: c, personalReads: new PersonalReads() }) as any;
/** A caller who states why they read personal data. */
const stating = (c: Caller, purpose: string | null) => ({ ...c, purpose });

describe('applyAccess', () => {
  const resolvers = {
    Query: { secret: () => 'classified' },
    Mutation: { act: () => true },
    Person: { __resolveReference: (ref: { id: string }) => ({ id: ref.id, name: 'N' }) },
  };
  const guarded = applyAccess(
    resolvers,
    {
      'Query.secret': role('MEDIATOR'),
      'Mutation.act': either(role('MEDIATOR'), ownParty((_p, args) => args.partyId as string)),
      'Person.__resolveReference': role('INTERMEDIARY'),
      'Person.name': role('INTERMEDIARY'),
      'Person.notes': role('INTERMEDIARY'),
    },
    ['act'],
    {},
    new Map([
      ['Person.name', { purposes: ['release-verification', 'family-tracing', 'medical-care', 'audit'] as const }],
      ['Person.notes', { purposes: ['medical-care'] as const }],
    ]),
  ) as any;

  it('lets the named role through and refuses others with FORBIDDEN naming the role', () => {
    expect(guarded.Query.secret({}, {}, ctx(caller(['MEDIATOR'])), {})).toBe('classified');
    expect(() => guarded.Query.secret({}, {}, ctx(caller(['MONITOR'])), {})).toThrow(/Query.secret needs the MEDIATOR role/);
    try {
      guarded.Query.secret({}, {}, ctx(PUBLIC_CALLER), {});
    } catch (e: any) {
      expect(e.extensions.code).toBe('FORBIDDEN');
      expect(e.message).toMatch(/anonymous \(PUBLIC\)/);
    }
  });

  it('lets a PARTY act only for its own party', () => {
    expect(guarded.Mutation.act({}, { partyId: 'p1' }, ctx(caller(['PARTY'], 'p1')), {})).toBe(true);
    expect(() => guarded.Mutation.act({}, { partyId: 'p2' }, ctx(caller(['PARTY'], 'p1')), {})).toThrow(/FORBIDDEN|needs/);
  });

  it('guards __resolveReference, the path _entities takes', () => {
    expect(() => guarded.Person.__resolveReference({ id: 'x' }, ctx(caller(['MONITOR'])), {})).toThrow(/Person.__resolveReference needs the INTERMEDIARY role/);
    expect(guarded.Person.__resolveReference({ id: 'x' }, ctx(caller(['INTERMEDIARY'])), {})).toEqual({ id: 'x', name: 'N' });
  });

  it('records a permitted personal read, and nothing for a refused one', () => {
    const allowed = ctx(stating(caller(['INTERMEDIARY']), 'family-tracing'));
    expect(guarded.Person.name({ id: 'r1', name: 'N' }, {}, allowed, { fieldName: 'name' })).toBe('N');
    expect(allowed.personalReads.size).toBe(1);
    const refused = ctx(stating(caller(['MONITOR']), 'family-tracing'));
    expect(() => guarded.Person.name({ id: 'r1', name: 'N' }, {}, refused, { fieldName: 'name' })).toThrow();
    expect(refused.personalReads.size).toBe(0);
  });

  it('refuses a personal read without a stated purpose, or with one the field does not serve: PURPOSE_REQUIRED naming them', () => {
    for (const [purpose, said] of [
      [null, /sent no X-Purpose header/],
      ['curiosity', /"curiosity", which is not one of them/],
    ] as const) {
      const c = ctx(stating(caller(['INTERMEDIARY']), purpose));
      try {
        guarded.Person.name({ id: 'r1', name: 'N' }, {}, c, { fieldName: 'name' });
        expect.unreachable();
      } catch (e: any) {
        expect(e.extensions.code).toBe('PURPOSE_REQUIRED');
        expect(e.message).toMatch(said);
        expect(e.message).toMatch(/"release-verification".*"family-tracing".*"medical-care".*"audit"/);
      }
      expect(c.personalReads.size).toBe(0);
    }
    // Medical notes serve medical care only: family tracing is a real purpose, but not this field's.
    const tracing = ctx(stating(caller(['INTERMEDIARY']), 'family-tracing'));
    expect(() => guarded.Person.notes({ id: 'r1', notes: 'x' }, {}, tracing, { fieldName: 'notes' })).toThrow(/one of "medical-care"/);
    expect(tracing.personalReads.size).toBe(0);
  });

  it('checks the role before the purpose: a caller without the role learns nothing about purposes', () => {
    expect(() => guarded.Person.name({ id: 'r1' }, {}, ctx(caller(['MONITOR'])), { fieldName: 'name' })).toThrow(/needs the INTERMEDIARY role/);
  });

  it('refuses to build when a field the SDL marks @personal has no rule, so it cannot be public', () => {
    expect(() => applyAccess({ Person: {} }, {}, [], {}, new Map([['Person.name', { purposes: ['audit'] as const }]]))).toThrow(/Personal fields have no access rule: Person\.name/);
  });

  it('says each alternative once: the PARTY of either side is one alternative, not two', () => {
    const rule = either(role('MEDIATOR', 'INTERMEDIARY'), ownParty(() => 'a'), ownParty(() => 'b'));
    expect(rule.describe).toBe('one of the roles MEDIATOR, INTERMEDIARY, or the PARTY role for the party concerned');
    expect(either(role('MEDIATOR'), role('MONITOR'), ownParty(() => 'a')).describe).toBe('the MEDIATOR role, the MONITOR role, or the PARTY role for the party concerned');
  });

  it('refuses to build when a mutation has no rule', () => {
    expect(() => applyAccess({ Mutation: { a: () => 1, b: () => 2 } }, { 'Mutation.a': role('MEDIATOR') }, ['a', 'b'])).toThrow(/missing for mutations: b/);
  });
});

describe('access rules are checked against the schema at start-up', () => {
  const typeDefs = parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
    type Query { secret: String public: String }
    type Mutation { act: Boolean }
    type Person @key(fields: "id") { id: ID! name: String }
  `);
  const build = (rules: Record<string, ReturnType<typeof role>>) =>
    buildSubgraphServer({ name: 'test', typeDefs, resolvers: { Query: {}, Mutation: { act: () => true }, Person: { __resolveReference: (r: unknown) => r } }, rules, logger: silentLogger });

  it('builds when every rule names a real field', () => {
    expect(() => build({ 'Query.secret': role('MEDIATOR'), 'Mutation.act': role('MEDIATOR'), 'Person.__resolveReference': role('INTERMEDIARY'), 'Person.name': role('INTERMEDIARY') })).not.toThrow();
  });

  it('stops the service when a rule key is misspelt, naming it, so the real field cannot stay public', () => {
    expect(() => build({ 'Query.secrte': role('MEDIATOR'), 'Mutation.act': role('MEDIATOR') })).toThrow(
      /Access rules name what the schema does not define: Query\.secrte \(the type has no such field\)/,
    );
    expect(() => build({ 'Persn.name': role('MEDIATOR'), 'Mutation.act': role('MEDIATOR') })).toThrow(/Persn\.name \(no type Persn in the schema\)/);
    expect(() => build({ 'Query.__resolveReference': role('MEDIATOR'), 'Mutation.act': role('MEDIATOR') })).toThrow(/Query\.__resolveReference \(the type has no such field or is not an entity\)/);
  });
});
