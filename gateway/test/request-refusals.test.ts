import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBareGateway } from './bare-gateway.js';
import type { RunningGateway } from '../src/index.js';

/**
 * Requests the caller got wrong, refused before anything is planned: each a 4xx that says what to change,
 * never the 500 INTERNAL_SERVER_ERROR these once got (the gateway's executor threw without a status).
 */
let gateway: RunningGateway;
let base: string;
beforeAll(async () => ({ gateway, base } = await startBareGateway()));
afterAll(() => gateway?.close());

const post = async (body: Record<string, unknown>) => {
  const res = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { errors?: { message: string; extensions?: { code?: string } }[] } };
};

describe('which operation to run', () => {
  it('asks for operationName when the document holds several operations', async () => {
    const r = await post({ query: 'query Agreements { __typename } query Alerts { __typename }' });
    expect(r.status).toBe(400);
    expect(r.body.errors?.[0]?.extensions?.code).toBe('OPERATION_RESOLUTION_FAILURE');
    expect(r.body.errors?.[0]?.message).toBe('The document holds 2 operations ("Agreements", "Alerts"); say which to run with operationName, or send one operation per request.');
  });

  it('names the operations the document does hold when operationName matches none', async () => {
    const r = await post({ query: 'query Agreements { __typename }', operationName: 'Agreement' });
    expect(r.status).toBe(400);
    expect(r.body.errors?.[0]?.extensions?.code).toBe('OPERATION_RESOLUTION_FAILURE');
    expect(r.body.errors?.[0]?.message).toBe('The document has no operation named "Agreement"; it holds "Agreements". Send operationName as one of these, or leave it out when the document holds one operation.');
  });

  it('echoes no more than a few names, each cut short', async () => {
    const long = 'L'.repeat(500);
    const query = Array.from({ length: 8 }, (_, i) => `query ${long}${i} { __typename }`).join(' ');
    const r = await post({ query, operationName: 'X'.repeat(300) });
    expect(r.status).toBe(400);
    expect(r.body.errors?.[0]?.message.length).toBeLessThan(700);
    expect(r.body.errors?.[0]?.message).toContain(', and 3 more');
  });

  it('points a subscription to the alert stream', async () => {
    const r = await post({ query: 'subscription Live { __typename }' });
    expect(r.status).toBe(400);
    expect(r.body.errors?.[0]?.extensions?.code).toBe('OPERATION_RESOLUTION_FAILURE');
    expect(r.body.errors?.[0]?.message).toContain('The gateway does not run subscriptions. For alerts as they happen, open GET /alerts');
  });
});

describe('public pages and exports with a broken percent-encoding', () => {
  for (const path of ['/public/agreements/%E0%A4%A', '/public/agreements/%C0%AF', '/public/agreements/%E0%A4%A/bulletin/2026-W25', '/exports/agreements/%ZZ/deliveries.csv']) {
    it(`answers ${path} as an agreement that does not exist`, async () => {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(404);
      expect(await res.text()).toContain('is not an agreement id');
    });
  }
});

describe('documents too heavy to check', () => {
  it('refuses a field asked a thousand times in one selection as too complex, saying what to change', async () => {
    const r = await post({ query: `{ agreements { ${'id '.repeat(1000)}} }` });
    expect(r.status).toBe(400);
    expect(r.body.errors?.[0]?.extensions?.code).toBe('OPERATION_TOO_COMPLEX');
    expect(r.body.errors?.[0]?.message).toBe('The operation is too complex: it asks for fields of the same name so many times that checking they agree was stopped. Ask each field once per selection, or split the operation.');
  });

  it('refuses thousands of nested brackets as too complex, not with the engine\'s stack error', async () => {
    // Whether the parser runs out of stack before it has counted 2,000 tokens depends on how hot V8 has
    // it (smaller frames once optimised); either way the answer is too complex, never the stack error.
    // limits.test.ts checks the stack-overflow refusal itself, with no token limit in the way.
    for (const n of [3_000, 50_000]) {
      const r = await post({ query: `query { agreements(x: ${'['.repeat(n)}${']'.repeat(n)}) { id } }` });
      expect(r.status, `${n} brackets`).toBe(400);
      expect(r.body.errors?.[0]?.extensions?.code).toBe('OPERATION_TOO_COMPLEX');
      expect(r.body.errors?.[0]?.message).toMatch(/the document nests values or selections too deeply to be read|Token limit of 2000 exceeded/);
      expect(JSON.stringify(r.body)).not.toContain('call stack');
    }
  });
});

describe('request bodies', () => {
  it('refuses a compressed body by naming its Content-Encoding, not as text that is not UTF-8', async () => {
    const { gzipSync } = await import('node:zlib');
    const res = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync('{"query":"{ __typename }"}') });
    expect(res.status).toBe(415);
    const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe('BAD_REQUEST');
    expect(body.errors[0]!.message).toBe('The gateway does not accept compressed request bodies (Content-Encoding: gzip); send the JSON uncompressed, without that header.');
    // "identity" is no encoding at all.
    const plain = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'identity' }, body: '{"query":"{ __typename }"}' });
    expect(plain.status).toBe(200);
  });
});

describe('text no person types', () => {
  it('refuses a control character in a variable or a literal before anything is planned, and passes tabs and line breaks', async () => {
    const variable = await post({ query: 'query ($t: String) { __typename }', variables: { t: 'Title\u0001' } });
    expect(variable.status).toBe(400);
    expect(variable.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(variable.body.errors?.[0]?.message).toBe('Variable $t contains a control character (U+0001) at character 6; remove it (text may hold tabs and line breaks, but no other control characters).');
    const literal = await post({ query: '{ agreement(id: "\\u0085") { id } }' });
    expect(literal.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(literal.body.errors?.[0]?.message).toContain('contains a control character (U+0085) at character 1');
    // Passed on to be planned (there is no subgraph behind this gateway, so the answer is SERVICE_UNAVAILABLE).
    const plain = await post({ query: 'query ($t: ID!) { agreement(id: $t) { id } }', variables: { t: 'Line one\r\nLine two\tend' } });
    expect(plain.body.errors?.map((e) => e.extensions?.code)).toEqual(['SERVICE_UNAVAILABLE']);
  });
});

describe('a refused variable', () => {
  it('is named with its path and reason, never repeated: no name or medical note comes back in the error', async () => {
    const query = 'mutation ($input: RegisterDetaineeInput!) { registerDetainee(input: $input) { id } }';
    const person = { agreementId: '00000000-0000-4000-8000-000000000001', name: 'Orlan Veskimagi', dateOfBirth: '1979-02-11', holdingPartyId: '00000000-0000-4000-8000-000000000002', affiliatedPartyId: '00000000-0000-4000-8000-000000000003', medicalNotes: 'Insulin twice daily' };
    const missing = await post({ query, variables: { input: person } });
    expect(missing.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(missing.body.errors?.[0]?.message).toBe('Variable "$input" got an invalid value; Field "category" of required type "DetaineeCategory!" was not provided.');
    const extra = await post({ query, variables: { input: { ...person, category: 'MEDICAL', notes: 'x' } } });
    expect(extra.body.errors?.[0]?.message).toMatch(/^Variable "\$input" got an invalid value; Field "notes" is not defined by type "RegisterDetaineeInput"/);
    for (const r of [missing, extra]) {
      expect(JSON.stringify(r.body)).not.toContain('Veskimagi');
      expect(JSON.stringify(r.body)).not.toContain('Insulin');
    }
  });
});
