import { HOUR_MS, isBlank, isUuid, type AlertInput, type Problems, type Role } from '@treaty/service-kit';
import type { RedressBasis } from '../entities/index.js';

/**
 * Pure rules of redress (DESIGN §3 "verification and remedies", §12): what a case may be opened with,
 * its status from its delivery and the clock, and the alert events it calls for. No I/O.
 */

/** DUE_SOON from this long before the deadline (fixed, so a status reads the same in every deployment). */
export const REDRESS_DUE_SOON_MS = 72 * HOUR_MS;

/** The furthest a deadline may be set ahead: a remedy is owed within years, not decades. */
const LONGEST_DUE_MS = 10 * 365 * 24 * HOUR_MS;

export type RedressStatus = 'OPEN' | 'DUE_SOON' | 'OVERDUE' | 'DELIVERED' | 'DELIVERED_LATE';

/**
 * Delivered by the deadline: DELIVERED; after it: DELIVERED_LATE. Not delivered: OVERDUE from the
 * deadline on, DUE_SOON within REDRESS_DUE_SOON_MS of it, OPEN before.
 */
export function redressStatus(dueAt: Date, deliveredAt: Date | null, now: Date): RedressStatus {
  if (deliveredAt) return deliveredAt.getTime() <= dueAt.getTime() ? 'DELIVERED' : 'DELIVERED_LATE';
  const left = dueAt.getTime() - now.getTime();
  if (left <= 0) return 'OVERDUE';
  return left <= REDRESS_DUE_SOON_MS ? 'DUE_SOON' : 'OPEN';
}

export interface RedressDraft {
  basis: RedressBasis;
  incidentId?: string | null;
  disputeId?: string | null;
  remedy: string;
  owedByPartyId: string;
  dueAt: Date;
}

export const REMEDY_MAX = 2000;

export function checkRedressCase(p: Problems, input: RedressDraft, now: Date): void {
  if (isBlank(input.remedy)) p.add('input.remedy', 'remedy is empty; say what is owed, e.g. "Compensation to the three households of Orchard road for the damage of 14 May".');
  else if (input.remedy.length > REMEDY_MAX) p.add('input.remedy', `remedy is ${input.remedy.length} characters long; shorten it to at most ${REMEDY_MAX} (refer to an annex for the detail).`);
  if (input.basis === 'INCIDENT') {
    if (!input.incidentId) p.add('input.incidentId', 'A case on basis INCIDENT names the verified incident: give incidentId (from the corridors service).');
    else if (!isUuid(input.incidentId)) p.add('input.incidentId', `"${String(input.incidentId).slice(0, 60)}" is not an incident id; incident ids are UUIDs from the corridors service.`);
    if (input.disputeId) p.add('input.disputeId', 'A case on basis INCIDENT names no dispute; leave disputeId out, or use basis RULING.');
  } else {
    if (!input.disputeId) p.add('input.disputeId', 'A case on basis RULING names the dispute whose ruling confirmed the breach: give disputeId.');
    else if (!isUuid(input.disputeId)) p.add('input.disputeId', `"${String(input.disputeId).slice(0, 60)}" is not a dispute id; list disputes with { agreement(id: "…") { disputes { id } } }.`);
    if (input.incidentId) p.add('input.incidentId', 'A case on basis RULING names no incident; leave incidentId out, or use basis INCIDENT.');
  }
  if (!isUuid(input.owedByPartyId)) p.add('input.owedByPartyId', `"${String(input.owedByPartyId).slice(0, 60)}" is not a party id; list the parties with { agreement(id: "…") { parties { id name } } }.`);
  if (input.dueAt.getTime() <= now.getTime()) p.add('input.dueAt', `dueAt ${input.dueAt.toISOString()} is not after now (${now.toISOString()}); a remedy is owed by a deadline still to come.`);
  else if (input.dueAt.getTime() - now.getTime() > LONGEST_DUE_MS) p.add('input.dueAt', 'dueAt is more than 10 years ahead; set the deadline the agreement or ruling gives.');
}

const SHA256 = /^[0-9a-f]{64}$/i;
const EVIDENCE_MAX = 20;

export interface DeliveryDraft {
  deliveredAt: Date;
  evidence: { reference: string; description?: string | null; sha256?: string | null }[];
}

/**
 * Delivery: 1 to 20 pieces of evidence; delivered not in the future and (once the case is in hand,
 * `openedAt`) not before the case was opened.
 */
export function checkDelivery(p: Problems, input: DeliveryDraft, now: Date, openedAt: Date | null): void {
  if (input.evidence.length === 0) p.add('input.evidence', 'Recording a delivery needs at least one piece of evidence, e.g. { reference: "Payment receipt JMC-RED-004" }.');
  if (input.evidence.length > EVIDENCE_MAX) p.add('input.evidence', `${input.evidence.length} pieces of evidence; give at most ${EVIDENCE_MAX} (bundle the rest in one referenced file).`);
  input.evidence.slice(0, EVIDENCE_MAX).forEach((e, i) => {
    if (isBlank(e.reference)) p.add(`input.evidence[${i}].reference`, 'reference is empty; name the document, e.g. "Payment receipt JMC-RED-004".');
    else if (e.reference.length > 2000) p.add(`input.evidence[${i}].reference`, `reference is ${e.reference.length} characters long; shorten it to at most 2000.`);
    if (e.description && e.description.length > 2000) p.add(`input.evidence[${i}].description`, `description is ${e.description.length} characters long; shorten it to at most 2000.`);
    if (e.sha256 && !SHA256.test(e.sha256)) p.add(`input.evidence[${i}].sha256`, 'sha256 must be 64 hexadecimal characters (the SHA-256 of the evidence file).');
  });
  if (input.deliveredAt.getTime() > now.getTime()) p.add('input.deliveredAt', `deliveredAt ${input.deliveredAt.toISOString()} is in the future; record a delivery once it has happened (now is ${now.toISOString()}).`);
  else if (openedAt && input.deliveredAt.getTime() < openedAt.getTime()) p.add('input.deliveredAt', `deliveredAt ${input.deliveredAt.toISOString()} is before the case was opened (${openedAt.toISOString()}).`);
}

/** Who the redress events are for (a PARTY only for its own agreement). */
export const REDRESS_AUDIENCE: readonly Role[] = ['MEDIATOR', 'MONITOR', 'GUARANTOR', 'PARTY'];

export interface RedressFacts {
  id: string;
  agreementId: string;
  basis: RedressBasis;
  dueAt: Date;
  owedByPartyId: string;
  openedAt: Date;
}

const eventData = (c: RedressFacts) => ({ caseId: c.id, basis: c.basis, dueAt: c.dueAt.toISOString(), owedByPartyId: c.owedByPartyId });

export function redressOpenedAlert(c: RedressFacts): AlertInput {
  return { key: `redress.opened:${c.id}`, type: 'redress.opened', agreementId: c.agreementId, occurredAt: c.openedAt, recordedAt: c.openedAt, audience: REDRESS_AUDIENCE, data: eventData(c) };
}

export function redressDeliveredAlert(c: RedressFacts, d: { deliveredAt: Date; recordedAt: Date }): AlertInput {
  return {
    key: `redress.delivered:${c.id}`,
    type: 'redress.delivered',
    agreementId: c.agreementId,
    occurredAt: d.deliveredAt,
    recordedAt: d.recordedAt,
    audience: REDRESS_AUDIENCE,
    data: { ...eventData(c), deliveredAt: d.deliveredAt.toISOString(), status: redressStatus(c.dueAt, d.deliveredAt, d.recordedAt) },
  };
}

/**
 * The clock's events for undelivered cases: `redress.due` once the deadline is within `horizonMs` (from
 * the later of the case's opening and deadline − horizon), `redress.overdue` once it has passed (at the
 * deadline). A case past its deadline gets only the overdue event. Each keyed by case, so raised once.
 */
export function redressEvents(cases: readonly RedressFacts[], now: Date, horizonMs: number): AlertInput[] {
  const t = now.getTime();
  const out: AlertInput[] = [];
  for (const c of cases) {
    const due = c.dueAt.getTime();
    if (due <= t) {
      out.push({ key: `redress.overdue:${c.id}`, type: 'redress.overdue', agreementId: c.agreementId, occurredAt: c.dueAt, recordedAt: now, audience: REDRESS_AUDIENCE, data: eventData(c) });
    } else if (due - horizonMs <= t) {
      out.push({
        key: `redress.due:${c.id}`,
        type: 'redress.due',
        agreementId: c.agreementId,
        occurredAt: new Date(Math.max(c.openedAt.getTime(), due - horizonMs)),
        recordedAt: now,
        audience: REDRESS_AUDIENCE,
        data: { ...eventData(c), hoursLeft: Math.round(((due - t) / HOUR_MS) * 100) / 100 },
      });
    }
  }
  return out;
}
