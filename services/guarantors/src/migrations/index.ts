import { CreateGuarantorsSchema1795233000000 } from './1795233000000-CreateGuarantorsSchema.js';

/** In the order they apply. */
export const migrations = [CreateGuarantorsSchema1795233000000];
