import type { ConfidentialReport as ReportRow, ConfidentialReportMessage as MessageRow, ConfidentialReportReview as ReviewRow, RedressCase as CaseRow } from '../entities/index.js';
import { reportLinks, reportState, statusChangedAt } from '../domain/confidential.js';
import type { Context } from '../context.js';
import { statusOfCase } from './redress.js';

/**
 * Two views of one report. `ConfidentialReportStatus` is the reporter's, reached only with the receipt
 * (it never resolves the content columns); `ConfidentialReport` is the handlers', reached only through
 * the MONITOR/MEDIATOR rules, its content fields `@personal` (purpose-checked and access-logged by the kit).
 */

const reviewsOf = (r: ReportRow, ctx: Context) => ctx.loaders.reviewsOfReport.load(r.id);

/** The redress cases that follow from a report: on its linked incident, or on its linked dispute's ruling. */
async function casesOf(r: ReportRow, ctx: Context): Promise<CaseRow[]> {
  const { incidentId, disputeId } = reportLinks(await reviewsOf(r, ctx));
  const [onIncident, onRuling] = await Promise.all([
    incidentId ? ctx.loaders.redressCasesOfIncident.load(incidentId) : [],
    disputeId ? ctx.loaders.redressCasesOfDispute.load(disputeId) : [],
  ]);
  return [...onIncident, ...onRuling].sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
}

const shared = {
  async status(r: ReportRow, _: unknown, ctx: Context) {
    return reportState(await reviewsOf(r, ctx));
  },
  async statusChangedAt(r: ReportRow, _: unknown, ctx: Context) {
    return statusChangedAt(await reviewsOf(r, ctx));
  },
  redressCases: (r: ReportRow, _: unknown, ctx: Context) => casesOf(r, ctx),
};

export const ConfidentialReportStatus = {
  ...shared,
  reference: (r: ReportRow) => r.id,
  thread: (r: ReportRow, _: unknown, ctx: Context) => ctx.loaders.messagesOfReport.load(r.id),
};

export const ConfidentialReportThreadEntry = {
  from: (m: MessageRow) => m.author,
  text: (m: MessageRow, _: unknown, ctx: Context) => ctx.crypto.open('confidential_report_message', 'body', m.id, m.body),
  at: (m: MessageRow) => m.writtenAt,
};

export const ConfidentialReportRedress = {
  status: (c: CaseRow, _: unknown, ctx: Context) => statusOfCase(c, ctx),
  owedByParty: (c: CaseRow, _: unknown, ctx: Context) => ctx.loaders.party.load(c.owedByPartyId),
  async deliveredAt(c: CaseRow, _: unknown, ctx: Context) {
    return (await ctx.loaders.deliveryOfCase.load(c.id))?.deliveredAt ?? null;
  },
};

export const ConfidentialReport = {
  ...shared,
  agreement: (r: ReportRow, _: unknown, ctx: Context) => (r.agreementId ? ctx.loaders.agreement.load(r.agreementId) : null),
  what: (r: ReportRow, _: unknown, ctx: Context) => ctx.crypto.open('confidential_report', 'what', r.id, r.what),
  where: (r: ReportRow, _: unknown, ctx: Context) => ctx.crypto.open('confidential_report', 'place', r.id, r.place),
  async when(r: ReportRow, _: unknown, ctx: Context) {
    const iso = await ctx.crypto.open('confidential_report', 'occurred_at', r.id, r.occurredAt);
    return iso === null ? null : new Date(iso);
  },
  whenText: (r: ReportRow, _: unknown, ctx: Context) => ctx.crypto.open('confidential_report', 'when_text', r.id, r.whenText),
  contact: (r: ReportRow, _: unknown, ctx: Context) => ctx.crypto.open('confidential_report', 'contact', r.id, r.contact),
  messages: (r: ReportRow, _: unknown, ctx: Context) => ctx.loaders.messagesOfReport.load(r.id),
  reviews: (r: ReportRow, _: unknown, ctx: Context) => reviewsOf(r, ctx),
  async incidentId(r: ReportRow, _: unknown, ctx: Context) {
    return reportLinks(await reviewsOf(r, ctx)).incidentId;
  },
  async dispute(r: ReportRow, _: unknown, ctx: Context) {
    const { disputeId } = reportLinks(await reviewsOf(r, ctx));
    return disputeId ? ctx.loaders.dispute.load(disputeId) : null;
  },
};

export const ConfidentialReportMessage = {
  from: (m: MessageRow) => m.author,
  at: (m: MessageRow) => m.writtenAt,
  text: (m: MessageRow, _: unknown, ctx: Context) => ctx.crypto.open('confidential_report_message', 'body', m.id, m.body),
};

export const ConfidentialReportReview = {
  dispute: (r: ReviewRow, _: unknown, ctx: Context) => (r.disputeId ? ctx.loaders.dispute.load(r.disputeId) : null),
};
