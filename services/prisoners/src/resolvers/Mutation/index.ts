import { countersignTreeHead, type MutationMap } from '@treaty/service-kit';
import type { MutationResolvers } from '../../generated/graphql.js';
import type { Context } from '../../context.js';
import { detaineeMutations } from './detainee.js';
import { handoverMutations } from './handover.js';
import { listMutations } from './list.js';
import { manifestMutations } from './manifest.js';
import { remainsMutations } from './remains.js';
import { waveMutations } from './wave.js';

/** Every mutation, one file per aggregate it writes (the manifest rules both manifest.ts and wave.ts apply in manifest-rules.ts). */
export const Mutation = {
  ...detaineeMutations,
  ...listMutations,
  ...waveMutations,
  ...manifestMutations,
  ...handoverMutations,
  ...remainsMutations,
  // Witnesses countersign this service's evidence log (the same resolver in every service).
  countersignPrisonersLog: countersignTreeHead,
  // Every mutation of the SDL, each with the arguments codegen derived from it: a missing one, a
  // misspelt one or a wrong argument type fails `tsc`.
} satisfies MutationMap<MutationResolvers<Context>, Context>;
