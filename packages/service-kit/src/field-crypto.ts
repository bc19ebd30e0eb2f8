import { createCipheriv, createDecipheriv, createHmac, randomBytes, randomUUID } from 'node:crypto';

/**
 * Envelope encryption of personal fields at rest (DESIGN §10). Each field value is sealed with AES-256-GCM
 * under a data key (DEK); data keys are made by the service and stored in its own database only wrapped
 * (AES-256-GCM again) by a key-encryption key (KEK) that the service is given in TREATY_DATA_KEYS and that
 * never touches the database. A dump of the database alone therefore reads as noise; so does a stolen KEK
 * alone. A sealed value names its data key, so rotation can move values to a new DEK a batch at a time
 * while every value stays readable, and a KEK is retired by re-wrapping the few DEKs, not the data.
 *
 *   enc:v1:<dekId>:<iv>:<ciphertext+tag>        (iv, ciphertext and tag base64url)
 *
 * The additional authenticated data binds the value to its version, DEK, table, column and record id, so
 * a ciphertext copied to another record or column, or with one byte changed, fails to decrypt.
 */
export const DATA_KEYS_VARIABLE = 'TREATY_DATA_KEYS';

/** The KEKs a service holds: `active` wraps new and re-wrapped data keys; the others still unwrap old ones. */
export interface DataKeys {
  active: string;
  keys: ReadonlyMap<string, Buffer>;
}

const KEK_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const KEY_32 = /^[A-Za-z0-9_-]{43}$/;
const EXAMPLE = '{"active":"kek-2026-12","keys":{"kek-2026-12":"<32 random bytes, base64url: 43 characters>"}}';

/** Reads TREATY_DATA_KEYS; throws an Error whose message says what is wrong (the config names the variable). */
export function parseDataKeys(json: string): DataKeys {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Error(`must be JSON like ${EXAMPLE}`);
  }
  const { active, keys } = (parsed ?? {}) as { active?: unknown; keys?: unknown };
  if (typeof keys !== 'object' || keys === null || Array.isArray(keys) || Object.keys(keys).length === 0) {
    throw new Error(`must have "keys", an object from KEK id to key, like ${EXAMPLE}`);
  }
  const out = new Map<string, Buffer>();
  for (const [id, value] of Object.entries(keys)) {
    if (!KEK_ID.test(id)) throw new Error(`KEK id "${id}" must be 1 to 64 letters, digits, ".", "_" or "-"`);
    if (typeof value !== 'string' || !KEY_32.test(value)) throw new Error(`the key "${id}" must be exactly 32 bytes, base64url (43 characters)`);
    out.set(id, Buffer.from(value, 'base64url'));
  }
  if (typeof active !== 'string' || !out.has(active)) {
    throw new Error(`"active" must name one of the keys (${[...out.keys()].join(', ')}): the KEK that wraps new data keys`);
  }
  return { active, keys: out };
}

export function serializeDataKeys(k: DataKeys): string {
  return JSON.stringify({ active: k.active, keys: Object.fromEntries([...k.keys].map(([id, key]) => [id, key.toString('base64url')])) });
}

/** A fresh KEK set with one key, named after the day it was made (local runs and tests). */
export function generateDataKeys(id = `kek-${new Date().toISOString().slice(0, 10)}`): DataKeys {
  return { active: id, keys: new Map([[id, randomBytes(32)]]) };
}

// ---------------------------------------------------------------------------------------------------
// Data keys, wrapped.

/** `field` keys seal values (one active at a time); the one `blind-index` key makes lookup tokens. */
export type DataKeyPurpose = 'field' | 'blind-index';

/** A data key as its table stores it: never in the clear. */
export interface StoredDataKey {
  id: string;
  kekId: string;
  /** base64url(iv || AES-256-GCM(kek, key) || tag), bound to the DEK's id and purpose. */
  wrapped: string;
  purpose: DataKeyPurpose;
}

/** A value that cannot be decrypted, or a data key that cannot be unwrapped. Internal: never shown to a client. */
export class FieldCryptoError extends Error {
  override name = 'FieldCryptoError';
}

function seal(key: Buffer, plaintext: Buffer, aad: string): { iv: Buffer; body: Buffer } {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return { iv, body };
}

/** Null when authentication fails: the key is wrong, or the bytes or their context were changed. */
function open(key: Buffer, iv: Buffer, body: Buffer, aad: string): Buffer | null {
  if (iv.length !== 12 || body.length < 16) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(body.subarray(body.length - 16));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]);
  } catch {
    return null;
  }
}

const wrapAad = (id: string, purpose: DataKeyPurpose) => `treaty-data-key:v1:${id}:${purpose}`;

function kekFor(keks: DataKeys, kekId: string, dekId: string): Buffer {
  const kek = keks.keys.get(kekId);
  if (!kek) {
    throw new FieldCryptoError(
      `Data key ${dekId} is wrapped by KEK "${kekId}", which ${DATA_KEYS_VARIABLE} does not hold (it holds ${[...keks.keys.keys()].join(', ')}). ` +
        `Give the service that KEK too, or, where it is still available, run rotate-keys to re-wrap every data key under the active KEK.`,
    );
  }
  return kek;
}

/** Wraps `key` under the active KEK. */
export function wrapDataKey(keks: DataKeys, id: string, purpose: DataKeyPurpose, key: Buffer): StoredDataKey {
  const { iv, body } = seal(kekFor(keks, keks.active, id), key, wrapAad(id, purpose));
  return { id, kekId: keks.active, wrapped: Buffer.concat([iv, body]).toString('base64url'), purpose };
}

export function unwrapDataKey(keks: DataKeys, stored: StoredDataKey): Buffer {
  const raw = Buffer.from(stored.wrapped, 'base64url');
  const key = open(kekFor(keks, stored.kekId, stored.id), raw.subarray(0, 12), raw.subarray(12), wrapAad(stored.id, stored.purpose));
  if (!key || key.length !== 32) {
    throw new FieldCryptoError(`Data key ${stored.id} does not unwrap with KEK "${stored.kekId}": the stored key was altered, or that KEK id now names a different key.`);
  }
  return key;
}

/** A new random data key, wrapped under the active KEK, and the key itself. */
export function newDataKey(keks: DataKeys, purpose: DataKeyPurpose): { stored: StoredDataKey; key: Buffer } {
  const key = randomBytes(32);
  return { stored: wrapDataKey(keks, randomUUID(), purpose, key), key };
}

// ---------------------------------------------------------------------------------------------------
// Field values.

/** Where a value lives: what its ciphertext is bound to. */
export interface FieldRef {
  table: string;
  column: string;
  id: string;
}

const CIPHERTEXT = /^enc:v1:([0-9a-f-]{36}):([A-Za-z0-9_-]{16}):([A-Za-z0-9_-]{22,})$/;
const fieldAad = (dekId: string, ref: FieldRef) => `enc:v1:${dekId}:${ref.table}.${ref.column}:${ref.id}`;
const where = (ref: FieldRef) => `${ref.table}.${ref.column} of ${ref.id}`;

/** The data key a stored value is sealed with, or null when it is not a sealed value. */
export function dataKeyOf(value: string): string | null {
  return CIPHERTEXT.exec(value)?.[1] ?? null;
}

export function encryptField(dek: { id: string; key: Buffer }, plaintext: string, ref: FieldRef): string {
  const { iv, body } = seal(dek.key, Buffer.from(plaintext, 'utf8'), fieldAad(dek.id, ref));
  return `enc:v1:${dek.id}:${iv.toString('base64url')}:${body.toString('base64url')}`;
}

export function decryptField(keyOf: (dekId: string) => Buffer | undefined, value: string, ref: FieldRef): string {
  const m = CIPHERTEXT.exec(value);
  if (!m) throw new FieldCryptoError(`${where(ref)} is not an encrypted value; personal fields are stored only encrypted (the service encrypts any left in plain text when it starts).`);
  const key = keyOf(m[1]!);
  if (!key) throw new FieldCryptoError(`${where(ref)} is sealed with data key ${m[1]}, which this service cannot unwrap with the KEKs it holds.`);
  const plain = open(key, Buffer.from(m[2]!, 'base64url'), Buffer.from(m[3]!, 'base64url'), fieldAad(m[1]!, ref));
  if (!plain) throw new FieldCryptoError(`${where(ref)} does not decrypt: the stored value was altered, or moved from another record or column.`);
  return plain.toString('utf8');
}

// ---------------------------------------------------------------------------------------------------
// The keyring a running service holds.

/**
 * Every data key of one database, unwrapped once and kept in memory, so sealing and opening cost no SQL.
 * A value under a key it has not seen (made by a rotation, or by another replica) makes it read the key
 * table again, once for all the requests that meet it at the same moment.
 */
export class FieldKeyring {
  private readonly fieldKeys = new Map<string, Buffer>();
  /** Why a stored data key could not be unwrapped, by id (a KEK this service lacks, or a damaged row). */
  private readonly unreadable = new Map<string, string>();
  private indexKey: Buffer | null = null;
  private loading: Promise<void> | null = null;

  constructor(
    readonly keks: DataKeys,
    private readonly load: () => Promise<StoredDataKey[]>,
  ) {}

  /**
   * Reads the key table and unwraps every key not yet held. A key that does not unwrap is remembered with
   * the reason, and the others still load: one bad row must not make every other value unreadable.
   */
  reload(): Promise<void> {
    this.loading ??= (async () => {
      try {
        for (const s of await this.load()) {
          if (this.fieldKeys.has(s.id)) continue;
          try {
            const key = unwrapDataKey(this.keks, s);
            this.unreadable.delete(s.id);
            if (s.purpose === 'blind-index') this.indexKey = key;
            else this.fieldKeys.set(s.id, key);
          } catch (e) {
            this.unreadable.set(s.id, (e as Error).message);
          }
        }
      } finally {
        this.loading = null;
      }
    })();
    return this.loading;
  }

  /** The reasons, one per data key, that some stored keys could not be unwrapped (empty when all did). */
  problems(): string[] {
    return [...this.unreadable.values()];
  }

  has(dekId: string): boolean {
    return this.fieldKeys.has(dekId);
  }

  encrypt(dekId: string, plaintext: string, ref: FieldRef): string {
    const key = this.fieldKeys.get(dekId);
    if (!key) throw new FieldCryptoError(`Data key ${dekId} is not loaded; reload the keyring before sealing with it.`);
    return encryptField({ id: dekId, key }, plaintext, ref);
  }

  /** Opens a sealed value (null stays null), reading the key table again first if its data key is new. */
  async decrypt(value: string | null, ref: FieldRef): Promise<string | null> {
    if (value === null) return null;
    const dekId = dataKeyOf(value);
    if (dekId && !this.fieldKeys.has(dekId)) {
      // A reload already under way may have read the table before this key was added: then read it again.
      const joined = this.loading !== null;
      await this.reload();
      if (joined && !this.fieldKeys.has(dekId)) await this.reload();
      const why = this.unreadable.get(dekId);
      if (why) throw new FieldCryptoError(`${where(ref)} cannot be opened: ${why}`);
    }
    return decryptField((id) => this.fieldKeys.get(id), value, ref);
  }

  /**
   * A keyed blind index (HMAC-SHA256) over `parts`: equal parts give equal tokens, and without the key a
   * token says nothing about them. The parts are JSON-encoded so that no two lists share a token.
   */
  blindIndex(...parts: string[]): string {
    if (!this.indexKey) throw new FieldCryptoError('The blind-index key is not loaded; the service creates it at start-up.');
    return createHmac('sha256', this.indexKey).update(JSON.stringify(parts)).digest('base64url');
  }
}
