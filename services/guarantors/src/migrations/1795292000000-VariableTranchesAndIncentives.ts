import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 20: variable tranches (performance bands, their releases and where the unpaid part went) and
 * graduated incentives (non-monetary benefits in escrow, a units ledger per escrow). The service checks
 * every rule first, with clear messages; the constraints here are the backstops: a tranche's terms and
 * its carry stay in its holding, a variable tranche is released once (primary key) and a step once, a
 * reversion once per snap-back trigger, no escrow releases more units than it was granted or reverts more
 * than it released, and what records money or units is append-only.
 */
export class VariableTranchesAndIncentives1795292000000 implements MigrationInterface {
  name = 'VariableTranchesAndIncentives1795292000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE tranche_performance_terms (
        tranche_id uuid PRIMARY KEY,
        escrow_account_id uuid NOT NULL,
        guarantor_id uuid NOT NULL,
        currency text NOT NULL,
        benchmark_id uuid NOT NULL,
        metric text NOT NULL,
        threshold double precision NOT NULL CHECK (threshold > 0 AND threshold < 'Infinity'),
        band_from_basis_points integer[] NOT NULL,
        band_pays_basis_points integer[] NOT NULL,
        remainder text NOT NULL CHECK (remainder IN ('RETURN_TO_HOLDING', 'CARRY_TO_TRANCHE')),
        carry_to_tranche_id uuid,
        CONSTRAINT tranche_performance_terms_tranche_fkey FOREIGN KEY (tranche_id, escrow_account_id, guarantor_id, currency)
          REFERENCES tranche (id, escrow_account_id, guarantor_id, currency),
        CONSTRAINT tranche_performance_terms_carry_fkey FOREIGN KEY (carry_to_tranche_id, escrow_account_id, guarantor_id, currency)
          REFERENCES tranche (id, escrow_account_id, guarantor_id, currency),
        CONSTRAINT tranche_performance_terms_carry CHECK ((remainder = 'CARRY_TO_TRANCHE') = (carry_to_tranche_id IS NOT NULL) AND carry_to_tranche_id IS DISTINCT FROM tranche_id),
        CONSTRAINT tranche_performance_terms_bands CHECK (
          cardinality(band_from_basis_points) BETWEEN 1 AND 10
          AND cardinality(band_pays_basis_points) = cardinality(band_from_basis_points)
          AND 0 <= ALL (band_from_basis_points) AND 10000 >= ALL (band_from_basis_points)
          AND 1 <= ALL (band_pays_basis_points) AND 10000 >= ALL (band_pays_basis_points)
        )
      )`);
    await q.query(`CREATE INDEX tranche_performance_terms_carry_idx ON tranche_performance_terms (carry_to_tranche_id)`);

    await q.query(`
      CREATE TABLE tranche_performance_release (
        tranche_id uuid PRIMARY KEY REFERENCES tranche_performance_terms (tranche_id),
        escrow_account_id uuid NOT NULL,
        guarantor_id uuid NOT NULL,
        currency text NOT NULL,
        benchmark_id uuid NOT NULL,
        metric text NOT NULL,
        threshold double precision NOT NULL CHECK (threshold > 0),
        measured double precision NOT NULL CHECK (measured >= 0 AND measured < 'Infinity'),
        ratio_basis_points bigint NOT NULL CHECK (ratio_basis_points >= 0),
        band_from_basis_points integer CHECK (band_from_basis_points BETWEEN 0 AND 10000),
        pays_basis_points integer NOT NULL CHECK (pays_basis_points BETWEEN 0 AND 10000),
        remaining_minor bigint NOT NULL CHECK (remaining_minor > 0),
        paid_minor bigint NOT NULL CHECK (paid_minor >= 0),
        unpaid_minor bigint NOT NULL CHECK (unpaid_minor >= 0),
        remainder text CHECK (remainder IN ('RETURN_TO_HOLDING', 'CARRY_TO_TRANCHE')),
        carried_to_tranche_id uuid,
        journal_id uuid REFERENCES ledger_journal (id),
        released_at timestamptz NOT NULL,
        released_by text,
        released_by_subject text,
        CONSTRAINT tranche_performance_release_tranche_fkey FOREIGN KEY (tranche_id, escrow_account_id, guarantor_id, currency)
          REFERENCES tranche (id, escrow_account_id, guarantor_id, currency),
        CONSTRAINT tranche_performance_release_carry_fkey FOREIGN KEY (carried_to_tranche_id, escrow_account_id, guarantor_id, currency)
          REFERENCES tranche (id, escrow_account_id, guarantor_id, currency),
        CONSTRAINT tranche_performance_release_sums CHECK (paid_minor + unpaid_minor = remaining_minor),
        CONSTRAINT tranche_performance_release_band CHECK ((band_from_basis_points IS NULL) = (pays_basis_points = 0)),
        CONSTRAINT tranche_performance_release_journal CHECK ((journal_id IS NULL) = (paid_minor = 0)),
        CONSTRAINT tranche_performance_release_remainder CHECK (
          (remainder IS NULL) = (unpaid_minor = 0)
          AND (carried_to_tranche_id IS NOT NULL) = (remainder IS NOT DISTINCT FROM 'CARRY_TO_TRANCHE')
        )
      )`);
    await q.query(`CREATE INDEX tranche_performance_release_carried_idx ON tranche_performance_release (carried_to_tranche_id)`);
    await q.query(`CREATE UNIQUE INDEX tranche_performance_release_journal_key ON tranche_performance_release (journal_id) WHERE journal_id IS NOT NULL`);

    await q.query(`
      CREATE TABLE incentive_escrow (
        id uuid PRIMARY KEY,
        sequence bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        agreement_id uuid NOT NULL,
        beneficiary_party_id uuid NOT NULL,
        guarantor_id uuid NOT NULL REFERENCES guarantor (id),
        kind text NOT NULL CHECK (kind IN ('TRADE_QUOTA', 'PERMIT', 'ACCESS', 'OTHER')),
        unit text NOT NULL CHECK (length(btrim(unit)) BETWEEN 1 AND 100),
        description text,
        total_units integer NOT NULL CHECK (total_units BETWEEN 1 AND 1000000000),
        step_basis_points integer NOT NULL CHECK (step_basis_points BETWEEN 1 AND 10000),
        milestones_per_step integer NOT NULL CHECK (milestones_per_step BETWEEN 1 AND 100),
        created_at timestamptz NOT NULL,
        created_by text
      )`);
    await q.query(`CREATE INDEX incentive_escrow_agreement_idx ON incentive_escrow (agreement_id)`);
    await q.query(`CREATE INDEX incentive_escrow_guarantor_idx ON incentive_escrow (guarantor_id)`);

    await q.query(`
      CREATE TABLE incentive_milestone (
        incentive_escrow_id uuid NOT NULL REFERENCES incentive_escrow (id),
        milestone_id uuid NOT NULL,
        ordinal integer NOT NULL CHECK (ordinal >= 1),
        PRIMARY KEY (incentive_escrow_id, milestone_id),
        CONSTRAINT incentive_milestone_ordinal_key UNIQUE (incentive_escrow_id, ordinal)
      )`);
    await q.query(`CREATE INDEX incentive_milestone_milestone_idx ON incentive_milestone (milestone_id)`);

    await q.query(`
      CREATE TABLE incentive_step_approval (
        id uuid PRIMARY KEY,
        incentive_escrow_id uuid NOT NULL REFERENCES incentive_escrow (id),
        step integer NOT NULL CHECK (step >= 1),
        approved_by text NOT NULL,
        approved_by_subject text NOT NULL CHECK (length(approved_by_subject) > 0),
        approved_at timestamptz NOT NULL,
        note text
      )`);
    await q.query(`CREATE UNIQUE INDEX incentive_step_approval_step_key ON incentive_step_approval (incentive_escrow_id, step)`);

    await q.query(`
      CREATE TABLE incentive_journal (
        id uuid PRIMARY KEY,
        sequence bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        incentive_escrow_id uuid NOT NULL REFERENCES incentive_escrow (id),
        kind text NOT NULL CHECK (kind IN ('GRANT', 'RELEASE', 'REVERSION')),
        units integer NOT NULL CHECK (units > 0),
        step integer CHECK (step >= 1),
        trigger_at timestamptz,
        effective_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL,
        recorded_by text,
        recorded_by_subject text,
        CONSTRAINT incentive_journal_step_kind CHECK ((kind = 'RELEASE') = (step IS NOT NULL)),
        CONSTRAINT incentive_journal_trigger_kind CHECK ((kind = 'REVERSION') = (trigger_at IS NOT NULL))
      )`);
    // Granted once, each step released once, one reversion per snap-back trigger, whatever the concurrency.
    await q.query(`CREATE UNIQUE INDEX incentive_journal_grant_key ON incentive_journal (incentive_escrow_id) WHERE kind = 'GRANT'`);
    await q.query(`CREATE UNIQUE INDEX incentive_journal_release_key ON incentive_journal (incentive_escrow_id, step) WHERE kind = 'RELEASE'`);
    await q.query(`CREATE UNIQUE INDEX incentive_journal_reversion_key ON incentive_journal (incentive_escrow_id, trigger_at) WHERE kind = 'REVERSION'`);
    await q.query(`CREATE INDEX incentive_journal_escrow_idx ON incentive_journal (incentive_escrow_id, sequence)`);

    // The units ledger balances at commit whatever writes it: nothing granted beyond the escrow's total,
    // no more released than granted, no more reverted than released.
    await q.query(`
      CREATE FUNCTION incentive_journal_balances() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        total integer;
        granted bigint;
        released bigint;
        reverted bigint;
      BEGIN
        SELECT e.total_units,
               coalesce(sum(j.units) FILTER (WHERE j.kind = 'GRANT'), 0),
               coalesce(sum(j.units) FILTER (WHERE j.kind = 'RELEASE'), 0),
               coalesce(sum(j.units) FILTER (WHERE j.kind = 'REVERSION'), 0)
          INTO total, granted, released, reverted
          FROM incentive_escrow e LEFT JOIN incentive_journal j ON j.incentive_escrow_id = e.id
         WHERE e.id = NEW.incentive_escrow_id
         GROUP BY e.total_units;
        IF granted > total OR released > granted OR reverted > released THEN
          RAISE EXCEPTION 'incentive escrow % does not balance: % units, % granted, % released, % reverted',
            NEW.incentive_escrow_id, total, granted, released, reverted USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE CONSTRAINT TRIGGER incentive_journal_balanced AFTER INSERT ON incentive_journal
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION incentive_journal_balances()`);

    // Records of money and units are what happened: corrections are new records, never edits.
    for (const table of ['tranche_performance_terms', 'tranche_performance_release', 'incentive_journal']) {
      await q.query(`CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION ledger_append_only()`);
      await q.query(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['incentive_journal', 'incentive_step_approval', 'incentive_milestone', 'incentive_escrow', 'tranche_performance_release', 'tranche_performance_terms']) {
      await q.query(`DROP TABLE ${table}`);
    }
    await q.query(`DROP FUNCTION incentive_journal_balances()`);
  }
}
