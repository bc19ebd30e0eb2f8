import { BadUserInputError, decodeCursor, encodeCursor, isUuid, pageSize } from '@treaty/service-kit';
import { ConfidentialReport } from '../entities/index.js';
import type { QueryConfidentialReportArgs, QueryConfidentialReportByReceiptArgs, QueryConfidentialReportsArgs, QueryRedressCaseArgs } from '../generated/graphql.js';
import type { Context } from '../context.js';
import { reportByReceipt } from '../receipts.js';

/** The root fields of the confidential channel and of redress, merged into Query (index.ts). */
export const remedyQueries = {
  /** The reporter's view; the receipt is the key, and a receipt that opens nothing is NOT_FOUND. */
  confidentialReportByReceipt(_: unknown, { receipt }: QueryConfidentialReportByReceiptArgs, ctx: Context) {
    return reportByReceipt(ctx.db.manager, receipt);
  },

  /**
   * Newest first, keyset-paged on (submittedAt, id); the status filter is that of each report's latest
   * review, in the same statement.
   */
  async confidentialReports(_: unknown, args: QueryConfidentialReportsArgs, ctx: Context) {
    const n = pageSize(args.first);
    if (args.agreementId && !isUuid(args.agreementId)) throw BadUserInputError.one('agreementId', 'is not an agreement id; list agreements with { agreements { id title } }.');
    const qb = ctx.db.getRepository(ConfidentialReport).createQueryBuilder('r').orderBy('r.submittedAt', 'DESC').addOrderBy('r.id', 'DESC').limit(n + 1);
    if (args.agreementId) qb.andWhere('r.agreement_id = :agreementId', { agreementId: args.agreementId });
    if (args.status) {
      qb.andWhere(
        `coalesce((SELECT v.status FROM confidential_report_review v WHERE v.report_id = r.id ORDER BY v.position DESC LIMIT 1), 'RECEIVED') = :status`,
        { status: args.status },
      );
    }
    if (args.after) {
      const [at, id] = decodeCursor(args.after, ['isoTime', 'uuid']);
      qb.andWhere('(r.submitted_at, r.id) < (:at, :id)', { at: new Date(at), id });
    }
    const rows = await qb.getMany();
    const nodes = rows.slice(0, n);
    for (const r of nodes) ctx.loaders.report.prime(r.id, r);
    const last = nodes.at(-1);
    return { nodes, pageInfo: { endCursor: last ? encodeCursor([last.submittedAt.toISOString(), last.id]) : null, hasNextPage: rows.length > n } };
  },

  confidentialReport(_: unknown, { id }: QueryConfidentialReportArgs, ctx: Context) {
    return isUuid(id) ? ctx.loaders.report.load(id) : null;
  },

  redressCase(_: unknown, { id }: QueryRedressCaseArgs, ctx: Context) {
    return isUuid(id) ? ctx.loaders.redressCase.load(id) : null;
  },
};
