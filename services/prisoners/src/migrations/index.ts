import { PersonalDataAccessLog1795200000000 } from '@treaty/service-kit';
import { CreatePrisonersSchema1795231000000 } from './1795231000000-CreatePrisonersSchema.js';

/** In the order they apply: the kit's personal-data access log, then this service's tables. */
export const migrations = [PersonalDataAccessLog1795200000000, CreatePrisonersSchema1795231000000];
