import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportSPKI, generateKeyPair } from 'jose';
import { deriveInternalKeys, generateMasterSecret, silentLogger } from '@treaty/service-kit';
import { SUBGRAPHS } from '../src/topology.js';
import { buildGateway, createTokenVerifier, readSupergraph, serveGateway, type RunningGateway } from '../src/index.js';

/**
 * How the gateway words a subgraph's failure, with a stand-in milestones subgraph that answers whatever
 * the test says: the caller learns what happened and which service, never the subgraph's address.
 */
let reply: (res: import('node:http').ServerResponse) => void = () => {};
let fake: Server;
let gateway: RunningGateway;
let url: string;
let fakePort: number;

beforeAll(async () => {
  fake = createServer((req, res) => {
    req.resume();
    req.on('end', () => reply(res));
  });
  await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
  fakePort = (fake.address() as AddressInfo).port;
  const issuer = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const verifier = await createTokenVerifier({ publicKey: await exportSPKI(issuer.publicKey), issuer: 'i', audience: 'a' });
  const built = buildGateway({
    supergraphSdl: await readSupergraph(),
    // prisoners points at a port nothing listens on.
    subgraphUrls: { milestones: `http://127.0.0.1:${fakePort}/graphql`, prisoners: 'http://127.0.0.1:9/graphql' },
    signer: { issuer: 'gateway', keys: deriveInternalKeys(generateMasterSecret(), 'gateway', ['gateway', ...SUBGRAPHS.map((s) => s.name)]) },
    verifier,
    logger: silentLogger,
    settings: { subgraphTimeoutMs: { milestones: 300, prisoners: 300, corridors: 300, guarantors: 300 } },
  });
  gateway = await serveGateway(built, { port: 0, verifier, logger: silentLogger });
  url = `http://127.0.0.1:${gateway.port}/graphql`;
});
afterAll(async () => {
  await gateway?.close();
  fake?.closeAllConnections();
  await new Promise((r) => fake?.close(r));
});

async function ask(query = '{ agreements { id } }') {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  const text = await res.text();
  expect(text).not.toContain(String(fakePort));
  expect(text).not.toMatch(/127\.0\.0\.1|localhost|http:\/\/|"response"|stacktrace/);
  return { status: res.status, body: JSON.parse(text) };
}

const json = (status: number, body: unknown) => (res: import('node:http').ServerResponse) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

describe("a subgraph's failure, as the caller sees it", () => {
  it("passes a subgraph's refusal of a value (HTTP 400) on as BAD_USER_INPUT in the subgraph's words", async () => {
    reply = json(400, { errors: [{ message: 'Variable "$input" got invalid value "yesterday" at "input.entryIntoForceAt"; DateTime must be an ISO 8601 string.', extensions: { code: 'BAD_USER_INPUT' } }] });
    const { body } = await ask();
    expect(body.errors).toEqual([
      // In its words, less the value it refused (withoutEchoedValue): a value may be personal data.
      { message: 'Variable "$input" got an invalid value at "input.entryIntoForceAt"; DateTime must be an ISO 8601 string.', extensions: { code: 'BAD_USER_INPUT', service: 'milestones' } },
    ]);
  });

  it('reports a subgraph answering HTTP 500 with a page of HTML as SERVICE_UNAVAILABLE naming it', async () => {
    reply = (res) => {
      res.writeHead(500, { 'content-type': 'text/html' });
      res.end('<html>Internal error at http://10.0.0.7:4001/graphql</html>');
    };
    const { body } = await ask();
    expect(body.data).toBeNull();
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0].extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', service: 'milestones' });
    expect(body.errors[0].message).toMatch(/^The milestones service answered with HTTP 500, so the fields it provides are null/);
  });

  it('reports a subgraph that refuses the gateway\'s credential as a deployment fault, not the caller\'s', async () => {
    reply = json(401, { errors: [{ message: 'The milestones subgraph only answers the gateway (internal credential refused).', extensions: { code: 'UNAUTHENTICATED' } }] });
    const { body } = await ask();
    expect(body.errors[0].extensions).toEqual({ code: 'INTERNAL_SERVER_ERROR', service: 'milestones' });
    expect(body.errors[0].message).toContain('deployment fault');
  });

  it('gives up on a subgraph that never answers at its timeout', async () => {
    reply = () => {}; // holds the request open
    const { body } = await ask();
    expect(body.errors[0].extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', service: 'milestones' });
    expect(body.errors[0].message).toContain('did not answer within 0.3 s');
  });

  it('reports a subgraph nothing listens for as not reachable, without its address', async () => {
    const { body } = await ask('{ detainee(id: "00000000-0000-0000-0000-000000000000") { id } }');
    expect(body.errors[0].extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', service: 'prisoners' });
    expect(body.errors[0].message).toMatch(/^The prisoners service is not reachable/);
  });
});
