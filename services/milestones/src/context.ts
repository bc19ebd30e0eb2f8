import { In, type DataSource } from 'typeorm';
import { baseContext, manyByKey, oneByKey, type BaseContext, type Caller, type Clock } from '@treaty/service-kit';
import { Agreement, AgreementParty, Benchmark, Certification, Milestone, Party, Phase, Waiver } from './entities/index.js';

/** Per-request DataLoaders: every lookup a list or `_entities` fans out to is one statement per batch. */
export function createLoaders(db: DataSource) {
  const ids = (keys: readonly string[]) => In([...keys]);
  return {
    agreement: oneByKey((keys: readonly string[]) => db.getRepository(Agreement).findBy({ id: ids(keys) }), (a) => a.id),
    party: oneByKey((keys: readonly string[]) => db.getRepository(Party).findBy({ id: ids(keys) }), (p) => p.id),
    phase: oneByKey((keys: readonly string[]) => db.getRepository(Phase).findBy({ id: ids(keys) }), (p) => p.id),
    milestone: oneByKey((keys: readonly string[]) => db.getRepository(Milestone).findBy({ id: ids(keys) }), (m) => m.id),
    partiesOfAgreement: manyByKey(
      (keys: readonly string[]) =>
        db.getRepository(AgreementParty).find({ where: { agreementId: ids(keys) }, relations: { party: true }, order: { party: { name: 'ASC' } } }),
      (ap) => ap.agreementId,
    ),
    agreementsOfParty: manyByKey(
      (keys: readonly string[]) =>
        db.getRepository(AgreementParty).find({ where: { partyId: ids(keys) }, relations: { agreement: true }, order: { agreement: { entryIntoForceAt: 'DESC' } } }),
      (ap) => ap.partyId,
    ),
    phasesOfAgreement: manyByKey(
      (keys: readonly string[]) => db.getRepository(Phase).find({ where: { agreementId: ids(keys) }, order: { ordinal: 'ASC' } }),
      (p) => p.agreementId,
    ),
    milestonesOfAgreement: manyByKey(
      (keys: readonly string[]) => db.getRepository(Milestone).find({ where: { agreementId: ids(keys) }, order: { dueDay: 'ASC', title: 'ASC' } }),
      (m) => m.agreementId,
    ),
    milestonesOfPhase: manyByKey(
      (keys: readonly string[]) => db.getRepository(Milestone).find({ where: { phaseId: ids(keys) }, order: { dueDay: 'ASC', title: 'ASC' } }),
      (m) => m.phaseId,
    ),
    benchmarksOfMilestone: manyByKey(
      (keys: readonly string[]) => db.getRepository(Benchmark).find({ where: { milestoneId: ids(keys) }, order: { position: 'ASC' } }),
      (b) => b.milestoneId,
    ),
    certificationsOfMilestone: manyByKey(
      (keys: readonly string[]) => db.getRepository(Certification).findBy({ milestoneId: ids(keys) }),
      (c) => c.milestoneId,
    ),
    waiversOfMilestone: manyByKey((keys: readonly string[]) => db.getRepository(Waiver).findBy({ milestoneId: ids(keys) }), (w) => w.milestoneId),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

export interface Context extends BaseContext {
  loaders: Loaders;
}

export function createContext(db: DataSource, clock: Clock, caller: Caller, requestId?: string): Context {
  return { ...baseContext(db, clock, caller, requestId), loaders: createLoaders(db) };
}
