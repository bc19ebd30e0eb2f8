import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { base64, base64url, fromAnyBase64, fromBase64, fromHex, hex } from './canonical.js';
import { HASH_SIZE } from './merkle.js';

/**
 * Signed tree heads (see README "Formats"):
 *
 *   "treaty-evidence/v1\nlog <log>\nsize <size>\nroot <base64 root>\ntime <ISO timestamp>\n"
 *
 * The log signs the note's UTF-8 bytes with Ed25519; a witness signs
 * "treaty-evidence-cosignature/v1\n" + note. Keys are Ed25519, raw public keys 32 bytes,
 * keyId = hex of the first 8 bytes of SHA-256(raw public key).
 */

export const NOTE_HEADER = 'treaty-evidence/v1';
export const COSIGNATURE_HEADER = 'treaty-evidence-cosignature/v1';

/** What a tree head note says. */
export interface TreeHeadBody {
  /** The log's name, e.g. "treaty/milestones". */
  log: string;
  size: number | bigint;
  /** 32 bytes, or 64 hex characters. */
  rootHash: Uint8Array | string;
  /** The exact ISO 8601 text that is signed (a Date is written with toISOString()). */
  timestamp: string | Date;
}

/** A note's text, or the fields it is made from. */
export type NoteInput = TreeHeadBody | string;

/** The note text of a tree head. Throws a TypeError on fields that cannot be written into a note. */
export function treeHeadNote(body: TreeHeadBody): string {
  const { log, size } = body;
  if (typeof log !== 'string' || log === '' || /[\n\r]/.test(log)) throw new TypeError('treeHeadNote: log must be a non-empty string on one line');
  if (!(typeof size === 'bigint' ? size >= 0n : Number.isSafeInteger(size) && size >= 0)) throw new TypeError(`treeHeadNote: size must be a whole number >= 0, got ${String(size)}`);
  const root = typeof body.rootHash === 'string' ? fromHex(body.rootHash, HASH_SIZE) : body.rootHash;
  if (!(root instanceof Uint8Array) || root.length !== HASH_SIZE) throw new TypeError('treeHeadNote: rootHash must be 32 bytes (or 64 hex characters)');
  const time = body.timestamp instanceof Date ? isoOf(body.timestamp) : body.timestamp;
  if (typeof time !== 'string' || time === '' || /[\n\r]/.test(time)) throw new TypeError('treeHeadNote: timestamp must be an ISO 8601 text on one line, or a Date');
  return `${NOTE_HEADER}\nlog ${log}\nsize ${size.toString()}\nroot ${base64(root)}\ntime ${time}\n`;
}

function isoOf(d: Date): string {
  if (Number.isNaN(d.getTime())) throw new TypeError('treeHeadNote: invalid Date');
  return d.toISOString();
}

/** The fields of a note, or null when the text is not a tree head note. Never throws. */
export function parseTreeHeadNote(note: unknown): { log: string; size: number; rootHash: Uint8Array; timestamp: string } | null {
  if (typeof note !== 'string') return null;
  const m = /^treaty-evidence\/v1\nlog ([^\n]+)\nsize (0|[1-9][0-9]*)\nroot ([A-Za-z0-9+/=]+)\ntime ([^\n]+)\n$/.exec(note);
  if (!m) return null;
  const size = Number(m[2]);
  const rootHash = fromBase64(m[3], HASH_SIZE);
  if (!Number.isSafeInteger(size) || !rootHash) return null;
  return { log: m[1]!, size, rootHash, timestamp: m[4]! };
}

function noteOf(input: NoteInput): string {
  return typeof input === 'string' ? input : treeHeadNote(input);
}

/** What a witness signs: "treaty-evidence-cosignature/v1\n" + the note. */
export function cosignatureMessage(input: NoteInput): string {
  return `${COSIGNATURE_HEADER}\n${noteOf(input)}`;
}

const utf8 = (s: string) => new TextEncoder().encode(s);

function signText(text: string, privateKey: KeyObject): Uint8Array {
  if (privateKey?.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') throw new TypeError('a signing key must be an Ed25519 private KeyObject (see parseSigningKey)');
  return new Uint8Array(sign(null, utf8(text), privateKey));
}

const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');

/** The Ed25519 public KeyObject of a raw 32-byte public key (or base64 of one). Throws when it is not one. */
export function publicKeyFromRaw(raw: Uint8Array | string): KeyObject {
  const bytes = typeof raw === 'string' ? fromAnyBase64(raw, 32) : raw;
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32) throw new TypeError('an Ed25519 public key is 32 bytes (base64 in JSON)');
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519, bytes]), format: 'der', type: 'spki' });
}

function verifyText(text: string, signature: unknown, publicKey: unknown): boolean {
  try {
    const sig = typeof signature === 'string' ? fromBase64(signature) : signature;
    if (!(sig instanceof Uint8Array) || sig.length !== 64) return false;
    let key: KeyObject;
    if (typeof publicKey === 'string' || publicKey instanceof Uint8Array) key = publicKeyFromRaw(publicKey);
    else if (isKeyObject(publicKey)) key = publicKey.type === 'private' ? createPublicKey(publicKey) : publicKey;
    else return false;
    if (key.asymmetricKeyType !== 'ed25519') return false;
    return verify(null, utf8(text), key, sig);
  } catch {
    return false;
  }
}

function isKeyObject(k: unknown): k is KeyObject {
  return typeof k === 'object' && k !== null && typeof (k as KeyObject).asymmetricKeyType === 'string' && typeof (k as KeyObject).export === 'function';
}

/** The log's Ed25519 signature (64 bytes) over the note of this head. Throws on a bad body or key. */
export function signTreeHead(body: NoteInput, privateKey: KeyObject): Uint8Array {
  return signText(noteOf(body), privateKey);
}

/**
 * True when `signature` (64 bytes, or base64) is the log's signature over this head's note under
 * `publicKey` (raw 32 bytes, base64, or a KeyObject). Never throws.
 */
export function verifyTreeHeadSignature(body: NoteInput, signature: Uint8Array | string, publicKey: Uint8Array | string | KeyObject): boolean {
  let note: string;
  try {
    note = noteOf(body);
  } catch {
    return false;
  }
  return verifyText(note, signature, publicKey);
}

/** A witness's Ed25519 cosignature (64 bytes) over cosignatureMessage(head). Throws on a bad body or key. */
export function signCosignature(body: NoteInput, privateKey: KeyObject): Uint8Array {
  return signText(cosignatureMessage(body), privateKey);
}

/** True when `signature` is a witness cosignature of this head under `publicKey`. Never throws. */
export function verifyCosignature(body: NoteInput, signature: Uint8Array | string, publicKey: Uint8Array | string | KeyObject): boolean {
  let message: string;
  try {
    message = cosignatureMessage(body);
  } catch {
    return false;
  }
  return verifyText(message, signature, publicKey);
}

/** hex(first 8 bytes of SHA-256(raw public key)): 16 characters. Accepts raw bytes or base64. */
export function keyId(publicKeyRaw: Uint8Array | string): string {
  const bytes = typeof publicKeyRaw === 'string' ? fromAnyBase64(publicKeyRaw) : publicKeyRaw;
  if (!(bytes instanceof Uint8Array)) throw new TypeError('keyId: expected the raw public key bytes (or base64)');
  return hex(new Uint8Array(createHash('sha256').update(bytes).digest()).subarray(0, 8));
}

/** A fresh Ed25519 private key. */
export function generateSigningKey(): KeyObject {
  return generateKeyPairSync('ed25519').privateKey;
}

/** The raw 32-byte Ed25519 public key of a private or public KeyObject. */
export function publicKeyRaw(key: KeyObject): Uint8Array {
  if (!isKeyObject(key) || key.asymmetricKeyType !== 'ed25519') throw new TypeError('publicKeyRaw: expected an Ed25519 KeyObject');
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const jwk = pub.export({ format: 'jwk' });
  return new Uint8Array(Buffer.from(jwk.x!, 'base64url'));
}

/** The private key as PKCS8 PEM ("-----BEGIN PRIVATE KEY-----"). */
export function serializeSigningKey(key: KeyObject): string {
  if (!isKeyObject(key) || key.type !== 'private' || key.asymmetricKeyType !== 'ed25519') throw new TypeError('serializeSigningKey: expected an Ed25519 private KeyObject');
  return key.export({ format: 'pem', type: 'pkcs8' }).toString();
}

/**
 * An Ed25519 private key from text: PKCS8 PEM ("-----BEGIN PRIVATE KEY-----"), or the 32-byte seed in
 * base64url or base64 (a 64-byte seed || public key, as libsodium writes it, is accepted when its two
 * halves agree). Throws an Error saying what is wrong and what is expected.
 */
export function parseSigningKey(text: string): KeyObject {
  const expected = 'expected an Ed25519 private key as PKCS8 PEM ("-----BEGIN PRIVATE KEY-----", what treaty-evidence keygen writes) or its 32-byte seed in base64url/base64';
  if (typeof text !== 'string' || text.trim() === '') throw new Error(`empty signing key: ${expected}`);
  const t = text.trim();
  if (t.includes('-----BEGIN')) {
    if (!t.includes('-----BEGIN PRIVATE KEY-----')) {
      throw new Error(`the key is "${/-----BEGIN ([A-Z0-9 ]+)-----/.exec(t)?.[1] ?? 'an unknown PEM block'}", not a PKCS8 private key: ${expected}`);
    }
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: t, format: 'pem' });
    } catch (e) {
      throw new Error(`the PEM private key cannot be read (${(e as Error).message}): ${expected}`);
    }
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`the key is a ${key.asymmetricKeyType ?? 'unknown'} key, not Ed25519: ${expected}`);
    return key;
  }
  const bytes = fromAnyBase64(t);
  if (!bytes) throw new Error(`the signing key is neither PEM nor base64: ${expected}`);
  if (bytes.length !== 32 && bytes.length !== 64) throw new Error(`the signing key decodes to ${bytes.length} bytes, not a 32-byte seed: ${expected}`);
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, bytes.subarray(0, 32)]), format: 'der', type: 'pkcs8' });
  if (bytes.length === 64 && base64(publicKeyRaw(key)) !== base64(bytes.subarray(32))) {
    throw new Error('the 64-byte signing key\'s second half is not the public key of its first half (the seed): the key is damaged');
  }
  return key;
}

/** The 32-byte seed of an Ed25519 private key, base64url (the compact text form parseSigningKey accepts). */
export function signingKeySeed(key: KeyObject): string {
  if (!isKeyObject(key) || key.type !== 'private' || key.asymmetricKeyType !== 'ed25519') throw new TypeError('signingKeySeed: expected an Ed25519 private KeyObject');
  return base64url(new Uint8Array(Buffer.from(key.export({ format: 'jwk' }).d!, 'base64url')));
}
