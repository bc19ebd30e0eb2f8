import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { codes, createTestDatabase, testEvidenceLog, type GraphQLResult, type TestDatabase } from '@treaty/testing';
import { EvidenceLog1795270000000, createDataSource, isUniqueViolation, migrate } from '@treaty/service-kit';
import type { DataSource, EntityManager } from 'typeorm';
import { EscrowAccount, Guarantor, entities } from '../src/entities/index.js';
import { ledgerAccount, postTransfer } from '../src/ledger.js';
import { migrations } from '../src/migrations/index.js';
import { guarantors } from '../src/server.js';
import { CreateGuarantorsSchema1795233000000 } from '../src/migrations/1795233000000-CreateGuarantorsSchema.js';
import { DepositReferenceUniquePerAccount1795240000000 } from '../src/migrations/1795240000000-DepositReferenceUniquePerAccount.js';
import { DEPOSIT, createAgreement, guarantorCaller, mediator, openAccount, registerGuarantor, startGuarantors, type Harness } from './harness.js';

const KEY = 'ledger_journal_deposit_reference_key';

let h: Harness;
let un: string;
let state: string;

beforeAll(async () => {
  h = await startGuarantors();
  un = await registerGuarantor(h, 'UN Stabilisation Trust', 'UN_BODY', ['FUNDER']);
  state = await registerGuarantor(h, 'Republic of Norvale', 'STATE', ['FUNDER']);
});
afterAll(async () => {
  await h?.expectLedgerReconciles();
  await h?.stop();
});

const depositAs = (guarantorId: string, escrowAccountId: string, amount: string, reference?: string) =>
  h.run(guarantorCaller(guarantorId), DEPOSIT, { input: { escrowAccountId, guarantorId, amount, currency: 'USD', ...(reference === undefined ? {} : { reference }) } });

const MOVEMENTS = /* GraphQL */ `query ($id: ID!) { escrowAccount(id: $id) { balance { amount } movements { id amount { amount } reference recordedAt recordedBy } } }`;
const account = async (id: string) => (await h.ok(mediator, MOVEMENTS, { id })).escrowAccount as { balance: { amount: string }; movements: { id: string; amount: { amount: string }; reference: string | null; recordedAt: string; recordedBy: string }[] };

/** A fresh USD escrow account (of a new agreement), so that tests do not depend on each other's references. */
async function freshAccount() {
  const a = await createAgreement(h);
  return openAccount(h, a.id, a.government, 'USD');
}

/** The refusal of a deposit whose reference is taken: its code, the field, and a message naming the deposit that holds it and what to do. */
function expectReferenceTaken(r: GraphQLResult<any>, holder: { id: string; amount: string; recordedAt: string; reference: string }) {
  expect(codes(r)).toEqual(['BAD_USER_INPUT']);
  expect(r.data ?? null).toBeNull();
  const problems = (r.errors![0]!.extensions!.details as { problems: { path: string; message: string }[] }).problems;
  expect(problems.map((p) => p.path)).toEqual(['input.reference']);
  const message = r.errors![0]!.message;
  expect(message).toContain(`Reference "${holder.reference}" is already on deposit ${holder.id}`);
  expect(message).toContain(`${holder.amount} USD, booked ${holder.recordedAt}`);
  expect(message).toMatch(/If this request is a retry of that deposit, do nothing more/);
  expect(message).toMatch(/bank's own unique reference/);
}

describe('a deposit reference is booked once per escrow account', () => {
  it('refuses the same reference twice, naming the first deposit, and leaves the ledger as it was', async () => {
    const id = await freshAccount();
    expect((await depositAs(un, id, '250000.00', 'NRV-TRF-2026-0117')).errors).toBeUndefined();
    const first = (await account(id)).movements[0]!;
    expect(first).toMatchObject({ amount: { amount: '250000.00' }, reference: 'NRV-TRF-2026-0117' });
    h.clock.advance(5 * 60_000);

    for (const [who, amount] of [[un, '250000.00'], [un, '1.00'], [state, '250000.00']] as const) {
      // The retry, a different amount, and another guarantor's deposit into the same account: all the same reference.
      const r = await h.expectRefused(() => depositAs(who, id, amount, 'NRV-TRF-2026-0117'), 'BAD_USER_INPUT');
      expectReferenceTaken(r, { id: first.id, amount: '250000.00', recordedAt: first.recordedAt, reference: 'NRV-TRF-2026-0117' });
    }
    const after = await account(id);
    expect(after.balance.amount).toBe('250000.00');
    expect(after.movements).toHaveLength(1);
  });

  it('accepts the same reference in another escrow account', async () => {
    const a = await freshAccount();
    const b = await freshAccount();
    expect((await depositAs(un, a, '10.00', 'SHARED-REF-9')).errors).toBeUndefined();
    const r = await depositAs(un, b, '20.00', 'SHARED-REF-9');
    expect(r.errors).toBeUndefined();
    expect(r.data!.depositToEscrow.balance.amount).toBe('20.00');
    expect((await account(b)).movements.map((m) => m.reference)).toEqual(['SHARED-REF-9']);
  });

  it('compares references ignoring surrounding whitespace and letter case, and keeps the first as sent (trimmed)', async () => {
    const id = await freshAccount();
    expect((await depositAs(un, id, '75.50', '  Norvale/Wire/00042 ')).errors).toBeUndefined();
    const first = (await account(id)).movements[0]!;
    expect(first.reference).toBe('Norvale/Wire/00042');
    for (const variant of ['Norvale/Wire/00042', '\tNorvale/Wire/00042\n', 'NORVALE/WIRE/00042', ' norvale/wire/00042  ']) {
      const r = await h.expectRefused(() => depositAs(un, id, '75.50', variant), 'BAD_USER_INPUT');
      expectReferenceTaken(r, { id: first.id, amount: '75.50', recordedAt: first.recordedAt, reference: 'Norvale/Wire/00042' });
    }
    // Only the ends are trimmed, and a longer reference is another one: these are booked.
    for (const other of ['Norvale/Wire/000421', 'Norvale/ Wire/00042']) expect((await depositAs(un, id, '1.00', other)).errors).toBeUndefined();
    const after = await account(id);
    expect(after.balance.amount).toBe('77.50');
    expect(after.movements.map((m) => m.reference)).toEqual(['Norvale/Wire/00042', 'Norvale/Wire/000421', 'Norvale/ Wire/00042']);
  });

  it('books a deposit without a reference each time it is sent, as before', async () => {
    const id = await freshAccount();
    for (let i = 0; i < 2; i++) expect((await depositAs(un, id, '40.00')).errors).toBeUndefined();
    const after = await account(id);
    expect(after.balance.amount).toBe('80.00');
    expect(after.movements.map((m) => [m.amount.amount, m.reference])).toEqual([['40.00', null], ['40.00', null]]);
  });

  it('books exactly one of two concurrent deposits with one reference; the other gets the same refusal', async () => {
    // Several rounds, each in a fresh account, so that both requests often pass the check before either has written.
    for (let round = 0; round < 4; round++) {
      const id = await freshAccount();
      const before = await h.counts();
      const results = await Promise.all([depositAs(un, id, '500.00', `RACE-${round}`), depositAs(state, id, '500.00', ` race-${round}`)]);
      const booked = results.filter((r) => !r.errors);
      const refused = results.filter((r) => r.errors);
      expect(booked).toHaveLength(1);
      expect(refused).toHaveLength(1);
      const after = await account(id);
      expect(after.balance.amount).toBe('500.00');
      expect(after.movements).toHaveLength(1);
      const winner = after.movements[0]!;
      expectReferenceTaken(refused[0]!, { id: winner.id, amount: '500.00', recordedAt: winner.recordedAt, reference: winner.reference! });
      const counts = await h.counts();
      expect(counts.ledger_journal).toBe(before.ledger_journal! + 1);
      expect(counts.ledger_entry).toBe(before.ledger_entry! + 2);
    }
  });

  it('refuses, with the same message, a deposit that loses to one committed while it was being booked (the unique index)', async () => {
    const id = await freshAccount();
    // Each guarantor's ledger accounts exist already, so that the only thing the two writers can meet on is the reference.
    for (const g of [un, state]) expect((await depositAs(g, id, '1.00')).errors).toBeUndefined();
    const before = await h.counts();

    // Another writer books the reference and holds its transaction open: the request's own check cannot see it.
    const runner = h.db.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    let winner: { id: string };
    let pending: Promise<GraphQLResult<any>> | undefined;
    try {
      winner = await bookDeposit(runner.manager, id, state, 90_000n, 'NRV-HELD-7');
      pending = depositAs(un, id, '900.00', 'nrv-held-7');
      // Wait until the request is blocked on the index, i.e. it got past its own check.
      await vi.waitFor(
        async () => {
          const [{ n }] = await h.db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
          expect(n).toBe(1);
        },
        { timeout: 10_000, interval: 20 },
      );
      await runner.commitTransaction();
    } finally {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      await runner.release();
    }
    const r = await pending!;
    const held = (await account(id)).movements.find((m) => m.id === winner.id)!;
    expectReferenceTaken(r, { id: winner.id, amount: '900.00', recordedAt: held.recordedAt, reference: 'NRV-HELD-7' });
    // Only the other writer's journal landed, with its evidence log entry; the loser wrote nothing.
    const counts = await h.counts();
    expect(counts).toEqual({ ...before, ledger_journal: before.ledger_journal! + 1, ledger_entry: before.ledger_entry! + 2, evidence_entry: before.evidence_entry! + 1 });
    expect((await account(id)).balance.amount).toBe('902.00');
  });

  it('is held by a plain partial unique index on a new database, with no exceptions', async () => {
    const [{ indexdef }] = await h.db.query(`SELECT indexdef FROM pg_indexes WHERE indexname = $1`, [KEY]);
    expect(indexdef).toMatch(/^CREATE UNIQUE INDEX ledger_journal_deposit_reference_key ON public\.ledger_journal USING btree \(escrow_account_id, lower\(btrim\(reference\)\)\) WHERE \(\(kind = 'DEPOSIT'::text\) AND \(reference IS NOT NULL\)\)$/);
  });
});

/** Books a deposit with the service's own ledger code, inside `m`'s transaction. */
async function bookDeposit(m: EntityManager, escrowAccountId: string, guarantorId: string, amountMinor: bigint, reference: string | null, at = new Date('2026-03-02T09:00:00.000Z')) {
  const escrow = await m.findOneByOrFail(EscrowAccount, { id: escrowAccountId });
  const source = await ledgerAccount(m, escrow, 'FUNDING_SOURCE', guarantorId);
  const holding = await ledgerAccount(m, escrow, 'ESCROW', guarantorId);
  return postTransfer(m, { kind: 'DEPOSIT', escrow, guarantorId, amountMinor, reference, at, caller: guarantorCaller(guarantorId), evidence: testEvidenceLog(guarantors, { now: () => at }) }, source, holding);
}

describe('the migration, on a database that already repeats references', () => {
  let t: TestDatabase;
  let migrated: DataSource | undefined;

  beforeAll(async () => {
    t = await createTestDatabase('guarantors_refs', { entities, migrations: [CreateGuarantorsSchema1795233000000] });
    // The deposits below are booked with today's ledger code, which logs every movement of money: the
    // evidence log's tables come first (the migration under test neither needs nor touches them).
    const q = t.db.createQueryRunner();
    await new EvidenceLog1795270000000().up(q);
    await q.release();
  });
  afterAll(async () => {
    if (migrated?.isInitialized) await migrated.destroy();
    await t?.drop();
  });

  it('keeps every row as it was, leaves only the later repeats out of the index, names them, and undoes cleanly', async () => {
    const g = crypto.randomUUID();
    const [a, b] = [crypto.randomUUID(), crypto.randomUUID()];
    const ids: Record<string, string> = {};
    await t.db.transaction(async (m) => {
      await m.insert(Guarantor, { id: g, name: 'Federation of Osterlund', kind: 'STATE', roles: ['FUNDER'], registeredAt: new Date(), registeredBy: 'test' });
      for (const id of [a, b]) {
        await m.insert(EscrowAccount, { id, agreementId: crypto.randomUUID(), beneficiaryPartyId: crypto.randomUUID(), currency: 'USD', openedAt: new Date(), openedBy: 'test' });
      }
      // Booked before references were unique: a repeat in other case, an exact repeat, a unique one, and the same reference in another account.
      ids.first = (await bookDeposit(m, a, g, 1000n, 'OST-77')).id;
      ids.otherCase = (await bookDeposit(m, a, g, 1000n, 'ost-77')).id;
      ids.exact = (await bookDeposit(m, a, g, 2500n, 'OST-77')).id;
      ids.unique = (await bookDeposit(m, a, g, 300n, 'OST-78')).id;
      ids.elsewhere = (await bookDeposit(m, b, g, 400n, 'OST-77')).id;
      await bookDeposit(m, a, g, 50n, null);
      await bookDeposit(m, a, g, 50n, null);
    });
    const ledger = () => t.db.query(`SELECT j.id, j.reference, j.amount_minor::text, (SELECT sum(amount_minor)::text FROM ledger_entry e WHERE e.journal_id = j.id) AS net FROM ledger_journal j ORDER BY sequence`);
    const before = await ledger();

    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      // The service's migrations up to this one (later ones are not under test here, and undo comes back to it).
      const upToThis = migrations.slice(0, migrations.indexOf(DepositReferenceUniquePerAccount1795240000000) + 1);
      expect(upToThis).toEqual([CreateGuarantorsSchema1795233000000, DepositReferenceUniquePerAccount1795240000000]);
      migrated = createDataSource({ url: t.url, entities, migrations: upToThis, applicationName: 'test-guarantors-migration' });
      expect(await migrate(migrated)).toEqual(['DepositReferenceUniquePerAccount1795240000000']);
      const warnings = warn.mock.calls.map((c) => String(c[0])).filter((w) => w.includes(KEY));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^ledger_journal_deposit_reference_key: 2 deposit\(s\) booked before this migration repeat the reference/);
      expect(warnings[0]).toContain(`Journal ${ids.otherCase} (1000 minor units USD, recorded 2026-03-02T09:00:00.000Z) repeats reference "ost-77" of journal ${ids.first} in escrow account ${a}.`);
      expect(warnings[0]).toContain(`Journal ${ids.exact} (2500 minor units USD, recorded 2026-03-02T09:00:00.000Z) repeats reference "OST-77" of journal ${ids.first} in escrow account ${a}.`);
      for (const id of [ids.unique, ids.elsewhere]) expect(warnings[0]).not.toContain(id);
    } finally {
      warn.mockRestore();
    }
    expect(await ledger()).toEqual(before);

    const [{ indexdef }] = await migrated.query(`SELECT indexdef FROM pg_indexes WHERE indexname = $1`, [KEY]);
    for (const id of [ids.otherCase, ids.exact]) expect(indexdef).toContain(id);
    for (const id of [ids.first, ids.unique, ids.elsewhere]) expect(indexdef).not.toContain(id);

    // The first of a repeated reference and every unique one are in the index: no new deposit can take them.
    for (const [account, reference] of [[a, ' Ost-77'], [a, 'OST-78'], [b, 'ost-77']] as const) {
      const attempt = migrated.transaction((m) => bookDeposit(m, account, g, 10n, reference.trim()));
      await expect(attempt).rejects.toSatisfy((e: unknown) => isUniqueViolation(e, KEY));
    }
    await migrated.transaction((m) => bookDeposit(m, a, g, 10n, 'OST-79'));
    const count = async () => (await migrated!.query(`SELECT count(*)::int AS n FROM ledger_journal`))[0].n as number;
    expect(await count()).toBe(before.length + 1);

    await migrated.undoLastMigration();
    expect(await migrated.query(`SELECT indexname FROM pg_indexes WHERE indexname = $1`, [KEY])).toEqual([]);
    await migrated.transaction((m) => bookDeposit(m, a, g, 10n, 'OST-79'));
    expect(await count()).toBe(before.length + 2);
  });
});
