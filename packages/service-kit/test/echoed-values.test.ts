import { buildSchema, graphql } from 'graphql';
import { describe, expect, it } from 'vitest';
import { withoutEchoedValue } from '../src/errors.js';

/** The messages graphql-js itself writes for refused variables, so a change of its wording breaks this test. */
const schema = buildSchema(`
  enum Category { CHILD MEDICAL }
  input Inner { note: String }
  input Middle { inner: Inner }
  input Person { name: String! dateOfBirth: String! category: Category! tags: [String!] middle: Middle }
  type Query { register(input: Person!): Int, byId(id: ID!): Int }
`);
const refusal = async (variableValues: Record<string, unknown>, source = 'query ($input: Person!) { register(input: $input) }') =>
  (await graphql({ schema, source, variableValues })).errors!.map((e) => e.message)[0]!;

describe('withoutEchoedValue: a refused variable named, never repeated', () => {
  const secret = { name: 'Orlan Veskimagi', dateOfBirth: '1979-02-11' };

  it('drops the whole object graphql-js repeats, keeping the variable and the reason', async () => {
    const raw = await refusal({ input: secret });
    expect(raw).toContain('Orlan Veskimagi');
    expect(withoutEchoedValue(raw)).toBe('Variable "$input" got an invalid value; Field "category" of required type "Category!" was not provided.');
    const extra = await refusal({ input: { ...secret, category: 'CHILD', medicalNotes: 'asthma; inhaler' } });
    expect(withoutEchoedValue(extra)).toBe('Variable "$input" got an invalid value; Field "medicalNotes" is not defined by type "Person".');
  });

  it('keeps the path and drops the value where the reason repeats it too', async () => {
    expect(withoutEchoedValue(await refusal({ input: { ...secret, category: 'CHILD', tags: ['a', 7] } }))).toBe(
      'Variable "$input" got an invalid value at "input.tags[1]"; String cannot represent a non string value.',
    );
    expect(withoutEchoedValue(await refusal({ input: { ...secret, category: 'Orlan' } }))).toMatch(
      /^Variable "\$input" got an invalid value at "input.category"; The value does not exist in "Category" enum\./,
    );
    const deep = await refusal({ input: { ...secret, category: 'CHILD', middle: { inner: { note: { text: 'Orlan' } } } } });
    expect(withoutEchoedValue(deep)).toBe('Variable "$input" got an invalid value at "input.middle.inner.note"; String cannot represent a non string value.');
    expect(withoutEchoedValue(await refusal({ id: { name: 'Orlan' } }, 'query ($id: ID!) { byId(id: $id) }'))).not.toContain('Orlan');
  });

  it('is not fooled by "; " or brackets inside a string of the value', async () => {
    const tricky = await refusal({ input: { name: 'a; b } ] at "input.x"; c', dateOfBirth: '{[' } });
    expect(withoutEchoedValue(tricky)).toBe('Variable "$input" got an invalid value; Field "category" of required type "Category!" was not provided.');
  });

  it('leaves every other message alone', () => {
    for (const m of ['Variable "$input" of required type "Person!" was not provided.', 'input.name: Name is empty.', 'Cannot query field "x" on type "Query".']) {
      expect(withoutEchoedValue(m)).toBe(m);
    }
  });
});
