import { commitmentMutations } from './commitment.js';
import { escrowMutations } from './escrow.js';
import { guarantorMutations } from './guarantor.js';
import { penaltyMutations } from './penalty.js';
import { trancheMutations } from './tranche.js';

/** Every mutation, one file per aggregate it writes. */
export const Mutation = { ...guarantorMutations, ...commitmentMutations, ...escrowMutations, ...trancheMutations, ...penaltyMutations };
