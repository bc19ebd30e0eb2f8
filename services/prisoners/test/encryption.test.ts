import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runService, silentLogger, type DataKeys, type Logger } from '@treaty/service-kit';
import { codes, execute, testEvidenceLog } from '@treaty/testing';
import { prisoners } from '../src/server.js';
import { rotateKeys } from '../src/crypto/rotation.js';
import { ADD, REGISTER, SEAL, intermediary, mediator, partyOf, startPrisoners, type Harness, type World } from './harness.js';

/**
 * Encryption at rest of personal data (DESIGN §10): what a dump of the database shows, what tampering
 * does, duplicate detection through the blind index, key rotation while the service runs, and start-up.
 * Every person here is invented.
 */
interface Person {
  name: string;
  dateOfBirth: string;
  category: 'WOMAN' | 'MEDICAL' | 'ELDERLY' | 'OTHER';
  medicalNotes: string | null;
}
const PEOPLE: Person[] = [
  { name: 'Quorinde Valbrask', dateOfBirth: '1963-07-21', category: 'MEDICAL', medicalNotes: 'Tubercular cough since winter; needs isoniazid' },
  { name: 'Emrys Talmadge-Oyelaran', dateOfBirth: '1977-12-03', category: 'WOMAN', medicalNotes: 'Prosthetic left hand, charger confiscated' },
  { name: 'Sunniva Corvalho', dateOfBirth: '1948-01-30', category: 'ELDERLY', medicalNotes: null },
];
const HANDOVER_NOTES = 'Hairline fracture of the wrist, splinted at Zarevna clinic';

const READ = /* GraphQL */ `
  query ($id: ID!) { detainee(id: $id) { id category name dateOfBirth medicalNotes manifestEntries { id handover { medicalNotes } } } }`;
const HANDOVER = /* GraphQL */ `
  mutation ($input: ConfirmHandoverInput!) { confirmHandover(input: $input) { id handover { medicalNotes } } }`;

let h: Harness;
let w: World;
/** What every registered person reads as, by detainee id; and each handover's notes, by manifest entry id. */
const expected = new Map<string, Person>();
const handoverNotes = new Map<string, string>();

const register = async (who: typeof intermediary, world: World, p: Person, holder = world.gov, affiliated = world.mov) =>
  h.run(who, REGISTER, { input: { agreementId: world.agreementId, holdingPartyId: holder, affiliatedPartyId: affiliated, ...p } });

async function registered(p: Person, world = w): Promise<string> {
  const r = await register(intermediary, world, p);
  expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  expected.set(r.data!.registerDetainee.id, p);
  return r.data!.registerDetainee.id;
}

/** Every row of every table as text, as a dump would show it (the embedded PostgreSQL ships no pg_dump). */
async function dump(): Promise<string> {
  const tables: { name: string }[] = await h.db.query(
    `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
  );
  const parts: string[] = [];
  for (const { name } of tables) {
    const rows: { row: string }[] = await h.db.query(`SELECT t::text AS row FROM "${name}" t`);
    parts.push(`-- ${name}`, ...rows.map((r) => r.row));
  }
  return parts.join('\n');
}

/** A date as people write it: ISO, day-first and month-first with / . -, compact, and in words. */
function dateForms(iso: string): string[] {
  const [y, m, d] = iso.split('-') as [string, string, string];
  const month = new Date(`${iso}T00:00:00Z`).toLocaleString('en-GB', { month: 'long', timeZone: 'UTC' });
  const day = String(Number(d));
  return [iso, `${d}/${m}/${y}`, `${m}/${d}/${y}`, `${d}.${m}.${y}`, `${d}-${m}-${y}`, `${y}${m}${d}`, `${y}/${m}/${d}`, `${day} ${month} ${y}`, `${month} ${day}, ${y}`];
}

/** Reads every registered person and handover through GraphQL, over HTTP, as the intermediary. */
async function expectAllReadable(send: (query: string, variables: Record<string, unknown>) => Promise<any> = (q, v) => h.run(intermediary, q, v)) {
  for (const [id, p] of expected) {
    const r = await send(READ, { id });
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    expect(r.data.detainee).toMatchObject({ name: p.name, dateOfBirth: p.dateOfBirth, medicalNotes: p.medicalNotes });
    for (const e of r.data.detainee.manifestEntries) if (handoverNotes.has(e.id)) expect(e.handover.medicalNotes).toBe(handoverNotes.get(e.id));
  }
}

const storedValues = async (): Promise<string[]> =>
  (
    await h.db.query(`
      SELECT v FROM detainee, unnest(ARRAY[name, date_of_birth, medical_notes]) AS v WHERE v IS NOT NULL
      UNION ALL SELECT medical_check_notes FROM manifest_entry WHERE medical_check_notes IS NOT NULL`)
  ).map((r: { v: string }) => r.v);
const currentKey = async (): Promise<string> => (await h.db.query(`SELECT id FROM data_key WHERE purpose = 'field' AND retired_at IS NULL`))[0].id;

const logged: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
const capture: Logger = {
  debug() {},
  info: (msg, fields) => void logged.push({ level: 'info', msg, fields }),
  warn: (msg, fields) => void logged.push({ level: 'warn', msg, fields }),
  error: (msg, fields) => void logged.push({ level: 'error', msg, fields }),
};

beforeAll(async () => {
  h = await startPrisoners();
  w = await h.world();
  await h.deadlines(w);
  const ids: string[] = [];
  for (const p of PEOPLE) ids.push(await registered(p));
  await h.list(w, w.gov, ids);
  const wave = await h.plan(w);
  await h.ok(mediator, ADD, { input: { waveId: wave.id, detaineeIds: ids } });
  await h.ok(mediator, SEAL, { input: { waveId: wave.id } });
  await h.proof(ids[0]!);
  const input = { waveId: wave.id, detaineeId: ids[0], interview: 'CONSENTS', medicalCheck: { fitToTravel: true, notes: HANDOVER_NOTES }, confirmedAt: new Date(h.clock.now().getTime() - 3_600_000).toISOString() };
  const done = await h.ok(intermediary, HANDOVER, { input });
  expect(done.confirmHandover.handover.medicalNotes).toBe(HANDOVER_NOTES);
  handoverNotes.set(done.confirmHandover.id, HANDOVER_NOTES);
});
afterAll(() => h?.stop());

describe('a dump of the database', () => {
  it('shows no name, date of birth (in any common format) or medical note, while GraphQL still reads them all', async () => {
    const text = (await dump()).toLowerCase();
    // The dump is real: the records and their sealed values are in it.
    for (const id of expected.keys()) expect(text).toContain(id);
    expect(text).toMatch(/enc:v1:[0-9a-f-]{36}:/);
    const secrets = [
      ...PEOPLE.flatMap((p) => [p.name, ...p.name.split(/[\s-]+/), ...dateForms(p.dateOfBirth), ...(p.medicalNotes ? [p.medicalNotes, ...p.medicalNotes.split(/[\s,;]+/).filter((word) => word.length >= 9)] : [])]),
      HANDOVER_NOTES,
      'Zarevna',
    ];
    const found = secrets.filter((s) => text.includes(s.toLowerCase()));
    expect(found).toEqual([]);
    await expectAllReadable();
  });
});

describe('tampering', () => {
  const [first, second] = [() => [...expected.keys()][0]!, () => [...expected.keys()][1]!];
  let original: { name: string; medical_notes: string };
  const restore = () => h.db.query(`UPDATE detainee SET name = $2, medical_notes = $3 WHERE id = $1`, [second(), original.name, original.medical_notes]);
  beforeAll(async () => {
    [original] = await h.db.query(`SELECT name, medical_notes FROM detainee WHERE id = $1`, [second()]);
  });
  beforeEach(restore);
  afterAll(restore);

  /** Reads the second person in process, with a logger that keeps what the service logs. */
  async function readSecond() {
    const built = await prisoners.build({ db: h.db, clock: h.clock, logger: capture, dataKeys: h.dataKeys, evidence: testEvidenceLog(prisoners, h.clock) });
    logged.length = 0;
    return execute<any>(built.server, built.context(intermediary), READ, { id: second() });
  }

  const expectFieldFails = (r: any, field: string, why: RegExp) => {
    expect(codes(r)).toEqual(['INTERNAL_SERVER_ERROR']);
    expect(r.errors[0].path).toEqual(['detainee', field]);
    expect(r.data.detainee).toMatchObject({ id: second(), [field]: null });
    // The caller sees a masked error; the log says what happened, and never a value.
    expect(logged.find((l) => l.msg === 'internal error')?.fields?.error).toMatch(why);
    expect(JSON.stringify(logged)).not.toMatch(new RegExp(PEOPLE.flatMap((p) => [p.name, p.dateOfBirth]).join('|')));
  };

  it('a ciphertext moved to another detainee’s row does not decrypt, and the field fails with a clear internal error', async () => {
    await h.db.query(`UPDATE detainee SET name = (SELECT name FROM detainee WHERE id = $1) WHERE id = $2`, [first(), second()]);
    const r = await readSecond();
    expectFieldFails(r, 'name', new RegExp(`detainee.name of ${second()} does not decrypt: the stored value was altered, or moved from another record or column`));
    expect(JSON.stringify(r)).not.toContain(PEOPLE[0]!.name);
  });

  it('nor does one moved to another column of the same record', async () => {
    await h.db.query(`UPDATE detainee SET medical_notes = date_of_birth WHERE id = $1`, [second()]);
    expectFieldFails(await readSecond(), 'medicalNotes', /detainee.medical_notes of .* does not decrypt/);
  });

  it('nor one with a single byte flipped', async () => {
    const [prefix, body] = [original.name.slice(0, original.name.lastIndexOf(':') + 1), original.name.slice(original.name.lastIndexOf(':') + 1)];
    const bytes = Buffer.from(body, 'base64url');
    bytes[2] = bytes[2]! ^ 0x20;
    await h.db.query(`UPDATE detainee SET name = $2 WHERE id = $1`, [second(), prefix + bytes.toString('base64url')]);
    expectFieldFails(await readSecond(), 'name', /detainee.name of .* does not decrypt/);
  });
});

describe('duplicate detection', () => {
  const ysolde: Person = { name: 'Ysolde Marrant-Kovač', dateOfBirth: '1988-04-17', category: 'OTHER', medicalNotes: null };
  let d: World;
  let existing: string;
  beforeAll(async () => {
    d = await h.world({ threeParties: true });
    existing = await registered(ysolde, d);
  });

  it('refuses the same person with other spacing, case or Unicode forms, naming the record and not the person, and writes nothing', async () => {
    for (const name of ['  ysolde   MARRANT-KOVAČ ', 'Ｙｓｏｌｄｅ\u00a0Marrant-Kovač', 'YSOLDE MARRANT-KOVAČ']) {
      const r = await h.expectRefused(() => register(intermediary, d, { ...ysolde, name }), 'BAD_USER_INPUT', new RegExp(`Detainee ${existing} under this agreement has the same name and date of birth`));
      expect(r.errors![0]!.message).toMatch(/If it is the same person, use that record .*; if it is someone else, register them with their name in full/);
      expect(JSON.stringify(r.errors)).not.toMatch(/ysolde|marrant|1988-04-17/i);
    }
  });

  it('tells a PARTY nothing of a registered person, not even of one of its own: it may not read their name', async () => {
    // The record belongs to mov, so mov sees it, but without its name: naming the record (or refusing at
    // all) would tell mov whom it holds under the name it typed. The mediator settles the duplicate.
    const r = await register(partyOf(d.mov), d, ysolde);
    expect(r.errors).toBeUndefined();
    expect(JSON.stringify(r)).not.toContain(existing);
    expected.set(r.data!.registerDetainee.id, ysolde);
  });

  it('accepts a different person: another date of birth, another name, or the same person under another agreement', async () => {
    await registered({ ...ysolde, dateOfBirth: '1988-04-18' }, d);
    await registered({ ...ysolde, name: 'Ysolde Marrant' }, d);
    await registered(ysolde, w);
  });

  it('does not tell a PARTY that a person is registered in a record it may not see', async () => {
    // Held by gov and belonging to mov: the third party cannot see that record, so its registration goes ahead.
    const r = await register(partyOf(d.third!), d, ysolde, d.third!, d.gov);
    expect(r.errors).toBeUndefined();
    expected.set(r.data!.registerDetainee.id, ysolde);
  });

  it('lets only one of two simultaneous registrations of the same person through', async () => {
    const p: Person = { name: 'Tamsin Orlovac', dateOfBirth: '1990-10-10', category: 'OTHER', medicalNotes: null };
    const results = await Promise.all([register(intermediary, d, p), register(intermediary, d, p)]);
    expect(results.map((r) => codes(r)).sort()).toEqual([[], ['BAD_USER_INPUT']]);
    expected.set(results.find((r) => !r.errors)!.data!.registerDetainee.id, p);
  });
});

describe('start-up', () => {
  it('encrypts values stored in plain text before encryption, fills in the blind index, and is idempotent', async () => {
    const legacy: Person = { name: 'Henrike Olvasdottir', dateOfBirth: '1969-05-08', category: 'MEDICAL', medicalNotes: 'Pacemaker fitted; keep away from magnets' };
    const [{ id }] = await h.db.query(
      `INSERT INTO detainee (id, agreement_id, name, date_of_birth, holding_party_id, affiliated_party_id, category, medical_notes, registered_at, registered_by)
       VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, now(), 'before encryption') RETURNING id`,
      [w.agreementId, legacy.name, legacy.dateOfBirth, w.gov, w.mov, legacy.category, legacy.medicalNotes],
    );
    const [entry] = [...handoverNotes.keys()];
    await h.db.query(`UPDATE manifest_entry SET medical_check_notes = 'Mild anaemia, iron tablets' WHERE id = $1`, [entry]);
    handoverNotes.set(entry!, 'Mild anaemia, iron tablets');
    expected.set(id, legacy);

    logged.length = 0;
    await prisoners.build({ db: h.db, clock: h.clock, logger: capture, dataKeys: h.dataKeys, evidence: testEvidenceLog(prisoners, h.clock) });
    expect(logged.filter((l) => l.msg === 'encrypting personal data stored in plain text').map((l) => l.fields)).toEqual([
      { table: 'detainee', done: 1, remaining: 0 },
      { table: 'manifest_entry', done: 1, remaining: 0 },
    ]);
    const [row] = await h.db.query(`SELECT name, date_of_birth, medical_notes, person_index FROM detainee WHERE id = $1`, [id]);
    expect([row.name, row.date_of_birth, row.medical_notes]).toEqual([expect.stringMatching(/^enc:v1:/), expect.stringMatching(/^enc:v1:/), expect.stringMatching(/^enc:v1:/)]);
    expect(row.person_index).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await dump()).toLowerCase()).not.toMatch(/olvasdottir|pacemaker|anaemia/);
    await expectAllReadable();
    // The blind index filled in at start-up finds the person.
    await h.expectRefused(() => register(intermediary, w, legacy), 'BAD_USER_INPUT', new RegExp(`Detainee ${id}`));

    logged.length = 0;
    await prisoners.build({ db: h.db, clock: h.clock, logger: capture, dataKeys: h.dataKeys, evidence: testEvidenceLog(prisoners, h.clock) });
    expect(logged).toEqual([]);
    expect((await h.db.query(`SELECT name FROM detainee WHERE id = $1`, [id]))[0].name).toBe(row.name);
  });

  it('refuses to start without TREATY_DATA_KEYS, naming it', async () => {
    const env = { DATABASE_URL: h.databases.prisoners!.url, TREATY_INTERNAL_KEYS: JSON.stringify({ 'gateway>prisoners': randomBytes(32).toString('base64url') }) };
    await expect(runService(prisoners, env)).rejects.toThrow(/TREATY_DATA_KEYS: is required: the prisoners service encrypts personal data at rest/);
    await expect(prisoners.build({ db: h.db, clock: h.clock, logger: silentLogger, evidence: testEvidenceLog(prisoners, h.clock) })).rejects.toThrow(/TREATY_DATA_KEYS is required/);
  });
});

/** The KEKs the data keys are wrapped by now (the re-wrap test changes them). */
let keks: () => DataKeys = () => h.dataKeys;

describe('key rotation while the service runs', () => {
  let oldKey: string;
  let newKey: string;

  it('re-encrypts to a new data key, stopped after one batch and resumed, readable throughout', async () => {
    oldKey = await currentKey();
    const lines: string[] = [];
    const first = await rotateKeys(h.db, h.dataKeys, { reencrypt: true, batchSize: 2, maxBatches: 1, say: (l) => lines.push(l) });
    newKey = await currentKey();
    expect(newKey).not.toBe(oldKey);
    expect(first).toMatchObject({ complete: false, rewritten: { detainee: 2, manifest_entry: 0 } });
    expect(lines.at(-1)).toMatch(/stopped after 1 batch\(es\) with values still under older data keys; run the same command again to continue/);
    const halfway = await storedValues();
    expect(halfway.filter((v) => v.startsWith(`enc:v1:${newKey}:`)).length).toBeGreaterThan(0);
    expect(halfway.filter((v) => v.startsWith(`enc:v1:${oldKey}:`)).length).toBeGreaterThan(0);
    // The running service (over HTTP) meets a data key it has never seen, reads the key table again, and answers.
    await expectAllReadable();
    // A write meanwhile is sealed with the new key.
    const fresh = await registered({ name: 'Bartholdine Ekwueme', dateOfBirth: '1971-03-09', category: 'OTHER', medicalNotes: null });
    expect((await h.db.query(`SELECT name FROM detainee WHERE id = $1`, [fresh]))[0].name).toMatch(new RegExp(`^enc:v1:${newKey}:`));

    lines.length = 0;
    const rest = await rotateKeys(h.db, h.dataKeys, { reencrypt: true, batchSize: 2, say: (l) => lines.push(l) });
    expect(rest!.complete).toBe(true);
    expect(lines.join('\n')).toMatch(new RegExp(`resuming: moving the personal fields still under older data keys to data key ${newKey}`));
    expect(lines.at(-1)).toMatch(/done: every personal field is sealed with data key .*; no value is left under a retired key/);
    expect(await currentKey()).toBe(newKey);
    const after = await storedValues();
    expect(after.length).toBeGreaterThan(10);
    expect(after.every((v) => v.startsWith(`enc:v1:${newKey}:`))).toBe(true);
    expect(await dump()).not.toContain(`enc:v1:${oldKey}:`);
    await expectAllReadable();
    await expectAllReadable((q, v) => execute(h.built.server, h.built.context(intermediary), q, v));
  });

  it('re-wraps every data key under a new KEK; a service given only that KEK reads everything, and one without it will not start', async () => {
    const next = randomBytes(32);
    const both: DataKeys = { active: 'kek-next', keys: new Map([...h.dataKeys.keys, ['kek-next', next]]) };
    const lines: string[] = [];
    expect(await rotateKeys(h.db, both, { say: (l) => lines.push(l) })).toBeNull();
    expect(lines).toEqual(['data keys: 3 of 3 re-wrapped under KEK "kek-next"; the other KEKs can now be removed from TREATY_DATA_KEYS.']);
    expect(await h.db.query(`SELECT DISTINCT kek_id FROM data_key`)).toEqual([{ kek_id: 'kek-next' }]);

    const onlyNext: DataKeys = { active: 'kek-next', keys: new Map([['kek-next', next]]) };
    keks = () => onlyNext;
    const built = await prisoners.build({ db: h.db, clock: h.clock, logger: silentLogger, dataKeys: onlyNext, evidence: testEvidenceLog(prisoners, h.clock) });
    await expectAllReadable((q, v) => execute(built.server, built.context(intermediary), q, v));
    await expect(prisoners.build({ db: h.db, clock: h.clock, logger: silentLogger, dataKeys: h.dataKeys, evidence: testEvidenceLog(prisoners, h.clock) })).rejects.toThrow(
      /is wrapped by KEK "kek-next", which TREATY_DATA_KEYS does not hold \(it holds kek-test\)/,
    );
    // The blind-index key survived both rotations: the same person is still found.
    const [id, p] = [...expected][0]!;
    await h.expectRefused(() => register(intermediary, w, p), 'BAD_USER_INPUT', new RegExp(`Detainee ${id}`));
  });
});

describe('rolling the encryption migration back', () => {
  const last = async (): Promise<string> => (await h.db.query(`SELECT name FROM migrations ORDER BY id DESC LIMIT 1`))[0].name;

  it('refuses while values are encrypted, and works once rotate-keys --decrypt has written them in plain text', async () => {
    while ((await last()) !== 'EncryptPersonalData1795260000000') await h.db.undoLastMigration();
    await expect(h.db.undoLastMigration()).rejects.toThrow(/records hold encrypted personal data, which a migration cannot decrypt .* run `npm run rotate-keys -- --decrypt`/);
    expect(await last()).toBe('EncryptPersonalData1795260000000');

    const lines: string[] = [];
    expect(await rotateKeys(h.db, keks(), { decrypt: true, batchSize: 3, say: (l) => lines.push(l) })).toMatchObject({ complete: true });
    expect(lines.at(-1)).toMatch(/every personal field is in plain text/);
    await h.db.undoLastMigration();
    expect(await last()).toBe('ExactlyOnce1795250000000');
    const [id, p] = [...expected][0]!;
    const [row] = await h.db.query(`SELECT name, date_of_birth::text AS dob, medical_notes, pg_typeof(date_of_birth)::text AS type FROM detainee WHERE id = $1`, [id]);
    expect(row).toEqual({ name: p.name, dob: p.dateOfBirth, medical_notes: p.medicalNotes, type: 'date' });
    expect(await h.db.query(`SELECT to_regclass('data_key') AS t`)).toEqual([{ t: null }]);
  });
});
