import { ExactlyOnce1795250000000, PersonalDataAccessLog1795200000000 } from '@treaty/service-kit';
import { CreatePrisonersSchema1795231000000 } from './1795231000000-CreatePrisonersSchema.js';

/** In the order they apply: the kit's personal-data access log, this service's tables, then the kit's store of used credentials and Idempotency-Keys. */
export const migrations = [PersonalDataAccessLog1795200000000, CreatePrisonersSchema1795231000000, ExactlyOnce1795250000000];
