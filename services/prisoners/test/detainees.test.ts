import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymous, caller, codes } from '@treaty/testing';
import { statements } from '@treaty/service-kit';
import { REGISTER, intermediary, mediator, monitor, partyOf, startPrisoners, type Harness, type World } from './harness.js';

let h: Harness;
let w: World;
beforeAll(async () => {
  h = await startPrisoners();
  w = await h.world();
});
afterAll(async () => {
  await h?.stop();
});

const input = (over: Record<string, unknown> = {}) => ({
  agreementId: w.agreementId,
  name: 'Ilan Verest',
  dateOfBirth: '1979-11-02',
  holdingPartyId: w.gov,
  affiliatedPartyId: w.mov,
  category: 'MEDICAL',
  medicalNotes: 'Shrapnel wound, left leg; needs a stretcher',
  ...over,
});

const READ = /* GraphQL */ `
  query ($id: ID!) { detainee(id: $id) { id category name dateOfBirth medicalNotes holdingParty { id } affiliatedParty { id } agreement { id } } }`;

const logRows = (recordId: string) => h.db.query(`SELECT * FROM personal_data_access WHERE record_id = $1 ORDER BY at`, [recordId]);

describe('registerDetainee', () => {
  it('registers a detainee after confirming both parties with the milestones service', async () => {
    // Each registration here is a different person: a second one of the same person is refused (encryption.test.ts).
    const r = await h.ok(intermediary, REGISTER, { input: input({ name: 'Orsolya Brenn' }) });
    expect(r.registerDetainee).toMatchObject({ category: 'MEDICAL', holdingParty: { id: w.gov }, affiliatedParty: { id: w.mov } });
    const [row] = await h.db.query('SELECT agreement_id, registered_by, date_of_birth AS dob FROM detainee WHERE id = $1', [r.registerDetainee.id]);
    // The date of birth is stored sealed (encryption at rest), never as the date itself.
    expect(row).toEqual({ agreement_id: w.agreementId, registered_by: 'Neutral Humanitarian Intermediary', dob: expect.stringMatching(/^enc:v1:/) });
  });

  it('lets a PARTY register a detainee of its own party (held or belonging), and no other', async () => {
    await h.ok(partyOf(w.mov), REGISTER, { input: input({ name: 'Kasimir Dovell', category: 'OTHER', medicalNotes: null }) });
    await h.expectRefused(() => h.run(partyOf(w.third ?? '00000000-0000-4000-8000-0000000000aa'), REGISTER, { input: input() }), 'FORBIDDEN', /PARTY role for the party concerned/);
    await h.expectRefused(() => h.run(monitor, REGISTER, { input: input() }), 'FORBIDDEN', /MEDIATOR, INTERMEDIARY/);
  });

  it('refuses a party that is not a party to the agreement (as the milestones service knows it)', async () => {
    const other = await h.world();
    await h.expectRefused(() => h.run(intermediary, REGISTER, { input: input({ affiliatedPartyId: other.mov }) }), 'BAD_USER_INPUT', /is not a party to "Ostrava Exchange Framework \d+"; its parties are/);
  });

  it('refuses an unknown or malformed agreement with NOT_FOUND', async () => {
    await h.expectRefused(() => h.run(intermediary, REGISTER, { input: input({ agreementId: '00000000-0000-4000-8000-000000000001' }) }), 'NOT_FOUND');
    await h.expectRefused(() => h.run(intermediary, REGISTER, { input: input({ agreementId: 'agreement-1' }) }), 'NOT_FOUND');
  });

  it('refuses a category that does not fit the person, bad dates and the same party on both sides, all at once', async () => {
    const r = await h.expectRefused(
      () => h.run(intermediary, REGISTER, { input: input({ dateOfBirth: '2012-04-01', category: 'WOMAN', affiliatedPartyId: w.gov }) }),
      'BAD_USER_INPUT',
    );
    expect(r.errors![0]!.extensions!.details).toMatchObject({ problems: [{ path: 'input.category' }, { path: 'input.affiliatedPartyId' }] });
    await h.expectRefused(() => h.run(intermediary, REGISTER, { input: input({ dateOfBirth: '1979-13-02' }) }), 'BAD_USER_INPUT', /YYYY-MM-DD/);
    await h.expectRefused(() => h.run(intermediary, REGISTER, { input: input({ medicalNotes: null }) }), 'BAD_USER_INPUT', /MEDICAL case needs medicalNotes/);
  });

  it('never repeats personal data in an error message', async () => {
    const r = await h.run(intermediary, REGISTER, { input: input({ name: 'Zora Quellhaven', dateOfBirth: '2013-01-05', category: 'OTHER' }) });
    expect(codes(r)).toEqual(['BAD_USER_INPUT']);
    expect(JSON.stringify(r.errors)).not.toMatch(/Zora|Quellhaven|2013-01-05/);
  });
});

describe('personal data', () => {
  let id: string;
  beforeAll(async () => {
    id = (await h.ok(intermediary, REGISTER, { input: input() })).registerDetainee.id;
    await h.db.query('DELETE FROM personal_data_access');
  });

  it('answers null with FORBIDDEN at each personal field for other roles, with the rest of the record, and logs nothing', async () => {
    const r = await h.run(monitor, READ, { id });
    expect(r.data!.detainee).toEqual({
      id, category: 'MEDICAL', name: null, dateOfBirth: null, medicalNotes: null,
      holdingParty: { id: w.gov }, affiliatedParty: { id: w.mov }, agreement: { id: w.agreementId },
    });
    expect(codes(r)).toEqual(['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN']);
    expect(r.errors!.map((e) => e.path)).toEqual([['detainee', 'name'], ['detainee', 'dateOfBirth'], ['detainee', 'medicalNotes']]);
    expect(r.errors![0]!.message).toMatch(/Detainee.name needs one of the roles INTERMEDIARY, MEDIATOR/);
    expect(await logRows(id)).toEqual([]);
  });

  it('lets INTERMEDIARY and MEDIATOR read it, writing exactly one log entry per record read, never the values', async () => {
    const r = await h.run(intermediary, READ, { id });
    expect(r.errors).toBeUndefined();
    expect(r.data!.detainee).toMatchObject({ name: 'Ilan Verest', dateOfBirth: '1979-11-02', medicalNotes: 'Shrapnel wound, left leg; needs a stretcher' });
    const rows = await logRows(id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      agency: 'Neutral Humanitarian Intermediary', subject: 'delegate-7', roles: ['INTERMEDIARY'],
      record_type: 'Detainee', record_id: id, fields: ['dateOfBirth', 'medicalNotes', 'name'], purpose: 'release-verification',
    });
    expect(JSON.stringify(rows)).not.toMatch(/Ilan|Verest|1979-11-02|Shrapnel/);

    await h.run(mediator, `query ($id: ID!) { detainee(id: $id) { name } }`, { id });
    const after = await logRows(id);
    expect(after).toHaveLength(2);
    expect(after[1]).toMatchObject({ agency: 'Office of the Envoy', fields: ['name'] });
  });

  it('writes no entry for a read without personal fields', async () => {
    const before = (await logRows(id)).length;
    await h.run(intermediary, `query ($id: ID!) { detainee(id: $id) { id category } }`, { id });
    expect(await logRows(id)).toHaveLength(before);
  });

  it('logs a list of N detainees read by an INTERMEDIARY as N entries written in one statement', async () => {
    const fresh = await h.world();
    for (let i = 0; i < 6; i++) await h.register(fresh, i % 2 ? fresh.gov : fresh.mov, 'OTHER');
    const { result, statements: sql } = await statements.measure(
      () => h.local(intermediary, `query ($a: ID!) { detainees(agreementId: $a) { id name } }`, { a: fresh.agreementId }),
      true,
    );
    expect(result.errors).toBeUndefined();
    expect(result.data!.detainees).toHaveLength(6);
    expect(sql.filter((s) => /INSERT INTO "personal_data_access"/i.test(s))).toHaveLength(1);
    const [{ n }] = await h.db.query(
      `SELECT count(*)::int AS n FROM personal_data_access WHERE record_id = ANY($1::uuid[])`,
      [result.data!.detainees.map((d: any) => d.id)],
    );
    expect(n).toBe(6);
  });

  it('shows the access log to the MEDIATOR only, filtered by record', async () => {
    const LOG = `query ($r: ID) { personalDataAccessLog(recordId: $r) { at agency subject roles recordType recordId fields purpose } }`;
    const r = await h.run(mediator, LOG, { r: id });
    expect(r.errors).toBeUndefined();
    expect(r.data!.personalDataAccessLog.map((e: any) => e.agency)).toEqual(['Office of the Envoy', 'Neutral Humanitarian Intermediary']);
    expect(r.data!.personalDataAccessLog[1]).toMatchObject({ recordType: 'Detainee', recordId: id, fields: ['dateOfBirth', 'medicalNotes', 'name'], roles: ['INTERMEDIARY'] });
    const refused = await h.run(intermediary, LOG, { r: id });
    expect(codes(refused)).toEqual(['FORBIDDEN']);
    expect(codes(await h.run(mediator, LOG, { r: 'not-an-id' }))).toEqual(['BAD_USER_INPUT']);
  });
});

describe('who sees which detainee', () => {
  let govHeld: string;
  let movHeld: string;
  let w3: World;
  let thirdHeld: string;
  beforeAll(async () => {
    w3 = await h.world({ threeParties: true });
    govHeld = await h.register(w3, w3.gov, 'OTHER', w3.mov);
    movHeld = await h.register(w3, w3.mov, 'WOMAN', w3.gov);
    thirdHeld = await h.register(w3, w3.third!, 'OTHER', w3.gov);
  });

  it('lets a PARTY read its own party’s detainees, held or belonging, and answers another party’s exactly as an id that does not exist', async () => {
    const mov = partyOf(w3.mov);
    const q = `query ($id: ID!) { detainee(id: $id) { id } }`;
    expect((await h.run(mov, q, { id: govHeld })).data!.detainee.id).toBe(govHeld);
    expect((await h.run(mov, q, { id: movHeld })).data!.detainee.id).toBe(movHeld);
    const other = await h.run(mov, q, { id: thirdHeld });
    const missing = await h.run(mov, q, { id: randomUUID() });
    // No oracle: the same answer, byte for byte, whether the id exists or not.
    expect(other).toEqual({ data: { detainee: null } });
    expect(JSON.stringify(other)).toBe(JSON.stringify(missing));
  });

  it('filters the detainee list for a PARTY, and gives everyone else the whole list in priority order', async () => {
    const q = `query ($a: ID!) { detainees(agreementId: $a) { id category } }`;
    expect((await h.run(partyOf(w3.mov), q, { a: w3.agreementId })).data!.detainees.map((d: any) => d.id).sort()).toEqual([govHeld, movHeld].sort());
    expect((await h.run(partyOf(w3.third!), q, { a: w3.agreementId })).data!.detainees.map((d: any) => d.id)).toEqual([thirdHeld]);
    const all = (await h.run(monitor, q, { a: w3.agreementId })).data!.detainees;
    // Same category and registration time (the clock stands still): then by id.
    expect(all.map((d: any) => d.id)).toEqual([movHeld, ...[govHeld, thirdHeld].sort()]);
    expect(all[0].category).toBe('WOMAN');
    const filtered = await h.run(monitor, `query ($a: ID!, $h: ID) { detainees(agreementId: $a, holdingPartyId: $h, category: OTHER) { id } }`, { a: w3.agreementId, h: w3.third });
    expect(filtered.data!.detainees.map((d: any) => d.id)).toEqual([thirdHeld]);
    expect(codes(await h.run(monitor, `query ($a: ID!) { detainees(agreementId: $a, first: 501) { id } }`, { a: w3.agreementId }))).toEqual(['BAD_USER_INPUT']);
  });

  it('refuses anonymous callers, and a PARTY token without a party sees nothing', async () => {
    const r = await h.run(anonymous, `query ($id: ID!) { detainee(id: $id) { id } }`, { id: govHeld });
    expect(codes(r)).toEqual(['FORBIDDEN']);
    expect(r.errors![0]!.message).toMatch(/anonymous \(PUBLIC\)/);
    const none = await h.run(caller('PARTY'), `query ($a: ID!) { detainees(agreementId: $a) { id } }`, { a: w3.agreementId });
    expect(none.data!.detainees).toEqual([]);
  });

  it('applies the same rules to _entities, the path the gateway takes', async () => {
    const q = `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Detainee { id category name } } }`;
    const reps = [{ __typename: 'Detainee', id: govHeld }, { __typename: 'Detainee', id: thirdHeld }];
    const asParty = await h.run(partyOf(w3.mov), q, { representations: reps });
    expect(asParty.data!._entities[0]).toEqual({ id: govHeld, category: 'OTHER', name: null });
    // Another party's detainee is null, exactly like an id that does not exist; only the name is refused.
    expect(asParty.data!._entities[1]).toBeNull();
    expect(codes(asParty)).toEqual(['FORBIDDEN']);
    expect(asParty.errors![0]!.path).toEqual(['_entities', 0, 'name']);
    const anon = await h.run(anonymous, q, { representations: reps });
    expect(codes(anon)).toContain('FORBIDDEN');
    expect(JSON.stringify(anon.data ?? null)).not.toMatch(new RegExp(`${govHeld}|${thirdHeld}`));
    const asIntermediary = await h.run(intermediary, q, { representations: [...reps, { __typename: 'Detainee', id: 'nonsense' }] });
    expect(asIntermediary.errors).toBeUndefined();
    expect(asIntermediary.data!._entities.map((e: any) => e?.id ?? null)).toEqual([govHeld, thirdHeld, null]);
    // The purpose is checked on this path too: the intermediary without X-Purpose gets no name, and no log row.
    const logged = async () => (await h.db.query(`SELECT count(*)::int AS n FROM personal_data_access`))[0].n;
    const rowsBefore = await logged();
    const unstated = await h.run({ ...intermediary, purpose: null }, q, { representations: reps });
    expect(codes(unstated)).toEqual(['PURPOSE_REQUIRED', 'PURPOSE_REQUIRED']);
    expect(unstated.data!._entities.map((e: any) => e.name)).toEqual([null, null]);
    expect(await logged()).toBe(rowsBefore);
  });
});
