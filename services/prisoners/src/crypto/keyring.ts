import { IsNull, type DataSource, type EntityManager } from 'typeorm';
import { FieldCryptoError, FieldKeyring, newDataKey, type DataKeyPurpose, type DataKeys, type ResponseSealer, type StoredDataKey } from '@treaty/service-kit';
import { DataKey } from '../entities/index.js';
import { normaliseName } from '../domain/person.js';

/** The personal columns stored encrypted, by table (access.ts says who may read the fields they back). */
export const ENCRYPTED_COLUMNS = {
  detainee: ['name', 'date_of_birth', 'medical_notes'],
  manifest_entry: ['medical_check_notes'],
  remains_identification: ['evidence_reference', 'findings'],
} as const;
export type EncryptedTable = keyof typeof ENCRYPTED_COLUMNS;
export type EncryptedColumn<T extends EncryptedTable> = (typeof ENCRYPTED_COLUMNS)[T][number];

/** Seals one value of one record under the current data key; null stays null. */
export type Seal = <T extends EncryptedTable>(table: T, column: EncryptedColumn<T>, id: string, value: string | null) => string | null;

/**
 * The prisoners service's personal-data encryption: the kit's keyring over this database's `data_key`
 * table. Opening a value costs no SQL (every key is held after start-up); sealing costs one statement
 * per transaction, which finds and share-locks the current key (see `sealer`).
 */
export class PersonalDataCipher {
  constructor(readonly keyring: FieldKeyring) {}

  /** Opens a stored value for a field resolver; a value that does not open fails the field, never shows garbage. */
  open<T extends EncryptedTable>(table: T, column: EncryptedColumn<T>, id: string, value: string | null): Promise<string | null> {
    return this.keyring.decrypt(value, { table, column, id });
  }

  /**
   * A sealer for writes in `m`'s transaction, under the current field key. The key's row is locked FOR
   * SHARE until the transaction ends, so a rotation that retires it waits for this write to commit and
   * then re-encrypts what it wrote: no value is sealed under a retired key after a rotation has started.
   */
  async sealer(m: EntityManager): Promise<{ dekId: string; seal: Seal }> {
    // Zero rows when a rotation retired the key while this statement waited; the next one sees its successor.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const [row] = (await m.query(`SELECT id FROM data_key WHERE purpose = 'field' AND retired_at IS NULL FOR SHARE`)) as { id: string }[];
      if (!row) continue;
      if (!this.keyring.has(row.id)) await this.keyring.reload();
      if (!this.keyring.has(row.id)) throw new FieldCryptoError(`The current data key ${row.id} cannot be unwrapped: ${this.keyring.problems().join('; ')}`);
      const dekId = row.id;
      return { dekId, seal: (table, column, id, value) => (value === null ? null : this.keyring.encrypt(dekId, value, { table, column, id })) };
    }
    throw new FieldCryptoError('There is no current data key in data_key; restart the service, which creates one.');
  }

  /**
   * Seals and opens the first responses the kit keeps for Idempotency-Keys (they may carry personal
   * fields) under the current field key. A retired key stays in the table, so a response sealed before a
   * rotation still opens for as long as it is kept (48 hours by default).
   */
  responseSealer(db: DataSource): ResponseSealer {
    return {
      seal: async (body, ref) => {
        const dekId = await currentFieldKey(db);
        if (!dekId) throw new FieldCryptoError('There is no current data key in data_key; restart the service, which creates one.');
        if (!this.keyring.has(dekId)) await this.keyring.reload();
        return this.keyring.encrypt(dekId, body, ref);
      },
      open: async (stored, ref) => (await this.keyring.decrypt(stored, ref)) ?? '',
    };
  }

  /**
   * The blind index of a person under an agreement: equal for the same normalised name and date of birth.
   * The agreement is part of it, so the same person under two agreements cannot be linked by the index.
   * Remains are indexed apart from the living (a living record and the remains of the same person may
   * both exist: the entry of one contested as DECEASED, the other registered), with the date of birth
   * left empty when it is not known.
   */
  personIndex(agreementId: string, name: string, dateOfBirth: string | null, remains = false): string {
    return this.keyring.blindIndex(remains ? 'detainee.remains' : 'detainee.person', agreementId, normaliseName(name), dateOfBirth ?? '');
  }
}

const asStored = (k: DataKey): StoredDataKey => ({ id: k.id, kekId: k.kekId, wrapped: k.wrapped, purpose: k.purpose });

export const loadDataKeys = async (db: DataSource): Promise<StoredDataKey[]> => (await db.getRepository(DataKey).find()).map(asStored);

/** Stores a new current key of `purpose` and returns its id; null when another process stored one first. */
export async function addDataKey(m: EntityManager | DataSource, keks: DataKeys, purpose: DataKeyPurpose): Promise<string | null> {
  const { stored } = newDataKey(keks, purpose);
  const rows: unknown[] = await m.query(
    `INSERT INTO data_key (id, kek_id, wrapped, purpose, created_at) VALUES ($1, $2, $3, $4, now())
     ON CONFLICT (purpose) WHERE retired_at IS NULL DO NOTHING RETURNING id`,
    [stored.id, stored.kekId, stored.wrapped, stored.purpose],
  );
  return rows.length ? stored.id : null;
}

/** The id of the current field key, or null before the service has made one. */
export async function currentFieldKey(db: DataSource | EntityManager): Promise<string | null> {
  const [row] = (await db.query(`SELECT id FROM data_key WHERE purpose = 'field' AND retired_at IS NULL`)) as { id: string }[];
  return row?.id ?? null;
}

/**
 * The cipher for `db`: makes the field and blind-index keys if the table has none yet, then unwraps every
 * stored key. Refuses (so the service does not start) when a key does not unwrap with the KEKs given: the
 * values under it would be unreadable, and the message names the KEK that is missing.
 */
export async function openCipher(db: DataSource, keks: DataKeys): Promise<PersonalDataCipher> {
  const current = await db.getRepository(DataKey).findBy({ retiredAt: IsNull() });
  for (const purpose of ['field', 'blind-index'] as const) {
    if (!current.some((k) => k.purpose === purpose)) await addDataKey(db, keks, purpose);
  }
  const keyring = new FieldKeyring(keks, () => loadDataKeys(db));
  await keyring.reload();
  const problems = keyring.problems();
  if (problems.length) throw new Error(`TREATY_DATA_KEYS cannot open the personal data: ${problems.join(' ')}`);
  return new PersonalDataCipher(keyring);
}
