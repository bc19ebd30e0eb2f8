import { describe, expect, it } from 'vitest';
import { RequestReads, canonicalJson, copyJson, covers, distinctRepresentations, shapeOf } from '../src/coalesce.js';

const AGREEMENT = (fields: string) => `query Q__corridors__1($representations:[_Any!]!){_entities(representations:$representations){...on Agreement{${fields}}}}`;
const reps = [{ __typename: 'Agreement', id: 'a1', entryIntoForceAt: '2026-03-01T00:00:00.000Z' }];
const MILESTONE = (fields: string) => `query Q__corridors__2($representations:[_Any!]!){_entities(representations:$representations){...on Milestone{${fields}}}}`;

/** A stand-in for the network: counts what was sent and answers with what it was asked. */
function network() {
  const sent: { query: string; variables: unknown }[] = [];
  return {
    sent,
    send: (query: string, variables: unknown, data: unknown = { _entities: [{ quietHours: 5, verifiedMaterialViolationTimes: [] }] }) => () => {
      sent.push({ query, variables });
      return Promise.resolve({ data });
    },
  };
}

describe('shapes: which read covers which', () => {
  it('sees the same fields in another order, and a subset, as covered', () => {
    const both = shapeOf(AGREEMENT('quietHours verifiedMaterialViolationTimes'))!;
    expect(covers(both, shapeOf(AGREEMENT('verifiedMaterialViolationTimes quietHours'))!)).toBe(true);
    expect(covers(both, shapeOf(AGREEMENT('quietHours'))!)).toBe(true);
    expect(covers(shapeOf(AGREEMENT('quietHours'))!, both)).toBe(false);
  });

  it('tells nested fields, arguments, aliases and type conditions apart', () => {
    const full = shapeOf(AGREEMENT('snapBack{active triggeredAt reason}'))!;
    expect(covers(full, shapeOf(AGREEMENT('snapBack{active triggeredAt}'))!)).toBe(true);
    expect(covers(full, shapeOf(AGREEMENT('snapBack{liftedAt}'))!)).toBe(false);
    const since = (d: string) => shapeOf(AGREEMENT(`deliveries(from:"${d}"){trucks}`))!;
    expect(covers(since('2026-03-01'), since('2026-03-01'))).toBe(true);
    expect(covers(since('2026-03-01'), since('2026-03-02'))).toBe(false);
    expect(covers(shapeOf(AGREEMENT('quietHours'))!, shapeOf(AGREEMENT('q: quietHours'))!)).toBe(false);
    const onMilestone = shapeOf('query($representations:[_Any!]!){_entities(representations:$representations){...on Milestone{quietHours}}}')!;
    expect(covers(shapeOf(AGREEMENT('quietHours'))!, onMilestone)).toBe(false);
  });

  it('refuses to reason about mutations, directives and named fragments', () => {
    expect(shapeOf('mutation { certifyMilestone(input: {}) { id } }')).toBeNull();
    expect(shapeOf(AGREEMENT('quietHours @include(if: $x)'))).toBeNull();
    expect(shapeOf('query { ...F } fragment F on Query { agreements { id } }')).toBeNull();
    expect(shapeOf('not graphql')).toBeNull();
  });

  it('canonical JSON ignores key order only', () => {
    expect(canonicalJson({ b: 1, a: [{ y: 2, x: 1 }] })).toBe(canonicalJson({ a: [{ x: 1, y: 2 }], b: 1 }));
    expect(canonicalJson({ a: [1, 2] })).not.toBe(canonicalJson({ a: [2, 1] }));
  });
});

describe('RequestReads: one read per request', () => {
  it('sends a covered repeat once, and gives each taker its own copy of the answer', async () => {
    const reads = new RequestReads();
    const net = network();
    const first = reads.read('corridors', AGREEMENT('verifiedMaterialViolationTimes quietHours'), { representations: reps }, net.send('1', reps));
    const again = reads.read('corridors', AGREEMENT('quietHours'), { representations: [{ id: 'a1', entryIntoForceAt: '2026-03-01T00:00:00.000Z', __typename: 'Agreement' }] }, net.send('2', reps));
    const [a, b] = await Promise.all([first, again]);
    expect(net.sent.map((s) => s.query)).toEqual(['1']);
    expect(reads.coalesced).toBe(1);
    expect(b.data).toEqual(a.data);
    expect(b.data).not.toBe(a.data);
  });

  it('sends again when the representations, the subgraph or the fields differ, and never coalesces a mutation', async () => {
    const reads = new RequestReads();
    const net = network();
    await reads.read('corridors', AGREEMENT('quietHours'), { representations: reps }, net.send('1', reps));
    await reads.read('corridors', AGREEMENT('quietHours'), { representations: [{ ...reps[0], id: 'a2' }] }, net.send('other entity', reps));
    await reads.read('milestones', AGREEMENT('quietHours'), { representations: reps }, net.send('other subgraph', reps));
    await reads.read('corridors', AGREEMENT('quietHours corridors { id }'), { representations: reps }, net.send('more fields', reps));
    const m = 'mutation { recordDelivery(input: {}) { id } }';
    await reads.read('corridors', m, {}, net.send('mutation 1', {}));
    await reads.read('corridors', m, {}, net.send('mutation 2', {}));
    expect(net.sent.map((s) => s.query)).toEqual(['1', 'other entity', 'other subgraph', 'more fields', 'mutation 1', 'mutation 2']);
    expect(reads.coalesced).toBe(0);
  });

  it('writes out the variables only to compare them with an earlier read that covers this one', async () => {
    const reads = new RequestReads();
    const net = network();
    let computed = 0;
    const key = (k: string) => () => (computed++, k);
    await reads.read('corridors', AGREEMENT('quietHours'), { representations: reps }, net.send('1', reps), key('a'));
    await reads.read('corridors', MILESTONE('trucksDelivered'), { representations: reps }, net.send('2', reps), key('b'));
    await reads.read('prisoners', AGREEMENT('quietHours'), { representations: reps }, net.send('3', reps), key('c'));
    expect(computed).toBe(0);
    await reads.read('corridors', AGREEMENT('quietHours'), { representations: reps }, net.send('4', reps), key('a'));
    expect(net.sent.map((s) => s.query)).toEqual(['1', '2', '3']);
    // The repeat and the one earlier read it could share: each key once.
    expect(computed).toBe(2);
  });

  it('a new request starts empty', async () => {
    const net = network();
    await new RequestReads().read('corridors', AGREEMENT('quietHours'), { representations: reps }, net.send('1', reps));
    await new RequestReads().read('corridors', AGREEMENT('quietHours'), { representations: reps }, net.send('2', reps));
    expect(net.sent).toHaveLength(2);
  });
});

describe('distinctRepresentations', () => {
  const a = { __typename: 'Agreement', id: 'a1' };
  const b = { __typename: 'Agreement', id: 'a2' };

  it('sends each distinct representation once and spreads the answer back to every entity, errors included', () => {
    const d = distinctRepresentations({ representations: [a, b, { __typename: 'Agreement', id: 'a1' }, a], other: 1 });
    expect(d.variables).toEqual({ representations: [a, b], other: 1 });
    const answer = d.spread({
      data: { _entities: [{ quietHours: 1, nested: { x: 1 } }, null] },
      errors: [{ message: 'no such agreement', path: ['_entities', 1, 'quietHours'] }, { message: 'whole fetch' }],
    });
    expect(answer.data._entities).toEqual([{ quietHours: 1, nested: { x: 1 } }, null, { quietHours: 1, nested: { x: 1 } }, { quietHours: 1, nested: { x: 1 } }]);
    // Copies, not one object: the gateway merges later answers into each entity separately.
    expect(answer.data._entities[2]).not.toBe(answer.data._entities[0]);
    expect(answer.data._entities[2]!.nested).not.toBe(answer.data._entities[0]!.nested);
    expect(answer.errors).toEqual([{ message: 'no such agreement', path: ['_entities', 1, 'quietHours'] }, { message: 'whole fetch' }]);
  });

  it('keeps apart representations of one entity that differ in another field, and folds equal ones without an id', () => {
    const m1 = { __typename: 'Milestone', id: 'm1', trucksDelivered: 3 };
    const d = distinctRepresentations({ representations: [m1, { ...m1, trucksDelivered: 4 }, { ...m1 }, { __typename: 'Milestone', id: 'm2', trucksDelivered: 3 }] });
    expect(d.variables!.representations).toEqual([m1, { ...m1, trucksDelivered: 4 }, { __typename: 'Milestone', id: 'm2', trucksDelivered: 3 }]);
    expect(d.spread({ data: { _entities: ['x', 'y', 'z'] } }).data._entities).toEqual(['x', 'y', 'x', 'z']);
    const k = { __typename: 'Crossing', code: 'N-1' };
    const n = distinctRepresentations({ representations: [k, { ...k }, { ...k, code: 'N-2' }, { __typename: 'Crossing', id: 7 }, { __typename: 'Crossing', id: 7 }] });
    expect(n.variables!.representations).toEqual([k, { ...k, code: 'N-2' }, { __typename: 'Crossing', id: 7 }]);
  });

  it('spreads an error on a repeated representation to each entity it stands for', () => {
    const d = distinctRepresentations({ representations: [a, a] });
    const answer = d.spread({ data: { _entities: [null] }, errors: [{ message: 'x', path: ['_entities', 0] }] });
    expect(answer.errors.map((e: any) => e.path)).toEqual([['_entities', 0], ['_entities', 1]]);
  });

  it('gives equal keys to equal variables whatever their key order or repeats, and different keys otherwise', () => {
    const key = (v: Record<string, unknown>) => distinctRepresentations(v).key;
    expect(key({ representations: [a, { __typename: 'Agreement', id: 'a1' }] })).toBe(key({ representations: [{ __typename: 'Agreement', id: 'a1' }] }));
    expect(key({ from: 1, to: 2, representations: [a] })).toBe(key({ representations: [a], to: 2, from: 1 }));
    expect(key({ representations: [a, b] })).not.toBe(key({ representations: [b, a] }));
    expect(key({ representations: [a], from: '2026-03-01' })).not.toBe(key({ representations: [a], from: '2026-03-02' }));
    expect(key({ id: 'x' })).toBe(canonicalJson({ id: 'x' }));
  });

  it('leaves distinct representations, a root query and a short answer alone', () => {
    const vars = { representations: [a, b] };
    expect(distinctRepresentations(vars).variables).toBe(vars);
    expect(distinctRepresentations({ id: 'x' }).variables).toEqual({ id: 'x' });
    const d = distinctRepresentations({ representations: [a, a] });
    const odd = { data: { _entities: [1, 2, 3] } };
    expect(d.spread(odd)).toBe(odd);
  });
});

describe('copyJson: the copy each taker of a shared answer gets', () => {
  it('is equal and shares no object or array with the original', () => {
    const original = JSON.parse('{"a":[{"b":1},null,"s",true],"c":{"d":{"e":[1.5]}},"f":null}');
    const copy = copyJson(original);
    expect(copy).toEqual(original);
    expect(copy).not.toBe(original);
    expect(copy.a).not.toBe(original.a);
    expect(copy.a[0]).not.toBe(original.a[0]);
    expect(copy.c.d.e).not.toBe(original.c.d.e);
    copy.c.d.e.push(2);
    expect(original.c.d.e).toEqual([1.5]);
  });

  it('keeps a "__proto__" key of parsed JSON as data, never as the prototype', () => {
    const original = JSON.parse('{"__proto__":{"polluted":true},"x":1}');
    const copy = copyJson(original);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect((copy as { polluted?: boolean }).polluted).toBeUndefined();
    expect(Object.keys(copy)).toEqual(['__proto__', 'x']);
    expect(JSON.stringify(copy)).toBe(JSON.stringify(original));
  });

  it('returns scalars and undefined as they are', () => {
    expect(copyJson(undefined)).toBeUndefined();
    expect(copyJson(null)).toBeNull();
    expect(copyJson('x')).toBe('x');
  });
});
