import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anonymous, expectPreparedFindAsTypeOrm } from '@treaty/testing';
import { silentLogger, statements, type Caller } from '@treaty/service-kit';
import { openCipher } from '../src/crypto/keyring.js';
import { sealPlaintext } from '../src/crypto/rewrite.js';
import { at, intermediary, monitor, partyOf, startPrisoners, type Harness, type World } from './harness.js';

let h: Harness;

/** An agreement with n released detainees, each on its own sealed wave of its own milestone. */
interface Seeded {
  w: World;
  detaineeIds: string[];
  milestoneIds: string[];
}
let small: Seeded;
let big: Seeded;

/**
 * Seeds n detainees straight into the database (registration, lists and handovers are tested through
 * the API elsewhere; here only the number of rows matters): listed and agreed, a proof of life each,
 * and each released on a sealed wave of its own milestone. Their personal fields go in as plain text and
 * are then sealed, as the service does at start-up with rows stored before encryption.
 */
async function seed(n: number): Promise<Seeded> {
  const w = await h.world();
  await h.deadlines(w);
  const [{ list_id: listId }] = await h.db.query(
    `INSERT INTO detainee_list (id, agreement_id, submitting_party_id, submitted_at, recorded_at, recorded_by)
     VALUES (gen_random_uuid(), $1, $2, $3, $3, 'seed') RETURNING id AS list_id`,
    [w.agreementId, w.gov, at(1)],
  );
  const detainees: { id: string }[] = await h.db.query(
    `INSERT INTO detainee (id, agreement_id, name, date_of_birth, holding_party_id, affiliated_party_id, category, medical_notes, registered_at, registered_by)
     SELECT gen_random_uuid(), $1, 'Seeded person ' || i, DATE '1980-01-01' + i,
            CASE WHEN i % 2 = 0 THEN $2::uuid ELSE $3::uuid END, CASE WHEN i % 2 = 0 THEN $3::uuid ELSE $2::uuid END,
            (ARRAY['WOMAN', 'MEDICAL', 'ELDERLY', 'OTHER'])[1 + i % 4], CASE WHEN i % 4 = 1 THEN 'Chronic condition' END, $4, 'seed'
       FROM generate_series(1, $5::int) AS i
     RETURNING id`,
    [w.agreementId, w.gov, w.mov, at(1), n],
  );
  const ids = detainees.map((d) => d.id);
  await h.db.query(
    `INSERT INTO detainee_list_entry (id, list_id, detainee_id, position)
     SELECT gen_random_uuid(), $1, d, ord::int - 1 FROM unnest($2::uuid[]) WITH ORDINALITY AS t(d, ord)`,
    [listId, ids],
  );
  await h.db.query(
    `INSERT INTO proof_of_life (id, detainee_id, method, observed_at, verifier, recorded_at, recorded_by)
     SELECT gen_random_uuid(), d, 'VISIT', $2, 'Seed delegation', $2, 'seed' FROM unnest($1::uuid[]) AS d`,
    [ids, at(10)],
  );
  const waves: { id: string; milestone_id: string }[] = await h.db.query(
    `INSERT INTO exchange_wave (id, agreement_id, milestone_id, sequence, scheduled_at, planned_by, planned_at, sealed_at, sealed_by)
     SELECT gen_random_uuid(), $1, gen_random_uuid(), i, $2, 'seed', $2, $2, 'seed' FROM generate_series(1, $3::int) AS i
     RETURNING id, milestone_id`,
    [w.agreementId, at(15), n],
  );
  await h.db.query(
    `INSERT INTO manifest_entry (id, wave_id, detainee_id, added_at, added_by, outcome, fit_to_travel, confirmed_at, confirmed_by, recorded_at)
     SELECT gen_random_uuid(), wv, d, $3, 'seed', 'CONSENTS', true, $3, 'seed', $3
       FROM unnest($1::uuid[], $2::uuid[]) AS t(wv, d)`,
    [waves.map((x) => x.id), ids, at(16)],
  );
  await sealPlaintext(h.db, await openCipher(h.db, h.dataKeys), silentLogger);
  return { w, detaineeIds: ids, milestoneIds: waves.map((x) => x.milestone_id) };
}

beforeAll(async () => {
  h = await startPrisoners();
  small = await seed(5);
  big = await seed(500);
});
afterAll(async () => {
  await h?.stop();
});

/** Runs a query in process and counts its SQL statements. */
async function measure(who: Caller, query: string, variables: Record<string, unknown>) {
  const { result, count, statements: sql } = await statements.measure(() => h.local(who, query, variables), true);
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  return { data: result.data as any, count, sql };
}

const MILESTONES = /* GraphQL */ `
  query ($representations: [_Any!]!) {
    _entities(representations: $representations) {
      __typename
      ... on Milestone { id detaineesReleased priorityDetaineesReleased exchangeWaves { sequence status manifestSize released declined ratio { met } } }
    }
  }`;

describe('_entities, as the gateway calls it', () => {
  it('resolves Milestone with its waves and releases, anonymously, in a fixed number of statements for 5 or 500', async () => {
    const reps = (s: Seeded) => s.milestoneIds.map((id) => ({ __typename: 'Milestone', id }));
    const few = await measure(anonymous, MILESTONES, { representations: reps(small) });
    const many = await measure(anonymous, MILESTONES, { representations: reps(big) });
    expect(many.data._entities).toHaveLength(500);
    expect(many.data._entities[0]).toMatchObject({
      __typename: 'Milestone', id: big.milestoneIds[0], detaineesReleased: 1,
      exchangeWaves: [{ sequence: 1, status: 'COMPLETED', manifestSize: 1, released: 1, declined: 0, ratio: null }],
    });
    const priority = many.data._entities.reduce((n: number, e: any) => n + e.priorityDetaineesReleased, 0);
    expect(priority).toBe(375); // every category but OTHER: three in four seeded detainees
    expect(few.count).toBeGreaterThan(0);
    expect(many.count).toBe(few.count);
  });

  it('answers zero for a milestone without waves, and null for a malformed id, without failing the batch', async () => {
    const r = await h.run(anonymous, MILESTONES, {
      representations: [
        { __typename: 'Milestone', id: '00000000-0000-4000-8000-00000000abcd' },
        { __typename: 'Milestone', id: 'nonsense' },
        { __typename: 'Milestone', id: small.milestoneIds[0] },
      ],
    });
    expect(r.errors).toBeUndefined();
    expect(r.data!._entities).toEqual([
      { __typename: 'Milestone', id: '00000000-0000-4000-8000-00000000abcd', detaineesReleased: 0, priorityDetaineesReleased: 0, exchangeWaves: [] },
      null,
      expect.objectContaining({ id: small.milestoneIds[0], detaineesReleased: 1 }),
    ]);
  });

  it('resolves Party with counts by category, for anyone, in a fixed number of statements', async () => {
    const q = `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Party { id detaineeCounts { category held released } } } }`;
    const one = await measure(anonymous, q, { representations: [{ __typename: 'Party', id: small.w.gov }] });
    const parties = [small.w.gov, small.w.mov, big.w.gov, big.w.mov, ...Array.from({ length: 40 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`)];
    const many = await measure(anonymous, q, { representations: parties.map((id) => ({ __typename: 'Party', id })) });
    expect(many.count).toBe(one.count);
    const bigGov = many.data._entities[2].detaineeCounts;
    expect(bigGov.map((c: any) => c.category)).toEqual(['CHILD', 'WOMAN', 'MEDICAL', 'ELDERLY', 'OTHER']);
    expect(bigGov.reduce((n: number, c: any) => n + c.released, 0)).toBe(250);
    expect(bigGov.reduce((n: number, c: any) => n + c.held, 0)).toBe(0);
    expect(many.data._entities[4].detaineeCounts.every((c: any) => c.held === 0 && c.released === 0)).toBe(true);
  });

  it('resolves Agreement with its lists, waves and (with the parties the gateway supplies) its list schedule', async () => {
    const q = /* GraphQL */ `
      query ($representations: [_Any!]!) {
        _entities(representations: $representations) {
          ... on Agreement { id exchangeWaves { sequence } detaineeLists { entries { status } } listSchedule { settlement submissions { party { id } status } } }
        }
      }`;
    const r = await h.run(monitor, q, { representations: [{ __typename: 'Agreement', id: small.w.agreementId, parties: [{ id: small.w.gov }, { id: small.w.mov }] }] });
    expect(r.errors).toBeUndefined();
    expect(r.data!._entities[0]).toEqual({
      id: small.w.agreementId,
      exchangeWaves: [1, 2, 3, 4, 5].map((sequence) => ({ sequence })),
      detaineeLists: [{ entries: Array(5).fill({ status: 'AGREED' }) }],
      listSchedule: { settlement: 'DONE', submissions: [{ party: { id: small.w.gov }, status: 'DONE' }, { party: { id: small.w.mov }, status: 'OVERDUE' }] },
    });
  });

  it('resolves Detainee for partner agencies in a fixed number of statements for 5 or 500', async () => {
    const q = `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Detainee { id category released listEntry { status } } } }`;
    const reps = (s: Seeded) => s.detaineeIds.map((id) => ({ __typename: 'Detainee', id }));
    const few = await measure(monitor, q, { representations: reps(small) });
    const many = await measure(monitor, q, { representations: reps(big) });
    expect(many.data._entities.every((e: any) => e.released && e.listEntry.status === 'AGREED')).toBe(true);
    expect(many.count).toBe(few.count);
  });
});

describe('bounded statements for lists', () => {
  const DETAINEES = /* GraphQL */ `
    query ($a: ID!) {
      detainees(agreementId: $a, first: 500) {
        id name category released releasedAt
        holdingParty { id detaineeCounts { category held released } }
        affiliatedParty { id }
        listEntry { status commentDueAt list { submittedAt late } }
        latestProofOfLife { observedAt }
        manifestEntries { status wave { sequence status } }
      }
    }`;

  it('reads 500 detainees with their holding party in the same number of statements as 5, logging them in one', async () => {
    const few = await measure(intermediary, DETAINEES, { a: small.w.agreementId });
    const many = await measure(intermediary, DETAINEES, { a: big.w.agreementId });
    expect(few.data.detainees).toHaveLength(5);
    expect(many.data.detainees).toHaveLength(500);
    expect(many.data.detainees[0]).toMatchObject({ released: true, listEntry: { status: 'AGREED' }, latestProofOfLife: { observedAt: at(10) }, manifestEntries: [{ status: 'RELEASED' }] });
    expect(many.count).toBe(few.count);
    expect(many.sql.filter((s) => /INSERT INTO "personal_data_access"/i.test(s))).toHaveLength(1);
  });

  it('reads a 500-entry list for a PARTY (filtered to its detainees) in the same number of statements as a 5-entry one', async () => {
    const q = `query ($a: ID!) { detaineeLists(agreementId: $a) { late entries { status overdue detainee { id category } } } }`;
    const few = await measure(partyOf(small.w.gov), q, { a: small.w.agreementId });
    const many = await measure(partyOf(big.w.mov), q, { a: big.w.agreementId });
    expect(many.data.detaineeLists[0].entries).toHaveLength(500);
    expect(many.count).toBe(few.count);
  });
});

describe('prepared reads', () => {
  it('hydrates every entity read by preparedFindIn exactly as TypeORM find does, exchange waves by milestone included', async () => {
    const compared = await expectPreparedFindAsTypeOrm(h.db, [{ entity: 'ExchangeWave', property: 'milestoneId', order: { sequence: 'ASC' } }]);
    // Rows written above: detainees (sealed personal columns), lists, waves and their manifests.
    expect(compared).toEqual(expect.arrayContaining(['Detainee', 'DetaineeList', 'ExchangeWave', 'ManifestEntry']));
  });
});
