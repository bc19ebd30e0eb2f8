import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createDataSource, dataKeysSetting, loadConfig } from '@treaty/service-kit';
import { entities } from './entities/index.js';
import { migrations } from './migrations/index.js';
import { rotateKeys } from './crypto/rotation.js';
import { commandDatabase, databaseUrlOf } from './command-env.js';

const HELP = `npm run rotate-keys [-- --reencrypt] [-- --batch-size N] [-- --max-batches N]

Rotates the keys of the prisoners service's encrypted personal data while the service keeps running.
Always re-wraps every data key under the active KEK of TREATY_DATA_KEYS (after that the other KEKs can
be removed from it). With --reencrypt it also makes a new data key and moves every personal field to
it, --batch-size rows per transaction (default 200); --max-batches stops early, and running the command
again continues where it stopped. --decrypt writes every field back in plain text, only to roll the
encryption migration back, with the service stopped.

Environment: PRISONERS_DATABASE_URL or DATABASE_URL, TREATY_DATA_KEYS (every KEK still wrapping a data key).`;

function whole(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} is "${value}"; give a whole number of at least 1, e.g. ${flag} 200.`);
  return n;
}

const schema = commandDatabase.and(
  z.object({ TREATY_DATA_KEYS: dataKeysSetting('is required: the KEKs, as the service is given them (npm start keeps them in .treaty-data/keys/data-keys.json)') }),
);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { reencrypt: { type: 'boolean' }, decrypt: { type: 'boolean' }, 'batch-size': { type: 'string' }, 'max-batches': { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help) return console.log(HELP);
  if (values.reencrypt && values.decrypt) throw new Error('Give --reencrypt or --decrypt, not both.');
  const env = loadConfig(schema, process.env);
  const batchSize = whole('--batch-size', values['batch-size']);
  const maxBatches = whole('--max-batches', values['max-batches']);
  const db = createDataSource({ url: databaseUrlOf(env), entities, migrations, applicationName: 'prisoners-rotate-keys', poolSize: 2 });
  await db.initialize();
  try {
    // The service migrates its own database; a key tool never changes the schema.
    if (await db.showMigrations()) throw new Error('The database has migrations the prisoners service has not applied yet; start the service once (it migrates), then rotate.');
    await rotateKeys(db, env.TREATY_DATA_KEYS, { reencrypt: values.reencrypt, decrypt: values.decrypt, batchSize, maxBatches, say: (line) => console.log(`▸ ${line}`) });
  } finally {
    await db.destroy();
  }
}

main().catch((e) => {
  console.error(`✗ ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
