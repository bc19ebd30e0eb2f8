import type { DataSource } from 'typeorm';
import { dataKeyOf, type Logger } from '@treaty/service-kit';
import { ENCRYPTED_COLUMNS, currentFieldKey, type EncryptedTable, type PersonalDataCipher } from './keyring.js';

/**
 * A pass over every personal column, a batch of rows per transaction:
 * - `seal-plaintext` (at start-up): seals values still in plain text (stored before encryption) and fills
 *   in missing blind indexes;
 * - `reencrypt` (rotate-keys --reencrypt): moves every value to the current data key;
 * - `decrypt` (rotate-keys --decrypt, only to roll the encryption migration back): writes values in plain text.
 * Rows are locked while rewritten and visited in id order, so a pass can run beside the service, can be
 * stopped anywhere and, run again, finds only what is left (each value names its data key).
 */
export type Pass = 'seal-plaintext' | 'reencrypt' | 'decrypt';

export interface PassOptions {
  batchSize?: number;
  /** Stop after this many batches in all; the pass resumes where it stopped when run again. */
  maxBatches?: number;
  progress?: (p: { table: EncryptedTable; done: number; remaining: number }) => void;
}

export interface PassResult {
  rewritten: Record<EncryptedTable, number>;
  /** False when `maxBatches` stopped the pass with values left to rewrite. */
  complete: boolean;
}

const SEALED = 'enc:v1:%';
const FIRST_ID = '00000000-0000-0000-0000-000000000000';
const TABLES = Object.keys(ENCRYPTED_COLUMNS) as EncryptedTable[];

/** The rows a pass still has to rewrite. `$1` is a LIKE pattern: any sealed value, or one under the current key. */
function pendingSql(table: EncryptedTable, pass: Pass): string {
  const columns = ENCRYPTED_COLUMNS[table].map((c) => (pass === 'decrypt' ? `${c} LIKE $1` : `${c} NOT LIKE $1`));
  if (table === 'detainee' && pass !== 'decrypt') columns.push(`(person_index IS NULL AND name IS NOT NULL AND (date_of_birth IS NOT NULL OR category = 'REMAINS'))`);
  return columns.join(' OR ');
}

const patternFor = (pass: Pass, dekId: string | null) => (pass === 'reencrypt' && dekId ? `enc:v1:${dekId}:%` : SEALED);

export async function countPending(db: DataSource, table: EncryptedTable, pass: Pass): Promise<number> {
  const pattern = patternFor(pass, pass === 'reencrypt' ? await currentFieldKey(db) : null);
  const [row] = await db.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${pendingSql(table, pass)}`, [pattern]);
  return row.n as number;
}

/** Rewrites up to `size` pending rows after `after`, in one transaction: one SELECT ... FOR UPDATE, one UPDATE. */
async function batch(db: DataSource, cipher: PersonalDataCipher, table: EncryptedTable, pass: Pass, after: string, size: number): Promise<{ rows: number; last: string } | null> {
  return db.transaction(async (m) => {
    const sealer = pass === 'decrypt' ? null : await cipher.sealer(m);
    const columns: readonly string[] = ENCRYPTED_COLUMNS[table];
    const indexed = table === 'detainee';
    const rows: Record<string, string | null>[] = await m.query(
      `SELECT id, ${columns.join(', ')}${indexed ? ', agreement_id, person_index, category' : ''} FROM ${table}
        WHERE id > $2 AND (${pendingSql(table, pass)}) ORDER BY id LIMIT $3 FOR UPDATE`,
      [patternFor(pass, sealer?.dekId ?? null), after, size],
    );
    if (rows.length === 0) return null;
    const written = [...columns, ...(indexed ? ['person_index'] : [])];
    const out: (string | null)[][] = written.map(() => []);
    for (const row of rows) {
      const id = row.id!;
      const plain: Record<string, string | null> = {};
      for (const [i, c] of columns.entries()) {
        const stored = row[c] ?? null;
        // Anything that looks sealed is opened (and fails loudly if it does not open); the rest is legacy plain text.
        plain[c] = stored !== null && stored.startsWith('enc:') ? await cipher.open(table, c as never, id, stored) : stored;
        const keep = stored === null || (sealer !== null && dataKeyOf(stored) === sealer.dekId);
        out[i]!.push(keep ? stored : sealer ? sealer.seal(table, c as never, id, plain[c]!) : plain[c]!);
      }
      if (indexed) {
        const { name, date_of_birth: dob } = plain;
        const remains = row.category === 'REMAINS';
        out[columns.length]!.push(sealer && name && (dob || remains) ? cipher.personIndex(row.agreement_id!, name, dob ?? null, remains) : (row.person_index ?? null));
      }
    }
    await m.query(
      `UPDATE ${table} AS t SET ${written.map((c) => `${c} = v.${c}`).join(', ')}
         FROM unnest($1::uuid[], ${written.map((_, i) => `$${i + 2}::text[]`).join(', ')}) AS v(id, ${written.join(', ')})
        WHERE t.id = v.id`,
      [rows.map((r) => r.id), ...out],
    );
    return { rows: rows.length, last: rows[rows.length - 1]!.id! };
  });
}

/**
 * The encrypted tables this database has: all of them once migrated, fewer while a rollback is under way
 * (rotate-keys --decrypt runs after the later migrations, remains_identification's among them, are undone).
 */
export async function encryptedTablesPresent(db: DataSource): Promise<EncryptedTable[]> {
  const rows: { t: string | null }[] = await db.query(`SELECT to_regclass(t)::text AS t FROM unnest($1::text[]) AS t`, [TABLES]);
  return TABLES.filter((t) => rows.some((r) => r.t === t));
}

/** Runs `pass` over every encrypted table, a batch at a time, reporting progress after each batch. */
export async function runPass(db: DataSource, cipher: PersonalDataCipher, pass: Pass, opts: PassOptions = {}): Promise<PassResult> {
  const size = opts.batchSize ?? 200;
  const rewritten = Object.fromEntries(TABLES.map((t) => [t, 0])) as Record<EncryptedTable, number>;
  let batches = 0;
  for (const table of await encryptedTablesPresent(db)) {
    let remaining = await countPending(db, table, pass);
    let after = FIRST_ID;
    while (remaining > 0) {
      if (opts.maxBatches !== undefined && batches >= opts.maxBatches) return { rewritten, complete: false };
      const done = await batch(db, cipher, table, pass, after, size);
      if (!done) break;
      batches += 1;
      after = done.last;
      rewritten[table] += done.rows;
      remaining = Math.max(0, remaining - done.rows);
      opts.progress?.({ table, done: rewritten[table], remaining });
    }
  }
  return { rewritten, complete: true };
}

/** At start-up: seals every value still in plain text (stored before encryption), logging progress. */
export async function sealPlaintext(db: DataSource, cipher: PersonalDataCipher, logger: Logger): Promise<PassResult> {
  const result = await runPass(db, cipher, 'seal-plaintext', { progress: (p) => logger.info('encrypting personal data stored in plain text', p) });
  if (Object.values(result.rewritten).some((n) => n > 0)) logger.info('personal data stored in plain text is now encrypted', { rows: result.rewritten });
  return result;
}
