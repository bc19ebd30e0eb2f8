import { describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { PUBLIC_CALLER, type Caller } from '../src/caller.js';
import { generateInternalKeyPair, importPrivateKey, importPublicKey, signInternal, verifyInternal } from '../src/internal-auth.js';

const mediator: Caller = { ...PUBLIC_CALLER, agency: 'Envoy', roles: ['MEDIATOR'] };

async function setup() {
  const gw = await generateInternalKeyPair();
  const other = await generateInternalKeyPair();
  const signer = { issuer: 'gateway', key: await importPrivateKey(gw.privateKey) };
  const verifier = { audience: 'milestones', trusted: new Map([['gateway', await importPublicKey(gw.publicKey)]]) };
  return { signer, verifier, otherKey: await importPrivateKey(other.privateKey) };
}

describe('internal credentials', () => {
  it('carry the caller for exactly the signed body and audience', async () => {
    const { signer, verifier } = await setup();
    const body = '{"query":"{ agreements { id } }"}';
    const token = await signInternal(signer, 'milestones', mediator, body);
    expect(await verifyInternal(verifier, token, body)).toMatchObject({ agency: 'Envoy', roles: ['MEDIATOR'], via: null });
    await expect(verifyInternal(verifier, token, body.replace('id', 'title'))).rejects.toThrow(/does not match the request body/);
    await expect(verifyInternal({ ...verifier, audience: 'prisoners' }, token, body)).rejects.toThrow(/refused/);
  });

  it('refuse a missing token, an untrusted issuer, a key that is not the issuer\'s, and an expired token', async () => {
    const { signer, verifier, otherKey } = await setup();
    await expect(verifyInternal(verifier, undefined, '')).rejects.toThrow(/missing/);
    const stranger = await signInternal({ issuer: 'stranger', key: otherKey }, 'milestones', mediator, '');
    await expect(verifyInternal(verifier, stranger, '')).rejects.toThrow(/untrusted issuer/);
    const forged = await signInternal({ issuer: 'gateway', key: otherKey }, 'milestones', mediator, '');
    await expect(verifyInternal(verifier, forged, '')).rejects.toThrow(/refused/);
    const old = await new SignJWT({ caller: mediator, bh: '47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU' })
      .setProtectedHeader({ alg: 'EdDSA' })
      .setIssuer('gateway')
      .setAudience('milestones')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 600)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 540)
      .sign(signer.key);
    await expect(verifyInternal(verifier, old, '')).rejects.toThrow(/refused/);
  });

  it('mark calls from a sibling service with `via`', async () => {
    const pair = await generateInternalKeyPair();
    const verifier = { audience: 'milestones', trusted: new Map([['corridors', await importPublicKey(pair.publicKey)]]) };
    const token = await signInternal({ issuer: 'corridors', key: await importPrivateKey(pair.privateKey) }, 'milestones', mediator, 'b');
    expect((await verifyInternal(verifier, token, 'b')).via).toBe('corridors');
  });
});
