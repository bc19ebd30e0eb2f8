import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '@treaty/local-postgres';

import './provided.js';

/**
 * One PostgreSQL for the whole test run: the server at DATABASE_URL when set, otherwise an embedded
 * server on a free port in a temporary directory, removed afterwards. Each test file then creates its
 * own database on it, so files run in parallel without sharing rows.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.TREATY_TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  if (external) {
    project.provide('treatyPostgresUrl', external);
    return async () => {};
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'treaty-test-pg-'));
  const started = Date.now();
  const server = await startEmbeddedPostgres({ dir, persistent: false });
  console.log(`[testing] embedded PostgreSQL on port ${server.port} ready in ${Date.now() - started} ms`);
  project.provide('treatyPostgresUrl', server.baseUrl);
  return () => server.stop();
}
