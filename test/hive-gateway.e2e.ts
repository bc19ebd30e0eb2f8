import { createPublicKey, KeyObject, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayRuntime, type GatewayPlugin, type GatewayRuntime } from '@graphql-hive/gateway';
import { createTokenVerifier, readSupergraph } from '@treaty/gateway';
import { loadAllDemos, type DemoResult } from '@treaty/launcher';
import { INTERNAL_TOKEN_HEADER, PUBLIC_CALLER, verifyInternal } from '@treaty/service-kit';
import { TEST_AUDIENCE, TEST_ISSUER, startFederation, type Federation } from '@treaty/testing';
import { treatyHiveConfig } from '../gateway/hive/config.js';
import { ALL_SERVICES } from './services.js';

/**
 * Hive Gateway with the Rust query planner and our credential plugin (gateway/hive/), in front of the
 * same subgraphs as our gateway: every example operation must get the same answer from both.
 */
const NOW = '2026-06-15T09:30:00.000Z';
const OPERATIONS_DIR = new URL('../gateway/operations/', import.meta.url);

interface Sent {
  url: string;
  headers: Record<string, string>;
  body: string;
}

let f: Federation;
let demo: DemoResult;
let hive: Server;
let runtime: GatewayRuntime;
let hiveUrl: string;
/** Every subgraph fetch as it left Hive Gateway, after our plugin (a spy placed after it). */
const sent: Sent[] = [];

const spy: GatewayPlugin = {
  onFetch({ url, options }) {
    const headers: Record<string, string> = {};
    new Headers(options.headers as HeadersInit | undefined).forEach((v, k) => (headers[k] = v));
    sent.push({ url, headers, body: String(options.body) });
  },
};

async function post(url: string, query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as { data?: any; errors?: any[] } };
}

/**
 * Errors compared whole (path, message, extensions with code and service), in any order: the planners
 * fetch in a different order, so errors arrive in a different order; nothing else may differ.
 */
const errorKeys = (errors: any[] | undefined) => (errors ?? []).map((e) => JSON.stringify({ path: e.path, message: e.message, extensions: e.extensions })).sort();

beforeAll(async () => {
  f = await startFederation(ALL_SERVICES, { now: NOW });
  demo = await loadAllDemos(f.url, (claims) => f.token(claims), () => {}, f.clock.now());
  const publicKey = createPublicKey(KeyObject.from(f.issuerKey as CryptoKey)).export({ type: 'spki', format: 'pem' }) as string;
  const verifier = await createTokenVerifier({ publicKey, issuer: TEST_ISSUER, audience: TEST_AUDIENCE });
  const config = treatyHiveConfig({ supergraphSdl: await readSupergraph(), subgraphUrls: f.subgraphUrls, signer: f.gatewaySigner, verifier });
  runtime = createGatewayRuntime({ ...config, logging: false, plugins: (ctx) => [...config.plugins!(ctx), spy] });
  hive = createServer(runtime);
  await new Promise<void>((resolve) => hive.listen(0, '127.0.0.1', resolve));
  hiveUrl = `http://127.0.0.1:${(hive.address() as AddressInfo).port}/graphql`;
});
afterAll(async () => {
  if (hive) await new Promise((resolve) => hive.close(resolve));
  await runtime?.dispose();
  await f?.stop();
});

describe('Hive Gateway (Rust planner) answers the example operations exactly as our gateway', () => {
  it('gives the same data, and the same errors (code, path, message, service), for every operation in gateway/operations/ and every kind of caller', async () => {
    const files = (await readdir(OPERATIONS_DIR)).filter((n) => n.endsWith('.graphql')).sort();
    expect(files.length).toBeGreaterThanOrEqual(7);
    const callers: [string, Record<string, string>][] = [
      ['anonymous', {}],
      ['mediator', { authorization: `Bearer ${await f.token({ roles: ['MEDIATOR'], agency: 'Office of the Envoy' })}` }],
      ['monitor', { authorization: `Bearer ${await f.token({ roles: ['MONITOR'], agency: 'Joint Monitoring Cell' })}` }],
      ['party', { authorization: `Bearer ${await f.token({ roles: ['PARTY'], agency: 'Veltria delegation', partyId: demo.partyIds.government })}` }],
      ['intermediary, no purpose', { authorization: `Bearer ${await f.token({ roles: ['INTERMEDIARY'], agency: 'Neutral Intermediary' })}` }],
      ['intermediary, with purpose', { authorization: `Bearer ${await f.token({ roles: ['INTERMEDIARY'], agency: 'Neutral Intermediary' })}`, 'x-purpose': 'release-verification' }],
    ];
    let withErrors = 0;
    let withData = 0;
    for (const file of files) {
      const query = await readFile(new URL(file, OPERATIONS_DIR), 'utf8');
      // The operations' variables: the demo agreement, and for the report operations a window of a week.
      // The confidential channel's: the demo report's receipt, and a blank text or report, so that the two
      // mutations are refused alike by both gateways and nothing is written between the two answers.
      const variables = {
        ...(/\$id\b/.test(query) ? { id: demo.agreementId } : {}),
        ...(/\$from\b/.test(query) ? { from: new Date(f.clock.now().getTime() - 7 * 86_400_000).toISOString(), until: f.clock.now().toISOString() } : {}),
        ...(/\$receipt\b/.test(query) ? { receipt: demo.confidentialReceipt } : {}),
        ...(/\$text\b/.test(query) ? { text: ' ' } : {}),
        ...(/SubmitConfidentialReportInput/.test(query) ? { input: { what: ' ' } } : {}),
      };
      for (const [who, headers] of callers) {
        const ours = await post(f.url, query, variables, headers);
        const theirs = await post(hiveUrl, query, variables, headers);
        const label = `${file} as ${who}`;
        expect(ours.status, label).toBe(200);
        expect(theirs.status, label).toBe(200);
        expect(theirs.body.data, label).toEqual(ours.body.data);
        expect(errorKeys(theirs.body.errors), label).toEqual(errorKeys(ours.body.errors));
        if (ours.body.errors?.length) withErrors++;
        if (ours.body.data && Object.values(ours.body.data).every((v) => v !== null)) withData++;
      }
    }
    // Refusals were compared too, not only clean answers (the public's view, a missing purpose), and most
    // answers were complete ones.
    expect(withErrors).toBeGreaterThan(2);
    expect(withData).toBeGreaterThan(files.length * callers.length / 2);
  });
});

/** Checks a credential exactly as the subgraph addressed would (packages/service-kit/internal-credentials.md). */
async function verifyAs(audience: string, token: string | undefined, body: string) {
  const used = new Set<string>();
  const nonces = { claim: async (jti: string) => !used.has(jti) && !!used.add(jti) };
  return verifyInternal({ audience, keys: f.gatewaySigner.keys, nonces }, token, body);
}

const subgraphOf = (url: string) => Object.entries(f.subgraphUrls).find(([, u]) => new URL(u).href === new URL(url).href)?.[0];

describe('the credential plugin', () => {
  it('signs every subgraph fetch for that subgraph, that body and the verified caller, and forwards none of the client\'s headers', async () => {
    const mediator = await f.token({ roles: ['MEDIATOR'], agency: 'Office of the Envoy', subject: 'envoy-2' });
    const query = await readFile(new URL('compliance.graphql', OPERATIONS_DIR), 'utf8');
    sent.length = 0;
    const { body } = await post(hiveUrl, query, { id: demo.agreementId }, { authorization: `Bearer ${mediator}`, 'x-purpose': 'audit', cookie: 'session=abc', 'idempotency-key': randomUUID() });
    expect(body.errors).toBeUndefined();
    // The headline query needs all four services.
    expect(new Set(sent.map((s) => subgraphOf(s.url)))).toEqual(new Set(['milestones', 'prisoners', 'corridors', 'guarantors']));
    for (const s of sent) {
      for (const header of ['authorization', 'cookie', 'x-purpose', 'idempotency-key']) expect(s.headers[header], header).toBeUndefined();
      const verified = await verifyAs(subgraphOf(s.url)!, s.headers[INTERNAL_TOKEN_HEADER], s.body);
      expect(verified.caller).toMatchObject({ agency: 'Office of the Envoy', subject: 'envoy-2', roles: ['MEDIATOR'], purpose: 'audit', via: null });
      // A query never carries the Idempotency-Key, even when the client sent one.
      expect(verified.idempotencyKey).toBeNull();
      // Bound to the body and to its audience: another body, or another subgraph (which holds another key), is refused.
      await expect(verifyAs(subgraphOf(s.url)!, s.headers[INTERNAL_TOKEN_HEADER], s.body + ' ')).rejects.toThrow(/does not match the request body/);
      const other = ['milestones', 'prisoners'].find((n) => n !== subgraphOf(s.url))!;
      await expect(verifyAs(other, s.headers[INTERNAL_TOKEN_HEADER], s.body)).rejects.toThrow(/bad signature/);
    }
  });

  it('sends an anonymous request as the PUBLIC caller', async () => {
    sent.length = 0;
    const { body } = await post(hiveUrl, '{ agreements { title } }', {});
    expect(body.errors).toBeUndefined();
    expect(sent).toHaveLength(1);
    const verified = await verifyAs('milestones', sent[0]!.headers[INTERNAL_TOKEN_HEADER], sent[0]!.body);
    expect(verified.caller).toEqual({ ...PUBLIC_CALLER, via: null });
  });

  it('passes a plain X-Request-Id on to the subgraphs and drops one that is not, as our gateway does', async () => {
    sent.length = 0;
    await post(hiveUrl, '{ agreements { title } }', {}, { 'x-request-id': 'ops-check.42' });
    await post(hiveUrl, '{ agreements { title } }', {}, { 'x-request-id': 'two words<script>' });
    expect(sent.map((s) => s.headers['x-request-id'])).toEqual(['ops-check.42', undefined]);
  });

  it('answers no browser origin unless one is configured, as our gateway', async () => {
    const preflight = { method: 'OPTIONS', headers: { origin: 'https://elsewhere.example', 'access-control-request-method': 'POST' } };
    for (const url of [f.url, hiveUrl]) expect((await fetch(url, preflight)).headers.get('access-control-allow-origin'), url).toBeNull();
  });

  it('refuses a bad token with 401 UNAUTHENTICATED, and a malformed Idempotency-Key with 400 BAD_USER_INPUT, as our gateway does, calling no subgraph', async () => {
    const expired = await f.token({ roles: ['MEDIATOR'] }, '-1m');
    for (const headers of [{ authorization: `Bearer ${expired}` }, { authorization: 'Basic abc' }, { 'idempotency-key': 'has spaces in it' }] as Record<string, string>[]) {
      sent.length = 0;
      const ours = await post(f.url, '{ agreements { title } }', {}, headers);
      const theirs = await post(hiveUrl, '{ agreements { title } }', {}, headers);
      expect(theirs.status).toBe(ours.status);
      expect([401, 400]).toContain(theirs.status);
      expect(theirs.body).toEqual(ours.body);
      expect(sent).toHaveLength(0);
    }
  });

  it('binds the Idempotency-Key into the mutation fetch: a retry is answered from the first response and books once; the key reused for another deposit is refused', async () => {
    const mediator = await f.token({ roles: ['MEDIATOR'], agency: 'Office of the Envoy' });
    const ok = async (query: string, variables: Record<string, unknown>, token: string, headers: Record<string, string> = {}) => {
      const r = await post(hiveUrl, query, variables, { authorization: `Bearer ${token}`, ...headers });
      expect(r.body.errors, JSON.stringify(r.body.errors)).toBeUndefined();
      return r;
    };
    const guarantor = (await ok(`mutation { registerGuarantor(input: { name: "Fund of Ardmoor", kind: STATE, roles: [FUNDER] }) { id } }`, {}, mediator)).body.data.registerGuarantor.id;
    const account = (
      await ok(`mutation ($input: OpenEscrowAccountInput!) { openEscrowAccount(input: $input) { id } }`, { input: { agreementId: demo.agreementId, beneficiaryPartyId: demo.partyIds.government, currency: 'EUR' } }, mediator)
    ).body.data.openEscrowAccount.id;
    const funder = await f.token({ roles: ['GUARANTOR'], agency: 'Treasury of Ardmoor', guarantorId: guarantor });
    const deposit = `mutation ($input: DepositToEscrowInput!) { depositToEscrow(input: $input) { id balance { amount currency } } }`;
    const input = (amount: string) => ({ input: { escrowAccountId: account, guarantorId: guarantor, amount, currency: 'EUR' } });
    const journals = async () => (await f.databases.guarantors!.db.query(`SELECT count(*)::int AS n FROM ledger_journal WHERE kind = 'DEPOSIT'`))[0].n as number;
    const key = randomUUID();
    const before = await journals();

    sent.length = 0;
    const first = await ok(deposit, input('11.00'), funder, { 'idempotency-key': key });
    expect(sent).toHaveLength(1);
    expect((await verifyAs('guarantors', sent[0]!.headers[INTERNAL_TOKEN_HEADER], sent[0]!.body)).idempotencyKey).toBe(key);
    expect(first.headers.get('idempotent-replayed')).toBeNull();

    const retry = await ok(deposit, input('11.00'), funder, { 'idempotency-key': key });
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await journals()).toBe(before + 1);

    const reused = await post(hiveUrl, deposit, input('12.00'), { authorization: `Bearer ${funder}`, 'idempotency-key': key });
    expect(reused.body.errors?.map((e) => e.extensions?.code)).toEqual(['IDEMPOTENCY_KEY_REUSED']);
    expect(await journals()).toBe(before + 1);

    // A keyed document that comes back to guarantors (guarantors, corridors, guarantors) is refused by
    // both gateways alike, before any subgraph is called: one key guards one step per service.
    const steps = `mutation ($i: DepositToEscrowInput!, $j: DepositToEscrowInput!) { a: depositToEscrow(input: $i) { id } x: reportIncident(input: { agreementId: "${demo.agreementId}", category: OTHER, occurredAt: "2026-04-30T08:00:00Z", latitude: 41.2, longitude: 22.7, placeDescription: "Kessel ford", severity: MINOR, description: "steps" }) { id } c: depositToEscrow(input: $j) { id } }`;
    const stepVars = { i: input('1.00').input, j: input('2.00').input };
    sent.length = 0;
    const refusedByHive = await post(hiveUrl, steps, stepVars, { authorization: `Bearer ${funder}`, 'idempotency-key': randomUUID() });
    const refusedByOurs = await post(f.url, steps, stepVars, { authorization: `Bearer ${funder}`, 'idempotency-key': randomUUID() });
    expect(sent).toHaveLength(0);
    for (const r of [refusedByHive, refusedByOurs]) {
      expect(r.status).toBe(400);
      expect(r.body.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
      expect(r.body.errors?.[0]?.message).toContain('goes to the guarantors service in two separate steps (guarantors (a), then corridors (x), then guarantors (c))');
    }
    expect(await journals()).toBe(before + 1);
  });
});
