import { ExactlyOnce1795250000000 } from '@treaty/service-kit';
import { CreateGuarantorsSchema1795233000000 } from './1795233000000-CreateGuarantorsSchema.js';
import { DepositReferenceUniquePerAccount1795240000000 } from './1795240000000-DepositReferenceUniquePerAccount.js';

/** In the order they apply; the last, from the kit, keeps used credentials and Idempotency-Keys. */
export const migrations = [CreateGuarantorsSchema1795233000000, DepositReferenceUniquePerAccount1795240000000, ExactlyOnce1795250000000];
