import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ApolloServer } from '@apollo/server';
import type { Caller } from '@treaty/service-kit/edge';
import { RequestReads } from '../coalesce.js';
import type { GatewayContext } from '../context.js';
import { OPERATIONS_DIR } from '../trusted-documents.js';

/**
 * The pages and exports ask the graph exactly as a partner agency would: the published operation of
 * gateway/operations/ (a trusted document), run through this gateway's own Apollo Server with the
 * caller's rights (PUBLIC for the pages), so limits, access rules, the dashboard cache and the query
 * plan all apply. No page reads a database or a subgraph by any other way.
 */
export interface GraphAnswer<T> {
  data: T | null;
  errors: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }>;
}

const documents = new Map<string, Promise<string>>();

/** The text of a published operation, by file name (read once). */
export function operation(file: string): Promise<string> {
  let text = documents.get(file);
  if (!text) {
    text = readFile(path.join(OPERATIONS_DIR, file), 'utf8');
    documents.set(file, text);
  }
  return text;
}

export async function runOperation<T>(server: ApolloServer<GatewayContext>, file: string, variables: Record<string, unknown>, caller: Caller, requestId: string = randomUUID()): Promise<GraphAnswer<T>> {
  const context: GatewayContext = { caller, requestId, idempotencyKey: null, outcome: { replayed: false, noStore: false }, reads: new RequestReads(), operationId: randomUUID() };
  const response = await server.executeOperation({ query: await operation(file), variables }, { contextValue: context });
  if (response.body.kind !== 'single') throw new Error(`${file} answered with an incremental result; the report operations never defer`);
  const { data, errors } = response.body.singleResult;
  return { data: (data ?? null) as T | null, errors: (errors ?? []) as GraphAnswer<T>['errors'] };
}

/** The errors worth telling a reader about, as short sentences: which service was unavailable, what was refused. */
export function unavailableParts(errors: GraphAnswer<unknown>['errors']): string[] {
  const out = new Set<string>();
  for (const e of errors) {
    const code = e.extensions?.code;
    if (code === 'SERVICE_UNAVAILABLE') out.add(`The ${String(e.extensions?.service ?? 'a')} service did not answer in time; its figures are missing below.`);
  }
  return [...out];
}
