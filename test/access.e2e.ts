import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFederation, type Federation } from '@treaty/testing';
import { INTERNAL_TOKEN_HEADER, ROLES, signInternal, type Role } from '@treaty/service-kit';
import { SUBGRAPHS } from '@treaty/gateway';
import { ALL_SERVICES } from './services.js';

/**
 * Role by operation, through the real gateway over HTTP: every operation is tried by every role and by
 * an anonymous caller; each allowed one succeeds and each refused one is FORBIDDEN, names the role it
 * needs, and writes nothing.
 */
let f: Federation;
let agreementId: string;
let partyIds: string[];
const tokens: Partial<Record<Role | 'PUBLIC', string | undefined>> = {};

beforeAll(async () => {
  f = await startFederation(ALL_SERVICES, { now: '2026-03-20T12:00:00Z' });
  tokens.PUBLIC = undefined;
  for (const role of ROLES) tokens[role] = await f.token({ roles: [role], agency: `${role} agency`, partyId: role === 'PARTY' ? '00000000-0000-4000-8000-000000000001' : undefined });
  const created = await f.request(
    `mutation ($input: CreateAgreementInput!) { createAgreement(input: $input) { id parties { id } } }`,
    { input: agreementInput('Matrix base') },
    tokens.MEDIATOR,
  );
  agreementId = created.body.data.createAgreement.id;
  partyIds = created.body.data.createAgreement.parties.map((p: any) => p.id);
});
afterAll(() => f?.stop());

let n = 0;
function agreementInput(title: string) {
  n += 1;
  return {
    title,
    entryIntoForceAt: '2026-03-01T00:00:00Z',
    parties: [
      { name: `Matrix Party A${n}`, kind: 'GOVERNMENT' },
      { name: `Matrix Party B${n}`, kind: 'NON_STATE_ARMED_GROUP' },
    ],
    phases: [{ ordinal: 1, name: 'Phase 1', startDay: 0, endDay: 41, permittedCargo: ['HUMANITARIAN_AID'] }],
  };
}

async function newMilestone(): Promise<string> {
  const r = await f.request(
    `mutation ($input: AddMilestoneInput!) { addMilestone(input: $input) { id } }`,
    { input: { agreementId, phaseOrdinal: 1, title: `Milestone ${++n}`, obligatedPartyId: partyIds[0], dueDay: 30 } },
    tokens.MEDIATOR,
  );
  return r.body.data.addMilestone.id;
}

const rowCount = async () =>
  (await f.databases.milestones!.db.query(
    `SELECT ((SELECT count(*) FROM agreement) + (SELECT count(*) FROM milestone) + (SELECT count(*) FROM certification) + (SELECT count(*) FROM waiver))::int AS n`,
  ))[0].n;

interface Operation {
  name: string;
  allowed: (Role | 'PUBLIC')[];
  run: (token: string | undefined) => Promise<{ status: number; body: any }>;
}

const operations: Operation[] = [
  {
    name: 'createAgreement',
    allowed: ['MEDIATOR'],
    run: (t) => f.request(`mutation ($input: CreateAgreementInput!) { createAgreement(input: $input) { id } }`, { input: agreementInput('Matrix try') }, t),
  },
  {
    name: 'addMilestone',
    allowed: ['MEDIATOR'],
    run: (t) =>
      f.request(`mutation ($input: AddMilestoneInput!) { addMilestone(input: $input) { id } }`, { input: { agreementId, phaseOrdinal: 1, title: 'Try', obligatedPartyId: partyIds[0], dueDay: 30 } }, t),
  },
  {
    name: 'certifyMilestone',
    allowed: ['MONITOR'],
    run: async (t) => f.request(`mutation ($input: CertifyMilestoneInput!) { certifyMilestone(input: $input) { id } }`, { input: { milestoneId: await newMilestone(), evidence: [{ reference: 'JMC-1' }] } }, t),
  },
  {
    name: 'waiveMilestone',
    allowed: ['MEDIATOR'],
    run: async (t) => f.request(`mutation ($input: WaiveMilestoneInput!) { waiveMilestone(input: $input) { id } }`, { input: { milestoneId: await newMilestone(), reason: 'Superseded' } }, t),
  },
  {
    name: 'read agreements and milestone status',
    allowed: ['PUBLIC', ...ROLES],
    run: (t) => f.request(`{ agreements { title currentDay milestones { title dueDay status } } }`, {}, t),
  },
  {
    name: 'read certification evidence',
    allowed: [...ROLES],
    run: (t) => f.request(`{ agreements { milestones { certifications { evidence { reference } } } } }`, {}, t),
  },
];

describe('role × operation through the gateway', () => {
  for (const op of operations) {
    for (const who of ['PUBLIC', ...ROLES] as const) {
      const allowed = op.allowed.includes(who);
      it(`${op.name} is ${allowed ? 'allowed' : 'refused'} for ${who}`, async () => {
        const before = await rowCount();
        const r = await op.run(tokens[who]);
        expect(r.status).toBe(200);
        if (allowed) {
          expect(r.body.errors).toBeUndefined();
        } else {
          expect(r.body.errors?.map((e: any) => e.extensions.code)).toContain('FORBIDDEN');
          expect(r.body.errors[0].message).toMatch(/needs/);
          // Refused mutations write nothing (milestones created as fixtures are counted before).
          if (op.name !== 'certifyMilestone' && op.name !== 'waiveMilestone') expect(await rowCount()).toBe(before);
          else expect(await rowCount()).toBe(before + 1);
        }
      });
    }
  }
});

describe('subgraphs answer only the gateway', () => {
  for (const s of SUBGRAPHS) {
    for (const [label, query, variables] of [
      ['_service { sdl }', '{ _service { sdl } }', {}],
      ['_entities', 'query ($r: [_Any!]!) { _entities(representations: $r) { __typename } }', { r: [{ __typename: 'Milestone', id: '00000000-0000-4000-8000-000000000000' }] }],
      ['a root query', '{ __typename }', {}],
    ] as const) {
      it(`${s.name} refuses a direct ${label} with 401`, async () => {
        const res = await fetch(f.subgraphUrls[s.name]!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
        expect(res.status).toBe(401);
        const body = (await res.json()) as any;
        expect(body.data).toBeUndefined();
        expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
      });
    }
    it(`${s.name} refuses a valid gateway credential sent with another body, or sent twice`, async () => {
      const caller = { subject: null, agency: 'x', roles: ['MEDIATOR' as const], partyId: null, guarantorId: null, via: null, purpose: null };
      const signedBody = JSON.stringify({ query: '{ __typename }', variables: {} });
      const send = (token: string, body: string) =>
        fetch(f.subgraphUrls[s.name]!, { method: 'POST', headers: { 'content-type': 'application/json', [INTERNAL_TOKEN_HEADER]: token }, body });
      const other = signInternal(f.gatewaySigner, s.name, caller, signedBody);
      expect((await send(other, JSON.stringify({ query: '{ _service { sdl } }', variables: {} }))).status).toBe(401);
      const token = signInternal(f.gatewaySigner, s.name, caller, signedBody);
      expect((await send(token, signedBody)).status).toBe(200);
      const replay = await send(token, signedBody);
      expect(replay.status).toBe(401);
      expect(((await replay.json()) as any).errors[0].message).toMatch(/already used/);
    });
    it(`${s.name} accepts a credential sent many times at once exactly once, and many different ones at once each once`, async () => {
      // Claims that arrive together are grouped into one statement (DatabaseNonceStore): the grouping must
      // neither let a repeat through nor refuse a first use.
      const caller = { subject: null, agency: 'x', roles: ['MEDIATOR' as const], partyId: null, guarantorId: null, via: null, purpose: null };
      const signedBody = JSON.stringify({ query: '{ __typename }', variables: {} });
      const send = (token: string) => fetch(f.subgraphUrls[s.name]!, { method: 'POST', headers: { 'content-type': 'application/json', [INTERNAL_TOKEN_HEADER]: token }, body: signedBody });
      const token = signInternal(f.gatewaySigner, s.name, caller, signedBody);
      // Hold the table, so that one claim is in flight (waiting on the lock) while the copies queue behind
      // it; released, they go together in one statement: exactly the case the grouping must get right.
      const runner = f.databases[s.name]!.db.createQueryRunner();
      await runner.connect();
      await runner.startTransaction();
      await runner.query('LOCK TABLE internal_credential_use IN EXCLUSIVE MODE');
      const opener = send(signInternal(f.gatewaySigner, s.name, caller, signedBody));
      await new Promise((r) => setTimeout(r, 150));
      const copies = Promise.all(Array.from({ length: 12 }, () => send(token)));
      await new Promise((r) => setTimeout(r, 150));
      await runner.commitTransaction();
      await runner.release();
      const [first, same] = await Promise.all([opener, copies]);
      expect(first.status).toBe(200);
      expect(same.map((r) => r.status).sort()).toEqual([200, ...Array(11).fill(401)]);
      for (const r of same.filter((r) => r.status === 401)) expect(((await r.json()) as any).errors[0].message).toMatch(/already used/);
      const distinct = Array.from({ length: 30 }, () => signInternal(f.gatewaySigner, s.name, caller, signedBody));
      const firsts = await Promise.all(distinct.map((t) => send(t)));
      expect(firsts.map((r) => r.status)).toEqual(Array(30).fill(200));
      const again = await Promise.all(distinct.map((t) => send(t)));
      expect(again.map((r) => r.status)).toEqual(Array(30).fill(401));
    });
  }
});
