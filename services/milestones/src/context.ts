import { In, type DataSource } from 'typeorm';
import DataLoader from 'dataloader';
import { baseContext, manyByKey, oneByKey, type BaseContext, type Caller, type ContextDeps } from '@treaty/service-kit';
import { Agreement, AgreementParty, Benchmark, Certification, Dispute, DisputeRuling, DisputeTier, Milestone, Party, Phase, SnapBackClause, SnapBackLift, Waiver } from './entities/index.js';
import type { SnapBackState } from './domain/snapback.js';
import { createPeers, type Peers } from './peers.js';

/** Per-request DataLoaders: every lookup a list or `_entities` fans out to is one statement per batch. */
export function createLoaders(db: DataSource, peers: Peers) {
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
    disputeTiersOfAgreement: manyByKey(
      (keys: readonly string[]) => db.getRepository(DisputeTier).find({ where: { agreementId: ids(keys) }, order: { ordinal: 'ASC' } }),
      (t) => t.agreementId,
    ),
    dispute: oneByKey((keys: readonly string[]) => db.getRepository(Dispute).findBy({ id: ids(keys) }), (d) => d.id),
    disputesOfAgreement: manyByKey(
      (keys: readonly string[]) => db.getRepository(Dispute).find({ where: { agreementId: ids(keys) }, order: { filedAt: 'DESC' } }),
      (d) => d.agreementId,
    ),
    disputesOfMilestone: manyByKey(
      (keys: readonly string[]) => db.getRepository(Dispute).find({ where: { milestoneId: ids(keys) }, order: { filedAt: 'DESC' } }),
      (d) => d.milestoneId!,
    ),
    rulingOfDispute: oneByKey((keys: readonly string[]) => db.getRepository(DisputeRuling).findBy({ disputeId: ids(keys) }), (r) => r.disputeId),
    rulingsOfAgreement: manyByKey(
      async (keys: readonly string[]) =>
        db.getRepository(DisputeRuling).createQueryBuilder('r').innerJoinAndSelect('r.dispute', 'd').where('d.agreement_id IN (:...keys)', { keys }).getMany(),
      (r) => r.dispute.agreementId,
    ),
    clausesOfAgreement: manyByKey(
      (keys: readonly string[]) => db.getRepository(SnapBackClause).find({ where: { agreementId: ids(keys) }, order: { createdAt: 'ASC' } }),
      (c) => c.agreementId,
    ),
    liftsOfAgreement: manyByKey(
      (keys: readonly string[]) => db.getRepository(SnapBackLift).find({ where: { agreementId: ids(keys) }, order: { liftedAt: 'ASC' } }),
      (l) => l.agreementId,
    ),
    /**
     * When each verified material violation occurred, from the corridors service, which owns incidents.
     * Through the gateway these arrive with the representation (@requires) and are primed here; only
     * other paths (a sibling's confirmation call, a root query) ask corridors, in one call per batch.
     */
    violationTimes: new DataLoader<string, Date[]>((keys) => peers.corridors.violationTimes(keys)),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

export interface Context extends BaseContext {
  loaders: Loaders;
  /** The typed clients of the sibling services, called as this service itself. */
  peers: Peers;
  /** Snap-back state per agreement, computed once per request (many fields depend on it). */
  snapBack: Map<string, Promise<SnapBackState & { liftedAt: Date | null; liftReason: string | null }>>;
}

export function createContext(deps: ContextDeps, caller: Caller, requestId?: string): Context {
  const peers = createPeers(deps.peers);
  return { ...baseContext(deps.db, deps.clock, caller, requestId), loaders: createLoaders(deps.db, peers), peers, snapBack: new Map() };
}

export type { ContextDeps };
