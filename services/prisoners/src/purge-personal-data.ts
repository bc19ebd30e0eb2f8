import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DEFAULT_RETENTION_DAYS, createDataSource, loadConfig, openEvidenceLog, retentionDaysSetting, silentLogger, systemClock } from '@treaty/service-kit';
import { commandDatabase, databaseUrlOf } from './command-env.js';
import { entities } from './entities/index.js';
import { migrations } from './migrations/index.js';
import { purgeExpired } from './retention.js';
import { prisoners } from './server.js';

const HELP = `npm run purge-personal-data -w services/prisoners [-- --batch-size N]

Erases, now, the personal data (name, date of birth, medical notes, and the handovers' medical notes)
of every detainee whose case closed with a confirmed release more than TREATY_RETENTION_DAYS days ago
(${DEFAULT_RETENTION_DAYS} by default), as the running service does every hour. Each erasure is written to the access log and the evidence log.
Safe to run while the service runs, and to run again: what is erased stays erased, and nothing else
(counts, ratios, waves) changes.

Environment: PRISONERS_DATABASE_URL or DATABASE_URL, TREATY_RETENTION_DAYS.`;

const schema = commandDatabase.and(z.object({ TREATY_RETENTION_DAYS: retentionDaysSetting }));

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'batch-size': { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help) return console.log(HELP);
  const env = loadConfig(schema, process.env);
  const batchSize = values['batch-size'] === undefined ? undefined : Number(values['batch-size']);
  if (batchSize !== undefined && (!Number.isInteger(batchSize) || batchSize < 1)) throw new Error(`--batch-size is "${values['batch-size']}"; give a whole number of at least 1.`);
  const db = createDataSource({ url: databaseUrlOf(env), entities, migrations, applicationName: 'prisoners-purge', poolSize: 2 });
  await db.initialize();
  try {
    if (await db.showMigrations()) throw new Error('The database has migrations the prisoners service has not applied yet; start the service once (it migrates), then purge.');
    console.log(`▸ erasing personal data of cases closed more than ${env.TREATY_RETENTION_DAYS} days ago…`);
    // Erasures go to the evidence log too; appending needs no signing key (the service signs heads).
    const result = await purgeExpired(db, systemClock, env.TREATY_RETENTION_DAYS, openEvidenceLog(prisoners, { clock: systemClock }), {
      batchSize,
      logger: { ...silentLogger, info: (msg: string, f?: Record<string, unknown>) => console.log(`▸ ${msg}: ${JSON.stringify(f)}`) },
    });
    console.log(`✓ ${result.purged} record${result.purged === 1 ? '' : 's'} erased; each is in the access log (subject retention-job).`);
  } finally {
    await db.destroy();
  }
}

main().catch((e) => {
  console.error(`✗ ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
