import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { BadUserInputError, DomainError, ErrorCode, NotFoundError, Problems, actor, isUuid, raiseAlert } from '@treaty/service-kit';
import { ConfidentialReport, ConfidentialReportMessage, ConfidentialReportReview, Dispute, type MessageAuthor } from '../../entities/index.js';
import { REPORT_LIMITS, checkMessage, checkSubmission, optionalText, reportLinks, reportReceivedAlert, reportState, reviewRefusal } from '../../domain/confidential.js';
import type { MutationAddToConfidentialReportArgs, MutationReplyToConfidentialReportArgs, MutationReviewConfidentialReportArgs, MutationSubmitConfidentialReportArgs } from '../../generated/graphql.js';
import type { Context } from '../../context.js';
import { newReceipt, reportByReceipt } from '../../receipts.js';
import { findAgreement } from './shared.js';

/** A report by id, locked until the transaction ends (messages and reviews are numbered under it). */
async function lockReport(m: EntityManager, id: string): Promise<ConfidentialReport> {
  const report = isUuid(id) ? await m.getRepository(ConfidentialReport).createQueryBuilder('r').setLock('pessimistic_write').where('r.id = :id', { id }).getOne() : null;
  if (!report) throw new NotFoundError('confidential report', id, 'List the reports with { confidentialReports { nodes { id status } } }.');
  return report;
}

const reviewsIn = (m: EntityManager, reportId: string) => m.find(ConfidentialReportReview, { where: { reportId }, order: { position: 'ASC' } });

/**
 * Adds a message to a locked report's thread: refused once the report is CLOSED or its thread is full.
 * The body is sealed before it is written.
 */
async function appendMessage(m: EntityManager, ctx: Context, report: ConfidentialReport, author: MessageAuthor, text: string): Promise<void> {
  if (reportState(await reviewsIn(m, report.id)) === 'CLOSED') {
    throw new DomainError(
      ErrorCode.INVALID_TRANSITION,
      author === 'REPORTER'
        ? 'This report is CLOSED; its thread takes no more messages. If you have something new to report, submit a new report.'
        : 'This report is CLOSED, which is final; its thread takes no more messages.',
    );
  }
  const count = await m.count(ConfidentialReportMessage, { where: { reportId: report.id } });
  if (count >= REPORT_LIMITS.messages) {
    throw BadUserInputError.one(
      author === 'REPORTER' ? 'text' : 'input.text',
      `This report's thread holds ${REPORT_LIMITS.messages} messages, the most one report may have; nothing was added.${author === 'REPORTER' ? ' Submit a new report for anything further.' : ''}`,
    );
  }
  const id = randomUUID();
  const seal = await ctx.crypto.sealer(m);
  await m.insert(ConfidentialReportMessage, {
    id,
    reportId: report.id,
    position: count + 1,
    author,
    // Who answered is kept (handlers answer for what they write); of the reporter nothing is.
    handler: author === 'HANDLER' ? actor(ctx.caller) : null,
    body: seal('confidential_report_message', 'body', id, text.trim())!,
    writtenAt: ctx.clock.now(),
  });
}

export const confidentialReportMutations = {
  async submitConfidentialReport(_: unknown, { input }: MutationSubmitConfidentialReportArgs, ctx: Context) {
    const now = ctx.clock.now();
    const p = new Problems();
    checkSubmission(p, input, now);
    p.throwIfAny();
    return ctx.db.transaction(async (m) => {
      if (input.agreementId) await findAgreement(m, input.agreementId);
      const { receipt, sha256 } = newReceipt();
      const id = randomUUID();
      const seal = await ctx.crypto.sealer(m);
      const report = m.create(ConfidentialReport, {
        id,
        receiptSha256: sha256,
        agreementId: input.agreementId ?? null,
        what: seal('confidential_report', 'what', id, input.what.trim())!,
        place: seal('confidential_report', 'place', id, optionalText(input.where)),
        occurredAt: seal('confidential_report', 'occurred_at', id, input.when?.toISOString() ?? null),
        whenText: seal('confidential_report', 'when_text', id, optionalText(input.whenText)),
        contact: seal('confidential_report', 'contact', id, optionalText(input.contact)),
        submittedAt: now,
      });
      await m.insert(ConfidentialReport, report);
      await raiseAlert(m, reportReceivedAlert(report));
      // The receipt leaves in this answer and nowhere else.
      return { receipt, report };
    });
  },

  async addToConfidentialReport(_: unknown, { receipt, text }: MutationAddToConfidentialReportArgs, ctx: Context) {
    const p = new Problems();
    checkMessage(p, 'text', text);
    p.throwIfAny();
    return ctx.db.transaction(async (m) => {
      const report = await reportByReceipt(m, receipt, true);
      await appendMessage(m, ctx, report, 'REPORTER', text);
      return report;
    });
  },

  async replyToConfidentialReport(_: unknown, { input }: MutationReplyToConfidentialReportArgs, ctx: Context) {
    const p = new Problems();
    checkMessage(p, 'input.text', input.text);
    p.throwIfAny();
    return ctx.db.transaction(async (m) => {
      const report = await lockReport(m, input.reportId);
      await appendMessage(m, ctx, report, 'HANDLER', input.text);
      return report;
    });
  },

  async reviewConfidentialReport(_: unknown, { input }: MutationReviewConfidentialReportArgs, ctx: Context) {
    const p = new Problems();
    if (input.incidentId && !isUuid(input.incidentId)) p.add('input.incidentId', `"${String(input.incidentId).slice(0, 60)}" is not an incident id; incident ids are UUIDs from the corridors service.`);
    if (input.disputeId && !isUuid(input.disputeId)) p.add('input.disputeId', `"${String(input.disputeId).slice(0, 60)}" is not a dispute id; list disputes with { agreement(id: "…") { disputes { id } } }.`);
    p.throwIfAny();
    return ctx.db.transaction(async (m) => {
      const report = await lockReport(m, input.reportId);
      const reviews = await reviewsIn(m, report.id);
      const refused = reviewRefusal(reportState(reviews), input.status, Boolean(input.incidentId || input.disputeId));
      if (refused) throw new DomainError(ErrorCode.INVALID_TRANSITION, refused, { from: reportState(reviews), to: input.status });
      // Every link names one agreement: the report moves to it (a handler knows better than a guess).
      const linked = new Map<string, string>();
      if (input.disputeId) {
        const dispute = await m.findOneBy(Dispute, { id: input.disputeId });
        if (!dispute) throw new NotFoundError('dispute', input.disputeId, 'List disputes with { agreement(id: "…") { disputes { id } } }.');
        linked.set('input.disputeId', dispute.agreementId);
      }
      if (input.incidentId) {
        // Incidents belong to the corridors service: it confirms the incident exists, and under which agreement.
        const incident = await ctx.peers.corridors.incident(input.incidentId);
        if (!incident) throw new NotFoundError('incident', input.incidentId, 'Incidents are reported to the corridors service; list them with { agreement(id: "…") { incidents { id } } }.');
        linked.set('input.incidentId', incident.agreement.id);
      }
      const agreements = new Set(linked.values());
      if (agreements.size > 1) p.add('input', 'The incident and the dispute concern different agreements; link the report to what concerns one agreement.');
      // A link this review does not replace stays; it must concern the same agreement as the new one.
      const before = reportLinks(reviews);
      const keptIncident = input.incidentId ? null : before.incidentId;
      const keptDispute = input.disputeId ? null : before.disputeId;
      const [agreementId] = [...agreements];
      if (agreementId && (keptIncident || keptDispute) && report.agreementId !== agreementId) {
        const kept = keptIncident ? `incident ${keptIncident}` : `dispute ${keptDispute}`;
        p.add([...linked.keys()][0]!, `The report stays linked to ${kept}, which concerns another agreement; give both incidentId and disputeId to link it to what concerns one agreement.`);
      }
      p.throwIfAny();
      if (agreementId && agreementId !== report.agreementId) {
        await m.update(ConfidentialReport, { id: report.id }, { agreementId });
        report.agreementId = agreementId;
      }
      await m.insert(ConfidentialReportReview, {
        id: randomUUID(),
        reportId: report.id,
        position: reviews.length + 1,
        status: input.status as Exclude<typeof input.status, 'RECEIVED'>,
        incidentId: input.incidentId ?? null,
        disputeId: input.disputeId ?? null,
        reviewedBy: actor(ctx.caller),
        reviewedAt: ctx.clock.now(),
      });
      return report;
    });
  },
};
