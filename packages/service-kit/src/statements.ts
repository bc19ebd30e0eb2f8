import { performance } from 'node:perf_hooks';
import type { DataSource, Logger, QueryRunner } from 'typeorm';
import { frames, withFrame } from './frame.js';

// Statement counting and timing, apart from database.ts so that what only watches statements (the
// metrics) does not load TypeORM into a process that has no database (the gateway).

/**
 * Counts the SQL statements issued inside one unit of work (an HTTP request, or a block in a test).
 * TypeORM reports every statement to its logger, and AsyncLocalStorage (the request's frame, frame.ts)
 * follows the request through resolvers and DataLoader batches, so the count belongs to the request that
 * caused it.
 */
export class StatementCounter {
  record(sql: string): void {
    const tally = frames.getStore()?.tally;
    if (!tally) return;
    tally.count += 1;
    tally.statements?.push(sql);
  }

  /** Runs `fn` and returns its result with the number of statements it issued. */
  async measure<T>(fn: () => Promise<T>, keepStatements = false): Promise<{ result: T; count: number; statements: string[] }> {
    const tally = { count: 0, statements: keepStatements ? ([] as string[]) : null };
    const result = await withFrame({ tally }, fn);
    return { result, count: tally.count, statements: tally.statements ?? [] };
  }

  /** Runs `fn` with a tally of its own (the request keeps its scope), so its statements count apart. */
  run<T>(fn: () => T): T {
    return withFrame({ tally: { count: 0, statements: null } }, fn);
  }

  current(): number {
    return frames.getStore()?.tally?.count ?? 0;
  }
}

export const statements = new StatementCounter();

/** What TypeORM tells a subscriber after each statement (its AfterQueryEvent, the fields used here). */
interface StatementDone {
  query: string;
  success: boolean;
  queryRunner: QueryRunner;
}

/** A TypeORM logger that counts statements and reports only errors (never parameters: they may hold personal data). */
export class CountingLogger implements Logger {
  /** Every statement this data source has issued since it was created. */
  total = 0;
  /** Who wants each statement's duration (the metrics); see observeStatements. */
  readonly observers = new Set<(sql: string, seconds: number, ok: boolean) => void>();
  /**
   * TypeORM tells its logger that a statement is about to run and its subscribers that it has run; this
   * subscriber closes the loop (added to the data source by observeStatements).
   */
  readonly timer = { afterQuery: (event: StatementDone) => this.finished(event) };
  /** When each query runner's current statement started (a runner runs one statement at a time). */
  private readonly started = new WeakMap<QueryRunner, number>();
  logQuery(query: string, _parameters?: unknown, queryRunner?: QueryRunner): void {
    this.total += 1;
    statements.record(query);
    if (queryRunner && this.observers.size) this.started.set(queryRunner, performance.now());
  }
  /** Called by TypeORM after every statement (through the subscriber createDataSource registers). */
  finished(event: StatementDone): void {
    const start = event.queryRunner && this.started.get(event.queryRunner);
    if (start === undefined || start === null) return;
    this.started.delete(event.queryRunner);
    const seconds = (performance.now() - start) / 1000;
    for (const observe of this.observers) observe(event.query, seconds, event.success);
  }
  /** A statement that bypassed TypeORM (preparedQuery): counted and timed like the others. */
  recordDirect(query: string, seconds: number, ok: boolean): void {
    this.total += 1;
    statements.record(query);
    for (const observe of this.observers) observe(query, seconds, ok);
  }
  logQueryError(error: string | Error, query: string): void {
    const message = error instanceof Error ? error.message : error;
    // Statement text only; parameters are withheld because they can carry names or medical notes.
    console.error(JSON.stringify({ level: 'error', msg: 'sql failed', error: message, sql: query.slice(0, 500) }));
  }
  logQuerySlow(time: number, query: string): void {
    console.warn(JSON.stringify({ level: 'warn', msg: 'slow sql', ms: time, sql: query.slice(0, 500) }));
  }
  logSchemaBuild(): void {}
  logMigration(message: string): void {
    if (process.env.LOG_LEVEL === 'debug') console.log(message);
  }
  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') console.warn(String(message));
  }
}

/** How many SQL statements `dataSource` has issued in all; the difference across a request is its cost. */
export function statementsIssued(dataSource: DataSource): number {
  const logger = dataSource.logger as unknown;
  if (!(logger instanceof CountingLogger)) throw new Error('statementsIssued needs a data source made by createDataSource');
  return logger.total;
}

/**
 * Calls `observe` with the text and duration of every statement `dataSource` (already initialised) runs
 * from now on, until the returned function is called. For metrics: the text is for classifying the statement, never for logging
 * with its parameters.
 */
export function observeStatements(dataSource: DataSource, observe: (sql: string, seconds: number, ok: boolean) => void): () => void {
  const logger = dataSource.logger as unknown;
  if (!(logger instanceof CountingLogger)) return () => undefined;
  // Subscribers given in the options must be decorated classes, and initialize() replaces the list; so the
  // timer joins the list of the connected data source here (serveSubgraph is always given a connected one).
  const subscribers = dataSource.subscribers as unknown[];
  if (!subscribers.includes(logger.timer)) subscribers.push(logger.timer);
  logger.observers.add(observe);
  return () => logger.observers.delete(observe);
}

