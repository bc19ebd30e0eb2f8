import { countersignTreeHead, type MutationMap } from '@treaty/service-kit';
import type { MutationResolvers } from '../../generated/graphql.js';
import type { Context } from '../../context.js';
import { agreementMutations } from './agreement.js';
import { confidentialReportMutations } from './confidential-report.js';
import { disputeMutations } from './dispute.js';
import { milestoneMutations } from './milestone.js';
import { redressMutations } from './redress.js';
import { snapBackMutations } from './snap-back.js';

/** Every mutation, one file per aggregate it writes. */
export const Mutation = {
  ...agreementMutations,
  ...milestoneMutations,
  ...disputeMutations,
  ...snapBackMutations,
  ...confidentialReportMutations,
  ...redressMutations,
  // Witnesses countersign this service's evidence log (the same resolver in every service).
  countersignMilestonesLog: countersignTreeHead,
  // Every mutation of the SDL, each with the arguments codegen derived from it: a missing one, a
  // misspelt one or a wrong argument type fails `tsc`.
} satisfies MutationMap<MutationResolvers<Context>, Context>;
