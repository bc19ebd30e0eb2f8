import { detaineeMutations } from './detainee.js';
import { handoverMutations } from './handover.js';
import { listMutations } from './list.js';
import { manifestMutations } from './manifest.js';
import { waveMutations } from './wave.js';

/** Every mutation, one file per aggregate it writes (the manifest rules both manifest.ts and wave.ts apply in manifest-rules.ts). */
export const Mutation = { ...detaineeMutations, ...listMutations, ...waveMutations, ...manifestMutations, ...handoverMutations };
