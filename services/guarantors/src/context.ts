import DataLoader from 'dataloader';
import { In, type DataSource } from 'typeorm';
import { DomainError, ErrorCode, baseContext, preparedFindIn, preparedQuery, isUuid, manyByKey, oneByKey, valueByKey, withReads, type BaseContext, type Caller, type ContextDeps, type OperationScope } from '@treaty/service-kit';
import type { TotalsRow } from './domain/commitment.js';
import type { HoldingFunds } from './domain/funding.js';
import {
  Commitment,
  EscrowAccount,
  Guarantor,
  IncentiveEscrow,
  IncentiveJournal,
  IncentiveMilestone,
  IncentiveStepApproval,
  LedgerJournal,
  PenaltySchedule,
  Tranche,
  TrancheApproval,
  TranchePerformanceRelease,
  TranchePerformanceTerms,
  type LedgerAccountKind,
} from './entities/index.js';
import type { PerformanceMetric } from './domain/performance.js';
import { fundsOfHoldings } from './ledger.js';
import { createPeers, type MeasureRequest, type MilestoneFacts, type Peers } from './peers.js';

export interface AgreementTotalsRow extends TotalsRow {
  agreementId: string;
}

export interface LedgerSum {
  kind: LedgerAccountKind;
  guarantorId: string | null;
  minor: bigint;
}

/**
 * Per-request DataLoaders: every lookup a list or `_entities` fans out to is one statement per batch.
 * Keys that are not UUIDs never reach SQL.
 *
 * `scope`: a gateway query operation's store (kit operation-scope.ts). The headline query visits this
 * service twice for the same milestones (escrowFundedRatio, then tranches with their status), and each
 * visit read their tranches and holdings again; in one operation the second reads them from the first.
 */
export function createLoaders(db: DataSource, peers: Peers, scope: OperationScope | null = null) {
  const ids = (keys: readonly string[]) => In(keys.filter(isUuid));
  const uuids = (keys: readonly string[]) => keys.filter(isUuid);
  const milestone = new DataLoader<string, MilestoneFacts | null>(async (keys) => {
    const valid = uuids(keys);
    const found = await peers.milestones.milestones(valid);
    const byId = new Map(found.filter((f): f is MilestoneFacts => f !== null).map((f) => [f.id, f]));
    return keys.map((k) => byId.get(k) ?? null);
  });
  return {
    guarantor: oneByKey((keys: readonly string[]) => db.getRepository(Guarantor).findBy({ id: ids(keys) }), (g) => g.id),
    commitmentsOfGuarantor: manyByKey(
      (keys: readonly string[]) => db.getRepository(Commitment).find({ where: { guarantorId: ids(keys) }, order: { pledgedAt: 'DESC', id: 'ASC' } }),
      (c) => c.guarantorId,
    ),
    commitmentsOfAgreement: manyByKey(
      (keys: readonly string[]) => db.getRepository(Commitment).find({ where: { agreementId: ids(keys) }, order: { pledgedAt: 'DESC', id: 'ASC' } }),
      (c) => c.agreementId,
    ),
    /** Funding pledges summed per guarantor, agreement, currency and the facts that decide their status. */
    commitmentTotalsOfGuarantor: valueByKey(async (keys: readonly string[]) => {
      const rows: { key: string; agreement_id: string; currency: string; committed: boolean; paid: boolean; minor: string }[] = await preparedQuery(db, 
        `SELECT guarantor_id AS key, agreement_id, currency, committed_at IS NOT NULL AS committed, paid_at IS NOT NULL AS paid, sum(amount_minor)::text AS minor
           FROM commitment WHERE kind = 'FUNDING_PLEDGE' AND guarantor_id = ANY($1::uuid[])
          GROUP BY guarantor_id, agreement_id, currency, committed_at IS NOT NULL, paid_at IS NOT NULL`,
        [uuids(keys)],
      );
      return group(rows, (r) => r.key, (r): AgreementTotalsRow => ({ agreementId: r.agreement_id, currency: r.currency, committed: r.committed, paid: r.paid, minor: BigInt(r.minor) }));
    }, [] as AgreementTotalsRow[]),
    commitmentTotalsOfAgreement: valueByKey(async (keys: readonly string[]) => {
      const rows: { key: string; currency: string; committed: boolean; paid: boolean; minor: string }[] = await preparedQuery(db, 
        `SELECT agreement_id AS key, currency, committed_at IS NOT NULL AS committed, paid_at IS NOT NULL AS paid, sum(amount_minor)::text AS minor
           FROM commitment WHERE kind = 'FUNDING_PLEDGE' AND agreement_id = ANY($1::uuid[])
          GROUP BY agreement_id, currency, committed_at IS NOT NULL, paid_at IS NOT NULL`,
        [uuids(keys)],
      );
      return group(rows, (r) => r.key, (r): TotalsRow => ({ currency: r.currency, committed: r.committed, paid: r.paid, minor: BigInt(r.minor) }));
    }, [] as TotalsRow[]),
    escrowAccount: oneByKey((keys: readonly string[]) => db.getRepository(EscrowAccount).findBy({ id: ids(keys) }), (a) => a.id),
    escrowAccountsOfAgreement: manyByKey(
      (keys: readonly string[]) => db.getRepository(EscrowAccount).find({ where: { agreementId: ids(keys) }, order: { openedAt: 'ASC', id: 'ASC' } }),
      (a) => a.agreementId,
    ),
    /** Every ledger account's balance (sum of entries) in each escrow account, in one GROUP BY. */
    ledgerSumsOfEscrowAccount: valueByKey(async (keys: readonly string[]) => {
      const rows: { key: string; kind: LedgerAccountKind; guarantor_id: string | null; minor: string }[] = await preparedQuery(db, 
        `SELECT a.escrow_account_id AS key, a.kind, a.guarantor_id, coalesce(sum(e.amount_minor), 0)::text AS minor
           FROM ledger_account a LEFT JOIN ledger_entry e ON e.account_id = a.id
          WHERE a.escrow_account_id = ANY($1::uuid[])
          GROUP BY a.escrow_account_id, a.kind, a.guarantor_id
          ORDER BY a.guarantor_id`,
        [uuids(keys)],
      );
      return group(rows, (r) => r.key, (r): LedgerSum => ({ kind: r.kind, guarantorId: r.guarantor_id, minor: BigInt(r.minor) }));
    }, [] as LedgerSum[]),
    movementsOfEscrowAccount: manyByKey(
      (keys: readonly string[]) => db.getRepository(LedgerJournal).find({ where: { escrowAccountId: ids(keys) }, order: { sequence: 'ASC' } }),
      (j) => j.escrowAccountId,
    ),
    tranche: oneByKey((keys: readonly string[]) => db.getRepository(Tranche).findBy({ id: ids(keys) }), (t) => t.id),
    // On the headline path (both Milestone fetches of 300 milestones): prepared, one array parameter.
    tranchesOfMilestone: manyByKey(
      (keys: readonly string[]) => preparedFindIn(db, Tranche, 'milestoneId', uuids(keys), { sequence: 'ASC' }),
      (t) => t.milestoneId,
      { scope, name: 'tranchesOfMilestone' },
    ),
    tranchesOfGuarantor: manyByKey(
      (keys: readonly string[]) => db.getRepository(Tranche).find({ where: { guarantorId: ids(keys) }, order: { sequence: 'ASC' } }),
      (t) => t.guarantorId,
    ),
    tranchesOfEscrowAccount: manyByKey(
      (keys: readonly string[]) => db.getRepository(Tranche).find({ where: { escrowAccountId: ids(keys) }, order: { sequence: 'ASC' } }),
      (t) => t.escrowAccountId,
    ),
    /** A tranche's RELEASE and FORFEIT journals: the stored facts its status and amounts follow from. */
    settlementsOfTranche: manyByKey(
      (keys: readonly string[]) => db.getRepository(LedgerJournal).find({ where: { trancheId: ids(keys) }, order: { sequence: 'ASC' } }),
      (j) => j.trancheId!,
    ),
    approvalOfTranche: oneByKey((keys: readonly string[]) => db.getRepository(TrancheApproval).findBy({ trancheId: ids(keys) }), (a) => a.trancheId),
    penaltySchedule: oneByKey((keys: readonly string[]) => db.getRepository(PenaltySchedule).findBy({ agreementId: ids(keys) }), (s) => s.agreementId),
    /**
     * Each holding's balance, reserved for its tranches in creation order (`allotHolding`), keyed by
     * `holdingKey(escrowAccountId, guarantorId)`: one statement per batch, whatever the number of holdings.
     */
    fundsOfHolding: valueByKey(
      (keys: readonly string[]) =>
        fundsOfHoldings(
          db,
          keys
            .map((k) => k.split('|'))
            .filter(([escrowAccountId, guarantorId]) => isUuid(escrowAccountId) && isUuid(guarantorId))
            .map(([escrowAccountId, guarantorId]) => ({ escrowAccountId: escrowAccountId!, guarantorId: guarantorId! })),
        ),
      null as HoldingFunds | null,
      { scope, name: 'fundsOfHolding' },
    ),
    /** Milestone status and agreement, confirmed with the milestones service: one call per batch. */
    milestone,
    /**
     * A benchmark metric of a milestone measured now by the service that owns it (`measureKey`): one call
     * to milestones for the milestones (through `milestone`) and at most one each to prisoners and corridors
     * per batch. Used by `Tranche.projectedPayout`, which no query plan can feed: the measured value of a
     * benchmark a tranche names is not a field of any entity the gateway passes here.
     */
    measurement: new DataLoader<string, number>(async (keys) => {
      const parsed = keys.map((k) => k.split('|') as [string, PerformanceMetric]);
      const milestones = await milestone.loadMany(parsed.map(([id]) => id));
      const results: (number | Error)[] = [];
      const known: { at: number; request: MeasureRequest }[] = [];
      parsed.forEach(([id, metric], at) => {
        const m = milestones[at];
        if (m instanceof Error) results[at] = m;
        else if (!m) results[at] = new DomainError(ErrorCode.NOT_FOUND, `The milestones service does not know milestone ${id}, so its benchmark cannot be measured.`);
        else known.push({ at, request: { metric, milestone: m } });
      });
      const values = await peers.measures.measure(known.map((k) => k.request));
      known.forEach((k, i) => (results[k.at] = values[i]!));
      return results;
    }),
    performanceTermsOfTranche: oneByKey((keys: readonly string[]) => db.getRepository(TranchePerformanceTerms).findBy({ trancheId: ids(keys) }), (t) => t.trancheId),
    performanceReleaseOfTranche: oneByKey((keys: readonly string[]) => db.getRepository(TranchePerformanceRelease).findBy({ trancheId: ids(keys) }), (r) => r.trancheId),
    incentiveEscrow: oneByKey((keys: readonly string[]) => db.getRepository(IncentiveEscrow).findBy({ id: ids(keys) }), (e) => e.id),
    incentiveEscrowsOfAgreement: manyByKey(
      (keys: readonly string[]) => db.getRepository(IncentiveEscrow).find({ where: { agreementId: ids(keys) }, order: { sequence: 'ASC' } }),
      (e) => e.agreementId,
    ),
    incentiveEscrowsOfGuarantor: manyByKey(
      (keys: readonly string[]) => db.getRepository(IncentiveEscrow).find({ where: { guarantorId: ids(keys) }, order: { sequence: 'ASC' } }),
      (e) => e.guarantorId,
    ),
    milestonesOfIncentive: manyByKey(
      (keys: readonly string[]) => db.getRepository(IncentiveMilestone).find({ where: { incentiveEscrowId: ids(keys) }, order: { ordinal: 'ASC' } }),
      (m) => m.incentiveEscrowId,
    ),
    unitJournalsOfIncentive: manyByKey(
      (keys: readonly string[]) => db.getRepository(IncentiveJournal).find({ where: { incentiveEscrowId: ids(keys) }, order: { sequence: 'ASC' } }),
      (j) => j.incentiveEscrowId,
    ),
    stepApprovalsOfIncentive: manyByKey(
      (keys: readonly string[]) => db.getRepository(IncentiveStepApproval).find({ where: { incentiveEscrowId: ids(keys) }, order: { step: 'ASC' } }),
      (a) => a.incentiveEscrowId,
    ),
  };
}

/** The `measurement` loader's key: a milestone and a metric. */
export function measureKey(milestoneId: string, metric: PerformanceMetric): string {
  return `${milestoneId}|${metric}`;
}

function group<R, K, V>(rows: R[], keyOf: (r: R) => K, valueOf: (r: R) => V): Map<K, V[]> {
  const out = new Map<K, V[]>();
  for (const r of rows) {
    const list = out.get(keyOf(r));
    if (list) list.push(valueOf(r));
    else out.set(keyOf(r), [valueOf(r)]);
  }
  return out;
}

export type Loaders = ReturnType<typeof createLoaders>;

export interface Context extends BaseContext {
  loaders: Loaders;
  /** The typed client of the milestones service, called as this service itself (confirmations). */
  peers: Peers;
}

/** `scope`: what the query operation this request belongs to has read here already (see createLoaders). */
export function createContext(deps: ContextDeps, caller: Caller, requestId?: string, scope: OperationScope | null = null): Context {
  const peers = createPeers(deps.peers);
  return withReads({ ...baseContext(deps.db, deps.clock, caller, requestId, deps.evidence), peers }, (scope) => ({ loaders: createLoaders(deps.db, peers, scope) }), scope);
}

export type { ContextDeps };
