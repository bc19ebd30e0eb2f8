import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A PLANNED wave may be withdrawn (withdrawExchangeWave): who withdrew it, when and why. Waves are sealed
 * in order, so a wave planned by mistake, or whose people are no longer available, blocked every later
 * wave for good. A sealed wave is never withdrawn; a withdrawn one is never sealed.
 */
export class WithdrawnWaves1795300000000 implements MigrationInterface {
  name = 'WithdrawnWaves1795300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE exchange_wave ADD COLUMN withdrawn_at timestamptz, ADD COLUMN withdrawn_by text, ADD COLUMN withdrawal_reason text`);
    await q.query(`
      ALTER TABLE exchange_wave ADD CONSTRAINT exchange_wave_withdrawal_complete
        CHECK ((withdrawn_at IS NULL) = (withdrawn_by IS NULL) AND (withdrawn_at IS NULL) = (withdrawal_reason IS NULL))`);
    await q.query(`ALTER TABLE exchange_wave ADD CONSTRAINT exchange_wave_withdrawn_unsealed CHECK (withdrawn_at IS NULL OR sealed_at IS NULL)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE exchange_wave DROP CONSTRAINT exchange_wave_withdrawn_unsealed`);
    await q.query(`ALTER TABLE exchange_wave DROP CONSTRAINT exchange_wave_withdrawal_complete`);
    await q.query(`ALTER TABLE exchange_wave DROP COLUMN withdrawal_reason, DROP COLUMN withdrawn_by, DROP COLUMN withdrawn_at`);
  }
}
