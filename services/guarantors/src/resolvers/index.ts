import { Agreement } from './agreement.js';
import { Commitment } from './commitment.js';
import { EscrowAccount, EscrowHolding } from './escrow-account.js';
import { EscrowMovement } from './escrow-movement.js';
import { Guarantor } from './guarantor.js';
import { Milestone } from './milestone.js';
import { Mutation } from './Mutation/index.js';
import { PenaltySchedule } from './penalty-schedule.js';
import { Query } from './query.js';
import { Tranche, TrancheApproval, TranchePayout, TranchePenalty, TranchePerformanceTerms, TrancheRelease } from './tranche.js';
import { IncentiveEscrow, IncentiveMovement, IncentiveStep, IncentiveStepApproval } from './incentive-escrow.js';

export const resolvers = {
  Query,
  Mutation,
  Guarantor,
  Commitment,
  EscrowAccount,
  EscrowHolding,
  EscrowMovement,
  Tranche,
  TrancheApproval,
  TrancheRelease,
  TranchePenalty,
  TranchePayout,
  TranchePerformanceTerms,
  PenaltySchedule,
  IncentiveEscrow,
  IncentiveStep,
  IncentiveStepApproval,
  IncentiveMovement,
  Agreement,
  Milestone,
};
