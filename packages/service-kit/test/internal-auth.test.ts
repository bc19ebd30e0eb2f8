import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PUBLIC_CALLER, type Caller } from '../src/caller.js';
import {
  LIFETIME_MS,
  MemoryNonceStore,
  deriveInternalKeys,
  generateMasterSecret,
  parseInternalKeys,
  serializeInternalKeys,
  signInternal,
  verifyInternal,
  type InternalVerifier,
} from '../src/internal-auth.js';

const mediator: Caller = { ...PUBLIC_CALLER, agency: 'Envoy', roles: ['MEDIATOR'] };
const NAMES = ['gateway', 'milestones', 'prisoners', 'corridors', 'guarantors'];

function setup() {
  const master = generateMasterSecret();
  const gateway = { issuer: 'gateway', keys: deriveInternalKeys(master, 'gateway', NAMES) };
  const corridors = { issuer: 'corridors', keys: deriveInternalKeys(master, 'corridors', NAMES) };
  const verifier = (audience = 'milestones'): InternalVerifier => ({ audience, keys: deriveInternalKeys(master, audience, NAMES), nonces: new MemoryNonceStore() });
  return { master, gateway, corridors, verifier };
}

/** Re-signs a token's claims with `key`, as someone holding that key could. */
function forge(token: string, key: Buffer, edit: (claims: Record<string, unknown>) => void, issuer?: string): string {
  const [v, iss, claimsB64] = token.split('.') as [string, string, string];
  const claims = JSON.parse(Buffer.from(claimsB64, 'base64url').toString('utf8'));
  edit(claims);
  const signed = `${v}.${issuer ?? iss}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${signed}.${createHmac('sha256', key).update(signed).digest('base64url')}`;
}

describe('internal credentials', () => {
  it('carry the caller for exactly the signed body and audience', async () => {
    const { gateway, verifier } = setup();
    const body = '{"query":"{ agreements { id } }"}';
    const ok = await verifyInternal(verifier(), signInternal(gateway, 'milestones', mediator, body), body);
    expect(ok.caller).toMatchObject({ agency: 'Envoy', roles: ['MEDIATOR'], via: null });
    expect(ok.idempotencyKey).toBeNull();
    await expect(verifyInternal(verifier(), signInternal(gateway, 'milestones', mediator, body), body.replace('id', 'title'))).rejects.toThrow(/does not match the request body/);
    // Addressed to milestones: prisoners holds another key for the gateway, so the MAC does not even match.
    await expect(verifyInternal(verifier('prisoners'), signInternal(gateway, 'milestones', mediator, body), body)).rejects.toThrow(/bad signature/);
  });

  it('are single-use: the same token twice is refused the second time', async () => {
    const { gateway, verifier } = setup();
    const v = verifier();
    const token = signInternal(gateway, 'milestones', mediator, 'b');
    await verifyInternal(v, token, 'b');
    await expect(verifyInternal(v, token, 'b')).rejects.toThrow(/already used/);
  });

  it('bind the Idempotency-Key: it is read from the credential, and a changed one breaks the MAC', async () => {
    const { gateway, verifier } = setup();
    const token = signInternal(gateway, 'milestones', mediator, 'b', { idempotencyKey: 'order-17' });
    expect((await verifyInternal(verifier(), token, 'b')).idempotencyKey).toBe('order-17');
    const [v, iss, claims, mac] = token.split('.') as [string, string, string, string];
    const edited = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8'));
    edited.ik = 'order-18';
    const tampered = `${v}.${iss}.${Buffer.from(JSON.stringify(edited)).toString('base64url')}.${mac}`;
    await expect(verifyInternal(verifier(), tampered, 'b')).rejects.toThrow(/bad signature/);
  });

  it('refuse a missing or malformed token, an unknown issuer, and a token past its lifetime', async () => {
    const { gateway, verifier } = setup();
    await expect(verifyInternal(verifier(), undefined, '')).rejects.toThrow(/missing/);
    await expect(verifyInternal(verifier(), 'eyJhbGciOiJFZERTQSJ9.e30.x', '')).rejects.toThrow(/malformed/);
    const stranger = signInternal({ issuer: 'stranger', keys: new Map([['stranger>milestones', Buffer.alloc(32, 7)]]) }, 'milestones', null, '');
    await expect(verifyInternal(verifier(), stranger, '')).rejects.toThrow(/untrusted issuer/);
    const old = signInternal(gateway, 'milestones', mediator, '', { now: Date.now() - LIFETIME_MS - 10_000 });
    await expect(verifyInternal(verifier(), old, '')).rejects.toThrow(/expired/);
    const future = signInternal(gateway, 'milestones', mediator, '', { now: Date.now() + 60_000 });
    await expect(verifyInternal(verifier(), future, '')).rejects.toThrow(/future/);
  });

  it('let a sibling act only as itself: no caller in its token, and one it forges is refused', async () => {
    const { corridors, verifier } = setup();
    expect(() => signInternal(corridors, 'milestones', mediator, 'b')).toThrow(/Only the gateway/);
    const own = await verifyInternal(verifier(), signInternal(corridors, 'milestones', null, 'b'), 'b');
    expect(own.caller).toMatchObject({ via: 'corridors', roles: [], agency: null });
    // Corridors holds its own key towards milestones and writes a MEDIATOR caller into the claims.
    const asMediator = forge(signInternal(corridors, 'milestones', null, 'b'), corridors.keys.get('corridors>milestones')!, (c) => (c.caller = mediator));
    await expect(verifyInternal(verifier(), asMediator, 'b')).rejects.toThrow(/may not act for a caller/);
    // Nor can it pass itself off as the gateway: it does not hold the gateway's key for milestones.
    expect(corridors.keys.has('gateway>corridors')).toBe(true);
    expect(corridors.keys.get('gateway>milestones')).toBeUndefined();
    const asGateway = forge(signInternal(corridors, 'milestones', null, 'b'), corridors.keys.get('corridors>milestones')!, (c) => (c.caller = mediator), 'gateway');
    await expect(verifyInternal(verifier(), asGateway, 'b')).rejects.toThrow(/bad signature/);
  });

  it("carry the gateway's operation id, and refuse one a sibling names, or one that is not an id", async () => {
    const { gateway, corridors, verifier } = setup();
    const op = '0b5e2a4c-1f3d-4e6a-9b8c-7d2e1f0a3b4c';
    expect((await verifyInternal(verifier(), signInternal(gateway, 'milestones', mediator, 'b', { operation: op }), 'b')).operation).toBe(op);
    expect((await verifyInternal(verifier(), signInternal(gateway, 'milestones', mediator, 'b'), 'b')).operation).toBeNull();
    expect(() => signInternal(corridors, 'milestones', null, 'b', { operation: op })).toThrow(/Only the gateway names an operation/);
    expect(() => signInternal(gateway, 'milestones', mediator, 'b', { operation: 'short' })).toThrow(/16 to 64 base64url/);
    // A sibling that writes an operation into its own claims: it would share the gateway's reads.
    const named = forge(signInternal(corridors, 'milestones', null, 'b'), corridors.keys.get('corridors>milestones')!, (c) => (c.op = op));
    await expect(verifyInternal(verifier(), named, 'b')).rejects.toThrow(/corridors may not name an operation/);
    for (const bad of [42, 'x'.repeat(65), 'has spaces in it!!', '']) {
      const t = forge(signInternal(gateway, 'milestones', mediator, 'b'), gateway.keys.get('gateway>milestones')!, (c) => (c.op = bad));
      await expect(verifyInternal(verifier(), t, 'b')).rejects.toThrow(/malformed internal credential/);
    }
  });

  it('give each process only the pairwise keys it takes part in, and round-trip through TREATY_INTERNAL_KEYS', () => {
    const { master } = setup();
    const gw = deriveInternalKeys(master, 'gateway', NAMES);
    expect([...gw.keys()].sort()).toEqual(['gateway>corridors', 'gateway>guarantors', 'gateway>milestones', 'gateway>prisoners']);
    const ms = deriveInternalKeys(master, 'milestones', NAMES);
    expect([...ms.keys()].every((k) => k.split('>').includes('milestones'))).toBe(true);
    expect(ms.get('gateway>milestones')!.equals(gw.get('gateway>milestones')!)).toBe(true);
    expect(ms.get('milestones>corridors')!.equals(ms.get('corridors>milestones')!)).toBe(false);
    expect(parseInternalKeys(serializeInternalKeys(ms))).toEqual(ms);
    expect(() => parseInternalKeys('{"gateway":"abc"}')).toThrow(/issuer>audience/);
    expect(() => parseInternalKeys('{"gateway>milestones":"abc"}')).toThrow(/32 bytes/);
  });
});
