import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INTERNAL_TOKEN_HEADER, PUBLIC_CALLER, signInternal, type Caller } from '@treaty/service-kit';
import { startFederation, type Federation } from '@treaty/testing';
import { ALL_SERVICES } from './services.js';

/**
 * DESIGN §9 through the real gateway and subgraphs: a retried mutation never books twice, a captured
 * internal credential cannot be used again, and a sibling cannot act as a partner agency.
 */
const NOW = '2026-05-01T09:00:00.000Z';
const DEPOSIT = `mutation ($input: DepositToEscrowInput!) { depositToEscrow(input: $input) { id balance { amount currency } } }`;
const BALANCE = `query ($id: ID!) { escrowAccount(id: $id) { balance { amount } movements { kind amount { amount } reference } } }`;

let f: Federation;
let mediator: string;
let funder: string;
let accountId: string;
let guarantorId: string;

async function ok<T = any>(query: string, variables: Record<string, unknown>, token: string, headers: Record<string, string> = {}): Promise<T> {
  const r = await f.request<T>(query, variables, token, headers);
  expect(r.body.errors, JSON.stringify(r.body.errors)).toBeUndefined();
  return r.body.data as T;
}

/** Journals and idempotency rows as PostgreSQL holds them: the ground truth, not what the API says. */
async function count(service: string, sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await f.databases[service]!.db.query(`SELECT count(*)::int AS n FROM (${sql}) x`, params);
  return row.n;
}
const deposits = () => count('guarantors', `SELECT 1 FROM ledger_journal WHERE kind = 'DEPOSIT'`);

beforeAll(async () => {
  f = await startFederation(ALL_SERVICES, { now: NOW });
  mediator = await f.token({ roles: ['MEDIATOR'], agency: 'Office of the Envoy' });
  const { createAgreement } = await ok(
    `mutation ($input: CreateAgreementInput!) { createAgreement(input: $input) { id parties { id } } }`,
    {
      input: {
        title: 'Tessaly Accord on Exactly-Once Payments',
        entryIntoForceAt: '2026-04-01T00:00:00Z',
        parties: [
          { name: 'Republic of Tessaly', kind: 'GOVERNMENT' },
          { name: 'Coastal Front', kind: 'NON_STATE_ARMED_GROUP' },
        ],
        phases: [{ ordinal: 1, name: 'Phase one', startDay: 0, endDay: 90, permittedCargo: ['HUMANITARIAN_AID'] }],
      },
    },
    mediator,
  );
  const { registerGuarantor } = await ok(`mutation { registerGuarantor(input: { name: "Fund of Orsova", kind: STATE, roles: [FUNDER] }) { id } }`, {}, mediator);
  guarantorId = registerGuarantor.id;
  const { openEscrowAccount } = await ok(
    `mutation ($input: OpenEscrowAccountInput!) { openEscrowAccount(input: $input) { id } }`,
    { input: { agreementId: createAgreement.id, beneficiaryPartyId: createAgreement.parties[0].id, currency: 'EUR' } },
    mediator,
  );
  accountId = openEscrowAccount.id;
  funder = await f.token({ roles: ['GUARANTOR'], agency: 'Treasury of Orsova', guarantorId });
});
afterAll(() => f?.stop());

const deposit = (amount: string, reference?: string) => ({ input: { escrowAccountId: accountId, guarantorId, amount, currency: 'EUR', ...(reference ? { reference } : {}) } });

describe('Idempotency-Key on a mutation', () => {
  it('books once when the same request arrives five times at once, and every retry gets the first response', async () => {
    const before = await deposits();
    const key = `deposit-${crypto.randomUUID()}`;
    const answers = await Promise.all(Array.from({ length: 5 }, () => f.request(DEPOSIT, deposit('7.00'), funder, { 'idempotency-key': key })));
    for (const a of answers) expect(a.body.errors).toBeUndefined();
    expect(await deposits()).toBe(before + 1);
    const bodies = answers.map((a) => JSON.stringify(a.body));
    expect(new Set(bodies).size).toBe(1);
    // One of them ran; the others were answered from the stored response and say so.
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(4);
    expect(await count('guarantors', 'SELECT 1 FROM idempotency_key WHERE key = $1', [key])).toBe(1);

    // Later, after another deposit moved the balance, a retry still gets the first answer, unchanged.
    await ok(DEPOSIT, deposit('1.00'), funder);
    const late = await f.request(DEPOSIT, deposit('7.00'), funder, { 'idempotency-key': key });
    expect(JSON.stringify(late.body)).toBe(bodies[0]);
    expect(await deposits()).toBe(before + 2);
  });

  it('refuses the same key with another request: IDEMPOTENCY_KEY_REUSED, and nothing is booked', async () => {
    const key = `deposit-${crypto.randomUUID()}`;
    await ok(DEPOSIT, deposit('5.00'), funder, { 'idempotency-key': key });
    const before = await deposits();
    const balance = (await ok(BALANCE, { id: accountId }, funder)).escrowAccount.balance.amount;
    const r = await f.request(DEPOSIT, deposit('500.00'), funder, { 'idempotency-key': key });
    expect(r.body.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(r.body.errors?.[0]?.message).toMatch(/first used at .* for a different request.*new key/);
    expect(await deposits()).toBe(before);
    expect((await ok(BALANCE, { id: accountId }, funder)).escrowAccount.balance.amount).toBe(balance);
  });

  it('keeps keys per agency: another agency may use the same key for its own request', async () => {
    const key = `shared-${crypto.randomUUID()}`;
    const before = await deposits();
    const otherTreasury = await f.token({ roles: ['GUARANTOR'], agency: 'Second Treasury of Orsova', guarantorId });
    await ok(DEPOSIT, deposit('2.00'), funder, { 'idempotency-key': key });
    await ok(DEPOSIT, deposit('3.00'), otherTreasury, { 'idempotency-key': key });
    expect(await deposits()).toBe(before + 2);
  });

  it('leaves a refused request without a stored key, so its corrected retry runs', async () => {
    const key = `refused-${crypto.randomUUID()}`;
    const before = await deposits();
    const refused = await f.request(DEPOSIT, { input: { ...deposit('2.00').input, currency: 'USD' } }, funder, { 'idempotency-key': key });
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await count('guarantors', 'SELECT 1 FROM idempotency_key WHERE key = $1', [key])).toBe(0);
    expect(await deposits()).toBe(before);
    // The same request again is refused again (it is checked afresh, not replayed), and still books nothing.
    const again = await f.request(DEPOSIT, { input: { ...deposit('2.00').input, currency: 'USD' } }, funder, { 'idempotency-key': key });
    expect(again.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(await deposits()).toBe(before);
  });

  it('is forgotten after its retention: the clock past 48 hours, the same key books anew', async () => {
    const key = `old-${crypto.randomUUID()}`;
    const before = await deposits();
    await ok(DEPOSIT, deposit('4.00'), funder, { 'idempotency-key': key });
    f.clock.advance(49 * 3_600_000);
    try {
      await ok(DEPOSIT, deposit('4.00'), funder, { 'idempotency-key': key });
      expect(await deposits()).toBe(before + 2);
    } finally {
      f.clock.advance(-49 * 3_600_000);
    }
  });

  it('refuses a malformed key at the gateway before anything runs', async () => {
    const before = await deposits();
    for (const bad of ['has space', 'x'.repeat(256), 'naïve']) {
      const r = await f.request(DEPOSIT, deposit('9.00'), funder, { 'idempotency-key': bad });
      expect(r.status).toBe(400);
      expect(r.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(r.body.errors?.[0]?.message).toMatch(/Idempotency-Key must be 1 to 255 visible ASCII characters/);
    }
    expect(await deposits()).toBe(before);
  });

  it('works the same on every service: a corridor created twice with one key exists once', async () => {
    const key = `corridor-${crypto.randomUUID()}`;
    const { agreements } = await ok(`{ agreements { id } }`, {}, mediator);
    const create = `mutation ($input: CreateCorridorInput!) { createCorridor(input: $input) { id name } }`;
    const input = { input: { agreementId: agreements[0].id, name: `Orsova crossing ${key}`, kind: 'LAND_CROSSING', latitude: 41.2, longitude: 20.7 } };
    const [a, b] = await Promise.all([f.request(create, input, mediator, { 'idempotency-key': key }), f.request(create, input, mediator, { 'idempotency-key': key })]);
    if (a.body.errors) {
      // The corridor input differs from what this test assumes: show the service's own words.
      throw new Error(JSON.stringify(a.body.errors));
    }
    expect(b.body).toEqual(a.body);
    expect(await count('corridors', 'SELECT 1 FROM corridor WHERE name = $1', [input.input.name])).toBe(1);
  });

  it('tells an anonymous caller that its key was not kept, and keeps a partner agency\'s', async () => {
    const submit = `mutation ($input: SubmitConfidentialReportInput!) { submitConfidentialReport(input: $input) { receipt } }`;
    const what = `Seen at the Kessel ford ${crypto.randomUUID()}`;
    const reports = () => count('milestones', 'SELECT 1 FROM confidential_report');
    const before = await reports();
    const key = `anon-${crypto.randomUUID()}`;
    const first = await f.request(submit, { input: { what } }, undefined, { 'idempotency-key': key });
    expect(first.body.errors).toBeUndefined();
    expect(first.body.extensions?.warnings).toEqual([{ code: 'IDEMPOTENCY_KEY_NOT_KEPT', message: expect.stringContaining('The Idempotency-Key was not kept: keys are kept per partner agency, and this request carried no token, so a retry will run the mutation again.') }]);
    // As the warning says: the retry runs again, and nothing about the reporter was kept under the key.
    const again = await f.request(submit, { input: { what } }, undefined, { 'idempotency-key': key });
    expect(again.headers.get('idempotent-replayed')).toBeNull();
    expect(await reports()).toBe(before + 2);
    expect(await count('milestones', 'SELECT 1 FROM idempotency_key WHERE key = $1', [key])).toBe(0);

    const partnerKey = `partner-${crypto.randomUUID()}`;
    const partner = await f.request(submit, { input: { what } }, mediator, { 'idempotency-key': partnerKey });
    expect(partner.body.errors).toBeUndefined();
    expect(partner.body.extensions?.warnings).toBeUndefined();
    const replay = await f.request(submit, { input: { what } }, mediator, { 'idempotency-key': partnerKey });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(partner.body);
    expect(await reports()).toBe(before + 3);
  });

  describe('a mutation of several steps', () => {
    const VARS = '($i1: ReportIncidentInput!, $g: RegisterGuarantorInput!, $i2: ReportIncidentInput!)';
    const INCIDENT = (v: string) => `reportIncident(input: $${v}) { id }`;
    const GUARANTOR = 'registerGuarantor(input: $g) { id }';
    const vars = async (tag: string) => {
      const { agreements } = await ok(`{ agreements { id } }`, {}, mediator);
      const incident = (n: number) => ({ agreementId: agreements[0].id, category: 'OTHER', occurredAt: '2026-04-30T08:00:00Z', latitude: 41.2, longitude: 22.7, placeDescription: 'Kessel ford', severity: 'MINOR', description: `${tag} incident ${n}` });
      return { i1: incident(1), g: { name: `${tag} Guarantor`, kind: 'UN_BODY', roles: ['MONITOR'] }, i2: incident(2) };
    };
    const written = async (tag: string) => ({
      incidents: await count('corridors', 'SELECT 1 FROM incident WHERE description LIKE $1', [`${tag}%`]),
      guarantors: await count('guarantors', 'SELECT 1 FROM guarantor WHERE name = $1', [`${tag} Guarantor`]),
    });

    it('refuses, before anything runs, a keyed mutation that goes back to a service (corridors, guarantors, corridors)', async () => {
      const tag = `Steps ${crypto.randomUUID()}`;
      const document = `mutation ${VARS} { a: ${INCIDENT('i1')} b: ${GUARANTOR} c: ${INCIDENT('i2')} }`;
      const r = await f.request(document, await vars(tag), mediator, { 'idempotency-key': `steps-${crypto.randomUUID()}` });
      expect(r.status).toBe(400);
      expect(r.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(r.body.errors?.[0]?.message).toContain('goes to the corridors service in two separate steps (corridors (a), then guarantors (b), then corridors (c))');
      expect(r.body.errors?.[0]?.message).toContain('Nothing was run. Put the corridors fields next to each other');
      expect(await written(tag)).toEqual({ incidents: 0, guarantors: 0 });
      // Without a key there is nothing to keep consistent, and the same document runs as it always did.
      const plain = await f.request(document, await vars(tag), mediator);
      expect(plain.body.errors).toBeUndefined();
      expect(await written(tag)).toEqual({ incidents: 2, guarantors: 1 });
    });

    it('runs a keyed mutation with one step per service once, and its retry replays every step', async () => {
      const tag = `Steps ${crypto.randomUUID()}`;
      const document = `mutation ${VARS} { a: ${INCIDENT('i1')} c: ${INCIDENT('i2')} b: ${GUARANTOR} }`;
      const key = `steps-${crypto.randomUUID()}`;
      const variables = await vars(tag);
      const first = await f.request(document, variables, mediator, { 'idempotency-key': key });
      expect(first.body.errors).toBeUndefined();
      const retry = await f.request(document, variables, mediator, { 'idempotency-key': key });
      expect(retry.body).toEqual(first.body);
      expect(retry.headers.get('idempotent-replayed')).toBe('true');
      expect(await written(tag)).toEqual({ incidents: 2, guarantors: 1 });
    });
  });
});

describe('internal credentials', () => {
  const mediatorCaller: Caller = { ...PUBLIC_CALLER, agency: 'Office of the Envoy', roles: ['MEDIATOR'], subject: 'envoy-1' };

  it('refuses a captured gateway credential replayed to the subgraph: one 7.00 deposit stays one', async () => {
    const before = await deposits();
    const body = JSON.stringify({ query: DEPOSIT, variables: deposit('7.00') });
    const funderCaller: Caller = { ...PUBLIC_CALLER, agency: 'Treasury of Orsova', roles: ['GUARANTOR'], guarantorId, subject: 'treasurer' };
    const token = signInternal(f.gatewaySigner, 'guarantors', funderCaller, body);
    const send = () => fetch(f.subgraphUrls.guarantors!, { method: 'POST', headers: { 'content-type': 'application/json', [INTERNAL_TOKEN_HEADER]: token }, body });
    expect((await send()).status).toBe(200);
    for (let i = 0; i < 2; i += 1) {
      const replay = await send();
      expect(replay.status).toBe(401);
      const json = (await replay.json()) as any;
      expect(json.errors[0].extensions.code).toBe('UNAUTHENTICATED');
      expect(json.errors[0].message).toMatch(/already used/);
    }
    expect(await deposits()).toBe(before + 1);
  });

  it('lets a sibling call only as itself: corridors signing a MEDIATOR caller is refused', async () => {
    const query = `mutation { addSnapBackClause(input: { agreementId: "00000000-0000-4000-8000-000000000000", trigger: MILESTONE_MISSED }) { id } }`;
    const body = JSON.stringify({ query, variables: {} });
    // The kit itself will not sign a caller for a sibling ...
    expect(() => signInternal(f.serviceSigner('corridors'), 'milestones', mediatorCaller, body)).toThrow(/Only the gateway/);
    // ... and milestones refuses a sibling credential that carries one anyway (forged with corridors' own key).
    const honest = signInternal(f.serviceSigner('corridors'), 'milestones', null, body);
    const [v, iss, claims] = honest.split('.') as [string, string, string];
    const edited = { ...JSON.parse(Buffer.from(claims, 'base64url').toString()), caller: mediatorCaller };
    const signed = `${v}.${iss}.${Buffer.from(JSON.stringify(edited)).toString('base64url')}`;
    const { createHmac } = await import('node:crypto');
    const forged = `${signed}.${createHmac('sha256', f.serviceSigner('corridors').keys.get('corridors>milestones')!).update(signed).digest('base64url')}`;
    const r = await fetch(f.subgraphUrls.milestones!, { method: 'POST', headers: { 'content-type': 'application/json', [INTERNAL_TOKEN_HEADER]: forged }, body });
    expect(r.status).toBe(401);
    expect(((await r.json()) as any).errors[0].message).toMatch(/may not act for a caller/);
  });

  it('gives a sibling calling as itself only what it was granted: no mutation, no ungranted root field', async () => {
    const send = async (service: string, asService: string, query: string) => {
      const body = JSON.stringify({ query, variables: {} });
      const token = signInternal(f.serviceSigner(asService), service, null, body);
      const r = await fetch(f.subgraphUrls[service]!, { method: 'POST', headers: { 'content-type': 'application/json', [INTERNAL_TOKEN_HEADER]: token }, body });
      return { status: r.status, body: (await r.json()) as any };
    };
    const before = await count('milestones', 'SELECT 1 FROM agreement');
    const mutation = await send('milestones', 'corridors', `mutation { createAgreement(input: { title: "Sibling's own", entryIntoForceAt: "2026-04-01T00:00:00Z", parties: [], phases: [] }) { id } }`);
    expect(mutation.body.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(mutation.body.errors[0].message).toMatch(/corridors service may not ask Mutation.createAgreement of the milestones service/);
    expect(await count('milestones', 'SELECT 1 FROM agreement')).toBe(before);
    const ungranted = await send('corridors', 'milestones', `{ corridor(id: "00000000-0000-4000-8000-000000000000") { id } }`);
    expect(ungranted.body.errors[0].extensions.code).toBe('FORBIDDEN');
    const guarded = await send('corridors', 'guarantors', `query { incident(id: "00000000-0000-4000-8000-000000000000") { id } }`);
    expect(guarded.body.errors[0].extensions.code).toBe('FORBIDDEN');
    // What it was granted still works: milestones may read an incident in corridors.
    const granted = await send('corridors', 'milestones', `query { incident(id: "00000000-0000-4000-8000-000000000000") { id } }`);
    expect(granted.body.errors).toBeUndefined();
    expect(granted.body.data).toEqual({ incident: null });
  });
});
