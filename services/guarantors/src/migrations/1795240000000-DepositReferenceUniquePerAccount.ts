import type { MigrationInterface, QueryRunner } from 'typeorm';

const DEPOSIT_REFERENCE_KEY = 'ledger_journal_deposit_reference_key';

interface Duplicate {
  id: string;
  first_id: string;
  escrow_account_id: string;
  reference: string;
  amount_minor: string;
  currency: string;
  recorded_at: Date;
}

/**
 * A deposit's external reference is unique per escrow account (DESIGN §9), compared ignoring case and
 * surrounding spaces, so that two concurrent deposits with one reference cannot both land.
 *
 * A database may already hold deposits that repeat a reference within one account (booked before this
 * rule). They are kept exactly as they are, and this migration does not fail on them: the ledger is
 * append-only with no reversing journal, whether a repeat is a double booking or a second transfer under
 * a reused reference is for the guarantor and a mediator to establish (not a migration), and refusing to
 * migrate would keep the service, and this very protection, from starting. Instead the earliest deposit
 * of each group stays in the index, so no new deposit can take its reference, and only the later ones are
 * left out of it by id: they are written into the index's predicate (`\d ledger_journal` or pg_indexes
 * shows them) and listed in a warning as the migration runs. A database without repeats, as every new
 * one, gets the index with no exception at all.
 */
export class DepositReferenceUniquePerAccount1795240000000 implements MigrationInterface {
  name = 'DepositReferenceUniquePerAccount1795240000000';

  async up(q: QueryRunner): Promise<void> {
    // No deposit may land between the scan for repeats and the index that refuses them (replicas of the
    // previous release may still be writing); the lock ends with the migration's transaction.
    await q.query(`LOCK TABLE ledger_journal IN SHARE MODE`);
    const duplicates: Duplicate[] = await q.query(`
      SELECT id, first_id, escrow_account_id, reference, amount_minor::text AS amount_minor, currency, recorded_at
        FROM (SELECT j.*, row_number() OVER w AS n, first_value(id) OVER w AS first_id
                FROM ledger_journal j
               WHERE kind = 'DEPOSIT' AND reference IS NOT NULL
              WINDOW w AS (PARTITION BY escrow_account_id, lower(btrim(reference)) ORDER BY sequence)) ranked
       WHERE n > 1
       ORDER BY escrow_account_id, sequence`);
    // The ids come from a uuid column, so they are safe to write into the statement.
    const exempt = duplicates.length ? ` AND id <> ALL ('{${duplicates.map((d) => d.id).join(',')}}'::uuid[])` : '';
    await q.query(
      `CREATE UNIQUE INDEX ${DEPOSIT_REFERENCE_KEY} ON ledger_journal (escrow_account_id, lower(btrim(reference)))
        WHERE kind = 'DEPOSIT' AND reference IS NOT NULL${exempt}`,
    );
    if (duplicates.length) {
      q.connection.logger.log(
        'warn',
        `${DEPOSIT_REFERENCE_KEY}: ${duplicates.length} deposit(s) booked before this migration repeat the reference of an earlier deposit ` +
          `into the same escrow account. They are kept unchanged and left out of the unique index; every other deposit, and every new one, ` +
          `is held to one deposit per reference and account. ` +
          duplicates
            .map((d) => `Journal ${d.id} (${d.amount_minor} minor units ${d.currency}, recorded ${d.recorded_at.toISOString()}) repeats reference "${d.reference}" of journal ${d.first_id} in escrow account ${d.escrow_account_id}.`)
            .join(' ') +
          ` Establish with the depositing guarantor whether each is a double booking or a separate transfer; the ledger is append-only, so a ` +
          `correction is a new journal, never an edit of these rows.`,
        q,
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX ${DEPOSIT_REFERENCE_KEY}`);
  }
}
