import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codes } from '@treaty/testing';
import { intermediary, startPrisoners, type Harness, type World } from './harness.js';

/**
 * A keyed mutation's first response is kept for its retries (the kit's idempotency store). When that
 * response carries personal data, it must be kept sealed like the fields themselves (DESIGN §10).
 */
let h: Harness;
let w: World;
beforeAll(async () => {
  h = await startPrisoners();
  w = await h.world();
});
afterAll(() => h?.stop());

describe('the stored response of a keyed mutation that returns personal data', () => {
  it('is sealed at rest, and a retry still gets it in clear', async () => {
    const name = `Ilvane Oskarsdottir-${randomUUID().slice(0, 4)}`;
    const key = `register-${randomUUID()}`;
    const query = `mutation ($input: RegisterDetaineeInput!) { registerDetainee(input: $input) { id name dateOfBirth } }`;
    const input = { agreementId: w.agreementId, name, dateOfBirth: '1991-04-17', holdingPartyId: w.gov, affiliatedPartyId: w.mov, category: 'OTHER' };
    const first = await h.call('prisoners', intermediary, query, { input }, { idempotencyKey: key });
    expect(first.body.errors, JSON.stringify(first.body.errors)).toBeUndefined();
    expect(first.body.data.registerDetainee.name).toBe(name);

    const [row] = await h.db.query(`SELECT response_body FROM idempotency_key WHERE key = $1`, [key]);
    expect(row.response_body).toMatch(/^enc:v1:/);
    expect(row.response_body).not.toContain(name.split('-')[0]);
    expect(row.response_body).not.toContain('1991');

    const retry = await h.call('prisoners', intermediary, query, { input }, { idempotencyKey: key });
    expect(retry.replayed).toBe(true);
    expect(retry.body).toEqual(first.body);
    const [n] = await h.db.query(`SELECT count(*)::int AS n FROM detainee WHERE agreement_id = $1`, [w.agreementId]);
    expect(n.n).toBe(1);
  });

  it('is replayed only to the caller it was made for: another subject, role or purpose of the same agency gets IDEMPOTENCY_KEY_REUSED and no personal data', async () => {
    const name = `Marek Tollundsen-${randomUUID().slice(0, 4)}`;
    const key = `register-${randomUUID()}`;
    const query = `mutation ($input: RegisterDetaineeInput!) { registerDetainee(input: $input) { id name dateOfBirth medicalNotes } }`;
    const input = { agreementId: w.agreementId, name, dateOfBirth: '1984-09-02', holdingPartyId: w.gov, affiliatedPartyId: w.mov, category: 'MEDICAL', medicalNotes: 'Insulin twice daily' };
    const first = await h.call('prisoners', intermediary, query, { input }, { idempotencyKey: key });
    expect(first.body.errors, JSON.stringify(first.body.errors)).toBeUndefined();
    expect(first.body.data.registerDetainee.name).toBe(name);
    const registered = async () => (await h.db.query(`SELECT count(*)::int AS n FROM detainee WHERE agreement_id = $1`, [w.agreementId]))[0].n;
    const before = await registered();

    // Same agency, same key, same body: a monitor, a colleague, a party token, the same person for another purpose.
    const others = [
      { ...intermediary, roles: ['MONITOR'] as const },
      { ...intermediary, subject: 'colleague@intermediary.example' },
      { ...intermediary, roles: ['PARTY'] as const, partyId: w.gov },
      { ...intermediary, purpose: 'audit' },
    ];
    for (const caller of others) {
      const r = await h.call('prisoners', caller as typeof intermediary, query, { input }, { idempotencyKey: key });
      expect(r.replayed).toBeFalsy();
      expect(codes(r.body)).toEqual(['IDEMPOTENCY_KEY_REUSED']);
      expect(r.body.errors![0]!.message).toMatch(/or by another caller of your agency, or with other roles or another X-Purpose/);
      expect(JSON.stringify(r.body)).not.toContain('Tollundsen');
      expect(JSON.stringify(r.body)).not.toContain('Insulin');
    }
    expect(await registered()).toBe(before);

    // The caller it was made for still gets it.
    const retry = await h.call('prisoners', intermediary, query, { input }, { idempotencyKey: key });
    expect(retry.replayed).toBe(true);
    expect(retry.body).toEqual(first.body);
  });
});
