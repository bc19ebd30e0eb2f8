import { Agreement } from './agreement.js';
import { Certification, Ruling, Waiver } from './certification.js';
import {
  ConfidentialReport,
  ConfidentialReportMessage,
  ConfidentialReportRedress,
  ConfidentialReportReview,
  ConfidentialReportStatus,
  ConfidentialReportThreadEntry,
} from './confidential-report.js';
import { Dispute, SnapBackClause } from './dispute.js';
import { Milestone } from './milestone.js';
import { Mutation } from './Mutation/index.js';
import { Party } from './party.js';
import { Phase } from './phase.js';
import { Query } from './query.js';
import { RedressCase, RedressDelivery, agreementRedress } from './redress.js';
import { remedyQueries } from './remedies-query.js';

export const resolvers = {
  Query: { ...Query, ...remedyQueries },
  Mutation,
  Agreement: { ...Agreement, ...agreementRedress },
  Party,
  Phase,
  Milestone,
  Certification,
  Waiver,
  Ruling,
  Dispute,
  SnapBackClause,
  ConfidentialReport,
  ConfidentialReportMessage,
  ConfidentialReportReview,
  ConfidentialReportStatus,
  ConfidentialReportThreadEntry,
  ConfidentialReportRedress,
  RedressCase,
  RedressDelivery,
};
