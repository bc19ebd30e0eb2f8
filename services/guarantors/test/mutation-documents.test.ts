import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMilestone, createAgreement, guarantorCaller, mediator, openAccount, registerGuarantor, startGuarantors, type Harness } from './harness.js';

// graphql-js runs a document's root mutation fields one after another: each answer must show its own
// write and every earlier one, never what an earlier field's selection read (kit subgraph.ts, forgettingReads).

let h: Harness;
let n = 0;

beforeAll(async () => {
  h = await startGuarantors();
});
afterAll(async () => {
  await h?.expectLedgerReconciles();
  await h?.stop();
});

async function account() {
  n += 1;
  const agreement = await createAgreement(h);
  const guarantorId = await registerGuarantor(h, `Reconstruction Fund ${n}`, 'UN_BODY', ['FUNDER']);
  const accountId = await openAccount(h, agreement.id, agreement.government, 'USD');
  return { agreement, guarantorId, accountId };
}

const ACCOUNT_ANSWER = `id balance { amount } deposited { amount } movements { id kind amount { amount } } holdings { balance { amount } unreserved { amount } }`;
const TWO_DEPOSITS = /* GraphQL */ `
  mutation ($i: DepositToEscrowInput!, $j: DepositToEscrowInput!) {
    a: depositToEscrow(input: $i) { ${ACCOUNT_ANSWER} }
    c: depositToEscrow(input: $j) { ${ACCOUNT_ANSWER} }
  }`;
const deposits = (s: { accountId: string; guarantorId: string }) => ({
  i: { escrowAccountId: s.accountId, guarantorId: s.guarantorId, amount: '10.00', currency: 'USD', reference: `DOC-${n}-A` },
  j: { escrowAccountId: s.accountId, guarantorId: s.guarantorId, amount: '25.00', currency: 'USD', reference: `DOC-${n}-C` },
});

function expectBothDeposits(data: any) {
  expect(data.a).toMatchObject({ balance: { amount: '10.00' }, deposited: { amount: '10.00' }, holdings: [{ balance: { amount: '10.00' }, unreserved: { amount: '10.00' } }] });
  expect(data.a.movements.map((m: any) => m.amount.amount)).toEqual(['10.00']);
  expect(data.c).toMatchObject({ balance: { amount: '35.00' }, deposited: { amount: '35.00' }, holdings: [{ balance: { amount: '35.00' }, unreserved: { amount: '35.00' } }] });
  expect(data.c.movements.map((m: any) => m.amount.amount)).toEqual(['10.00', '25.00']);
  expect(data.c.movements[0].id).toBe(data.a.movements[0].id);
}

describe('two root mutation fields in one document', () => {
  it('answers the second deposit with its own write and the first', async () => {
    const s = await account();
    const r = await h.run(guarantorCaller(s.guarantorId), TWO_DEPOSITS, deposits(s));
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    expectBothDeposits(r.data);
    // Read back, as the gateway's next fetch would: both deposits ran, once each.
    const back = await h.ok(mediator, `query ($id: ID!) { escrowAccount(id: $id) { ${ACCOUNT_ANSWER} } }`, { id: s.accountId });
    expect(back.escrowAccount).toEqual(r.data!.c);
  });

  it('does the same over HTTP with an Idempotency-Key (one transaction), and a retry replays that answer', async () => {
    const s = await account();
    const key = randomUUID();
    const who = guarantorCaller(s.guarantorId);
    const first = await h.call('guarantors', who, TWO_DEPOSITS, deposits(s), { idempotencyKey: key });
    expect(first.body.errors, JSON.stringify(first.body.errors)).toBeUndefined();
    expectBothDeposits(first.body.data);
    const retry = await h.call('guarantors', who, TWO_DEPOSITS, deposits(s), { idempotencyKey: key });
    expect(retry.body).toEqual(first.body);
    const [{ journals }] = await h.db.query(`SELECT count(*)::int AS journals FROM ledger_journal WHERE escrow_account_id = $1`, [s.accountId]);
    expect(journals).toBe(2);
  });

  it('answers a tranche created after a deposit, in the same document, with the deposit and the tranche', async () => {
    const s = await account();
    const milestoneId = await addMilestone(h, s.agreement, 30);
    const r = await h.run(
      guarantorCaller(s.guarantorId),
      /* GraphQL */ `
        mutation ($d: DepositToEscrowInput!, $t: CreateTrancheInput!) {
          d: depositToEscrow(input: $d) { tranches { id } holdings { reserved { amount } unreserved { amount } } }
          t: createTranche(input: $t) { id escrowAccount { tranches { id } holdings { reserved { amount } unreserved { amount } } } }
        }`,
      {
        d: { escrowAccountId: s.accountId, guarantorId: s.guarantorId, amount: '100.00', currency: 'USD' },
        t: { escrowAccountId: s.accountId, milestoneId, guarantorId: s.guarantorId, amount: '40.00', currency: 'USD' },
      },
    );
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    const data = r.data as any;
    expect(data.d).toEqual({ tranches: [], holdings: [{ reserved: { amount: '0.00' }, unreserved: { amount: '100.00' } }] });
    expect(data.t.escrowAccount).toEqual({ tranches: [{ id: data.t.id }], holdings: [{ reserved: { amount: '40.00' }, unreserved: { amount: '60.00' } }] });
  });
});
