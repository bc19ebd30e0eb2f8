import { IsNull, type DataSource, type EntityManager } from 'typeorm';
import { DATA_KEYS_VARIABLE, FieldCryptoError, FieldKeyring, newDataKey, type DataKeys, type ResponseSealer, type StoredDataKey } from '@treaty/service-kit';
import { DataKey } from './entities/index.js';

/**
 * Encryption at rest of what a confidential report says (DESIGN §10, §12), with the kit's envelope
 * encryption (field-crypto.ts) over this database's `data_key` table, as the prisoners service does for
 * detainees. Each value is bound to its table, column and record, so a ciphertext moved elsewhere does
 * not open.
 */

/** The sealed columns, by table. */
export const SEALED_COLUMNS = {
  confidential_report: ['what', 'place', 'occurred_at', 'when_text', 'contact'],
  confidential_report_message: ['body'],
} as const;
export type SealedTable = keyof typeof SEALED_COLUMNS;
export type SealedColumn<T extends SealedTable> = (typeof SEALED_COLUMNS)[T][number];

export type Seal = <T extends SealedTable>(table: T, column: SealedColumn<T>, id: string, value: string | null) => string | null;

export class ReportCipher {
  constructor(readonly keyring: FieldKeyring) {}

  /** Opens a stored value for a field resolver; a value that does not open fails the field, never shows garbage. */
  open<T extends SealedTable>(table: T, column: SealedColumn<T>, id: string, value: string | null): Promise<string | null> {
    return this.keyring.decrypt(value, { table, column, id });
  }

  /**
   * A sealer for writes in `m`'s transaction, under the current field key, whose row stays locked FOR
   * SHARE until the transaction ends: a rotation that retires the key waits for the write to commit.
   */
  async sealer(m: EntityManager): Promise<Seal> {
    const [row] = (await m.query(`SELECT id FROM data_key WHERE purpose = 'field' AND retired_at IS NULL FOR SHARE`)) as { id: string }[];
    if (!row) throw new FieldCryptoError('There is no current data key in data_key; restart the service, which creates one.');
    if (!this.keyring.has(row.id)) await this.keyring.reload();
    if (!this.keyring.has(row.id)) throw new FieldCryptoError(`The current data key ${row.id} cannot be unwrapped: ${this.keyring.problems().join('; ')}`);
    const dekId = row.id;
    return (table, column, id, value) => (value === null ? null : this.keyring.encrypt(dekId, value, { table, column, id }));
  }

  /**
   * Seals the first responses kept for Idempotency-Keys: a keyed submit's answer holds the receipt, and
   * a handler's keyed reply may quote the report.
   */
  responseSealer(db: DataSource): ResponseSealer {
    return {
      seal: async (body, ref) => {
        const [row] = (await db.query(`SELECT id FROM data_key WHERE purpose = 'field' AND retired_at IS NULL`)) as { id: string }[];
        if (!row) throw new FieldCryptoError('There is no current data key in data_key; restart the service, which creates one.');
        if (!this.keyring.has(row.id)) await this.keyring.reload();
        return this.keyring.encrypt(row.id, body, ref);
      },
      open: async (stored, ref) => (await this.keyring.decrypt(stored, ref)) ?? '',
    };
  }
}

/** A cipher that refuses every use: for contexts built without keys (none that serve reports). */
export const NO_CIPHER = new ReportCipher(
  new FieldKeyring({ active: 'none', keys: new Map() }, async () => {
    throw new FieldCryptoError('This context was built without the data keys; confidential reports cannot be read or written in it.');
  }),
);

const asStored = (k: DataKey): StoredDataKey => ({ id: k.id, kekId: k.kekId, wrapped: k.wrapped, purpose: k.purpose });

/**
 * The cipher for `db`: makes the field key if the table has none yet (one per database, even when
 * replicas start together), then unwraps every stored key. Refuses, so the service does not start,
 * without TREATY_DATA_KEYS or when a stored key does not unwrap with them.
 */
export async function openReportCipher(db: DataSource, keks: DataKeys | undefined): Promise<ReportCipher> {
  if (!keks) {
    throw new Error(`${DATA_KEYS_VARIABLE} is required: the milestones service stores confidential reports encrypted, under data keys wrapped by these KEKs (npm start provides it).`);
  }
  const current = await db.getRepository(DataKey).findBy({ retiredAt: IsNull(), purpose: 'field' });
  if (current.length === 0) {
    const { stored } = newDataKey(keks, 'field');
    await db.query(
      `INSERT INTO data_key (id, kek_id, wrapped, purpose, created_at) VALUES ($1, $2, $3, $4, now()) ON CONFLICT (purpose) WHERE retired_at IS NULL DO NOTHING`,
      [stored.id, stored.kekId, stored.wrapped, stored.purpose],
    );
  }
  const keyring = new FieldKeyring(keks, async () => (await db.getRepository(DataKey).find()).map(asStored));
  await keyring.reload();
  const problems = keyring.problems();
  if (problems.length) throw new Error(`${DATA_KEYS_VARIABLE} cannot open the confidential reports: ${problems.join(' ')}`);
  return new ReportCipher(keyring);
}
