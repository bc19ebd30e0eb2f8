import { countersignTreeHead, type MutationMap } from '@treaty/service-kit';
import type { MutationResolvers } from '../../generated/graphql.js';
import type { Context } from '../../context.js';
import { convoyMutations } from './convoy.js';
import { corridorMutations } from './corridor.js';
import { incidentMutations } from './incident.js';
import { inspectionMutations } from './inspection.js';
import { positionMutations } from './positions.js';
import { windowMutations } from './window.js';

/** Every mutation, one file per aggregate it writes (positions apart: a batch is its own write path). */
export const Mutation = {
  ...corridorMutations,
  ...convoyMutations,
  ...inspectionMutations,
  ...positionMutations,
  ...incidentMutations,
  ...windowMutations,
  // Witnesses countersign this service's evidence log (the same resolver in every service).
  countersignCorridorsLog: countersignTreeHead,
  // Every mutation of the SDL, each with the signature codegen derived from it: a missing one, a
  // misspelt one or a wrong argument type fails `tsc`.
} satisfies MutationMap<MutationResolvers<Context>, Context>;
