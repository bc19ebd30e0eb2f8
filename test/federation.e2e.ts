import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFederation, type Federation } from '@treaty/testing';
import { ALL_SERVICES } from './services.js';

let f: Federation;
beforeAll(async () => {
  f = await startFederation(ALL_SERVICES, { now: '2026-03-25T12:00:00Z' });
});
afterAll(() => f?.stop());

const CREATE = `mutation ($input: CreateAgreementInput!) { createAgreement(input: $input) { id parties { id name } } }`;
const input = {
  title: 'Lowmarsh Truce',
  entryIntoForceAt: '2026-03-01T00:00:00Z',
  parties: [
    { name: 'Lowmarsh Council', kind: 'GOVERNMENT' },
    { name: 'Reedland Front', kind: 'NON_STATE_ARMED_GROUP' },
  ],
  phases: [{ ordinal: 1, name: 'Phase 1', startDay: 0, endDay: 41, permittedCargo: ['HUMANITARIAN_AID'] }],
};

describe('through the gateway over HTTP', () => {
  it('creates an agreement as a MEDIATOR and answers the public query with derived status', async () => {
    const mediator = await f.token({ roles: ['MEDIATOR'], agency: 'Office of the Envoy' });
    const created = await f.request(CREATE, { input }, mediator);
    expect(created.body.errors).toBeUndefined();
    const a = created.body.data.createAgreement;
    const added = await f.request(
      `mutation ($input: AddMilestoneInput!) { addMilestone(input: $input) { id status } }`,
      { input: { agreementId: a.id, phaseOrdinal: 1, title: 'Lists exchanged', obligatedPartyId: a.parties[0].id, dueDay: 7 } },
      mediator,
    );
    expect(added.body.data.addMilestone.status).toBe('MISSED');

    const read = await f.request('{ agreements { title currentDay milestones { title dueDay status } } }');
    expect(read.status).toBe(200);
    expect(read.body).toEqual({
      data: { agreements: [{ title: 'Lowmarsh Truce', currentDay: 24, milestones: [{ title: 'Lists exchanged', dueDay: 7, status: 'MISSED' }] }] },
    });
  });

  it('refuses a mutation from an anonymous caller with FORBIDDEN and writes nothing', async () => {
    const before = await f.databases.milestones!.db.query('SELECT count(*)::int AS n FROM agreement');
    const r = await f.request(CREATE, { input: { ...input, title: 'Anonymous attempt' } });
    expect(r.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(r.body.errors?.[0]?.message).toMatch(/needs the MEDIATOR role/);
    expect(await f.databases.milestones!.db.query('SELECT count(*)::int AS n FROM agreement')).toEqual(before);
  });

  it('the subgraph refuses a direct call that did not come through the gateway', async () => {
    const res = await fetch(f.subgraphUrls.milestones!, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ _service { sdl } }' }),
    });
    expect(res.status).toBe(401);
  });
});
