import { agreementMutations } from './agreement.js';
import { disputeMutations } from './dispute.js';
import { milestoneMutations } from './milestone.js';
import { snapBackMutations } from './snap-back.js';

/** Every mutation, one file per aggregate it writes. */
export const Mutation = { ...agreementMutations, ...milestoneMutations, ...disputeMutations, ...snapBackMutations };
