import { PersonalDataAccess } from '@treaty/service-kit';
import { Agreement } from './agreement.entity.js';
import { AgreementParty } from './agreement-party.entity.js';
import { Benchmark } from './benchmark.entity.js';
import { Certification } from './certification.entity.js';
import { Milestone } from './milestone.entity.js';
import { Party } from './party.entity.js';
import { Phase } from './phase.entity.js';
import { Waiver } from './waiver.entity.js';
import { Dispute, DisputeRuling, DisputeTier } from './dispute.entity.js';
import { SnapBackClause, SnapBackLift } from './snap-back.entity.js';
import { DataKey } from './data-key.entity.js';
import { ConfidentialReport, ConfidentialReportMessage, ConfidentialReportReview } from './confidential-report.entity.js';
import { RedressCase, RedressDelivery } from './redress.entity.js';

export { Agreement, AgreementParty, Benchmark, Certification, Milestone, Party, Phase, Waiver, Dispute, DisputeRuling, DisputeTier, SnapBackClause, SnapBackLift, DataKey, ConfidentialReport, ConfidentialReportMessage, ConfidentialReportReview, RedressCase, RedressDelivery, PersonalDataAccess };
export type { MilestoneTerms } from './milestone.entity.js';
export * from './dispute.entity.js';
export * from './snap-back.entity.js';
export * from './benchmark.entity.js';
export * from './certification.entity.js';
export * from './party.entity.js';
export * from './phase.entity.js';
export * from './confidential-report.entity.js';
export * from './redress.entity.js';

/** Listed explicitly (never globbed) so the data source works the same from src and dist. */
export const entities = [Agreement, Party, AgreementParty, Phase, Milestone, Benchmark, Certification, Waiver, DisputeTier, Dispute, DisputeRuling, SnapBackClause, SnapBackLift, DataKey, ConfidentialReport, ConfidentialReportMessage, ConfidentialReportReview, RedressCase, RedressDelivery, PersonalDataAccess];
