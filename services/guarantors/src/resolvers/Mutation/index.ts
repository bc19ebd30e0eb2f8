import { countersignTreeHead, type MutationMap } from '@treaty/service-kit';
import type { MutationResolvers } from '../../generated/graphql.js';
import type { Context } from '../../context.js';
import { commitmentMutations } from './commitment.js';
import { escrowMutations } from './escrow.js';
import { guarantorMutations } from './guarantor.js';
import { incentiveMutations } from './incentive.js';
import { penaltyMutations } from './penalty.js';
import { trancheMutations } from './tranche.js';

/** Every mutation, one file per aggregate it writes. */
export const Mutation = {
  ...guarantorMutations,
  ...commitmentMutations,
  ...escrowMutations,
  ...trancheMutations,
  ...penaltyMutations,
  ...incentiveMutations,
  // Witnesses countersign this service's evidence log (the same resolver in every service).
  countersignGuarantorsLog: countersignTreeHead,
  // Every mutation of the SDL, each with the arguments codegen derived from it: a missing one, a
  // misspelt one or a wrong argument type fails `tsc`.
} satisfies MutationMap<MutationResolvers<Context>, Context>;
