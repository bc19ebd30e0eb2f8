import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Caller } from './caller.js';
import type { Clock } from './clock.js';
import { PersonalReads } from './access-log.js';
import type { PeerDeps } from './peer.js';
import type DataLoader from 'dataloader';
import type { EvidenceLog, LogEntryRef } from './evidence-log.js';
import type { OperationScope } from './operation-scope.js';

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
  /**
   * The request's cached reads (its service's `loaders`, memos) made again, empty and outside any
   * operation scope; set by `withReads`, used by `forgetReads`.
   */
  freshReads?: () => object;
}

export function baseContext(db: DataSource, clock: Clock, caller: Caller, requestId: string = randomUUID(), evidence: EvidenceLog): BaseContext {
  return { caller, clock, db, requestId, personalReads: new PersonalReads(), evidence, logEntries: evidence.entryLoader(db) };
}

/**
 * Gives a request context the reads it caches (`loaders`, memos), made by `make`: now, with the query
 * operation's `scope`, and again, empty and outside any scope, by each `forgetReads`.
 */
export function withReads<C extends BaseContext, R extends object>(ctx: C, make: (scope: OperationScope | null) => R, scope: OperationScope | null = null): C & R {
  return Object.assign(ctx, make(scope), { freshReads: () => make(null) });
}

/**
 * Forgets every read `ctx` has cached, so that the next read sees every write before it. The kit calls
 * it around each root mutation field (subgraph.ts): graphql-js runs a document's mutations one after
 * another, and each answer must show its own write and those before it. The fresh reads go onto `ctx`
 * itself, the object resolvers are given: Apollo Server hands them a shallow copy of the context.
 */
export function forgetReads(ctx: BaseContext): void {
  ctx.logEntries.clearAll();
  if (ctx.freshReads) Object.assign(ctx, ctx.freshReads());
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
