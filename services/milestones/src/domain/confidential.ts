import { isBlank, isUuid, type AlertInput, type Problems } from '@treaty/service-kit';
import type { ReportState } from '../entities/index.js';

/**
 * Pure rules of the confidential channel (DESIGN §12): what a submission and a message may hold, how a
 * receipt looks, and how a handler may move a report. No I/O.
 */

/**
 * Size limits, so the channel cannot be used to fill the disk (it needs no account, so it is bounded
 * by size rather than by who sends): characters per field, messages per report. A report with every
 * field and thread full stays near one megabyte.
 */
export const REPORT_LIMITS = {
  what: 10_000,
  where: 2_000,
  whenText: 2_000,
  contact: 2_000,
  message: 10_000,
  messages: 100,
} as const;

/** A receipt: 32 random bytes in base64url, 43 characters. */
export const RECEIPT_BYTES = 32;
const RECEIPT = /^[A-Za-z0-9_-]{43}$/;

export function isReceiptShaped(receipt: string): boolean {
  return RECEIPT.test(receipt);
}

/**
 * The one answer to any receipt that opens nothing, whether malformed or unknown: it must not tell a
 * guesser anything (whether reports exist, how many, or how close a guess came).
 */
export const NO_REPORT_FOR_RECEIPT =
  'No report matches this receipt; check it was copied whole (a receipt is 43 characters: letters, digits, "-" and "_"), exactly as it was shown when the report was submitted.';

/** A free-text field: required ones must say something; every one within its limit. */
function checkReportText(p: Problems, path: string, value: string | null | undefined, label: string, max: number, required: boolean): void {
  if (isBlank(value)) {
    if (required) p.add(path, `${label} is empty; say in your own words what happened.`);
    return;
  }
  if (value.length > max) {
    p.add(path, `${label} is ${value.length} characters long; at most ${max} are accepted. Shorten it, or send the rest afterwards with addToConfidentialReport and your receipt.`);
  }
}

export interface SubmissionDraft {
  what: string;
  where?: string | null;
  when?: Date | null;
  whenText?: string | null;
  agreementId?: string | null;
  contact?: string | null;
}

export function checkSubmission(p: Problems, input: SubmissionDraft, now: Date): void {
  checkReportText(p, 'input.what', input.what, 'what', REPORT_LIMITS.what, true);
  checkReportText(p, 'input.where', input.where, 'where', REPORT_LIMITS.where, false);
  checkReportText(p, 'input.whenText', input.whenText, 'whenText', REPORT_LIMITS.whenText, false);
  checkReportText(p, 'input.contact', input.contact, 'contact', REPORT_LIMITS.contact, false);
  if (input.when && input.when.getTime() > now.getTime()) {
    p.add('input.when', `when is ${input.when.toISOString()}, in the future; give when it happened (now is ${now.toISOString()}), or describe it in whenText.`);
  }
  if (input.agreementId != null && !isUuid(input.agreementId)) {
    p.add('input.agreementId', `"${String(input.agreementId).slice(0, 60)}" is not an agreement id; list agreements with { agreements { id title } }, or leave agreementId out.`);
  }
}

/** A message added to a thread, by the reporter or a handler. */
export function checkMessage(p: Problems, path: string, text: string): void {
  if (isBlank(text)) p.add(path, 'text is empty; write what you want to add.');
  else if (text.length > REPORT_LIMITS.message) p.add(path, `text is ${text.length} characters long; at most ${REPORT_LIMITS.message} are accepted in one message. Send it in parts.`);
}

/** Optional text: trimmed, and null when blank. */
export const optionalText = (value: string | null | undefined): string | null => (isBlank(value) ? null : value!.trim());

/** Where a handler may move a report from each state. CLOSED is final. */
const NEXT: Record<ReportState, readonly ReportState[]> = {
  RECEIVED: ['UNDER_REVIEW', 'VALIDATED', 'NOT_VALIDATED', 'CLOSED'],
  UNDER_REVIEW: ['VALIDATED', 'NOT_VALIDATED', 'CLOSED'],
  VALIDATED: ['CLOSED'],
  NOT_VALIDATED: ['UNDER_REVIEW', 'CLOSED'],
  CLOSED: [],
};

/**
 * Why a review from `from` to `to` is refused, or null. The same status again is allowed only to link
 * the report (to an incident or a dispute) without moving it.
 */
export function reviewRefusal(from: ReportState, to: ReportState, links: boolean): string | null {
  if (to === 'RECEIVED') return `RECEIVED is the state of a report before any review; choose one of ${NEXT.RECEIVED.join(', ')}.`;
  if (from === 'CLOSED') return 'This report is CLOSED, which is final; nothing more can be decided on it.';
  if (to === from) {
    return links ? null : `This report is already ${from}; give incidentId or disputeId to link it without moving it, or move it to ${NEXT[from].join(' or ')}.`;
  }
  if (!NEXT[from].includes(to)) return `A report that is ${from} can move to ${NEXT[from].join(' or ')}, not to ${to}.`;
  return null;
}

/** A report's status: that of its latest review, RECEIVED before any. `reviews` are in the order decided. */
export function reportState(reviews: readonly { status: ReportState }[]): ReportState {
  return reviews.at(-1)?.status ?? 'RECEIVED';
}

/** When the status last changed: the latest review that moved it (a review that only links it does not). */
export function statusChangedAt(reviews: readonly { status: ReportState; reviewedAt: Date }[]): Date | null {
  let previous: ReportState = 'RECEIVED';
  let changed: Date | null = null;
  for (const r of reviews) {
    if (r.status !== previous) changed = r.reviewedAt;
    previous = r.status;
  }
  return changed;
}

/** What a report is linked to: the latest incident and the latest dispute any review named. */
export function reportLinks(reviews: readonly { incidentId: string | null; disputeId: string | null }[]): { incidentId: string | null; disputeId: string | null } {
  let incidentId: string | null = null;
  let disputeId: string | null = null;
  for (const r of reviews) {
    incidentId = r.incidentId ?? incidentId;
    disputeId = r.disputeId ?? disputeId;
  }
  return { incidentId, disputeId };
}

/**
 * The alert that a report came in: for the handlers only, with the report's id and (if the reporter
 * named one) its agreement, never a word of its content, and the time it was received rather than the
 * time it reports.
 */
export function reportReceivedAlert(r: { id: string; agreementId: string | null; submittedAt: Date }): AlertInput {
  return {
    key: `confidential_report.received:${r.id}`,
    type: 'confidential_report.received',
    agreementId: r.agreementId,
    occurredAt: r.submittedAt,
    recordedAt: r.submittedAt,
    audience: ['MONITOR', 'MEDIATOR'],
    data: { reportId: r.id },
  };
}
