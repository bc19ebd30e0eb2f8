import { describe, expect, it } from 'vitest';
import { applyAccess, either, ownParty, role } from '../src/access.js';
import { PUBLIC_CALLER, type Caller } from '../src/caller.js';
import { PersonalReads } from '../src/access-log.js';

const caller = (roles: Caller['roles'], partyId: string | null = null): Caller => ({ ...PUBLIC_CALLER, agency: 'A', roles, partyId });
const ctx = (c: Caller) => ({ caller: c, personalReads: new PersonalReads() }) as any;

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
      'Person.name': { rule: role('INTERMEDIARY'), personal: { recordType: 'Person', recordId: (p) => (p as { id: string }).id } },
    },
    ['act'],
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
    const allowed = ctx(caller(['INTERMEDIARY']));
    expect(guarded.Person.name({ id: 'r1', name: 'N' }, {}, allowed, { fieldName: 'name' })).toBe('N');
    expect(allowed.personalReads.size).toBe(1);
    const refused = ctx(caller(['MONITOR']));
    expect(() => guarded.Person.name({ id: 'r1', name: 'N' }, {}, refused, { fieldName: 'name' })).toThrow();
    expect(refused.personalReads.size).toBe(0);
  });

  it('refuses to build when a mutation has no rule', () => {
    expect(() => applyAccess({ Mutation: { a: () => 1, b: () => 2 } }, { 'Mutation.a': role('MEDIATOR') }, ['a', 'b'])).toThrow(/missing for mutations: b/);
  });
});
