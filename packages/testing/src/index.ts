import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import './provided.js';
import type { DataSource } from 'typeorm';
import { createDataSource, migrate, type DatabaseOptions } from '@treaty/service-kit';
import { databaseUrl, dropDatabase, ensureDatabase } from '@treaty/local-postgres';

export * from './callers.js';
export * from './evidence.js';
export * from './graphql.js';

export interface TestDatabase {
  db: DataSource;
  url: string;
  name: string;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

/** The URL of the run's PostgreSQL server (from the global setup). */
export function testServerUrl(): string {
  return inject('treatyPostgresUrl');
}

/**
 * A fresh database for one test file, built by the service's real migrations (never synchronize),
 * with a name unique to this file so parallel files never collide.
 */
export async function createTestDatabase(service: string, options: Pick<DatabaseOptions, 'entities' | 'migrations'>): Promise<TestDatabase> {
  const server = testServerUrl();
  const name = `test_${service}_${randomBytes(5).toString('hex')}`;
  await ensureDatabase(server, name);
  const url = databaseUrl(server, name);
  const db = createDataSource({ ...options, url, applicationName: `test-${service}`, poolSize: 20 });
  await migrate(db);
  return {
    db,
    url,
    name,
    async drop() {
      if (db.isInitialized) await db.destroy();
      await dropDatabase(server, name);
    },
  };
}
export * from './federation.js';
export * from './replicas.js';
export * from './codegen.js';
export * from './prepared-find.js';
