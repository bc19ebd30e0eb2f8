import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportSPKI, generateKeyPair } from 'jose';
import { startFederation, type Federation } from '@treaty/testing';
import { INTERNAL_TOKEN_HEADER, signInternal, silentLogger, PUBLIC_CALLER, type Role } from '@treaty/service-kit';
import { buildGateway, createTokenVerifier, readSupergraph, serveGateway } from '@treaty/gateway';
import { ALL_SERVICES } from './services.js';

/**
 * The dashboard cache through the real gateway: a writer reads its own write at once, no answer crosses
 * from one visibility to another, personal data is never kept, a cached answer says how old it is and
 * is gone after the max age, and GATEWAY_RESPONSE_CACHE=off caches nothing. What reaches a subgraph is
 * counted on the wire (HTTP requests arriving at it).
 */
const MAX_AGE = 2;
let f: Federation;
let agreementId: string;
let partyA: string;
let partyB: string;
let partyC: string;
let milestoneId: string;
const detainees: Record<string, string> = {};
const arrived: Record<string, number> = { milestones: 0, prisoners: 0 };
const tokens: Record<string, string> = {};

const token = (roles: Role[], extra: { partyId?: string; agency?: string } = {}) => f.token({ roles, agency: extra.agency ?? `${roles.join('+')} agency`, ...extra });

/** Sends `query` and says what the cache did, how old the answer is and how many requests reached each subgraph. */
async function ask(query: string, variables: Record<string, unknown>, auth?: string, headers: Record<string, string> = {}) {
  const before = { ...arrived };
  const r = await f.request(query, variables, auth, headers);
  return {
    cache: r.headers.get('x-treaty-cache'),
    age: r.headers.get('age'),
    cacheControl: r.headers.get('cache-control'),
    body: r.body,
    reached: { milestones: arrived.milestones! - before.milestones!, prisoners: arrived.prisoners! - before.prisoners! },
  };
}

beforeAll(async () => {
  f = await startFederation(ALL_SERVICES, { now: '2026-03-20T12:00:00Z', gateway: { responseCache: true, responseCacheMaxAgeSeconds: MAX_AGE } });
  for (const name of Object.keys(arrived)) f.running[name]!.http.on('request', () => (arrived[name]! += 1));
  tokens.MEDIATOR = await token(['MEDIATOR']);
  tokens.MONITOR = await token(['MONITOR']);
  const created = await f.request(
    `mutation ($input: CreateAgreementInput!) { createAgreement(input: $input) { id parties { id } } }`,
    {
      input: {
        title: 'Cache test accord',
        entryIntoForceAt: '2026-03-01T00:00:00Z',
        parties: [
          { name: 'Cache Party A', kind: 'GOVERNMENT' },
          { name: 'Cache Party B', kind: 'NON_STATE_ARMED_GROUP' },
          { name: 'Cache Party C', kind: 'GOVERNMENT' },
        ],
        phases: [{ ordinal: 1, name: 'Phase 1', startDay: 0, endDay: 41, permittedCargo: ['HUMANITARIAN_AID'] }],
      },
    },
    tokens.MEDIATOR,
  );
  agreementId = created.body.data.createAgreement.id;
  [partyA, partyB, partyC] = created.body.data.createAgreement.parties.map((p: { id: string }) => p.id);
  const milestone = await f.request(
    `mutation ($input: AddMilestoneInput!) { addMilestone(input: $input) { id } }`,
    { input: { agreementId, phaseOrdinal: 1, title: 'Lists exchanged', obligatedPartyId: partyA, dueDay: 30 } },
    tokens.MEDIATOR,
  );
  milestoneId = milestone.body.data.addMilestone.id;
  // One detainee held by A and one held by B, both belonging to C: party A sees only the first, B only the second.
  for (const [key, holder, other] of [['A', partyA, partyC], ['B', partyB, partyC]] as const) {
    const r = await f.request(
      `mutation ($input: RegisterDetaineeInput!) { registerDetainee(input: $input) { id } }`,
      { input: { agreementId, name: `Fictional Person ${key}`, dateOfBirth: '1980-01-01', holdingPartyId: holder, affiliatedPartyId: other, category: 'OTHER' } },
      tokens.MEDIATOR,
    );
    detainees[key] = r.body.data.registerDetainee.id;
  }
  tokens.PARTY_A = await token(['PARTY'], { partyId: partyA, agency: 'Delegation A' });
  tokens.PARTY_B = await token(['PARTY'], { partyId: partyB, agency: 'Delegation B' });
  tokens.INTERMEDIARY = await token(['INTERMEDIARY']);
});
afterAll(() => f?.stop());

const MILESTONES = `query ($id: ID!) { agreement(id: $id) { title milestones { id title status } } }`;

describe('the dashboard cache', () => {
  it('answers a repeated query from the cache, and the writer reads its own write at once', async () => {
    const first = await ask(MILESTONES, { id: agreementId }, tokens.MONITOR);
    expect(first).toMatchObject({ cache: 'miss', age: null, cacheControl: 'no-store' });
    expect(first.reached.milestones).toBeGreaterThan(0);
    expect(first.body.data.agreement.milestones).toEqual([{ id: milestoneId, title: 'Lists exchanged', status: 'PENDING' }]);

    const second = await ask(MILESTONES, { id: agreementId }, tokens.MONITOR);
    expect(second).toMatchObject({ cache: 'hit', reached: { milestones: 0, prisoners: 0 } });
    expect(second.body).toEqual(first.body);

    const certified = await ask(`mutation ($input: CertifyMilestoneInput!) { certifyMilestone(input: $input) { id } }`, { input: { milestoneId, evidence: [{ reference: 'JMC-CACHE-1' }] } }, tokens.MONITOR);
    expect(certified.body.errors).toBeUndefined();
    expect(certified.cache).toBe('bypass');

    const third = await ask(MILESTONES, { id: agreementId }, tokens.MONITOR);
    expect(third.cache).toBe('miss');
    expect(third.reached.milestones).toBeGreaterThan(0);
    expect(third.body.data.agreement.milestones[0].status).toBe('MET');
    // Every visibility is flushed, not only the writer's: a mediator's dashboard sees it too.
    expect((await ask(MILESTONES, { id: agreementId }, tokens.MEDIATOR)).body.data.agreement.milestones[0].status).toBe('MET');
  });

  it('keeps each visibility apart: two parties, an anonymous caller and a mediator get their own answers', async () => {
    const DETAINEES = `query ($id: ID!) { detainees(agreementId: $id) { id } }`;
    const ids = (r: Awaited<ReturnType<typeof ask>>) => r.body.data?.detainees?.map((d: { id: string }) => d.id).sort();
    const mediator = await ask(DETAINEES, { id: agreementId }, tokens.MEDIATOR);
    expect(mediator.cache).toBe('miss');
    expect(ids(mediator)).toEqual([detainees.A, detainees.B].sort());
    expect((await ask(DETAINEES, { id: agreementId }, tokens.MEDIATOR)).cache).toBe('hit');

    // The mediator's answer is cached; each party still gets a miss and only its own party's detainee.
    for (const [t, own] of [[tokens.PARTY_A, detainees.A], [tokens.PARTY_B, detainees.B]] as const) {
      const party = await ask(DETAINEES, { id: agreementId }, t);
      expect(party).toMatchObject({ cache: 'miss', reached: { prisoners: 1 } });
      expect(ids(party)).toEqual([own]);
      const again = await ask(DETAINEES, { id: agreementId }, t);
      expect(again).toMatchObject({ cache: 'hit', reached: { prisoners: 0 } });
      expect(ids(again)).toEqual([own]);
    }
    // And the mediator's cached answer is still the mediator's.
    expect(ids(await ask(DETAINEES, { id: agreementId }, tokens.MEDIATOR))).toEqual([detainees.A, detainees.B].sort());

    // Anonymous: refused (an error, never cached), and never handed the mediator's cached list.
    for (let i = 0; i < 2; i += 1) {
      const anonymous = await ask(DETAINEES, { id: agreementId });
      expect(anonymous).toMatchObject({ cache: 'miss', reached: { prisoners: 1 } });
      expect(anonymous.body.data).toBeNull();
      expect(anonymous.body.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    }
    // A public question: the anonymous caller's cached answer is its own, not the mediator's.
    const PUBLIC_Q = `query ($id: ID!) { agreement(id: $id) { parties { id } } }`;
    expect((await ask(PUBLIC_Q, { id: agreementId })).cache).toBe('miss');
    expect((await ask(PUBLIC_Q, { id: agreementId })).cache).toBe('hit');
    expect((await ask(PUBLIC_Q, { id: agreementId }, tokens.MEDIATOR)).cache).toBe('miss');
    // Same role and party from another agency: its own entry too.
    const otherDelegation = await token(['PARTY'], { partyId: partyA, agency: 'Delegation A, second office' });
    expect((await ask(DETAINEES, { id: agreementId }, otherDelegation)).cache).toBe('miss');
  });

  it('never keeps personal data: a purposeful read reaches prisoners every time, which answers no-store', async () => {
    const NAME = `query ($id: ID!) { detainee(id: $id) { id name } }`;
    for (let i = 0; i < 2; i += 1) {
      const r = await ask(NAME, { id: detainees.A }, tokens.INTERMEDIARY, { 'x-purpose': 'release-verification' });
      expect(r.body.errors).toBeUndefined();
      expect(r.body.data.detainee.name).toBe('Fictional Person A');
      expect(r).toMatchObject({ cache: 'bypass', age: null, reached: { prisoners: 1 } });
    }
    // The subgraph itself marks the answer: no-store when a @personal field was served, nothing otherwise.
    const direct = async (query: string, purpose: string | null) => {
      const body = JSON.stringify({ query, variables: { id: detainees.A } });
      const caller = { ...PUBLIC_CALLER, subject: 'tester', agency: 'Neutral Intermediary', roles: ['INTERMEDIARY'] as Role[], purpose };
      const res = await fetch(f.subgraphUrls.prisoners!, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [INTERNAL_TOKEN_HEADER]: signInternal(f.gatewaySigner, 'prisoners', caller, body) },
        body,
      });
      return { cacheControl: res.headers.get('cache-control'), body: (await res.json()) as { errors?: unknown } };
    };
    const personal = await direct(NAME, 'release-verification');
    expect(personal.body.errors).toBeUndefined();
    expect(personal.cacheControl).toBe('no-store');
    expect((await direct(`query ($id: ID!) { detainee(id: $id) { id category } }`, null)).cacheControl).toBeNull();
  });

  it('never answers an Idempotency-Key request from the cache', async () => {
    const PARTIES = `query ($id: ID!) { agreement(id: $id) { parties { name } } }`;
    await ask(PARTIES, { id: agreementId }, tokens.MONITOR);
    expect((await ask(PARTIES, { id: agreementId }, tokens.MONITOR)).cache).toBe('hit');
    const keyed = await ask(PARTIES, { id: agreementId }, tokens.MONITOR, { 'idempotency-key': 'cache-test-key-1' });
    expect(keyed).toMatchObject({ cache: 'bypass', age: null });
    expect(keyed.reached.milestones).toBeGreaterThan(0);
  });

  it('says how old a cached answer is, and drops it after the max age', async () => {
    const Q = `query ($id: ID!) { agreement(id: $id) { currentDay } }`;
    const started = Date.now();
    expect((await ask(Q, { id: agreementId }, tokens.MONITOR)).cache).toBe('miss');
    await new Promise((r) => setTimeout(r, 1_100));
    const hit = await ask(Q, { id: agreementId }, tokens.MONITOR);
    expect(hit.cache).toBe('hit');
    const age = Number(hit.age);
    expect(age).toBeGreaterThanOrEqual(1);
    expect(age).toBeLessThanOrEqual(MAX_AGE);
    await new Promise((r) => setTimeout(r, Math.max(0, started + MAX_AGE * 1000 + 50 - Date.now())));
    const expired = await ask(Q, { id: agreementId }, tokens.MONITOR);
    expect(expired).toMatchObject({ cache: 'miss', age: null });
    expect(expired.reached.milestones).toBeGreaterThan(0);
  });

  it('caches nothing when switched off', async () => {
    // A second gateway over the same subgraphs, as GATEWAY_RESPONSE_CACHE=off starts it; anonymous questions need no token.
    const issuer = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const verifier = await createTokenVerifier({ publicKey: await exportSPKI(issuer.publicKey), issuer: 'i', audience: 'a' });
    const built = buildGateway({ supergraphSdl: await readSupergraph(), subgraphUrls: f.subgraphUrls, signer: f.gatewaySigner, verifier, logger: silentLogger, settings: { responseCache: false } });
    const off = await serveGateway(built, { port: 0, verifier, logger: silentLogger });
    try {
      expect(built.responseCache).toBeNull();
      for (let i = 0; i < 2; i += 1) {
        const before = arrived.milestones!;
        const res = await fetch(`http://127.0.0.1:${off.port}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: MILESTONES, variables: { id: agreementId } }) });
        expect(res.headers.get('x-treaty-cache')).toBe('off');
        expect(res.headers.get('age')).toBeNull();
        expect(((await res.json()) as { data: any }).data.agreement.title).toBe('Cache test accord');
        expect(arrived.milestones! - before).toBeGreaterThan(0);
      }
    } finally {
      await off.close();
    }
  });
});
