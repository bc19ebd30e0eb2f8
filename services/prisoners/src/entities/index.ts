import { PersonalDataAccess } from '@treaty/service-kit';
import { DataKey } from './data-key.entity.js';
import { Detainee } from './detainee.entity.js';
import { DetaineeList } from './detainee-list.entity.js';
import { ExchangeWave } from './exchange-wave.entity.js';
import { ListDeadline } from './list-deadline.entity.js';
import { ListEntry } from './list-entry.entity.js';
import { ManifestEntry } from './manifest-entry.entity.js';
import { ProofOfLife } from './proof-of-life.entity.js';
import { RatioTerm } from './ratio-term.entity.js';
import { RemainsIdentification } from './remains-identification.entity.js';

export { DataKey, Detainee, DetaineeList, ExchangeWave, ListDeadline, ListEntry, ManifestEntry, PersonalDataAccess, ProofOfLife, RatioTerm, RemainsIdentification };
export * from './detainee.entity.js';
export * from './list-entry.entity.js';
export * from './manifest-entry.entity.js';
export * from './proof-of-life.entity.js';
export * from './ratio-term.entity.js';
export * from './remains-identification.entity.js';

/** Listed explicitly (never globbed) so the data source works the same from src and dist. */
export const entities = [Detainee, ProofOfLife, ListDeadline, DetaineeList, ListEntry, ExchangeWave, RatioTerm, RemainsIdentification, ManifestEntry, PersonalDataAccess, DataKey];
