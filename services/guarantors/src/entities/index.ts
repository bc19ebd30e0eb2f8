import { Commitment } from './commitment.entity.js';
import { EscrowAccount } from './escrow-account.entity.js';
import { Guarantor } from './guarantor.entity.js';
import { IncentiveEscrow } from './incentive-escrow.entity.js';
import { IncentiveJournal } from './incentive-journal.entity.js';
import { IncentiveMilestone } from './incentive-milestone.entity.js';
import { IncentiveStepApproval } from './incentive-step-approval.entity.js';
import { LedgerAccount } from './ledger-account.entity.js';
import { LedgerEntry } from './ledger-entry.entity.js';
import { LedgerJournal } from './ledger-journal.entity.js';
import { PenaltySchedule } from './penalty-schedule.entity.js';
import { Tranche } from './tranche.entity.js';
import { TrancheApproval } from './tranche-approval.entity.js';
import { TranchePerformanceRelease } from './tranche-performance-release.entity.js';
import { TranchePerformanceTerms } from './tranche-performance-terms.entity.js';

export {
  Commitment,
  EscrowAccount,
  Guarantor,
  IncentiveEscrow,
  IncentiveJournal,
  IncentiveMilestone,
  IncentiveStepApproval,
  LedgerAccount,
  LedgerEntry,
  LedgerJournal,
  PenaltySchedule,
  Tranche,
  TrancheApproval,
  TranchePerformanceRelease,
  TranchePerformanceTerms,
};
export * from './ledger-account.entity.js';
export * from './ledger-journal.entity.js';
export * from './incentive-journal.entity.js';

/** Listed explicitly (never globbed) so the data source works the same from src and dist. */
export const entities = [
  Guarantor,
  Commitment,
  EscrowAccount,
  LedgerAccount,
  LedgerJournal,
  LedgerEntry,
  Tranche,
  TrancheApproval,
  PenaltySchedule,
  TranchePerformanceTerms,
  TranchePerformanceRelease,
  IncentiveEscrow,
  IncentiveMilestone,
  IncentiveStepApproval,
  IncentiveJournal,
];
