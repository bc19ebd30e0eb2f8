import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import { createHash } from 'node:crypto';
import { DataSource, type EntityManager, type Logger, type MixedList, type EntitySchema, type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Counts the SQL statements issued inside one unit of work (an HTTP request, or a block in a test).
 * TypeORM reports every statement to its logger, and AsyncLocalStorage follows the request through
 * resolvers and DataLoader batches, so the count belongs to the request that caused it.
 */
export class StatementCounter {
  private readonly storage = new AsyncLocalStorage<{ count: number; statements: string[] | null }>();

  record(sql: string): void {
    const store = this.storage.getStore();
    if (!store) return;
    store.count += 1;
    store.statements?.push(sql);
  }

  /** Runs `fn` and returns its result with the number of statements it issued. */
  async measure<T>(fn: () => Promise<T>, keepStatements = false): Promise<{ result: T; count: number; statements: string[] }> {
    const store = { count: 0, statements: keepStatements ? ([] as string[]) : null };
    const result = await this.storage.run(store, fn);
    return { result, count: store.count, statements: store.statements ?? [] };
  }

  run<T>(fn: () => T): T {
    return this.storage.run({ count: 0, statements: null }, fn);
  }

  current(): number {
    return this.storage.getStore()?.count ?? 0;
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
class CountingLogger implements Logger {
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

export interface DatabaseOptions {
  url: string;
  entities: MixedList<Function | string | EntitySchema>;
  migrations: MixedList<Function | string>;
  /** Name shown in PostgreSQL's pg_stat_activity, so an operator can tell the services apart. */
  applicationName: string;
  poolSize?: number;
}

/** One PostgreSQL data source per service. Schema changes only ever come from reviewed migrations. */
export function createDataSource(options: DatabaseOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    entities: options.entities,
    migrations: options.migrations as MixedList<Function | string>,
    synchronize: false,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    logger: new CountingLogger(),
    maxQueryExecutionTime: 1000,
    applicationName: options.applicationName,
    extra: { max: options.poolSize ?? 10 },
  });
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

/** Connects and applies pending migrations; returns the names of the ones applied. */
export async function migrate(dataSource: DataSource): Promise<string[]> {
  if (!dataSource.isInitialized) await dataSource.initialize();
  // Replicas starting together on one database take turns: the first migrates, the others then find
  // nothing to do (a session advisory lock, held on one pooled connection until released).
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query(`SELECT pg_advisory_lock(hashtext('treaty-migrations'))`);
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await runner.query(`SELECT pg_advisory_unlock(hashtext('treaty-migrations'))`).catch(() => undefined);
    await runner.release();
  }
}

export type MigrationClass = new () => MigrationInterface;

/** The part of a pg client or pool preparedQuery uses. */
interface PgQueryable {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

const statementNames = new Map<string, string>();

/** A statement's name, from its text: equal texts share one prepared statement, different texts never do. */
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = `treaty_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    statementNames.set(text, name);
  }
  return name;
}

/**
 * Runs a statement as a named (prepared) one: PostgreSQL parses and plans it once per connection, not
 * on every request as TypeORM's unnamed statements are. For the hot read paths, where parse and bind
 * cost more than executing. Runs on the connection of the transaction `db` belongs to (a
 * transaction's manager, or a keyed mutation's bound data source, see exactly-once.ts), else on the
 * pool; counted and timed like every other statement (statementsIssued, metrics). Rows come back as
 * from `db.query` (the same pg driver parses them). `text` must be one of a fixed set of templates
 * (values go in `values`): each distinct text is prepared once per connection and kept.
 */
// T defaults to any, as db.query does, for callers that type their rows where they use them.
export async function preparedQuery<T = any>(db: DataSource | EntityManager, text: string, values: unknown[]): Promise<T[]> {
  const manager = db instanceof DataSource ? db.manager : (db as EntityManager);
  const runner = manager.queryRunner;
  const target: PgQueryable = runner
    ? ((await (runner as unknown as { connect(): Promise<unknown> }).connect()) as PgQueryable)
    : (manager.connection.driver as unknown as { master: PgQueryable }).master;
  const logger = manager.connection.logger as unknown;
  const started = performance.now();
  let ok = false;
  try {
    const result = await target.query({ name: statementName(text), text, values });
    ok = true;
    return result.rows as T[];
  } catch (e) {
    if (logger instanceof CountingLogger) logger.logQueryError(e as Error, text);
    throw e;
  } finally {
    if (logger instanceof CountingLogger) logger.recordDirect(text, (performance.now() - started) / 1000, ok);
  }
}
