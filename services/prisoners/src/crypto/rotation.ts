import type { DataSource } from 'typeorm';
import { unwrapDataKey, wrapDataKey, type DataKeys } from '@treaty/service-kit';
import { DataKey } from '../entities/index.js';
import { addDataKey, currentFieldKey, openCipher } from './keyring.js';
import { countPending, encryptedTablesPresent, runPass, type PassOptions, type PassResult } from './rewrite.js';

/**
 * Key rotation without downtime (the rotate-keys command; README "Encryption at rest"). The service keeps
 * answering throughout: it opens values under any data key it can unwrap, reading the key table again
 * when it meets a new one, and seals new values under whichever key is current when it writes.
 */

/**
 * Re-wraps every data key (current, retired and the blind-index key) under the active KEK, in one
 * transaction: cheap, since only keys move, never the data. Afterwards the other KEKs can be dropped from
 * TREATY_DATA_KEYS. Fails, naming it, when a key is wrapped by a KEK that TREATY_DATA_KEYS does not hold.
 */
export async function rewrapDataKeys(db: DataSource, keks: DataKeys): Promise<{ rewrapped: number; total: number }> {
  return db.transaction(async (m) => {
    const keys = await m.getRepository(DataKey).createQueryBuilder('k').setLock('pessimistic_write').getMany();
    const stale = keys.filter((k) => k.kekId !== keks.active);
    if (stale.length === 0) return { rewrapped: 0, total: keys.length };
    const fresh = stale.map((k) => wrapDataKey(keks, k.id, k.purpose, unwrapDataKey(keks, k)));
    await m.query(
      `UPDATE data_key AS k SET kek_id = v.kek_id, wrapped = v.wrapped
         FROM unnest($1::uuid[], $2::text[], $3::text[]) AS v(id, kek_id, wrapped) WHERE k.id = v.id`,
      [fresh.map((k) => k.id), fresh.map((k) => k.kekId), fresh.map((k) => k.wrapped)],
    );
    return { rewrapped: stale.length, total: keys.length };
  });
}

/**
 * The data key a re-encryption moves values to. While any value is still under an older key, a rotation
 * is under way and is resumed with the current key; otherwise a new key becomes current and the old one is
 * retired. Retiring waits for every write that is sealing under the old key to commit (see
 * PersonalDataCipher.sealer), so none of them can slip past the re-encryption.
 */
export async function beginReencryption(db: DataSource, keks: DataKeys): Promise<{ dekId: string; resumed: boolean }> {
  const current = await currentFieldKey(db);
  if (current) {
    for (const table of await encryptedTablesPresent(db)) {
      if ((await countPending(db, table, 'reencrypt')) > 0) return { dekId: current, resumed: true };
    }
  }
  return db.transaction(async (m) => {
    await m.query(`UPDATE data_key SET retired_at = now() WHERE purpose = 'field' AND retired_at IS NULL`);
    const dekId = await addDataKey(m, keks, 'field');
    if (!dekId) throw new Error('Another rotation made a new data key at the same moment; let it finish, then run rotate-keys again to check.');
    return { dekId, resumed: false };
  });
}

export interface RotationOptions extends Omit<PassOptions, 'progress'> {
  /** Also move every personal field to a new data key (resuming an interrupted run). */
  reencrypt?: boolean;
  /** Write every personal field back in plain text: only to roll the encryption migration back, service stopped. */
  decrypt?: boolean;
  /** Where progress lines go (the command prints them). */
  say?: (line: string) => void;
}

/** What rotate-keys does: re-wrap every data key, then re-encrypt (or decrypt) if asked. */
export async function rotateKeys(db: DataSource, keks: DataKeys, opts: RotationOptions = {}): Promise<PassResult | null> {
  const say = opts.say ?? (() => {});
  const { rewrapped, total } = await rewrapDataKeys(db, keks);
  say(
    rewrapped
      ? `data keys: ${rewrapped} of ${total} re-wrapped under KEK "${keks.active}"; the other KEKs can now be removed from TREATY_DATA_KEYS.`
      : `data keys: all ${total} already wrapped by KEK "${keks.active}".`,
  );
  if (!opts.reencrypt && !opts.decrypt) return null;
  const cipher = await openCipher(db, keks);
  const progress = (verb: string) => (p: { table: string; done: number; remaining: number }) => say(`  ${p.table}: ${p.done} rows ${verb}, ${p.remaining} to go`);
  if (opts.decrypt) {
    const result = await runPass(db, cipher, 'decrypt', { ...opts, progress: progress('decrypted') });
    say(result.complete ? 'done: every personal field is in plain text. Migrate down now; a service that starts encrypts it all again.' : 'stopped early; run the same command again to continue.');
    return result;
  }
  const { dekId, resumed } = await beginReencryption(db, keks);
  say(resumed ? `resuming: moving the personal fields still under older data keys to data key ${dekId}` : `new data key ${dekId}; moving every personal field to it`);
  const result = await runPass(db, cipher, 'reencrypt', { ...opts, progress: progress('re-encrypted') });
  say(
    result.complete
      ? `done: every personal field is sealed with data key ${dekId}; no value is left under a retired key.`
      : `stopped after ${opts.maxBatches} batch(es) with values still under older data keys; run the same command again to continue.`,
  );
  return result;
}
