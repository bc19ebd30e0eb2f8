import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caller, codes } from '@treaty/testing';
import { ADD_MILESTONE, CREATE_AGREEMENT, agreementInput, startMilestones } from './harness.js';
import { generateMasterSecret, milestonesSigner, startGuarantorsStandIn } from './guarantors-stand-in.js';

/**
 * Only a guarantor of the agreement rules at a guarantor tier. The guarantors service owns guarantors and
 * their commitments, so milestones confirms with it (`guarantor(id) { commitments(agreementId) }`), which
 * works once guarantors grants milestones `Query.guarantor` in its access.ts `siblings`.
 */

const GRANT = { milestones: ['Query.guarantor'] };
const COUNCIL = '6f1c2b9e-3d4a-4c8b-9e21-5a7d0c3b8f10';
const DISTANT = '0b7e4d21-9c3f-4a6e-8d15-2f9a6c4e7b30';
const UNKNOWN = '9d2a5e7c-1b4f-4e8a-a3c6-7f0b2d9e5a40';

const mediator = caller('MEDIATOR', { agency: 'Office of the Envoy' });
const monitor = caller('MONITOR', { agency: 'Joint Monitoring Cell' });
const asGuarantor = (guarantorId: string | null) => caller('GUARANTOR', { agency: 'Council of Southern Littoral States', guarantorId });

const master = generateMasterSecret();
const peers: Record<string, string> = {};
let h: Awaited<ReturnType<typeof startMilestones>>;
let granted: Awaited<ReturnType<typeof startGuarantorsStandIn>>;
let ungranted: Awaited<ReturnType<typeof startGuarantorsStandIn>>;
let agreement: { id: string; title: string };
let otherAgreement: { id: string };

beforeAll(async () => {
  h = await startMilestones('2026-03-10T00:00:00Z', { signer: milestonesSigner(master), peers });
  const create = async () => (await h.run(mediator, CREATE_AGREEMENT, { input: agreementInput() })).data!.createAgreement;
  agreement = await create();
  otherAgreement = await create();
  const known = {
    [COUNCIL]: { name: 'Council of Southern Littoral States', committedTo: [otherAgreement.id, agreement.id] },
    [DISTANT]: { name: 'Distant Relief Fund', committedTo: [otherAgreement.id] },
  };
  granted = await startGuarantorsStandIn(known, GRANT, master);
  ungranted = await startGuarantorsStandIn(known, {}, master);
  peers.guarantors = granted.url;
});
afterAll(async () => {
  await granted?.stop();
  await ungranted?.stop();
  await h?.drop();
});

const FILE = `mutation ($input: FileDisputeInput!) { fileDispute(input: $input) { id } }`;
const RULE = `mutation ($input: RuleOnDisputeInput!) { ruleOnDispute(input: $input) { id status ruling { outcome tier { name } ruledBy } } }`;

/** A dispute under `agreement`, the clock `hours` after its filing (49: past the joint commission, before the guarantor panel). */
async function dispute(hours = 49): Promise<string> {
  h.clock.set('2026-03-10T00:00:00Z');
  const a = agreement as any;
  const m = (await h.run(mediator, ADD_MILESTONE, { input: { agreementId: a.id, phaseOrdinal: 1, title: 'Lists', obligatedPartyId: a.parties[0].id, dueDay: 30 } })).data!.addMilestone;
  const id = (await h.run(monitor, FILE, { input: { agreementId: a.id, milestoneId: m.id, allegation: 'Releases halted at the Ridge crossing' } })).data!.fileDispute.id;
  h.clock.advance(hours * 3_600_000);
  return id;
}

const rulings = async () => (await h.db.query('SELECT count(*)::int AS n FROM dispute_ruling'))[0].n as number;

async function expectRefused(run: () => Promise<any>, code: string, message: RegExp) {
  const before = await rulings();
  const r = await run();
  expect(codes(r)).toEqual([code]);
  expect(r.errors[0].message).toMatch(message);
  expect(await rulings()).toBe(before);
  return r;
}

const rule = (who: ReturnType<typeof caller>, disputeId: string) => h.run(who, RULE, { input: { disputeId, outcome: 'BREACH_CONFIRMED', reasoning: 'Inspection logs show convoys held 30 hours' } });

describe('ruling at the guarantor panel', () => {
  it('refuses a GUARANTOR token that names no guarantor, without asking the guarantors service', async () => {
    const id = await dispute();
    const asked = granted.asked.length;
    const r = await expectRefused(() => rule(asGuarantor(null), id), 'FORBIDDEN', /tier 2 \(Guarantor panel\).*only a guarantor of "Ceasefire Framework \d+" rules, and your GUARANTOR token names no guarantor\. Ask your agency administrator for a token that carries your guarantor's id \(guarantorId\)\./);
    expect(r.errors[0].extensions.details).toEqual({ needs: 'GUARANTOR' });
    expect(granted.asked.length).toBe(asked);
  });

  it('refuses a guarantor with no commitment to the agreement, and one the guarantors service does not know', async () => {
    const id = await dispute();
    await expectRefused(() => rule(asGuarantor(DISTANT), id), 'FORBIDDEN', /^Distant Relief Fund \(guarantor 0b7e4d21-9c3f-4a6e-8d15-2f9a6c4e7b30\) has made no commitment to "Ceasefire Framework \d+"; only a guarantor of the agreement/);
    await expectRefused(() => rule(asGuarantor(UNKNOWN), id), 'FORBIDDEN', /^Your token names guarantor 9d2a5e7c-1b4f-4e8a-a3c6-7f0b2d9e5a40, which the guarantors service does not know/);
    await expectRefused(() => rule(asGuarantor('littoral-council'), id), 'FORBIDDEN', /^Your token names guarantor littoral-council, which the guarantors service does not know/);
  });

  it('lets a guarantor committed to the agreement rule, confirming its commitments to that agreement only', async () => {
    const id = await dispute();
    const asked = granted.asked.length;
    const r = await rule(asGuarantor(COUNCIL), id);
    expect(r.errors).toBeUndefined();
    expect(r.data!.ruleOnDispute).toMatchObject({ status: 'RULED', ruling: { outcome: 'BREACH_CONFIRMED', tier: { name: 'Guarantor panel' }, ruledBy: 'Council of Southern Littoral States' } });
    expect(granted.asked.slice(asked)).toEqual([{ id: COUNCIL, agreementId: agreement.id }]);
  });

  it('does not ask the guarantors service below the guarantor panel', async () => {
    const id = await dispute(6);
    const asked = granted.asked.length;
    expect((await rule(mediator, id)).errors).toBeUndefined();
    expect(granted.asked.length).toBe(asked);
  });

  it('refuses with SERVICE_UNAVAILABLE and writes nothing when the guarantors service does not grant the call, or is down', async () => {
    const id = await dispute();
    peers.guarantors = ungranted.url;
    try {
      const r = await expectRefused(() => rule(asGuarantor(COUNCIL), id), 'SERVICE_UNAVAILABLE', /guarantors service refused a confirmation call.*fault of the deployment/);
      expect(r.errors[0].extensions.service).toBe('guarantors');
      peers.guarantors = 'http://127.0.0.1:9/graphql';
      await expectRefused(() => rule(asGuarantor(COUNCIL), id), 'SERVICE_UNAVAILABLE', /guarantors service is not reachable/);
    } finally {
      peers.guarantors = granted.url;
    }
    expect((await rule(asGuarantor(COUNCIL), id)).errors).toBeUndefined();
  });
});
