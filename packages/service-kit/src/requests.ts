import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ServerResponse } from 'node:http';
import type { DocumentNode, OperationDefinitionNode } from 'graphql';
import type { Caller } from './caller.js';
import { CLIENT_ERROR_CODES } from './errors.js';
import type { Logger } from './log.js';
import { currentTraceId } from './tracing.js';
import { frames, withFrame } from './frame.js';

/**
 * What one request is, as far as the operator's log line and metrics go. Created when a GraphQL request
 * arrives, filled in as it is understood (caller, operation, the codes of its errors) and written out
 * once, when the response has gone. AsyncLocalStorage (frame.ts) carries it to resolvers, formatError and
 * sibling calls without threading it through every signature.
 */
export interface RequestScope {
  requestId: string;
  /** performance.now() when the request arrived. */
  startedAt: number;
  traceId?: string;
  /** The operation name the client gave (any text: it is bounded before it reaches a log or a metric). */
  operation?: string | null;
  caller?: Pick<Caller, 'agency' | 'roles' | 'via'>;
  /** The `extensions.code` of every error in the answer (or of the refusal made before any operation ran). */
  codes: string[];
  /** Set when the answer repeats the first response to an Idempotency-Key. */
  replayed?: boolean;
  /** Where callPeer reports each sibling call's duration (the serving subgraph's metrics). */
  observePeer?: (peer: string, seconds: number, outcome: 'ok' | 'error' | 'timeout') => void;
}

/** The request being handled, inside a server's request handler (and everything it awaits). */
export function currentRequest(): RequestScope | undefined {
  return frames.getStore()?.request;
}

export function inRequest<T>(scope: RequestScope, fn: () => T): T {
  return withFrame({ request: scope }, fn);
}

/** What a client may send as X-Request-Id and have kept: a plain token, so it can go into logs as it is. */
export const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** The client's X-Request-Id when it is a plain token; otherwise (or when absent) a new one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  return typeof header === 'string' && REQUEST_ID_PATTERN.test(header) ? header : randomUUID();
}

export function beginRequest(requestId: string): RequestScope {
  return { requestId, startedAt: performance.now(), traceId: currentTraceId(), codes: [] };
}

/** A GraphQL operation name that can be written down as it is; anything else is shown as `(invalid)`. */
export const OPERATION_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * The operation a document runs: the one named `requested`, or its only operation. Read once the document
 * is parsed, so a request that fails validation is still counted under the name it gave.
 */
export function operationNameOf(document: DocumentNode, requested?: string | null): string | null {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
  if (requested) return requested;
  return operations.length === 1 ? (operations[0]!.name?.value ?? null) : null;
}

export type OutcomeKind = 'ok' | 'client_error' | 'server_error';

/** Codes that say the deployment failed, not the request. Anything not documented counts as one. */
const SERVER_CODES = new Set(['INTERNAL_SERVER_ERROR', 'SERVICE_UNAVAILABLE']);
/** Codes graphql-js and Apollo give malformed requests: the client's fault. */
const REQUEST_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST', 'OPERATION_RESOLUTION_FAILURE', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED']);

/**
 * The outcome of a request from the codes of its errors and its HTTP status: `ok`; `client_error` with
 * the first client code; or `server_error` with the first server code (a server code wins, since partial
 * data with SERVICE_UNAVAILABLE is the platform's problem). The code is always a documented one, so it is
 * safe as a metric label.
 */
export function outcomeOf(codes: readonly string[], status: number): { outcome: OutcomeKind; code: string } {
  const known = (c: string) => CLIENT_ERROR_CODES.has(c) || REQUEST_CODES.has(c);
  const server = codes.find((c) => SERVER_CODES.has(c) || !known(c));
  if (server) return { outcome: 'server_error', code: SERVER_CODES.has(server) ? server : 'INTERNAL_SERVER_ERROR' };
  if (codes.length) return { outcome: 'client_error', code: codes[0]! };
  if (status >= 500) return { outcome: 'server_error', code: 'INTERNAL_SERVER_ERROR' };
  if (status >= 400) return { outcome: 'client_error', code: 'BAD_REQUEST' };
  return { outcome: 'ok', code: '' };
}

export interface FinishedRequest {
  scope: RequestScope;
  status: number;
  seconds: number;
  outcome: OutcomeKind;
  code: string;
}

/**
 * Writes the request's one log line when its response has been sent (or the client went away), and hands
 * the same facts to `observe` (the metrics). The line holds identifiers only: the request id, the
 * operation name, the caller's agency and roles, the duration, the outcome and its codes, the trace id.
 * Never the document, the variables, a token or the answer.
 */
export function logWhenDone(res: ServerResponse, scope: RequestScope, logger: Logger, observe?: (done: FinishedRequest) => void): void {
  let written = false;
  const done = () => {
    if (written) return;
    written = true;
    const seconds = (performance.now() - scope.startedAt) / 1000;
    const status = res.headersSent ? res.statusCode : 499;
    const { outcome, code } = outcomeOf(scope.codes, status);
    const operation = scope.operation == null ? null : OPERATION_NAME_PATTERN.test(scope.operation) ? scope.operation : '(invalid)';
    logger.info('request', {
      requestId: scope.requestId,
      operation,
      agency: scope.caller?.agency ?? null,
      roles: scope.caller?.roles ?? [],
      ...(scope.caller?.via ? { via: scope.caller.via } : {}),
      durationMs: Math.round(seconds * 10_000) / 10,
      status,
      outcome,
      ...(scope.codes.length ? { codes: [...new Set(scope.codes)] } : {}),
      ...(scope.replayed ? { replayed: true } : {}),
      ...(scope.traceId ? { traceId: scope.traceId } : {}),
    });
    observe?.({ scope, status, seconds, outcome, code });
  };
  res.once('finish', done);
  res.once('close', done);
}
