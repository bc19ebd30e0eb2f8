import type { DataSource } from 'typeorm';
import { preparedQuery } from '@treaty/service-kit';
import type { MilestoneKind } from './domain/communications.js';
import type {
  Agreement,
  AgreementParty,
  Benchmark,
  BenchmarkMetric,
  CargoClass,
  Certification,
  Comparator,
  KindEvidence,
  DisputeRuling,
  Milestone,
  MilestoneTerms,
  Party,
  PartyKind,
  Phase,
  SnapBackClause,
  SnapBackLift,
  SnapBackTriggerKind,
  Waiver,
} from './entities/index.js';

/**
 * An agreement and every fact its read paths derive from, in one statement.
 *
 * The headline query visits this service three times (the agreement and its milestones; the
 * agreement's snap-back; each milestone's compliance), and each visit used to read the agreement, its
 * phases, parties, milestones, certifications, waivers, benchmarks and remedies with one statement
 * each: 22 statements a request, most of their time spent parsing and planning. This reads the whole
 * aggregate at once as a named, prepared statement (planned once per connection), keyed by agreement
 * or by milestone (a visit that starts from milestone representations), and the per-request loaders
 * are primed from it (context.ts), so a visit is one statement however many milestones it touches.
 * Rows are compact JSON arrays, not objects: less to build in PostgreSQL and to parse here.
 */
export interface AgreementFacts {
  agreement: Agreement;
  parties: AgreementParty[];
  phases: Phase[];
  milestones: Milestone[];
  benchmarks: Benchmark[];
  certifications: Certification[];
  waivers: Waiver[];
  clauses: SnapBackClause[];
  lifts: SnapBackLift[];
  rulings: DisputeRuling[];
}

const FACTS_SQL = `
WITH a AS (
  SELECT * FROM agreement
  WHERE id = ANY($1::uuid[]) OR id IN (SELECT agreement_id FROM milestone WHERE id = ANY($2::uuid[]))
)
SELECT a.id, a.title, a.mediator, a.entry_into_force_at, a.proof_of_life_max_age_days, a.created_at, a.created_by,
  (SELECT coalesce(json_agg(json_build_array(p.id, p.name, p.kind, p.created_at) ORDER BY p.name), '[]')
     FROM agreement_party ap JOIN party p ON p.id = ap.party_id WHERE ap.agreement_id = a.id) AS parties,
  (SELECT coalesce(json_agg(json_build_array(ph.id, ph.ordinal, ph.name, ph.start_day, ph.end_day, ph.permitted_cargo) ORDER BY ph.ordinal), '[]')
     FROM phase ph WHERE ph.agreement_id = a.id) AS phases,
  (SELECT coalesce(json_agg(json_build_array(m.id, m.phase_id, m.title, m.description, m.obligated_party_id, m.due_day, m.created_at, m.kind, m.terms) ORDER BY m.due_day, m.title), '[]')
     FROM milestone m WHERE m.agreement_id = a.id) AS milestones,
  (SELECT coalesce(json_agg(json_build_array(b.id, b.milestone_id, b.position, b.metric, b.comparator, b.threshold, b.description) ORDER BY b.milestone_id, b.position), '[]')
     FROM benchmark b JOIN milestone m ON m.id = b.milestone_id WHERE m.agreement_id = a.id) AS benchmarks,
  (SELECT coalesce(json_agg(json_build_array(c.id, c.milestone_id, c.verifier, c.verifier_subject, c.met_at, c.recorded_at, c.evidence, c.notes, c.kind_evidence)), '[]')
     FROM certification c JOIN milestone m ON m.id = c.milestone_id WHERE m.agreement_id = a.id) AS certifications,
  (SELECT coalesce(json_agg(json_build_array(w.id, w.milestone_id, w.reason, w.waived_by, w.waived_at)), '[]')
     FROM waiver w JOIN milestone m ON m.id = w.milestone_id WHERE m.agreement_id = a.id) AS waivers,
  (SELECT coalesce(json_agg(json_build_array(s.id, s.trigger, s.milestone_id, s.threshold, s.window_hours, s.reverts, s.created_at) ORDER BY s.created_at), '[]')
     FROM snap_back_clause s WHERE s.agreement_id = a.id) AS clauses,
  (SELECT coalesce(json_agg(json_build_array(l.id, l.reason, l.lifted_by, l.lifted_at) ORDER BY l.lifted_at), '[]')
     FROM snap_back_lift l WHERE l.agreement_id = a.id) AS lifts,
  (SELECT coalesce(json_agg(json_build_array(r.dispute_id, r.outcome, r.reasoning, r.tier_ordinal, r.ruled_by, r.ruled_at)), '[]')
     FROM dispute_ruling r JOIN dispute d ON d.id = r.dispute_id WHERE d.agreement_id = a.id) AS rulings
FROM a`;

type Json = unknown[];
interface FactsRow {
  id: string;
  title: string;
  mediator: string | null;
  entry_into_force_at: Date;
  proof_of_life_max_age_days: number;
  created_at: Date;
  created_by: string | null;
  parties: Json[];
  phases: Json[];
  milestones: Json[];
  benchmarks: Json[];
  certifications: Json[];
  waivers: Json[];
  clauses: Json[];
  lifts: Json[];
  rulings: Json[];
}

const date = (v: unknown) => new Date(v as string);
const dateOrNull = (v: unknown) => (v === null ? null : new Date(v as string));

/** The rows, as TypeORM would have hydrated them (the same field names and types, relations left unset). */
function toFacts(r: FactsRow): AgreementFacts {
  const agreementId = r.id;
  const agreement = { id: r.id, title: r.title, mediator: r.mediator, entryIntoForceAt: r.entry_into_force_at, proofOfLifeMaxAgeDays: r.proof_of_life_max_age_days, createdAt: r.created_at, createdBy: r.created_by } as Agreement;
  const parties = r.parties.map(([id, name, kind, createdAt]) => {
    const party = { id, name, kind: kind as PartyKind, createdAt: date(createdAt) } as Party;
    return { agreementId, partyId: party.id, party } as AgreementParty;
  });
  const phases = r.phases.map(
    ([id, ordinal, name, startDay, endDay, permittedCargo]) => ({ id, agreementId, ordinal, name, startDay, endDay, permittedCargo: permittedCargo as CargoClass[] }) as Phase,
  );
  const milestones = r.milestones.map(
    ([id, phaseId, title, description, obligatedPartyId, dueDay, createdAt, kind, terms]) =>
      ({ id, agreementId, phaseId, title, description, obligatedPartyId, dueDay, createdAt: date(createdAt), kind: kind as MilestoneKind, terms: terms as MilestoneTerms | null }) as Milestone,
  );
  const benchmarks = r.benchmarks.map(
    ([id, milestoneId, position, metric, comparator, threshold, description]) =>
      ({ id, milestoneId, position, metric: metric as BenchmarkMetric, comparator: comparator as Comparator, threshold, description }) as Benchmark,
  );
  const certifications = r.certifications.map(
    ([id, milestoneId, verifier, verifierSubject, metAt, recordedAt, evidence, notes, kindEvidence]) =>
      ({ id, milestoneId, verifier, verifierSubject, metAt: date(metAt), recordedAt: date(recordedAt), evidence, notes, kindEvidence: kindEvidence as KindEvidence | null }) as Certification,
  );
  const waivers = r.waivers.map(([id, milestoneId, reason, waivedBy, waivedAt]) => ({ id, milestoneId, reason, waivedBy, waivedAt: date(waivedAt) }) as Waiver);
  const clauses = r.clauses.map(
    ([id, trigger, milestoneId, threshold, windowHours, reverts, createdAt]) =>
      ({ id, agreementId, trigger: trigger as SnapBackTriggerKind, milestoneId, threshold, windowHours, reverts, createdAt: date(createdAt) }) as SnapBackClause,
  );
  const lifts = r.lifts.map(([id, reason, liftedBy, liftedAt]) => ({ id, agreementId, reason, liftedBy, liftedAt: date(liftedAt) }) as SnapBackLift);
  const rulings = r.rulings.map(
    ([disputeId, outcome, reasoning, tierOrdinal, ruledBy, ruledAt]) => ({ disputeId, outcome, reasoning, tierOrdinal, ruledBy, ruledAt: dateOrNull(ruledAt)!, dispute: { id: disputeId, agreementId } }) as DisputeRuling,
  );
  return { agreement, parties, phases, milestones, benchmarks, certifications, waivers, clauses, lifts, rulings };
}

/** The facts of the agreements with these ids, and of the agreements of these milestones, in one statement. */
export async function loadFacts(db: DataSource, agreementIds: readonly string[], milestoneIds: readonly string[]): Promise<AgreementFacts[]> {
  const rows = await preparedQuery<FactsRow>(db, FACTS_SQL, [agreementIds, milestoneIds]);
  return rows.map(toFacts);
}
