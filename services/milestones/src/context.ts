import { In, type DataSource } from 'typeorm';
import DataLoader from 'dataloader';
import { baseContext, manyByKey, oneByKey, withReads, type BaseContext, type Caller, type Clock, type ContextDeps, type OperationScope } from '@treaty/service-kit';
import {
  Agreement,
  AgreementParty,
  Benchmark,
  Certification,
  ConfidentialReport,
  ConfidentialReportMessage,
  ConfidentialReportReview,
  Dispute,
  DisputeRuling,
  DisputeTier,
  Milestone,
  Party,
  Phase,
  RedressCase,
  RedressDelivery,
  SnapBackClause,
  SnapBackLift,
  Waiver,
} from './entities/index.js';
import { NO_CIPHER, type ReportCipher } from './crypto.js';
import type { SnapBackState } from './domain/snapback.js';
import { createPeers, type Peers } from './peers.js';
import { loadFacts, type AgreementFacts } from './facts.js';
import { endOfDay, startOfDay } from './domain/calendar.js';
import { milestoneStatus, type MilestoneStatus } from './domain/status.js';

/** Per-request DataLoaders: every lookup a list or `_entities` fans out to is one statement per batch. */
export function createLoaders(db: DataSource, peers: Peers, clock: Clock, scope: OperationScope | null = null) {
  const ids = (keys: readonly string[]) => In([...keys]);
  /**
   * An agreement's whole aggregate in one prepared statement (facts.ts), keyed "a:<agreement id>" or
   * "m:<milestone id>". Loading an agreement or a milestone goes through it and primes every loader
   * below that it answers, so the rest of the request reads them without a statement. Mutations read
   * what they check through their transaction's manager, not these loaders, so nothing primed before a
   * write is served after it.
   *
   * In a query operation the gateway names (`scope`, kit operation-scope.ts), the aggregate read by the
   * operation's first visit here is kept for its later visits: the headline query visits three times
   * and read it three times. The rows are the same; what is derived from them and the clock is derived
   * again for each visit (prime).
   */
  const facts: DataLoader<string, AgreementFacts | null> = new DataLoader(async (keys) => {
    const byKey = new Map<string, AgreementFacts>();
    const missing: string[] = [];
    for (const k of keys) {
      const kept = scope?.get<AgreementFacts>(`facts:${k}`);
      if (kept) byKey.set(k, kept);
      else missing.push(k);
    }
    if (missing.length) {
      const agreementIds = missing.filter((k) => k.startsWith('a:')).map((k) => k.slice(2));
      const milestoneIds = missing.filter((k) => k.startsWith('m:')).map((k) => k.slice(2));
      for (const f of await loadFacts(db, agreementIds, milestoneIds)) {
        const factKeys = [`a:${f.agreement.id}`, ...f.milestones.map((m) => `m:${m.id}`)];
        for (const k of factKeys) {
          byKey.set(k, f);
          scope?.set(`facts:${k}`, f);
        }
      }
    }
    const now = clock.now();
    for (const f of new Set(byKey.values())) prime(loaders, f, now);
    return keys.map((k) => byKey.get(k) ?? null);
  });
  const loaders = {
    facts,
    /**
     * What each milestone of a loaded agreement derives from its facts and the clock (status, deadline,
     * window start), computed once when the facts arrive, so that the many fields and milestones that
     * read them need no await. Derived per request, never stored.
     */
    derived: new Map<string, Derived>(),
    agreement: new DataLoader<string, Agreement | null>(async (keys) => (await facts.loadMany(keys.map((k) => `a:${k}`))).map((f) => (f instanceof Error ? f : (f?.agreement ?? null)))),
    party: oneByKey((keys: readonly string[]) => db.getRepository(Party).findBy({ id: ids(keys) }), (p) => p.id),
    phase: oneByKey((keys: readonly string[]) => db.getRepository(Phase).findBy({ id: ids(keys) }), (p) => p.id),
    // Each key's milestone from its agreement's facts, looked up by id: the 300 milestones of one
    // agreement share one facts object, and searching its list for each key was 45,000 comparisons.
    milestone: new DataLoader<string, Milestone | null>(async (keys) => {
      const found = await facts.loadMany(keys.map((k) => `m:${k}`));
      const byId = new Map<string, Milestone>();
      for (const f of new Set(found)) if (f && !(f instanceof Error)) for (const m of f.milestones) byId.set(m.id, m);
      return keys.map((k, i) => (found[i] instanceof Error ? (found[i] as Error) : (byId.get(k) ?? null)));
    }),
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
    report: oneByKey((keys: readonly string[]) => db.getRepository(ConfidentialReport).findBy({ id: ids(keys) }), (r) => r.id),
    messagesOfReport: manyByKey(
      (keys: readonly string[]) => db.getRepository(ConfidentialReportMessage).find({ where: { reportId: ids(keys) }, order: { position: 'ASC' } }),
      (m) => m.reportId,
    ),
    reviewsOfReport: manyByKey(
      (keys: readonly string[]) => db.getRepository(ConfidentialReportReview).find({ where: { reportId: ids(keys) }, order: { position: 'ASC' } }),
      (r) => r.reportId,
    ),
    redressCase: oneByKey((keys: readonly string[]) => db.getRepository(RedressCase).findBy({ id: ids(keys) }), (c) => c.id),
    redressCasesOfAgreement: manyByKey(
      (keys: readonly string[]) => db.getRepository(RedressCase).find({ where: { agreementId: ids(keys) }, order: { dueAt: 'ASC', id: 'ASC' } }),
      (c) => c.agreementId,
    ),
    redressCasesOfIncident: manyByKey(
      (keys: readonly string[]) => db.getRepository(RedressCase).find({ where: { incidentId: ids(keys) }, order: { dueAt: 'ASC', id: 'ASC' } }),
      (c) => c.incidentId!,
    ),
    redressCasesOfDispute: manyByKey(
      (keys: readonly string[]) => db.getRepository(RedressCase).find({ where: { disputeId: ids(keys) }, order: { dueAt: 'ASC', id: 'ASC' } }),
      (c) => c.disputeId!,
    ),
    deliveryOfCase: oneByKey((keys: readonly string[]) => db.getRepository(RedressDelivery).findBy({ caseId: ids(keys) }), (d) => d.caseId),
  };
  return loaders;
}

/** Everything an agreement's facts answer, primed (an entry already loaded is kept, never replaced). */
export interface Derived {
  status: MilestoneStatus;
  dueAt: Date;
  windowStartsAt: Date;
}

function prime(l: Omit<ReturnType<typeof createLoaders>, never>, f: AgreementFacts, now: Date): void {
  const a = f.agreement.id;
  const under = <T>(rows: T[], key: (row: T) => string, keys: string[]) => {
    const by = new Map<string, T[]>(keys.map((k) => [k, []]));
    for (const row of rows) by.get(key(row))?.push(row);
    return by;
  };
  l.agreement.prime(a, f.agreement);
  l.partiesOfAgreement.prime(a, f.parties);
  for (const ap of f.parties) l.party.prime(ap.partyId, ap.party);
  l.phasesOfAgreement.prime(a, f.phases);
  for (const p of f.phases) l.phase.prime(p.id, p);
  l.milestonesOfAgreement.prime(a, f.milestones);
  for (const m of f.milestones) l.milestone.prime(m.id, m);
  for (const [phase, rows] of under(f.milestones, (m) => m.phaseId, f.phases.map((p) => p.id))) l.milestonesOfPhase.prime(phase, rows);
  const milestoneIds = f.milestones.map((m) => m.id);
  for (const [m, rows] of under(f.benchmarks, (b) => b.milestoneId, milestoneIds)) l.benchmarksOfMilestone.prime(m, rows);
  for (const [m, rows] of under(f.certifications, (c) => c.milestoneId, milestoneIds)) l.certificationsOfMilestone.prime(m, rows);
  for (const [m, rows] of under(f.waivers, (w) => w.milestoneId, milestoneIds)) l.waiversOfMilestone.prime(m, rows);
  const phaseStart = new Map(f.phases.map((p) => [p.id, p.startDay]));
  const metAt = new Map(f.certifications.map((c) => [c.milestoneId, c.metAt]));
  const waived = new Set(f.waivers.map((w) => w.milestoneId));
  const entry = f.agreement.entryIntoForceAt;
  for (const m of f.milestones) {
    if (l.derived.has(m.id)) continue;
    l.derived.set(m.id, {
      status: milestoneStatus({ entryIntoForceAt: entry, dueDay: m.dueDay, metAt: metAt.get(m.id) ?? null, waived: waived.has(m.id), now }),
      dueAt: endOfDay(entry, m.dueDay),
      windowStartsAt: startOfDay(entry, phaseStart.get(m.phaseId) ?? 0),
    });
  }
  l.clausesOfAgreement.prime(a, f.clauses);
  l.liftsOfAgreement.prime(a, f.lifts);
  l.rulingsOfAgreement.prime(a, f.rulings);
}

export type Loaders = ReturnType<typeof createLoaders>;

export interface Context extends BaseContext {
  loaders: Loaders;
  /** The typed clients of the sibling services, called as this service itself. */
  peers: Peers;
  /** Snap-back state per agreement, computed once per request and again after each write (many fields depend on it). */
  snapBack: Map<string, Promise<SnapBackState & { liftedAt: Date | null; liftReason: string | null }>>;
  /** Seals and opens what confidential reports say (src/crypto.ts). */
  crypto: ReportCipher;
}

/** The kit's dependencies, and the cipher of confidential reports (a context without it refuses to touch them). */
export interface MilestonesContextDeps extends ContextDeps {
  crypto?: ReportCipher;
}

/** `scope`: what the query operation this request belongs to has read here already (see createLoaders). */
export function createContext(deps: MilestonesContextDeps, caller: Caller, requestId?: string, scope: OperationScope | null = null): Context {
  const peers = createPeers(deps.peers);
  return withReads(
    { ...baseContext(deps.db, deps.clock, caller, requestId, deps.evidence), peers, crypto: deps.crypto ?? NO_CIPHER },
    (scope) => ({ loaders: createLoaders(deps.db, peers, deps.clock, scope), snapBack: new Map() as Context['snapBack'] }),
    scope,
  );
}

export type { ContextDeps };
