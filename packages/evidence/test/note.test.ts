import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { base64, base64url } from '../src/canonical.js';
import {
  cosignatureMessage,
  generateSigningKey,
  keyId,
  parseSigningKey,
  parseTreeHeadNote,
  publicKeyFromRaw,
  publicKeyRaw,
  serializeSigningKey,
  signCosignature,
  signTreeHead,
  signingKeySeed,
  treeHeadNote,
  verifyCosignature,
  verifyTreeHeadSignature,
} from '../src/note.js';
import { h2b } from './helpers.js';

const ROOT = '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328';
const body = { log: 'treaty/milestones', size: 8, rootHash: h2b(ROOT), timestamp: '2026-06-15T09:30:00.000Z' };

describe('the tree head note', () => {
  it('is exactly the spec text', () => {
    expect(treeHeadNote(body)).toBe(
      'treaty-evidence/v1\nlog treaty/milestones\nsize 8\nroot XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\ntime 2026-06-15T09:30:00.000Z\n',
    );
    expect(treeHeadNote({ ...body, rootHash: ROOT })).toBe(treeHeadNote(body));
    expect(treeHeadNote({ ...body, timestamp: new Date(body.timestamp) })).toBe(treeHeadNote(body));
    expect(treeHeadNote({ ...body, size: 8n })).toBe(treeHeadNote(body));
    expect(cosignatureMessage(body)).toBe(`treaty-evidence-cosignature/v1\n${treeHeadNote(body)}`);
    expect(cosignatureMessage(treeHeadNote(body))).toBe(cosignatureMessage(body));
  });

  it('parses back', () => {
    expect(parseTreeHeadNote(treeHeadNote(body))).toEqual(body);
    for (const bad of [null, '', treeHeadNote(body).slice(0, -1), treeHeadNote(body).replace('size 8', 'size 08'), `${treeHeadNote(body)}x`, treeHeadNote(body).replace('XcnaeacG', '!cnaeacG')]) {
      expect(parseTreeHeadNote(bad)).toBeNull();
    }
  });

  it('refuses fields that would change its shape', () => {
    expect(() => treeHeadNote({ ...body, log: 'a\nsize 9' })).toThrow(TypeError);
    expect(() => treeHeadNote({ ...body, log: '' })).toThrow(TypeError);
    expect(() => treeHeadNote({ ...body, size: -1 })).toThrow(TypeError);
    expect(() => treeHeadNote({ ...body, size: 1.5 })).toThrow(TypeError);
    expect(() => treeHeadNote({ ...body, rootHash: new Uint8Array(31) })).toThrow(TypeError);
    expect(() => treeHeadNote({ ...body, rootHash: 'zz' })).toThrow(TypeError);
    expect(() => treeHeadNote({ ...body, timestamp: 'x\ny' })).toThrow(TypeError);
    expect(() => treeHeadNote({ ...body, timestamp: new Date(NaN) })).toThrow(TypeError);
  });
});

describe('signatures', () => {
  const key = generateSigningKey();
  const pub = publicKeyRaw(key);

  it('a log signature verifies under the raw key, its base64, or a KeyObject, over the body or the note text', () => {
    const sig = signTreeHead(body, key);
    expect(sig).toBeInstanceOf(Uint8Array);
    expect(sig.length).toBe(64);
    expect(verifyTreeHeadSignature(body, sig, pub)).toBe(true);
    expect(verifyTreeHeadSignature(treeHeadNote(body), base64(sig), base64(pub))).toBe(true);
    expect(verifyTreeHeadSignature(body, sig, publicKeyFromRaw(pub))).toBe(true);
    expect(verifyTreeHeadSignature(body, sig, key)).toBe(true);
    expect(signTreeHead(treeHeadNote(body), key)).toEqual(sig); // Ed25519 is deterministic
  });

  it('any change to the head, the signature or the key fails', () => {
    const sig = signTreeHead(body, key);
    expect(verifyTreeHeadSignature({ ...body, size: 9 }, sig, pub)).toBe(false);
    expect(verifyTreeHeadSignature({ ...body, log: 'treaty/prisoners' }, sig, pub)).toBe(false);
    expect(verifyTreeHeadSignature({ ...body, timestamp: '2026-06-15T09:30:00Z' }, sig, pub)).toBe(false); // same instant, other text
    expect(verifyTreeHeadSignature({ ...body, rootHash: h2b(ROOT.replace(/^5/, '6')) }, sig, pub)).toBe(false);
    expect(verifyTreeHeadSignature(body, sig.map((b, i) => (i === 10 ? b ^ 1 : b)), pub)).toBe(false);
    expect(verifyTreeHeadSignature(body, sig, publicKeyRaw(generateSigningKey()))).toBe(false);
    // A log signature is not a cosignature, nor the other way round.
    expect(verifyCosignature(body, sig, pub)).toBe(false);
    expect(verifyTreeHeadSignature(body, signCosignature(body, key), pub)).toBe(false);
  });

  it('a cosignature verifies over the cosignature message only', () => {
    const w = generateSigningKey();
    const sig = signCosignature(body, w);
    expect(verifyCosignature(body, sig, publicKeyRaw(w))).toBe(true);
    expect(verifyCosignature(treeHeadNote(body), base64(sig), base64(publicKeyRaw(w)))).toBe(true);
    expect(verifyCosignature(`${treeHeadNote(body)}x`, sig, publicKeyRaw(w))).toBe(false);
    expect(verifyCosignature({ ...body, size: 7 }, sig, publicKeyRaw(w))).toBe(false);
  });

  it('malformed input to the verifiers is false, never a throw', () => {
    const sig = signTreeHead(body, key);
    const junk: unknown[] = [null, undefined, '', 'AAAA', 5, {}, [], new Uint8Array(63), new Uint8Array(65), new Uint8Array(32).fill(0xff)];
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
    for (const j of [...junk, rsa]) {
      expect(verifyTreeHeadSignature(body, sig, j as Uint8Array)).toBe(false);
      expect(verifyCosignature(body, sig, j as Uint8Array)).toBe(false);
    }
    for (const j of junk) {
      expect(verifyTreeHeadSignature(body, j as Uint8Array, pub)).toBe(false);
      expect(verifyTreeHeadSignature(j as typeof body, sig, pub)).toBe(false);
      expect(verifyTreeHeadSignature({ ...body, rootHash: j as Uint8Array }, sig, pub)).toBe(false);
      expect(verifyTreeHeadSignature({ ...body, size: j as number }, sig, pub)).toBe(false);
      expect(verifyCosignature(j as typeof body, sig, pub)).toBe(false);
    }
  });

  it('signing refuses a key that is not an Ed25519 private key', () => {
    expect(() => signTreeHead(body, publicKeyFromRaw(pub))).toThrow(/Ed25519 private/);
    expect(() => signTreeHead(body, generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey)).toThrow(/Ed25519 private/);
  });
});

describe('keys', () => {
  it('keyId is the first 8 bytes of SHA-256 of the raw key, hex', () => {
    const pub = publicKeyRaw(generateSigningKey());
    const id = keyId(pub);
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(id).toBe(createHash('sha256').update(pub).digest('hex').slice(0, 16));
    expect(keyId(base64(pub))).toBe(id);
  });

  it('PKCS8 PEM and seeds round-trip', () => {
    const key = generateSigningKey();
    const pem = serializeSigningKey(key);
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(publicKeyRaw(parseSigningKey(pem))).toEqual(publicKeyRaw(key));
    expect(publicKeyRaw(parseSigningKey(`\n  ${pem}  \n`))).toEqual(publicKeyRaw(key));
    const seed = signingKeySeed(key);
    expect(publicKeyRaw(parseSigningKey(seed))).toEqual(publicKeyRaw(key));
    const seedBytes = Buffer.from(seed, 'base64url');
    expect(publicKeyRaw(parseSigningKey(seedBytes.toString('base64')))).toEqual(publicKeyRaw(key));
    expect(publicKeyRaw(parseSigningKey(base64url(Buffer.concat([seedBytes, publicKeyRaw(key)]))))).toEqual(publicKeyRaw(key));
    expect(publicKeyRaw(publicKeyFromRaw(publicKeyRaw(key)))).toEqual(publicKeyRaw(key));
  });

  it('bad key text gets an Error that says what was expected', () => {
    const rsaPem = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const pubPem = generateSigningKey().export({ format: 'pem', type: 'pkcs8' }).toString().replace(/PRIVATE/g, 'PUBLIC');
    expect(() => parseSigningKey('')).toThrow(/empty signing key: expected an Ed25519 private key/);
    expect(() => parseSigningKey(rsaPem)).toThrow(/rsa key, not Ed25519/);
    expect(() => parseSigningKey(pubPem)).toThrow(/"PUBLIC KEY", not a PKCS8 private key/);
    expect(() => parseSigningKey('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----')).toThrow(/cannot be read/);
    expect(() => parseSigningKey('not a key!')).toThrow(/neither PEM nor base64/);
    expect(() => parseSigningKey(base64(new Uint8Array(16)))).toThrow(/16 bytes, not a 32-byte seed/);
    expect(() => parseSigningKey(base64(new Uint8Array(64)))).toThrow(/second half is not the public key/);
  });
});
