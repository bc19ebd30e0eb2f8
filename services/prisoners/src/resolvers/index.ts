import { Agreement } from './agreement.js';
import { Detainee } from './detainee.js';
import { DetaineeList } from './detainee-list.js';
import { DetaineeListEntry } from './list-entry.js';
import { DetaineeListSchedule } from './list-schedule.js';
import { ExchangeWave } from './exchange-wave.js';
import { Handover } from './handover.js';
import { ManifestEntry } from './manifest-entry.js';
import { Milestone } from './milestone.js';
import { Mutation } from './Mutation/index.js';
import { Party } from './party.js';
import { Query } from './query.js';
import { RemainsHandover, RemainsIdentification } from './remains.js';

export const resolvers = {
  Query,
  Mutation,
  Agreement,
  Milestone,
  Party,
  Detainee,
  DetaineeList,
  DetaineeListEntry,
  DetaineeListSchedule,
  ExchangeWave,
  ManifestEntry,
  Handover,
  RemainsIdentification,
  RemainsHandover,
};
