import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Caller } from './caller.js';
import type { Clock } from './clock.js';
import { PersonalReads } from './access-log.js';

/** What every resolver receives. Services extend it with their own DataLoaders. */
export interface BaseContext {
  caller: Caller;
  clock: Clock;
  db: DataSource;
  requestId: string;
  personalReads: PersonalReads;
}

export function baseContext(db: DataSource, clock: Clock, caller: Caller, requestId: string = randomUUID()): BaseContext {
  return { caller, clock, db, requestId, personalReads: new PersonalReads() };
}
