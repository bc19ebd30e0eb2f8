import type { FactKind } from '@treaty/service-kit';
import { factsByColumn, textDigest } from '@treaty/service-kit';
import { Incident, IncidentVerification, LocalisedWindow, LocalisedWindowClosure } from './entities/index.js';

/**
 * What this service writes to its evidence log (DESIGN §11): every step of every incident's verification,
 * attribution included, with the incident's when, where and what as they stood at that step (an incident
 * moved into or out of a snap-back window afterwards no longer matches its entry). Findings are logged
 * as a hash, so the log proves what they said without publishing them. Quiet hours and verified
 * violation counts are derived from these steps and the clock, never stored, so they are not logged.
 *
 * A step taken while the incident was inside localised windows carries their ids as `windows`; a step
 * outside every window on record has no such key, which keeps the entries of steps recorded before
 * windows existed exactly as they were encoded then. Each window's creation and its early closure are
 * logged too: they decide what is expected where, and which violations are flagged as inside a window.
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
  ...(step.windowIds.length ? { windows: [...step.windowIds].sort() } : {}),
});

/** A window's area as logged: vertices or centre as [latitude, longitude]. */
function areaFact(w: LocalisedWindow) {
  if (w.areaKind === 'CIRCLE') return { kind: w.areaKind, centre: [w.centreLatitude, w.centreLongitude], radiusMetres: w.radiusMetres };
  return { kind: w.areaKind, vertices: (w.vertexLatitudes ?? []).map((lat, k) => [lat, w.vertexLongitudes![k]]) };
}

export const windowFact = (w: LocalisedWindow) => ({
  id: w.id,
  agreementId: w.agreementId,
  corridorId: w.corridorId,
  purpose: w.purpose,
  descriptionSha256: textDigest(w.description),
  from: w.from.toISOString(),
  until: w.until.toISOString(),
  area: areaFact(w),
  createdBy: w.createdBy,
  createdAt: w.createdAt.toISOString(),
});

export const windowClosureFact = (c: LocalisedWindowClosure) => ({
  windowId: c.windowId,
  closedAt: c.closedAt.toISOString(),
  reasonSha256: textDigest(c.reason),
  closedBy: c.closedBy,
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
  factsByColumn('localised-window', LocalisedWindow, 'id', windowFact, 'SELECT id FROM localised_window'),
  factsByColumn('localised-window-closure', LocalisedWindowClosure, 'windowId', windowClosureFact, 'SELECT window_id FROM localised_window_closure'),
];
