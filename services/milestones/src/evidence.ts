import { factsByColumn, personalDataAccessFacts, textDigest, type FactKind } from '@treaty/service-kit';
import { Certification, DisputeRuling, RedressCase, RedressDelivery, SnapBackClause, SnapBackLift, Waiver } from './entities/index.js';

/**
 * What this service writes to its evidence log (DESIGN §11), and how each fact is encoded: ids, who,
 * when, hashes of evidence files and of free text, never the text itself. The same encoder runs when a
 * fact is appended and when the export re-reads it, so a record changed behind the service's back no
 * longer matches its entry. Snap-back being in force is derived (from these facts, corridors' verified
 * incidents and the clock) and never stored, so it is not logged itself: everything it follows from is.
 */
export const certificationFact = (c: Certification) => ({
  id: c.id,
  milestoneId: c.milestoneId,
  verifier: c.verifier,
  metAt: c.metAt.toISOString(),
  recordedAt: c.recordedAt.toISOString(),
  evidence: c.evidence.map((e) => ({ reference: e.reference, sha256: e.sha256 ?? null, descriptionSha256: textDigest(e.description) })),
  notesSha256: textDigest(c.notes),
  // Only on a STATEMENT's or a DOMESTIC_STEP's certification, so entries written before kinds existed keep their encoding.
  // Issuances and records by reference (as evidence files are), the institution's name as a digest.
  ...(c.kindEvidence
    ? {
        kindEvidence:
          'issuances' in c.kindEvidence
            ? { issuances: c.kindEvidence.issuances }
            : { record: { reference: c.kindEvidence.record.reference, institutionSha256: textDigest(c.kindEvidence.record.institution), enactedAt: c.kindEvidence.record.enactedAt } },
      }
    : {}),
});

export const waiverFact = (w: Waiver) => ({
  id: w.id,
  milestoneId: w.milestoneId,
  waivedBy: w.waivedBy,
  waivedAt: w.waivedAt.toISOString(),
  reasonSha256: textDigest(w.reason),
});

export const rulingFact = (r: DisputeRuling) => ({
  disputeId: r.disputeId,
  outcome: r.outcome,
  tierOrdinal: r.tierOrdinal,
  ruledBy: r.ruledBy,
  ruledAt: r.ruledAt.toISOString(),
  reasoningSha256: textDigest(r.reasoning),
});

export const snapBackClauseFact = (c: SnapBackClause) => ({
  id: c.id,
  agreementId: c.agreementId,
  trigger: c.trigger,
  milestoneId: c.milestoneId,
  threshold: c.threshold,
  windowHours: c.windowHours,
  revertsSha256: textDigest(c.reverts),
  adoptedAt: c.createdAt.toISOString(),
});

export const snapBackLiftFact = (l: SnapBackLift) => ({
  id: l.id,
  agreementId: l.agreementId,
  liftedBy: l.liftedBy,
  liftedAt: l.liftedAt.toISOString(),
  reasonSha256: textDigest(l.reason),
});

/**
 * A redress case: what is owed, on what basis, by whom, by when. The remedy is free text, so only its
 * digest is logged.
 */
export const redressOpenedFact = (c: RedressCase) => ({
  id: c.id,
  agreementId: c.agreementId,
  basis: c.basis,
  incidentId: c.incidentId,
  disputeId: c.disputeId,
  owedByPartyId: c.owedByPartyId,
  dueAt: c.dueAt.toISOString(),
  openedBy: c.openedBy,
  openedAt: c.openedAt.toISOString(),
  remedySha256: textDigest(c.remedy),
});

export const redressDeliveredFact = (d: RedressDelivery) => ({
  caseId: d.caseId,
  deliveredAt: d.deliveredAt.toISOString(),
  recordedBy: d.recordedBy,
  recordedAt: d.recordedAt.toISOString(),
  evidence: d.evidence.map((e) => ({ reference: e.reference, sha256: e.sha256 ?? null, descriptionSha256: textDigest(e.description) })),
});

/**
 * The kinds this service logged before the evidence log existed: the migration that logs what was
 * recorded before it (migrations/index.ts) reads only these, since on a fresh database it runs before
 * the tables of the later kinds are made.
 */
export const factsBeforeTheLog: FactKind[] = [
  factsByColumn('certification', Certification, 'id', certificationFact, 'SELECT id FROM certification'),
  factsByColumn('waiver', Waiver, 'id', waiverFact, 'SELECT id FROM waiver'),
  factsByColumn('ruling', DisputeRuling, 'disputeId', rulingFact, 'SELECT dispute_id FROM dispute_ruling'),
  factsByColumn('snap-back-clause', SnapBackClause, 'id', snapBackClauseFact, 'SELECT id FROM snap_back_clause'),
  factsByColumn('snap-back-lift', SnapBackLift, 'id', snapBackLiftFact, 'SELECT id FROM snap_back_lift'),
];

/**
 * Every kind: those above, redress cases opened and delivered (a remedy owed is a consequence a party
 * bears), and every read of a confidential report's content (kit: access-log.ts), as in prisoners.
 */
export const evidenceFacts: FactKind[] = [
  ...factsBeforeTheLog,
  factsByColumn('redress-opened', RedressCase, 'id', redressOpenedFact, 'SELECT id FROM redress_case'),
  factsByColumn('redress-delivered', RedressDelivery, 'caseId', redressDeliveredFact, 'SELECT case_id FROM redress_delivery'),
  personalDataAccessFacts,
];
