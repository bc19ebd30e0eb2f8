import { In, type DataSource } from 'typeorm';
import { baseContext, isUuid, preparedFindIn, preparedQuery, manyByKey, oneByKey, valueByKey, withReads, type BaseContext, type Caller, type ContextDeps } from '@treaty/service-kit';
import { Detainee, DetaineeList, ExchangeWave, ListDeadline, ListEntry, ManifestEntry, ProofOfLife, RatioTerm, RemainsIdentification, type DetaineeCategory } from './entities/index.js';
import { PRIORITY_CATEGORIES } from './domain/priority.js';
import { createPeers, type Peers } from './peers.js';
import type { PersonalDataCipher } from './crypto/keyring.js';

/** A wave's manifest counted: every entry (for its status), and living detainees and remains apart. */
export interface WaveCounts {
  /** Every entry, living or remains, and how many have an outcome: what the wave's status needs. */
  entries: number;
  decided: number;
  /** Living detainees on the manifest, released and declined. */
  living: number;
  released: number;
  declined: number;
  /** Remains on the manifest, and those handed over. */
  remains: number;
  repatriated: number;
}

export interface MilestoneReleases {
  /** Living detainees released (CONSENTS); remains never count here. */
  released: number;
  priority: number;
  /** Remains handed over (REPATRIATED). */
  remains: number;
}

/** Per category: held and released (for REMAINS: held and handed over). */
export type CategoryCounts = Map<DetaineeCategory, { held: number; released: number }>;

/** Per-request DataLoaders: every lookup a list or `_entities` fans out to is one statement per batch. */
export function createLoaders(db: DataSource) {
  const ids = (keys: readonly string[]) => In([...keys]);
  return {
    detainee: oneByKey((keys: readonly string[]) => db.getRepository(Detainee).findBy({ id: ids(keys) }), (d) => d.id),
    list: oneByKey((keys: readonly string[]) => db.getRepository(DetaineeList).findBy({ id: ids(keys) }), (l) => l.id),
    wave: oneByKey((keys: readonly string[]) => db.getRepository(ExchangeWave).findBy({ id: ids(keys) }), (w) => w.id),
    deadlinesOfAgreement: oneByKey((keys: readonly string[]) => db.getRepository(ListDeadline).findBy({ agreementId: ids(keys) }), (d) => d.agreementId),
    listsOfAgreement: manyByKey(
      (keys: readonly string[]) => db.getRepository(DetaineeList).find({ where: { agreementId: ids(keys) }, order: { submittedAt: 'ASC', id: 'ASC' } }),
      (l) => l.agreementId,
    ),
    entriesOfList: manyByKey(
      (keys: readonly string[]) => db.getRepository(ListEntry).find({ where: { listId: ids(keys) }, order: { position: 'ASC' } }),
      (e) => e.listId,
    ),
    /** Every entry that was ever contested under an agreement, for the settlement step. */
    contestedEntriesOfAgreement: manyByKey(
      (keys: readonly string[]) =>
        db
          .getRepository(ListEntry)
          .createQueryBuilder('e')
          .innerJoinAndSelect('e.list', 'l')
          .where('l.agreement_id IN (:...keys)', { keys: [...keys] })
          .andWhere('e.contest_reason IS NOT NULL')
          .getMany(),
      (e) => e.list.agreementId,
    ),
    /** The entry of a detainee that is not REMOVED (at most one, by a unique index). */
    liveEntryOfDetainee: oneByKey(
      (keys: readonly string[]) =>
        db
          .getRepository(ListEntry)
          .createQueryBuilder('e')
          .where('e.detainee_id IN (:...keys)', { keys: [...keys] })
          .andWhere(`e.resolution IS DISTINCT FROM 'REMOVED'`)
          .getMany(),
      (e) => e.detaineeId,
    ),
    proofsOfLife: manyByKey(
      (keys: readonly string[]) => db.getRepository(ProofOfLife).find({ where: { detaineeId: ids(keys) }, order: { observedAt: 'DESC', recordedAt: 'DESC' } }),
      (p) => p.detaineeId,
    ),
    manifestEntriesOfDetainee: manyByKey(
      (keys: readonly string[]) =>
        db
          .getRepository(ManifestEntry)
          .createQueryBuilder('me')
          .innerJoin('me.wave', 'w')
          .where('me.detainee_id IN (:...keys)', { keys: [...keys] })
          .orderBy('w.sequence', 'ASC')
          .getMany(),
      (me) => me.detaineeId,
    ),
    /** The entry on which a detainee was released (CONSENTS) or remains were handed over (REPATRIATED): at most one, by unique indexes. */
    handoverOfDetainee: oneByKey(
      (keys: readonly string[]) => db.getRepository(ManifestEntry).findBy({ detaineeId: ids(keys), outcome: In(['CONSENTS', 'REPATRIATED']) }),
      (me) => me.detaineeId,
    ),
    identification: oneByKey((keys: readonly string[]) => db.getRepository(RemainsIdentification).findBy({ id: ids(keys) }), (i) => i.id),
    identificationsOfDetainee: manyByKey(
      (keys: readonly string[]) =>
        db.getRepository(RemainsIdentification).find({ where: { detaineeId: ids(keys) }, order: { identifiedAt: 'DESC', recordedAt: 'DESC' } }),
      (i) => i.detaineeId,
    ),
    wavesOfAgreement: manyByKey(
      (keys: readonly string[]) => db.getRepository(ExchangeWave).find({ where: { agreementId: ids(keys) }, order: { sequence: 'ASC' } }),
      (w) => w.agreementId,
    ),
    // On the headline path (every milestone of an agreement): prepared, one array parameter.
    wavesOfMilestone: manyByKey(
      (keys: readonly string[]) => preparedFindIn(db, ExchangeWave, 'milestoneId', keys.filter(isUuid), { sequence: 'ASC' }),
      (w) => w.milestoneId,
    ),
    ratioTermsOfWave: manyByKey((keys: readonly string[]) => db.getRepository(RatioTerm).findBy({ waveId: ids(keys) }), (t) => t.waveId),
    manifestOfWave: manyByKey(
      (keys: readonly string[]) => db.getRepository(ManifestEntry).find({ where: { waveId: ids(keys) }, order: { addedAt: 'ASC', id: 'ASC' } }),
      (me) => me.waveId,
    ),
    /** The holder and category of every detainee on each wave's manifest, for the ratio. */
    manifestDetaineesOfWave: manyByKey(
      async (keys: readonly string[]) =>
        (await preparedQuery(db, 
          `SELECT me.wave_id AS "waveId", d.holding_party_id AS "holdingPartyId", d.category
             FROM manifest_entry me JOIN detainee d ON d.id = me.detainee_id
            WHERE me.wave_id = ANY($1::uuid[])`,
          [[...keys]],
        )) as { waveId: string; holdingPartyId: string; category: DetaineeCategory }[],
      (r) => r.waveId,
    ),
    // Living detainees and remains are counted apart in every count below, by category: a remains record
    // never counts as a detainee held, released or on a manifest, whatever its outcome.
    waveCounts: valueByKey<string, WaveCounts>(async (keys) => {
      const rows: ({ wave_id: string } & WaveCounts)[] = await preparedQuery(db, 
        `SELECT me.wave_id, count(*)::int AS entries, count(me.outcome)::int AS decided,
                count(*) FILTER (WHERE d.category <> 'REMAINS')::int AS living,
                count(*) FILTER (WHERE me.outcome = 'CONSENTS' AND d.category <> 'REMAINS')::int AS released,
                count(*) FILTER (WHERE me.outcome = 'REFUSES' AND d.category <> 'REMAINS')::int AS declined,
                count(*) FILTER (WHERE d.category = 'REMAINS')::int AS remains,
                count(*) FILTER (WHERE me.outcome = 'REPATRIATED' AND d.category = 'REMAINS')::int AS repatriated
           FROM manifest_entry me JOIN detainee d ON d.id = me.detainee_id
          WHERE me.wave_id = ANY($1::uuid[]) GROUP BY me.wave_id`,
        [[...keys]],
      );
      return new Map(rows.map(({ wave_id, ...counts }) => [wave_id, counts]));
    }, { entries: 0, decided: 0, living: 0, released: 0, declined: 0, remains: 0, repatriated: 0 }),
    releasesOfMilestone: valueByKey<string, MilestoneReleases>(async (keys) => {
      const rows: ({ milestone_id: string } & MilestoneReleases)[] = await preparedQuery(db, 
        `SELECT w.milestone_id,
                count(*) FILTER (WHERE me.outcome = 'CONSENTS' AND d.category <> 'REMAINS')::int AS released,
                count(*) FILTER (WHERE me.outcome = 'CONSENTS' AND d.category = ANY($2::text[]))::int AS priority,
                count(*) FILTER (WHERE me.outcome = 'REPATRIATED' AND d.category = 'REMAINS')::int AS remains
           FROM manifest_entry me
           JOIN exchange_wave w ON w.id = me.wave_id
           JOIN detainee d ON d.id = me.detainee_id
          WHERE w.milestone_id = ANY($1::uuid[]) AND me.outcome IN ('CONSENTS', 'REPATRIATED')
          GROUP BY w.milestone_id`,
        [[...keys], [...PRIORITY_CATEGORIES]],
      );
      return new Map(rows.map(({ milestone_id, ...counts }) => [milestone_id, counts]));
    }, { released: 0, priority: 0, remains: 0 }),
    countsOfParty: valueByKey<string, CategoryCounts>(async (keys) => {
      // Held: not released (remains: not handed over), and not struck off every list (an entry removed as
      // not held, deceased...). A living detainee is released by CONSENTS, remains by REPATRIATED.
      const rows: { party: string; category: DetaineeCategory; held: number; released: number }[] = await preparedQuery(db, 
        `SELECT d.holding_party_id AS party, d.category,
                count(*) FILTER (WHERE r.id IS NULL AND (live.id IS NOT NULL OR NOT EXISTS (
                  SELECT 1 FROM detainee_list_entry x WHERE x.detainee_id = d.id)))::int AS held,
                count(r.id)::int AS released
           FROM detainee d
           LEFT JOIN manifest_entry r ON r.detainee_id = d.id
                 AND r.outcome = CASE WHEN d.category = 'REMAINS' THEN 'REPATRIATED' ELSE 'CONSENTS' END
           LEFT JOIN detainee_list_entry live ON live.detainee_id = d.id AND live.resolution IS DISTINCT FROM 'REMOVED'
          WHERE d.holding_party_id = ANY($1::uuid[])
          GROUP BY d.holding_party_id, d.category`,
        [[...keys]],
      );
      const out = new Map<string, CategoryCounts>();
      for (const r of rows) {
        const m = out.get(r.party) ?? new Map();
        m.set(r.category, { held: r.held, released: r.released });
        out.set(r.party, m);
      }
      return out;
    }, new Map()),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

export interface Context extends BaseContext {
  loaders: Loaders;
  /** The typed clients of the sibling services (milestones), called as this service itself. */
  peers: Peers;
  /** Opens and seals the personal fields, which are stored encrypted (src/crypto/). */
  crypto: PersonalDataCipher;
}

/** The kit's context dependencies, and the cipher of this service's personal fields. */
export interface PrisonersContextDeps extends ContextDeps {
  crypto: PersonalDataCipher;
}

export function createContext(deps: PrisonersContextDeps, caller: Caller, requestId?: string): Context {
  return withReads({ ...baseContext(deps.db, deps.clock, caller, requestId, deps.evidence), peers: createPeers(deps.peers), crypto: deps.crypto }, () => ({ loaders: createLoaders(deps.db) }));
}

export type { ContextDeps };
