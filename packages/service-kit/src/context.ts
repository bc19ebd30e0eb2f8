import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Caller } from './caller.js';
import type { Clock } from './clock.js';
import { PersonalReads } from './access-log.js';
import type { PeerDeps } from './peer.js';
import type DataLoader from 'dataloader';
import type { EvidenceLog, LogEntryRef } from './evidence-log.js';

/** What a request's context is built from, in every service: its database, its clock and its routes to siblings. */
export interface ContextDeps {
  db: DataSource;
  clock: Clock;
  peers: PeerDeps;
  /** The service's evidence log (DESIGN §11). */
  evidence: EvidenceLog;
}

/** What every resolver receives. Services extend it with their own DataLoaders. */
export interface BaseContext {
  caller: Caller;
  clock: Clock;
  db: DataSource;
  requestId: string;
  personalReads: PersonalReads;
  /** The service's evidence log: mutations append to it in their transaction. */
  evidence: EvidenceLog;
  /** A fact's newest log entry by "kind\u0000subject", batched (logEntryField). */
  logEntries: DataLoader<string, LogEntryRef | null>;
}

export function baseContext(db: DataSource, clock: Clock, caller: Caller, requestId: string = randomUUID(), evidence: EvidenceLog): BaseContext {
  return { caller, clock, db, requestId, personalReads: new PersonalReads(), evidence, logEntries: evidence.entryLoader(db) };
}

/** The arguments a generated resolver type (graphql-codegen `Resolver<...>`) passes. */
type ArgsOf<R> = R extends (parent: never, args: infer A, ...rest: never[]) => unknown ? A : R extends { resolve: (parent: never, args: infer A, ...rest: never[]) => unknown } ? A : never;

/**
 * A service's whole Mutation map, held against the `MutationResolvers` graphql-codegen generates from
 * its SDL (`satisfies MutationMap<MutationResolvers<Context>, Context>`): every mutation of the schema
 * must be there, none that is not, each taking the arguments the schema gives it. Results are the
 * service's own rows and views (the entities are not the generated types), so the tests check those.
 */
export type MutationMap<Generated, C> = { [K in keyof Required<Generated>]-?: (parent: unknown, args: ArgsOf<NonNullable<Required<Generated>[K]>>, ctx: C) => unknown };
