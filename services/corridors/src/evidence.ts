import type { FactKind } from '@treaty/service-kit';
import { textDigest } from '@treaty/service-kit';
import { Incident, IncidentVerification } from './entities/index.js';

/**
 * What this service writes to its evidence log (DESIGN §11): every step of every incident's verification,
 * attribution included, with the incident's when, where and what as they stood at that step (an incident
 * moved into or out of a snap-back window afterwards no longer matches its entry). Findings are logged
 * as a hash, so the log proves what they said without publishing them. Quiet hours and verified
 * violation counts are derived from these steps and the clock, never stored, so they are not logged.
 */
export const incidentVerificationFact = (step: IncidentVerification, incident: Incident) => ({
  id: step.id,
  incidentId: step.incidentId,
  sequence: step.sequence,
  state: step.state,
  confidence: step.confidence,
  severity: step.severity,
  attributedPartyId: step.attributedPartyId,
  findingsSha256: textDigest(step.findings),
  verifiedBy: step.verifiedBy,
  at: step.at.toISOString(),
  incident: {
    agreementId: incident.agreementId,
    category: incident.category,
    occurredAt: incident.occurredAt.toISOString(),
    latitude: incident.latitude,
    longitude: incident.longitude,
    reportedSeverity: incident.severity,
  },
});

export const evidenceFacts: FactKind[] = [
  {
    kind: 'incident-verification',
    subjectsSql: 'SELECT id FROM incident_verification',
    async load(m, subjects) {
      if (subjects.length === 0) return new Map();
      const steps = await m.getRepository(IncidentVerification).createQueryBuilder('v').innerJoinAndSelect('v.incident', 'i').where('v.id IN (:...subjects)', { subjects }).getMany();
      return new Map(steps.map((s) => [s.id, incidentVerificationFact(s, s.incident)]));
    },
  },
];
