import type { HTTPGraphQLResponse } from '@apollo/server';
import type { DataSource, MigrationInterface, QueryRunner } from 'typeorm';
import type { Clock } from './clock.js';
import { bodyHash, type NonceStore } from './internal-auth.js';
import type { Caller } from './caller.js';
import { preparedQuery } from './database.js';

/**
 * What every service keeps so that no request changes state twice (DESIGN §9): the internal credentials
 * it has accepted (single use) and the Idempotency-Keys of mutations with their first response. Every
 * service lists the migration `ExactlyOnce1795250000000` among its own, so all four look alike.
 */
export const EXACTLY_ONCE_TABLES = ['internal_credential_use', 'idempotency_key'] as const;

export class ExactlyOnce1795250000000 implements MigrationInterface {
  name = 'ExactlyOnce1795250000000';
  async up(q: QueryRunner): Promise<void> {
    await createExactlyOnceTables(q);
  }
  async down(q: QueryRunner): Promise<void> {
    await dropExactlyOnceTables(q);
  }
}

async function createExactlyOnceTables(q: QueryRunner): Promise<void> {
  // UNLOGGED: a claim is written on every request, and a WAL flush for each would double the cost of a
  // read. The price: after a PostgreSQL crash the table is empty, so a credential captured in the 15 s
  // before the crash could be used once more; every key is pairwise and internal, and every mutation a
  // partner retries carries an Idempotency-Key, which is kept in a logged table.
  await q.query(`
    CREATE UNLOGGED TABLE internal_credential_use (
      jti text PRIMARY KEY,
      expires_at timestamptz NOT NULL
    )`);
  await q.query(`CREATE INDEX internal_credential_use_expires_idx ON internal_credential_use (expires_at)`);
  await q.query(`
    CREATE TABLE idempotency_key (
      agency text NOT NULL,
      key text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
      request_hash text NOT NULL,
      response_status integer,
      response_body text,
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      PRIMARY KEY (agency, key)
    )`);
  await q.query(`CREATE INDEX idempotency_key_expires_idx ON idempotency_key (expires_at)`);
}

async function dropExactlyOnceTables(q: QueryRunner): Promise<void> {
  for (const table of EXACTLY_ONCE_TABLES) await q.query(`DROP TABLE IF EXISTS ${table}`);
}

interface PendingClaim {
  jti: string;
  expiresAtMs: number;
  resolve(first: boolean): void;
  reject(e: unknown): void;
}

/** The most claims one statement carries; more wait for the next. */
export const CLAIM_BATCH_MAX = 500;

const CLAIM_BATCH = `
INSERT INTO internal_credential_use (jti, expires_at)
SELECT u.jti, to_timestamp(u.ms / 1000) FROM unnest($1::text[], $2::float8[]) AS u(jti, ms)
ON CONFLICT (jti) DO NOTHING
RETURNING jti`;

/**
 * Single-use claims in the service's own database, so every replica of it sees every claim.
 *
 * Every request of every service claims one credential, and on this kind of machine a round trip to
 * PostgreSQL costs more CPU on both ends than the INSERT itself (`npm run bench` prints what one costs).
 * So claims are grouped: when none is in flight, a claim is sent at once, alone; claims that arrive while
 * one is in flight wait for it and then go together in one statement. An idle service adds no delay,
 * and a busy one sends a statement per round trip, not per request. The unique key decides, as before:
 * the statement returns the ids it inserted; an id already on record, or sent twice in one batch, is
 * "used" for every claimant but the first.
 */
export class DatabaseNonceStore implements NonceStore {
  private queue: PendingClaim[] = [];
  private flying = false;

  constructor(private readonly db: DataSource) {}

  claim(jti: string, expiresAtMs: number): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.queue.push({ jti, expiresAtMs, resolve, reject });
      if (!this.flying) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flying = true;
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0, CLAIM_BATCH_MAX);
        try {
          const inserted = await this.insert(batch);
          for (const c of batch) c.resolve(inserted.delete(c.jti));
        } catch (e) {
          for (const c of batch) c.reject(e);
        }
      }
    } finally {
      this.flying = false;
    }
  }

  /** The ids this statement stored (each once, so a repeat within the batch finds it gone). */
  private async insert(batch: PendingClaim[]): Promise<Set<string>> {
    const distinct = new Map<string, number>();
    for (const c of batch) if (!distinct.has(c.jti)) distinct.set(c.jti, c.expiresAtMs);
    // Prepared: planned once per connection, whatever the batch's length.
    const rows = await preparedQuery<{ jti: string }>(this.db, CLAIM_BATCH, [[...distinct.keys()], [...distinct.values()]]);
    return new Set(rows.map((r) => r.jti));
  }
}

/** Default time a key is kept after its first use (DESIGN §9: at least 24 hours). */
export const IDEMPOTENCY_RETENTION_MS = 48 * 60 * 60 * 1000;

/** Removes credential claims past their expiry and keys past their retention. Cheap; run every minute. */
export async function purgeExactlyOnce(db: DataSource, clock: Clock): Promise<void> {
  await db.query('DELETE FROM internal_credential_use WHERE expires_at < now()');
  await db.query('DELETE FROM idempotency_key WHERE expires_at < $1', [clock.now().toISOString()]);
}

/**
 * Seals a stored first response at rest. A service that holds personal data gives one (prisoners seals
 * with its data keys), because a response may carry a name: the idempotency store must not keep in
 * plain text what the service's own tables keep encrypted.
 */
export interface ResponseSealer {
  seal(body: string, ref: { table: string; column: string; id: string }): Promise<string>;
  open(stored: string, ref: { table: string; column: string; id: string }): Promise<string>;
}

/** A keyed mutation as the owning service sees it: whose key, which key, and what exactly was asked. */
export interface KeyedRequest {
  agency: string;
  key: string;
  requestHash: string;
}

/**
 * What a kept response may be replayed for: the same body from the same caller, with the same roles,
 * party, guarantor and purpose. Keys are kept per agency (DESIGN §9), but a response shows what its
 * caller may see: a MEDIATOR's registerDetainee answer holds a name a MONITOR of the same agency may not
 * read, and a purpose decides which personal fields were released and logged. Another caller (or the
 * same one with another purpose) who sends the same key and body gets IDEMPOTENCY_KEY_REUSED instead.
 */
export function replayHash(body: string, caller: Caller): string {
  return bodyHash(JSON.stringify([body, caller.subject, [...caller.roles].sort(), caller.partyId, caller.guarantorId, caller.via, caller.purpose]));
}

export type OnceOutcome =
  | { kind: 'executed'; result: HTTPGraphQLResponse }
  | { kind: 'replayed'; status: number; body: string }
  | { kind: 'reused'; firstUsedAt: Date };

/**
 * The data source a keyed mutation runs against: everything it does (its own transactions become
 * savepoints, its loaders' reads see its writes) happens on one connection inside one transaction,
 * the same one that records the key and the response.
 */
function boundTo(db: DataSource, runner: QueryRunner): DataSource {
  const m = runner.manager;
  return new Proxy(db, {
    get(target, prop, receiver) {
      switch (prop) {
        case 'manager':
          return m;
        case 'transaction':
          return m.transaction.bind(m);
        case 'getRepository':
          return m.getRepository.bind(m);
        case 'query':
          return m.query.bind(m);
        case 'createQueryBuilder':
          return m.createQueryBuilder.bind(m);
        case 'createQueryRunner':
          // A second connection would escape the transaction and could deadlock on its locks.
          throw new Error('A keyed mutation runs on one connection; use ctx.db.transaction, not a query runner of its own.');
        default:
          return Reflect.get(target, prop, receiver);
      }
    },
  });
}

/** Whether a response shows a write that happened: some root field answered with data. */
function wroteSomething(result: HTTPGraphQLResponse): boolean {
  if ((result.status ?? 200) !== 200 || result.body.kind !== 'complete') return false;
  try {
    const data = (JSON.parse(result.body.string) as { data?: Record<string, unknown> | null }).data;
    return !!data && Object.values(data).some((v) => v !== null && v !== undefined);
  } catch {
    return false;
  }
}

/**
 * Runs a mutation at most once per (agency, key). In one transaction: a key past its retention is
 * forgotten, the key is inserted (a concurrent request with the same key waits here, on the unique
 * index, until the first commits or rolls back), the mutation runs, and its response is stored. A request
 * whose key is already stored gets the stored response, or `reused` when it asks something else.
 *
 * A request that changed nothing (every root field refused) leaves no key behind: its retry is checked
 * afresh, which is safe because the first wrote nothing. A request that wrote anything keeps its
 * response, errors included, so a retry never runs its successful part twice.
 */
export async function runOnce(
  db: DataSource,
  clock: Clock,
  request: KeyedRequest,
  execute: (db: DataSource) => Promise<HTTPGraphQLResponse>,
  retentionMs = IDEMPOTENCY_RETENTION_MS,
  sealer?: ResponseSealer,
): Promise<OnceOutcome> {
  // Bound to this agency and key: a sealed response cannot be replayed to another.
  const ref = { table: 'idempotency_key', column: 'response_body', id: `${request.agency}\n${request.key}` };
  for (let attempt = 0; ; attempt += 1) {
    const runner = db.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      const now = clock.now();
      await runner.query('DELETE FROM idempotency_key WHERE agency = $1 AND key = $2 AND expires_at <= $3', [request.agency, request.key, now.toISOString()]);
      const inserted: unknown[] = await runner.query(
        `INSERT INTO idempotency_key (agency, key, request_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (agency, key) DO NOTHING RETURNING 1`,
        [request.agency, request.key, request.requestHash, now.toISOString(), new Date(now.getTime() + retentionMs).toISOString()],
      );
      if (inserted.length === 0) {
        const [first]: { request_hash: string; response_status: number | null; response_body: string | null; created_at: Date }[] = await runner.query(
          'SELECT request_hash, response_status, response_body, created_at FROM idempotency_key WHERE agency = $1 AND key = $2',
          [request.agency, request.key],
        );
        await runner.rollbackTransaction();
        // Gone between the insert and the select (purged or rolled back by another replica): try again.
        if (!first || first.response_body === null) {
          if (attempt < 3) continue;
          throw new Error('idempotency key kept changing under a retry');
        }
        if (first.request_hash !== request.requestHash) return { kind: 'reused', firstUsedAt: new Date(first.created_at) };
        return { kind: 'replayed', status: first.response_status ?? 200, body: sealer ? await sealer.open(first.response_body, ref) : first.response_body };
      }
      const result = await execute(boundTo(db, runner));
      if (!wroteSomething(result) || result.body.kind !== 'complete') {
        await runner.rollbackTransaction();
        return { kind: 'executed', result };
      }
      await runner.query('UPDATE idempotency_key SET response_status = $3, response_body = $4 WHERE agency = $1 AND key = $2', [
        request.agency,
        request.key,
        result.status ?? 200,
        sealer ? await sealer.seal(result.body.string, ref) : result.body.string,
      ]);
      await runner.commitTransaction();
      return { kind: 'executed', result };
    } catch (e) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw e;
    } finally {
      await runner.release();
    }
  }
}
