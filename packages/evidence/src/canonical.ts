/**
 * Canonical JSON and byte encodings (see README "Formats").
 *
 * canonicalJson: object keys sorted by UTF-16 code units (the default JS sort), no whitespace, strings
 * and numbers as JSON.stringify writes them, arrays in order, null allowed. undefined (also as an
 * object property or array hole), functions, symbols, bigint, NaN and ±Infinity are refused with a
 * thrown Error naming where they are, as are Maps, Sets, binary buffers and cycles. An object with a
 * toJSON method (a Date) is encoded as what toJSON returns, like JSON.stringify; an invalid Date is refused.
 */
export function canonicalJson(value: unknown): string {
  return encode(value, '$', new Set());
}

function encode(v: unknown, path: string, stack: Set<object>, viaToJSON = false): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(v)) throw new Error(`canonicalJson: ${String(v)} at ${path} is not a finite number`);
      return JSON.stringify(v);
    case 'object':
      break;
    default:
      throw new Error(`canonicalJson: ${typeof v} at ${path} cannot be encoded (use null, a string or a number)`);
  }
  const o = v as Record<string, unknown> & { toJSON?: unknown };
  if (o instanceof Date) {
    if (Number.isNaN(o.getTime())) throw new Error(`canonicalJson: invalid Date at ${path}`);
    return JSON.stringify(o.toISOString());
  }
  if (typeof o.toJSON === 'function' && !viaToJSON) {
    // Like JSON.stringify: toJSON is called once for the value, its result encoded as is.
    return encode((o.toJSON as (key: string) => unknown).call(o, ''), path, stack, true);
  }
  if (o instanceof Map || o instanceof Set || o instanceof WeakMap || o instanceof WeakSet || ArrayBuffer.isView(o) || o instanceof ArrayBuffer) {
    throw new Error(`canonicalJson: ${o.constructor.name} at ${path} cannot be encoded (convert it to an array or plain object)`);
  }
  if (stack.has(o)) throw new Error(`canonicalJson: cycle at ${path}`);
  stack.add(o);
  try {
    if (Array.isArray(o)) {
      const parts: string[] = [];
      for (let i = 0; i < o.length; i++) {
        if (!(i in o)) throw new Error(`canonicalJson: hole at ${path}[${i}] (undefined cannot be encoded)`);
        parts.push(encode(o[i], `${path}[${i}]`, stack));
      }
      return `[${parts.join(',')}]`;
    }
    const keys = Object.keys(o).sort();
    const parts: string[] = [];
    for (const k of keys) parts.push(`${JSON.stringify(k)}:${encode(o[k], `${path}.${k}`, stack)}`);
    return `{${parts.join(',')}}`;
  } finally {
    stack.delete(o);
  }
}

const encoder = new TextEncoder();

/** The bytes of an entry: its canonical JSON text as UTF-8 (what hashLeaf hashes). */
export function entryBytes(text: string): Uint8Array {
  return encoder.encode(text);
}

function view(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function copy(b: Buffer): Uint8Array {
  return new Uint8Array(b);
}

/** Lowercase hex. */
export function hex(bytes: Uint8Array): string {
  return view(bytes).toString('hex');
}

/** Bytes from hex (either case); null when the text is not hex, or not `length` bytes when given. Never throws. */
export function fromHex(text: unknown, length?: number): Uint8Array | null {
  if (typeof text !== 'string' || text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) return null;
  if (length !== undefined && text.length !== length * 2) return null;
  return copy(Buffer.from(text, 'hex'));
}

/** Standard base64 with padding. */
export function base64(bytes: Uint8Array): string {
  return view(bytes).toString('base64');
}

/** base64url without padding. */
export function base64url(bytes: Uint8Array): string {
  return view(bytes).toString('base64url');
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Bytes from standard base64 with padding, strictly (the canonical encoding only); null when the text
 * is not that, or not `length` bytes when given. Never throws.
 */
export function fromBase64(text: unknown, length?: number): Uint8Array | null {
  if (typeof text !== 'string' || !BASE64.test(text)) return null;
  const b = Buffer.from(text, 'base64');
  if (b.toString('base64') !== text) return null;
  if (length !== undefined && b.length !== length) return null;
  return copy(b);
}

/** Bytes from base64url (padding optional); null when malformed or not `length` bytes. Never throws. */
export function fromBase64Url(text: unknown, length?: number): Uint8Array | null {
  if (typeof text !== 'string') return null;
  const bare = text.replace(/={1,2}$/, '');
  if (!BASE64URL.test(bare) || bare.length % 4 === 1) return null;
  const b = Buffer.from(bare, 'base64url');
  if (b.toString('base64url') !== bare) return null;
  if (length !== undefined && b.length !== length) return null;
  return copy(b);
}

/** Bytes from base64 or base64url, padded or not (for keys a person pastes); null when malformed. Never throws. */
export function fromAnyBase64(text: unknown, length?: number): Uint8Array | null {
  if (typeof text !== 'string') return null;
  const t = text.trim();
  return fromBase64(t, length) ?? fromBase64Url(t, length) ?? fromBase64(t + '='.repeat((4 - (t.length % 4)) % 4), length);
}

/** An evidence log entry (the leaf data), as the spec defines it. All fields are always present. */
export interface Entry {
  v: 1;
  log: string;
  index: number;
  /** Hex leaf hash of entry index - 1, or '' for index 0. */
  prev: string;
  /** ISO 8601 UTC with milliseconds. */
  at: string;
  kind: string;
  by: { agency: string | null; roles: string[] };
  fact: unknown;
}

/** The canonical text of an entry (roles are sorted). Throws on a malformed entry. */
export function entryText(e: Entry): string {
  return canonicalJson({ ...e, by: { agency: e.by.agency, roles: [...e.by.roles].sort() } });
}

/**
 * Parses an entry's text. Returns the entry and whether the text is in canonical form, or the reason
 * it is not an entry. Never throws.
 */
export function parseEntry(text: unknown): { entry: Entry; canonical: boolean } | { error: string } {
  if (typeof text !== 'string') return { error: 'the entry is not a string' };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { error: 'the entry is not valid JSON' };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { error: 'the entry is not a JSON object' };
  const o = v as Record<string, unknown>;
  const missing = ['v', 'log', 'index', 'prev', 'at', 'kind', 'by', 'fact'].filter((k) => !(k in o));
  if (missing.length) return { error: `the entry has no ${missing.join(', ')}` };
  if (typeof o.log !== 'string') return { error: 'its "log" is not a string' };
  if (typeof o.index !== 'number' || !Number.isSafeInteger(o.index) || o.index < 0) return { error: 'its "index" is not a whole number' };
  if (typeof o.prev !== 'string') return { error: 'its "prev" is not a string' };
  if (typeof o.at !== 'string') return { error: 'its "at" is not a string' };
  if (typeof o.kind !== 'string') return { error: 'its "kind" is not a string' };
  const by = o.by as Record<string, unknown> | null;
  if (typeof by !== 'object' || by === null || !(by.agency === null || typeof by.agency === 'string') || !Array.isArray(by.roles) || !by.roles.every((r) => typeof r === 'string')) {
    return { error: 'its "by" is not { agency, roles }' };
  }
  let canonical = false;
  try {
    canonical = canonicalJson(v) === text;
  } catch {
    canonical = false;
  }
  return { entry: o as unknown as Entry, canonical };
}
