import type { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateGuarantorsSchema1795233000000 implements MigrationInterface {
  name = 'CreateGuarantorsSchema1795233000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE guarantor (
        id uuid PRIMARY KEY,
        name text NOT NULL CHECK (length(btrim(name)) > 0),
        kind text NOT NULL CHECK (kind IN ('UN_BODY', 'STATE', 'REGIONAL_ORGANISATION')),
        roles text[] NOT NULL CHECK (cardinality(roles) > 0 AND roles <@ ARRAY['FUNDER', 'SECURITY_GUARANTOR', 'MONITOR']::text[]),
        registered_at timestamptz NOT NULL,
        registered_by text
      )`);
    await q.query(`CREATE UNIQUE INDEX guarantor_name_key ON guarantor (lower(btrim(name)))`);

    await q.query(`
      CREATE TABLE commitment (
        id uuid PRIMARY KEY,
        guarantor_id uuid NOT NULL REFERENCES guarantor (id),
        agreement_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('SECURITY_ASSURANCE', 'FUNDING_PLEDGE')),
        description text,
        amount_minor bigint,
        currency text CHECK (currency ~ '^[A-Z]{3}$'),
        pledged_at timestamptz NOT NULL,
        pledged_by text,
        committed_at timestamptz,
        committed_by text,
        paid_at timestamptz,
        paid_by text,
        CONSTRAINT commitment_kind_fields CHECK (
          (kind = 'FUNDING_PLEDGE' AND coalesce(amount_minor, 0) > 0 AND currency IS NOT NULL)
          OR (kind = 'SECURITY_ASSURANCE' AND amount_minor IS NULL AND currency IS NULL AND length(btrim(coalesce(description, ''))) > 0)
        ),
        CONSTRAINT commitment_order CHECK (
          (committed_at IS NULL OR committed_at >= pledged_at)
          AND (paid_at IS NULL OR (kind = 'FUNDING_PLEDGE' AND committed_at IS NOT NULL AND paid_at >= committed_at))
        )
      )`);
    await q.query(`CREATE INDEX commitment_guarantor_idx ON commitment (guarantor_id, agreement_id)`);
    await q.query(`CREATE INDEX commitment_agreement_idx ON commitment (agreement_id)`);

    await q.query(`
      CREATE TABLE escrow_account (
        id uuid PRIMARY KEY,
        agreement_id uuid NOT NULL,
        beneficiary_party_id uuid NOT NULL,
        currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
        opened_at timestamptz NOT NULL,
        opened_by text,
        CONSTRAINT escrow_account_id_currency_key UNIQUE (id, currency)
      )`);
    await q.query(`CREATE UNIQUE INDEX escrow_account_agreement_beneficiary_currency_key ON escrow_account (agreement_id, beneficiary_party_id, currency)`);
    await q.query(`CREATE INDEX escrow_account_beneficiary_idx ON escrow_account (beneficiary_party_id)`);

    // Every ledger account belongs to one escrow account and carries its currency (composite key), so
    // no entry can mix currencies.
    await q.query(`
      CREATE TABLE ledger_account (
        id uuid PRIMARY KEY,
        escrow_account_id uuid NOT NULL,
        kind text NOT NULL CHECK (kind IN ('FUNDING_SOURCE', 'ESCROW', 'BENEFICIARY', 'GUARANTOR_REFUND')),
        guarantor_id uuid REFERENCES guarantor (id),
        currency text NOT NULL,
        CONSTRAINT ledger_account_escrow_currency_fkey FOREIGN KEY (escrow_account_id, currency) REFERENCES escrow_account (id, currency),
        CONSTRAINT ledger_account_owner CHECK ((kind = 'BENEFICIARY') = (guarantor_id IS NULL)),
        CONSTRAINT ledger_account_id_currency_key UNIQUE (id, currency)
      )`);
    await q.query(`CREATE UNIQUE INDEX ledger_account_guarantor_key ON ledger_account (escrow_account_id, kind, guarantor_id) WHERE guarantor_id IS NOT NULL`);
    await q.query(`CREATE UNIQUE INDEX ledger_account_beneficiary_key ON ledger_account (escrow_account_id) WHERE kind = 'BENEFICIARY'`);

    await q.query(`
      CREATE TABLE tranche (
        id uuid PRIMARY KEY,
        sequence bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        escrow_account_id uuid NOT NULL,
        milestone_id uuid NOT NULL,
        guarantor_id uuid NOT NULL REFERENCES guarantor (id),
        currency text NOT NULL,
        amount_minor bigint NOT NULL CHECK (amount_minor > 0),
        description text,
        created_at timestamptz NOT NULL,
        created_by text,
        CONSTRAINT tranche_escrow_currency_fkey FOREIGN KEY (escrow_account_id, currency) REFERENCES escrow_account (id, currency),
        CONSTRAINT tranche_holding_key UNIQUE (id, escrow_account_id, guarantor_id, currency)
      )`);
    await q.query(`CREATE INDEX tranche_milestone_idx ON tranche (milestone_id)`);
    await q.query(`CREATE INDEX tranche_holding_idx ON tranche (escrow_account_id, guarantor_id, sequence)`);
    await q.query(`CREATE INDEX tranche_guarantor_idx ON tranche (guarantor_id)`);

    await q.query(`
      CREATE TABLE tranche_approval (
        tranche_id uuid PRIMARY KEY REFERENCES tranche (id),
        approved_by text NOT NULL,
        approved_by_subject text NOT NULL CHECK (length(approved_by_subject) > 0),
        approved_at timestamptz NOT NULL,
        note text
      )`);

    await q.query(`
      CREATE TABLE penalty_schedule (
        agreement_id uuid PRIMARY KEY,
        forfeit_basis_points integer NOT NULL CHECK (forfeit_basis_points BETWEEN 0 AND 10000),
        description text,
        set_at timestamptz NOT NULL,
        set_by text
      )`);

    // Journals and tranches are numbered in the order they were written (`sequence`), so "oldest first"
    // never depends on two timestamps being equal.
    // A RELEASE or FORFEIT journal names its tranche, and the tranche's own account, guarantor and
    // currency (composite foreign key): money for a tranche can only move within its holding.
    await q.query(`
      CREATE TABLE ledger_journal (
        id uuid PRIMARY KEY,
        sequence bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        kind text NOT NULL CHECK (kind IN ('DEPOSIT', 'RELEASE', 'FORFEIT')),
        escrow_account_id uuid NOT NULL,
        guarantor_id uuid NOT NULL REFERENCES guarantor (id),
        tranche_id uuid,
        currency text NOT NULL,
        amount_minor bigint NOT NULL CHECK (amount_minor > 0),
        basis_points integer CHECK (basis_points BETWEEN 0 AND 10000),
        reference text,
        recorded_at timestamptz NOT NULL,
        recorded_by text,
        recorded_by_subject text,
        CONSTRAINT ledger_journal_escrow_currency_fkey FOREIGN KEY (escrow_account_id, currency) REFERENCES escrow_account (id, currency),
        CONSTRAINT ledger_journal_tranche_fkey FOREIGN KEY (tranche_id, escrow_account_id, guarantor_id, currency)
          REFERENCES tranche (id, escrow_account_id, guarantor_id, currency),
        CONSTRAINT ledger_journal_id_currency_key UNIQUE (id, currency),
        CONSTRAINT ledger_journal_tranche_kind CHECK ((kind = 'DEPOSIT') = (tranche_id IS NULL)),
        CONSTRAINT ledger_journal_basis_points_kind CHECK ((kind = 'FORFEIT') = (basis_points IS NOT NULL))
      )`);
    // A tranche is released at most once and forfeited at most once, whatever the concurrency.
    await q.query(`CREATE UNIQUE INDEX ledger_journal_release_key ON ledger_journal (tranche_id) WHERE kind = 'RELEASE'`);
    await q.query(`CREATE UNIQUE INDEX ledger_journal_forfeit_key ON ledger_journal (tranche_id) WHERE kind = 'FORFEIT'`);
    await q.query(`CREATE INDEX ledger_journal_account_idx ON ledger_journal (escrow_account_id, sequence)`);

    await q.query(`
      CREATE TABLE ledger_entry (
        id uuid PRIMARY KEY,
        journal_id uuid NOT NULL,
        account_id uuid NOT NULL,
        currency text NOT NULL,
        amount_minor bigint NOT NULL CHECK (amount_minor <> 0),
        CONSTRAINT ledger_entry_journal_fkey FOREIGN KEY (journal_id, currency) REFERENCES ledger_journal (id, currency),
        CONSTRAINT ledger_entry_account_fkey FOREIGN KEY (account_id, currency) REFERENCES ledger_account (id, currency)
      )`);
    await q.query(`CREATE INDEX ledger_entry_journal_idx ON ledger_entry (journal_id)`);
    await q.query(`CREATE INDEX ledger_entry_account_idx ON ledger_entry (account_id)`);

    // The double-entry rules, checked at commit whatever writes the tables: each journal has at least two
    // entries on accounts of its own escrow account, they sum to zero, its positive entries add up to its
    // amount, and no ESCROW account goes below zero. The service checks all of this first, with clear
    // messages; these triggers are the backstop.
    await q.query(`
      CREATE FUNCTION ledger_check_journal(journal uuid) RETURNS void LANGUAGE plpgsql AS $$
      DECLARE
        j ledger_journal%ROWTYPE;
        n integer;
        total numeric;
        credited numeric;
        strangers integer;
      BEGIN
        SELECT * INTO j FROM ledger_journal WHERE id = journal;
        SELECT count(*), coalesce(sum(e.amount_minor), 0), coalesce(sum(e.amount_minor) FILTER (WHERE e.amount_minor > 0), 0),
               count(*) FILTER (WHERE a.escrow_account_id <> j.escrow_account_id)
          INTO n, total, credited, strangers
          FROM ledger_entry e JOIN ledger_account a ON a.id = e.account_id
         WHERE e.journal_id = journal;
        IF n < 2 OR total <> 0 OR credited <> j.amount_minor OR strangers > 0 THEN
          RAISE EXCEPTION 'ledger journal % does not balance: % entries summing to %, % credited for an amount of %, % on another escrow account',
            journal, n, total, credited, j.amount_minor, strangers USING ERRCODE = 'check_violation';
        END IF;
        IF EXISTS (
          SELECT 1 FROM ledger_account a
           WHERE a.kind = 'ESCROW'
             AND a.id IN (SELECT account_id FROM ledger_entry WHERE journal_id = journal)
             AND (SELECT sum(amount_minor) FROM ledger_entry WHERE account_id = a.id) < 0
        ) THEN
          RAISE EXCEPTION 'ledger journal % overdraws an escrow holding', journal USING ERRCODE = 'check_violation';
        END IF;
      END $$`);
    await q.query(`
      CREATE FUNCTION ledger_journal_balances() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_TABLE_NAME = 'ledger_journal' THEN
          PERFORM ledger_check_journal(NEW.id);
        ELSE
          PERFORM ledger_check_journal(NEW.journal_id);
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE CONSTRAINT TRIGGER ledger_journal_balanced AFTER INSERT ON ledger_journal
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_journal_balances()`);
    await q.query(`
      CREATE CONSTRAINT TRIGGER ledger_entry_balanced AFTER INSERT ON ledger_entry
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ledger_journal_balances()`);

    // The ledger is a record of what happened: corrections are new journals, never edits.
    await q.query(`
      CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the ledger is append-only: % on % is not allowed; record a correcting journal instead', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'restrict_violation';
      END $$`);
    for (const table of ['ledger_journal', 'ledger_entry']) {
      await q.query(`CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION ledger_append_only()`);
      await q.query(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['ledger_entry', 'ledger_journal', 'penalty_schedule', 'tranche_approval', 'tranche', 'ledger_account', 'escrow_account', 'commitment', 'guarantor']) {
      await q.query(`DROP TABLE ${table}`);
    }
    for (const fn of ['ledger_append_only()', 'ledger_journal_balances()', 'ledger_check_journal(uuid)']) {
      await q.query(`DROP FUNCTION ${fn}`);
    }
  }
}
