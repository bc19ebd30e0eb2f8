import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '@treaty/service-kit';
import { testEvidenceLog } from '@treaty/testing';
import { purgeExpired, RETENTION_ACTOR } from '../src/retention.js';
import { prisoners } from '../src/server.js';
import { ADD, SEAL, at, intermediary, mediator, monitor, startPrisoners, type Harness, type World } from './harness.js';

/**
 * Retention with a fixed clock (DESIGN §10): personal data outlives a closed case by exactly the
 * retention period, then is erased with an access-log entry, and every count, ratio and wave reads the
 * same afterwards.
 */
const RETENTION_DAYS = 180;
const RECORD = `query ($id: ID!) { detainee(id: $id) { id name dateOfBirth medicalNotes category released releasedAt personalDataPurgedAt
  manifestEntries { status handover { fitToTravel medicalNotes } } } }`;
const FACTS = `query ($a: ID!) { detainees(agreementId: $a) { id category released releasedAt holdingParty { id } }
  exchangeWaves(agreementId: $a) { id status manifestSize released declined ratio { requiredCounterpart counterpartOnManifest met } } }`;

let h: Harness;
let w: World;
let released: string;
let waiting: string;
let closedAt: Date;

beforeAll(async () => {
  h = await startPrisoners();
  w = await h.world();
  await h.deadlines(w);
  [released, waiting] = await h.agreed(w, w.gov, 'WOMAN', 2) as [string, string];
  const wave = await h.plan(w);
  await h.ok(mediator, ADD, { input: { waveId: wave.id, detaineeIds: [released, waiting] } });
  await h.ok(mediator, SEAL, { input: { waveId: wave.id } });
  await h.proof(released);
  await h.proof(waiting);
  const r = await h.handover(wave.id, released, { medicalCheck: { fitToTravel: true, notes: 'Mild asthma, inhaler packed' } });
  expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  closedAt = new Date(at(18));
});
afterAll(() => h?.stop());

const record = async (id: string) => (await h.ok(intermediary, RECORD, { id })).detainee;

describe('retention of personal data after a case closes', () => {
  it('keeps everything until the retention period after the confirmed release has passed', async () => {
    h.clock.set(new Date(closedAt.getTime() + (RETENTION_DAYS - 1) * DAY_MS));
    const result = await purgeExpired(h.db, h.clock, RETENTION_DAYS, testEvidenceLog(prisoners, h.clock));
    expect(result.purged).toBe(0);
    const r = await record(released);
    expect(r.name).toMatch(/^Person /);
    expect(r.personalDataPurgedAt).toBeNull();
  });

  it('then erases name, date of birth and medical notes of that case only, logs it, and changes no count, ratio or wave', async () => {
    const facts = async () => h.ok(monitor, FACTS, { a: w.agreementId });
    const before = await facts();
    const waitingBefore = await record(waiting);
    h.clock.set(new Date(closedAt.getTime() + (RETENTION_DAYS + 1) * DAY_MS));

    const result = await purgeExpired(h.db, h.clock, RETENTION_DAYS, testEvidenceLog(prisoners, h.clock));
    expect(result.ids).toEqual([released]);

    const r = await record(released);
    expect(r).toMatchObject({ name: null, dateOfBirth: null, medicalNotes: null, released: true, category: 'WOMAN' });
    expect(r.personalDataPurgedAt).toBe(h.clock.now().toISOString());
    expect(r.manifestEntries.map((e: any) => e.handover?.medicalNotes ?? null)).toEqual([null]);
    expect(r.manifestEntries[0].handover.fitToTravel).toBe(true);
    // In the database itself, not only through the API.
    const [row] = await h.db.query('SELECT name, date_of_birth, medical_notes FROM detainee WHERE id = $1', [released]);
    expect(row).toEqual({ name: null, date_of_birth: null, medical_notes: null });
    const [entry] = await h.db.query('SELECT medical_check_notes FROM manifest_entry WHERE detainee_id = $1', [released]);
    expect(entry.medical_check_notes).toBeNull();

    // The case that has not closed keeps its data; every derived figure is unchanged.
    expect(await record(waiting)).toEqual(waitingBefore);
    expect(await facts()).toEqual(before);

    // The erasure is in the access log: who (the service), when, which record, which fields, why.
    const log = await h.db.query(`SELECT subject, agency, fields, purpose FROM personal_data_access WHERE record_id = $1 AND subject = $2`, [released, RETENTION_ACTOR.subject]);
    expect(log).toEqual([{ subject: 'retention-job', agency: 'prisoners service', fields: ['dateOfBirth', 'medicalNotes', 'name'], purpose: RETENTION_ACTOR.purpose }]);
  });

  it('does nothing the second time: a run is safe to repeat', async () => {
    const again = await purgeExpired(h.db, h.clock, RETENTION_DAYS, testEvidenceLog(prisoners, h.clock));
    expect(again.purged).toBe(0);
    const [n] = await h.db.query(`SELECT count(*)::int AS n FROM personal_data_access WHERE record_id = $1 AND subject = 'retention-job'`, [released]);
    expect(n.n).toBe(1);
  });
});
