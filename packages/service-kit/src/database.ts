import { performance } from 'node:perf_hooks';
import { createHash } from 'node:crypto';
import { DataSource, type EntityManager, type MixedList, type EntitySchema, type MigrationInterface } from 'typeorm';
import { CountingLogger } from './statements.js';

export { StatementCounter, statements, statementsIssued, observeStatements } from './statements.js';

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
