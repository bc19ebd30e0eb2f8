import { performance } from 'node:perf_hooks';
import { createHash } from 'node:crypto';
import { DataSource, type EntityManager, type EntityMetadata, type EntityTarget, type MixedList, type EntitySchema, type MigrationInterface, type ObjectLiteral } from 'typeorm';
import type { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata.js';
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
  const connection = poolConnection(options.url);
  return new DataSource({
    type: 'postgres',
    url: connection.url,
    entities: options.entities,
    migrations: options.migrations as MixedList<Function | string>,
    synchronize: false,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    logger: new CountingLogger(),
    maxQueryExecutionTime: 1000,
    applicationName: options.applicationName,
    extra: { max: options.poolSize ?? 10, options: connection.options },
  });
}

/**
 * The URL and startup options every connection of a service's pool opens with: any options the URL
 * gives (`?options=…`), then `plan_cache_mode=force_generic_plan`, so that a prepared statement is
 * planned once per connection. (pg lets a URL's options replace the pool's, so they are taken out of
 * the URL and put first here.)
 *
 * Without it PostgreSQL plans a named statement again on every execution whenever the plan made
 * without the values looks dearer than one made for them, and for our key lists it always does: it
 * guesses that an array parameter holds 10 keys. On the headline query (pg_stat_statements during
 * `npm run bench`) planning was 64 % of PostgreSQL's time: 0.44 ms per call of milestones' facts
 * statement against 0.19 ms executing it. The plans made without the values executed as fast.
 * TypeORM's unnamed statements are still planned on every call, now without their values. Every
 * statement of these services finds rows by key or by a short range, where that gives the plan the
 * values would.
 */
export function poolConnection(url: string): { url: string; options: string } {
  const generic = '-c plan_cache_mode=force_generic_plan';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { url, options: generic }; // not a URL; pg says what is wrong with it when it connects
  }
  const given = parsed.searchParams.get('options');
  if (given === null) return { url, options: generic };
  parsed.searchParams.delete('options');
  return { url: parsed.toString(), options: [given, generic].filter(Boolean).join(' ') };
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
 * Runs a statement as a named (prepared) one: PostgreSQL parses and plans it once per connection (see
 * poolConnection), not on every request as TypeORM's unnamed statements are. For the hot read paths, where parse and bind
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

/** One entity's statement for preparedFindIn, worked out once from its metadata. */
interface FindPlan {
  text: string;
  columns: [string, ColumnMetadata][];
}
const findPlans = new WeakMap<EntityMetadata, Map<string, FindPlan>>();

function findPlan(manager: EntityManager, metadata: EntityMetadata, property: string, order: Record<string, 'ASC' | 'DESC'>): FindPlan {
  const cacheKey = `${property}|${Object.entries(order).map(([p, d]) => `${p} ${d}`).join(',')}`;
  let plans = findPlans.get(metadata);
  if (!plans) findPlans.set(metadata, (plans = new Map()));
  const cached = plans.get(cacheKey);
  if (cached) return cached;
  const driver = manager.connection.driver;
  const column = (p: string) => {
    const c = metadata.findColumnWithPropertyPath(p);
    if (!c || c.isVirtual) throw new Error(`preparedFindIn: ${metadata.name} has no stored column ${p}`);
    return c;
  };
  const key = column(property);
  // What a find would add that this statement does not: refuse rather than answer differently.
  if (metadata.deleteDateColumn || metadata.discriminatorColumn || metadata.childEntityMetadatas.length) {
    throw new Error(`preparedFindIn: ${metadata.name} has soft deletes or table inheritance, which a find would filter for; use the repository`);
  }
  const keyType = driver.normalizeType(key);
  if (!['uuid', 'text', 'character varying', 'integer', 'bigint'].includes(keyType)) {
    throw new Error(`preparedFindIn: ${metadata.name}.${property} is ${keyType}; only uuid, text and integer keys go as one array`);
  }
  // The columns TypeORM's find would select and hydrate (not virtual, not `select: false`).
  const columns = metadata.columns.filter((c) => !c.isVirtual && c.isSelect).map((c): [string, ColumnMetadata] => [c.databaseName, c]);
  const table = metadata.schema ? `${driver.escape(metadata.schema)}.${driver.escape(metadata.tableName)}` : driver.escape(metadata.tableName);
  const orderBy = Object.entries(order).map(([p, d]) => `${driver.escape(column(p).databaseName)} ${d === 'DESC' ? 'DESC' : 'ASC'}`);
  const text =
    `SELECT ${columns.map(([name]) => driver.escape(name)).join(', ')} FROM ${table}` +
    ` WHERE ${driver.escape(key.databaseName)} = ANY($1::${keyType}[])` +
    (orderBy.length ? ` ORDER BY ${orderBy.join(', ')}` : '');
  const plan = { text, columns };
  plans.set(cacheKey, plan);
  return plan;
}

/**
 * The rows of `entity` whose `property` is one of `keys`, in `order`: what
 * `getRepository(entity).find({ where: { [property]: In(keys) }, order })` answers, hydrated the same way
 * (the entity's class, TypeORM's own conversion of each column and its transformers), but as one
 * prepared statement with the keys as a single array parameter.
 *
 * For the loaders an `_entities` batch of hundreds of keys goes through. There TypeORM's query builder
 * wrote one parameter per key and escaped the text key by key (about a tenth of the service's CPU at
 * 300 keys), and PostgreSQL parsed and planned the statement anew for every count of keys. No keys, no
 * statement. Only the entity's own columns are read: no relations are joined.
 */
export async function preparedFindIn<E extends ObjectLiteral>(
  db: DataSource | EntityManager,
  entity: EntityTarget<E>,
  property: keyof E & string,
  keys: readonly unknown[],
  order: Partial<Record<keyof E & string, 'ASC' | 'DESC'>> = {},
): Promise<E[]> {
  if (keys.length === 0) return [];
  const manager = db instanceof DataSource ? db.manager : (db as EntityManager);
  const metadata = manager.connection.getMetadata(entity);
  const { text, columns } = findPlan(manager, metadata, property, order as Record<string, 'ASC' | 'DESC'>);
  const rows = await preparedQuery<Record<string, unknown>>(manager, text, [keys]);
  const driver = manager.connection.driver;
  return rows.map((row) => {
    const e = metadata.create(undefined, { fromDeserializer: true }) as E;
    for (const [name, column] of columns) column.setEntityValue(e, driver.prepareHydratedValue(row[name], column));
    return e;
  });
}
