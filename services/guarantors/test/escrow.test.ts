import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymous, caller, codes } from '@treaty/testing';
import { CEILINGS, CURRENCIES, groupedMajor } from '../src/domain/money.js';
import {
  CREATE_TRANCHE,
  DEPOSIT,
  OPEN_ACCOUNT,
  PLEDGE,
  addMilestone,
  createAgreement,
  deposit,
  guarantorCaller,
  mediator,
  openAccount,
  registerGuarantor,
  startGuarantors,
  type Harness,
} from './harness.js';

let h: Harness;
let agreement: Awaited<ReturnType<typeof createAgreement>>;
let other: Awaited<ReturnType<typeof createAgreement>>;
let un: string;
let state: string;
let monitorOnly: string;
let usd: string;

beforeAll(async () => {
  h = await startGuarantors();
  agreement = await createAgreement(h);
  other = await createAgreement(h);
  un = await registerGuarantor(h, 'UN Ceasefire Support Fund', 'UN_BODY', ['FUNDER']);
  state = await registerGuarantor(h, 'Kingdom of Valmere', 'STATE', ['FUNDER', 'SECURITY_GUARANTOR']);
  monitorOnly = await registerGuarantor(h, 'Observer Mission of Tessaly', 'STATE', ['MONITOR']);
  usd = await openAccount(h, agreement.id, agreement.government, 'USD');
});
afterAll(async () => {
  await h?.expectLedgerReconciles();
  await h?.stop();
});

const depositInput = (escrowAccountId: string, guarantorId: string, amount: string, currency = 'USD') => ({ input: { escrowAccountId, guarantorId, amount, currency } });
const BALANCES = (id: string) => `{ escrowAccount(id: "${id}") { currency balance { amount currency } deposited { amount } released { amount } refunded { amount }
  holdings { guarantor { name } balance { amount } } movements { kind amount { amount } guarantor { id } reference tranche { id } } } }`;

describe('openEscrowAccount', () => {
  it('opens an account for a party of the agreement, in one currency, with a zero balance', async () => {
    // A minute later, so that "oldest first" has an order to show (the clock is fixed).
    h.clock.advance(60_000);
    const id = await openAccount(h, agreement.id, agreement.movement, 'EUR');
    const r = await h.ok(mediator, BALANCES(id));
    expect(r.escrowAccount).toMatchObject({ currency: 'EUR', balance: { amount: '0.00', currency: 'EUR' }, deposited: { amount: '0.00' }, holdings: [], movements: [] });
    const listed = await h.ok(anonymous, `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Agreement { escrowAccounts { id currency beneficiary { id } } } } }`, {
      r: [{ __typename: 'Agreement', id: agreement.id }],
    });
    expect(listed._entities[0].escrowAccounts).toEqual([
      { id: usd, currency: 'USD', beneficiary: { id: agreement.government } },
      { id, currency: 'EUR', beneficiary: { id: agreement.movement } },
    ]);
  });

  it('allows another currency for the same beneficiary, but not a second account in the same one', async () => {
    await openAccount(h, agreement.id, agreement.government, 'JPY');
    await h.expectRefused(
      () => h.run(mediator, OPEN_ACCOUNT, { input: { agreementId: agreement.id, beneficiaryPartyId: agreement.government, currency: 'USD' } }),
      'BAD_USER_INPUT',
      new RegExp(`already has a USD escrow account .*\\(id ${usd}\\)`),
    );
  });

  it('confirms with milestones that the beneficiary is a party to the agreement', async () => {
    await h.expectRefused(
      () => h.run(mediator, OPEN_ACCOUNT, { input: { agreementId: agreement.id, beneficiaryPartyId: other.government, currency: 'USD' } }),
      'BAD_USER_INPUT',
      /must be a party to "Ardenne Accord/,
    );
    await h.expectRefused(
      () => h.run(mediator, OPEN_ACCOUNT, { input: { agreementId: '00000000-0000-4000-8000-000000000010', beneficiaryPartyId: agreement.government, currency: 'USD' } }),
      'NOT_FOUND',
      /No agreement/,
    );
  });

  it('refuses an unsupported currency and callers who are not MEDIATORs', async () => {
    await h.expectRefused(() => h.run(mediator, OPEN_ACCOUNT, { input: { agreementId: other.id, beneficiaryPartyId: other.government, currency: 'usd' } }), 'BAD_USER_INPUT', /ISO 4217/);
    await h.expectRefused(
      () => h.run(guarantorCaller(un), OPEN_ACCOUNT, { input: { agreementId: other.id, beneficiaryPartyId: other.government, currency: 'USD' } }),
      'FORBIDDEN',
      /needs the MEDIATOR role/,
    );
  });
});

describe('depositToEscrow', () => {
  it('records each deposit as a balanced journal; the balance is the sum of the ledger, exact to the cent', async () => {
    const account = await openAccount(h, other.id, other.government, 'USD');
    await deposit(h, account, un, '0.10');
    await deposit(h, account, un, '0.20');
    const r = await h.ok(guarantorCaller(state), DEPOSIT, { input: { escrowAccountId: account, guarantorId: state, amount: '1250000', currency: 'USD', reference: 'VAL-TRF-2026-0042' } });
    expect(r.depositToEscrow.balance).toEqual({ amount: '1250000.30', currency: 'USD' });
    const read = await h.ok(mediator, BALANCES(account));
    expect(read.escrowAccount).toMatchObject({ balance: { amount: '1250000.30' }, deposited: { amount: '1250000.30' }, released: { amount: '0.00' }, refunded: { amount: '0.00' } });
    expect(read.escrowAccount.holdings).toEqual(
      expect.arrayContaining([
        { guarantor: { name: 'UN Ceasefire Support Fund' }, balance: { amount: '0.30' } },
        { guarantor: { name: 'Kingdom of Valmere' }, balance: { amount: '1250000.00' } },
      ]),
    );
    expect(read.escrowAccount.movements.map((m: any) => [m.kind, m.amount.amount, m.reference])).toEqual([
      ['DEPOSIT', '0.10', null],
      ['DEPOSIT', '0.20', null],
      ['DEPOSIT', '1250000.00', 'VAL-TRF-2026-0042'],
    ]);
    // No balance is stored anywhere: the ledger holds only journals and signed entries.
    const entries = await h.db.query(
      `SELECT a.kind, e.amount_minor::text AS minor FROM ledger_entry e JOIN ledger_account a ON a.id = e.account_id WHERE a.escrow_account_id = $1 ORDER BY e.amount_minor`,
      [account],
    );
    expect(entries).toEqual([
      { kind: 'FUNDING_SOURCE', minor: '-125000000' },
      { kind: 'FUNDING_SOURCE', minor: '-20' },
      { kind: 'FUNDING_SOURCE', minor: '-10' },
      { kind: 'ESCROW', minor: '10' },
      { kind: 'ESCROW', minor: '20' },
      { kind: 'ESCROW', minor: '125000000' },
    ]);
    await h.expectLedgerReconciles();
  });

  it('keeps zero-decimal and three-decimal currencies exact', async () => {
    const jpy = await openAccount(h, other.id, other.movement, 'JPY');
    const kwd = await openAccount(h, other.id, other.movement, 'KWD');
    expect((await deposit(h, jpy, un, '1500000', 'JPY')).balance).toEqual({ amount: '1500000', currency: 'JPY' });
    expect((await deposit(h, kwd, un, '12.345', 'KWD')).balance).toEqual({ amount: '12.345', currency: 'KWD' });
    await h.expectRefused(() => h.run(guarantorCaller(un), DEPOSIT, depositInput(jpy, un, '1500.5', 'JPY')), 'BAD_USER_INPUT', /JPY has no minor unit/);
    await h.expectRefused(() => h.run(guarantorCaller(un), DEPOSIT, depositInput(kwd, un, '1.2345', 'KWD')), 'BAD_USER_INPUT', /4 decimals but KWD allows 3/);
  });

  it('refuses a deposit in another currency than the account\'s, naming both', async () => {
    await h.expectRefused(() => h.run(guarantorCaller(un), DEPOSIT, depositInput(usd, un, '100.00', 'EUR')), 'BAD_USER_INPUT', /kept in USD; deposit USD/);
  });

  it('refuses negative, zero, malformed, over-precise and oversized amounts, writing nothing', async () => {
    const g = guarantorCaller(un);
    await h.expectRefused(() => h.run(g, DEPOSIT, depositInput(usd, un, '-100.00')), 'BAD_USER_INPUT', /negative/);
    await h.expectRefused(() => h.run(g, DEPOSIT, depositInput(usd, un, '0.00')), 'BAD_USER_INPUT', /zero/);
    await h.expectRefused(() => h.run(g, DEPOSIT, depositInput(usd, un, '1,000.00')), 'BAD_USER_INPUT', /not a decimal amount/);
    await h.expectRefused(() => h.run(g, DEPOSIT, depositInput(usd, un, '1e6')), 'BAD_USER_INPUT', /not a decimal amount/);
    await h.expectRefused(() => h.run(g, DEPOSIT, depositInput(usd, un, '10.005')), 'BAD_USER_INPUT', /3 decimals but USD allows 2/);
    await h.expectRefused(() => h.run(g, DEPOSIT, depositInput(usd, un, '99999999999999999999.00')), 'BAD_USER_INPUT', /more than a single amount may be: at most 10000000000\.00 USD/);
  });

  it('is for the GUARANTOR of the depositing guarantor only, and that guarantor must be a FUNDER', async () => {
    await h.expectRefused(() => h.run(guarantorCaller(state), DEPOSIT, depositInput(usd, un, '5.00')), 'FORBIDDEN', /GUARANTOR role for the guarantor concerned/);
    await h.expectRefused(() => h.run(mediator, DEPOSIT, depositInput(usd, un, '5.00')), 'FORBIDDEN');
    await h.expectRefused(() => h.run(anonymous, DEPOSIT, depositInput(usd, un, '5.00')), 'FORBIDDEN');
    await h.expectRefused(() => h.run(guarantorCaller(monitorOnly), DEPOSIT, depositInput(usd, monitorOnly, '5.00')), 'BAD_USER_INPUT', /needs a guarantor with the FUNDER role/);
  });

  it('refuses unknown accounts and guarantors with NOT_FOUND', async () => {
    await h.expectRefused(() => h.run(guarantorCaller(un), DEPOSIT, depositInput('00000000-0000-4000-8000-000000000011', un, '5.00')), 'NOT_FOUND', /No escrow account/);
    await h.expectRefused(() => h.run(guarantorCaller(un), DEPOSIT, depositInput('acct-1', un, '5.00')), 'NOT_FOUND');
    const ghost = '00000000-0000-4000-8000-000000000012';
    await h.expectRefused(() => h.run(guarantorCaller(ghost), DEPOSIT, depositInput(usd, ghost, '5.00')), 'NOT_FOUND', /No guarantor/);
  });

  it('keeps every concurrent deposit', async () => {
    const account = await openAccount(h, other.id, other.government, 'EUR');
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => h.run(guarantorCaller(un), DEPOSIT, depositInput(account, un, `${i + 1}.01`, 'EUR'))));
    expect(results.every((r) => !r.errors)).toBe(true);
    const r = await h.ok(mediator, BALANCES(account));
    expect(r.escrowAccount.balance.amount).toBe('78.12');
    expect(r.escrowAccount.movements).toHaveLength(12);
    await h.expectLedgerReconciles();
  });
});

describe('amounts: no spaces around them, and a ceiling per currency (issue 14, item 7)', () => {
  it('refuses " 100.00 " on a deposit, a pledge and a tranche, saying so, and writes nothing', async () => {
    const milestoneId = await addMilestone(h, agreement, 20, 'Exchange of lists');
    const spaced = /" 100\.00 " has spaces around it; send the amount alone, like "100\.00"/;
    const attempts = [
      () => h.run(guarantorCaller(un), DEPOSIT, depositInput(usd, un, ' 100.00 ')),
      () => h.run(guarantorCaller(un), PLEDGE, { input: { guarantorId: un, agreementId: agreement.id, kind: 'FUNDING_PLEDGE', amount: ' 100.00 ', currency: 'USD' } }),
      () => h.run(mediator, CREATE_TRANCHE, { input: { escrowAccountId: usd, milestoneId, guarantorId: un, amount: ' 100.00 ', currency: 'USD' } }),
    ];
    for (const attempt of attempts) {
      const r = await h.expectRefused(attempt, 'BAD_USER_INPUT', spaced);
      expect(r.errors![0]!.extensions!.details).toMatchObject({ problems: [{ path: 'input.amount', message: expect.stringMatching(/has spaces around it/) }] });
    }
  });

  it('refuses 90000000000000000.00 USD on a deposit, a pledge and a tranche, stating the ceiling, and accepts the ceiling itself', async () => {
    const milestoneId = await addMilestone(h, agreement, 21, 'Release of the sick and wounded');
    const huge = '90000000000000000.00';
    const ceiling = /90000000000000000\.00 USD is more than a single amount may be: at most 10000000000\.00 USD \(10,000,000,000 USD\)/;
    await h.expectRefused(() => h.run(guarantorCaller(un), DEPOSIT, depositInput(usd, un, huge)), 'BAD_USER_INPUT', ceiling);
    await h.expectRefused(
      () => h.run(guarantorCaller(un), PLEDGE, { input: { guarantorId: un, agreementId: agreement.id, kind: 'FUNDING_PLEDGE', amount: huge, currency: 'USD' } }),
      'BAD_USER_INPUT',
      ceiling,
    );
    await h.expectRefused(() => h.run(mediator, CREATE_TRANCHE, { input: { escrowAccountId: usd, milestoneId, guarantorId: un, amount: huge, currency: 'USD' } }), 'BAD_USER_INPUT', ceiling);
    await h.expectRefused(() => h.run(guarantorCaller(un), DEPOSIT, depositInput(usd, un, '10000000000.01')), 'BAD_USER_INPUT', /at most 10000000000\.00 USD/);
    const big = await openAccount(h, other.id, other.movement, 'USD');
    expect((await deposit(h, big, un, '10000000000.00')).balance).toEqual({ amount: '10000000000.00', currency: 'USD' });
  });

  it('states every currency\'s ceiling in the schema a partner agency reads', async () => {
    const sdl = await readFile(new URL('../src/schema.graphql', import.meta.url), 'utf8');
    const money = sdl.slice(sdl.indexOf('An amount of money'), sdl.indexOf('type Money'));
    expect(Object.keys(CEILINGS).sort()).toEqual(Object.keys(CURRENCIES).sort());
    for (const [currency, major] of Object.entries(CEILINGS)) expect(money).toContain(`${currency} ${groupedMajor(major)}`);
  });
});

describe('who may read balances', () => {
  const query = `{ escrowAccount(id: "ID") { id currency balance { amount } } }`;
  it('MEDIATOR, GUARANTOR and the beneficiary PARTY may; another party and anonymous callers may not', async () => {
    await deposit(h, usd, un, '10.00');
    for (const who of [mediator, caller('GUARANTOR'), caller('PARTY', { partyId: agreement.government })]) {
      const r = await h.ok(who, query.replace('ID', usd));
      expect(r.escrowAccount.balance.amount).not.toBe('0.00');
    }
    for (const who of [caller('PARTY', { partyId: agreement.movement }), anonymous, caller('MONITOR'), caller('AGENCY')]) {
      const r = await h.run(who, query.replace('ID', usd));
      expect(codes(r)).toEqual(['FORBIDDEN']);
      expect(r.errors![0]!.message).toMatch(/needs one of the roles MEDIATOR, GUARANTOR, or the PARTY role for the party concerned/);
    }
    const open = await h.ok(anonymous, `{ escrowAccount(id: "${usd}") { id currency beneficiary { id } } }`);
    expect(open.escrowAccount).toEqual({ id: usd, currency: 'USD', beneficiary: { id: agreement.government } });
    for (const field of ['deposited { amount }', 'holdings { balance { amount } }', 'movements { id }']) {
      expect(codes(await h.run(anonymous, `{ escrowAccount(id: "${usd}") { ${field} } }`))).toEqual(['FORBIDDEN']);
    }
  });
});

describe('the ledger in the database (the backstop behind the service\'s checks)', () => {
  async function journal(q: (sql: string, params?: unknown[]) => Promise<any>, amount: number, entries: number[]) {
    const [escrow] = await q(`SELECT a.id AS escrow, a.guarantor_id, a.escrow_account_id, a.currency FROM ledger_account a WHERE a.kind = 'ESCROW' AND a.escrow_account_id = $1 LIMIT 1`, [usd]);
    const [source] = await q(`SELECT id FROM ledger_account WHERE kind = 'FUNDING_SOURCE' AND escrow_account_id = $1 AND guarantor_id = $2`, [usd, escrow.guarantor_id]);
    const id = crypto.randomUUID();
    await q(`INSERT INTO ledger_journal (id, kind, escrow_account_id, guarantor_id, currency, amount_minor, recorded_at) VALUES ($1, 'DEPOSIT', $2, $3, 'USD', $4, now())`, [id, usd, escrow.guarantor_id, amount]);
    for (const [i, e] of entries.entries()) {
      await q(`INSERT INTO ledger_entry (id, journal_id, account_id, currency, amount_minor) VALUES ($1, $2, $3, 'USD', $4)`, [crypto.randomUUID(), id, i % 2 ? escrow.escrow : source.id, e]);
    }
    return id;
  }

  it('refuses at commit a journal whose entries do not sum to zero, or that overdraws a holding', async () => {
    const before = await h.counts();
    await expect(h.db.transaction((m) => journal((s, p) => m.query(s, p), 500, [-500, 400]))).rejects.toThrow(/does not balance/);
    await expect(h.db.transaction((m) => journal((s, p) => m.query(s, p), 500, [-500]))).rejects.toThrow(/does not balance/);
    await expect(h.db.transaction((m) => journal((s, p) => m.query(s, p), 100_000_000_000, [100_000_000_000, -100_000_000_000]))).rejects.toThrow(/overdraws an escrow holding/);
    expect(await h.counts()).toEqual(before);
    await h.db.transaction((m) => journal((s, p) => m.query(s, p), 500, [-500, 500]));
    await h.expectLedgerReconciles();
  });

  it('refuses entries in another currency than their account and journal', async () => {
    const [entry] = await h.db.query(`SELECT journal_id, account_id FROM ledger_entry LIMIT 1`);
    await expect(
      h.db.query(`INSERT INTO ledger_entry (id, journal_id, account_id, currency, amount_minor) VALUES ($1, $2, $3, 'EUR', 1)`, [crypto.randomUUID(), entry.journal_id, entry.account_id]),
    ).rejects.toThrow(/foreign key/);
  });

  it('is append-only: entries and journals cannot be changed or removed', async () => {
    await expect(h.db.query(`UPDATE ledger_entry SET amount_minor = amount_minor * 2`)).rejects.toThrow(/append-only/);
    await expect(h.db.query(`DELETE FROM ledger_journal`)).rejects.toThrow(/append-only/);
    await expect(h.db.query(`TRUNCATE ledger_entry`)).rejects.toThrow(/append-only/);
  });
});
