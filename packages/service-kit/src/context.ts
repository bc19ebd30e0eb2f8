import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Caller } from './caller.js';
import type { Clock } from './clock.js';
import { PersonalReads } from './access-log.js';
import type { PeerDeps } from './peer.js';

/** What a request's context is built from, in every service: its database, its clock and its routes to siblings. */
export interface ContextDeps {
  db: DataSource;
  clock: Clock;
  peers: PeerDeps;
}

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
