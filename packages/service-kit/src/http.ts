import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HTTPGraphQLResponse } from '@apollo/server';
import type { Logger } from './log.js';
import { beginRequest, inRequest, requestIdFrom, type RequestScope } from './requests.js';

/** The plain-HTTP pieces the subgraphs and the gateway share. */

/** A body over the limit; the caller answers 413 PAYLOAD_TOO_LARGE. */
export class PayloadTooLarge extends Error {}

/**
 * A body that is not valid UTF-8 (for example a lone UTF-16 surrogate written as CESU-8 bytes, or Latin-1
 * text). Decoding it leniently would store U+FFFD in place of what was sent, silently; the caller answers
 * 400 BAD_USER_INPUT instead.
 */
export class MalformedBody extends Error {}

export const MALFORMED_BODY_MESSAGE =
  'The request body is not valid UTF-8 (it holds a byte sequence no UTF-8 text has, such as a lone UTF-16 surrogate or a Latin-1 character). Send the JSON encoded as UTF-8; nothing was run.';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads the body up to `limitBytes`. A larger body is read to its end (up to a hard cap) without being
 * kept, so that the client, still sending, receives the 413 instead of a reset connection; past the
 * cap the connection is cut. Rejects with PayloadTooLarge either way, and with MalformedBody for a body
 * that is not valid UTF-8.
 */
export function readBody(req: IncomingMessage, limitBytes = 10 * 1024 * 1024): Promise<string> {
  const hardCap = Math.max(limitBytes * 4, 16 * 1024 * 1024);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limitBytes) chunks.push(chunk);
      else if (size > hardCap) req.destroy();
    });
    req.on('end', () => {
      if (size > limitBytes) return reject(new PayloadTooLarge());
      try {
        resolve(strictUtf8.decode(Buffer.concat(chunks)));
      } catch {
        reject(new MalformedBody());
      }
    });
    req.on('error', reject);
    req.on('close', () => size > hardCap && reject(new PayloadTooLarge()));
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** A GraphQL-shaped error response, for refusals made before any operation runs. */
export function sendGraphQLError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { errors: [{ message, extensions: { code } }] }, headers);
}

/** Writes Apollo Server's response (complete or streamed) to a Node response. */
export async function writeGraphQLResponse(res: ServerResponse, result: HTTPGraphQLResponse, extraHeaders: Record<string, string> = {}): Promise<void> {
  const headers: Record<string, string> = { ...extraHeaders };
  for (const [k, v] of result.headers) headers[k] = v;
  res.writeHead(result.status ?? 200, headers);
  if (result.body.kind === 'complete') {
    res.end(result.body.string);
    return;
  }
  for await (const chunk of result.body.asyncIterator) res.write(chunk);
  res.end();
}

export interface Listening {
  http: Server;
  port: number;
  /** Stops accepting connections and resolves once in-flight requests have finished. */
  close(): Promise<void>;
}

/**
 * Listens with `handle`, each request inside its RequestScope (its id: the client's X-Request-Id when it
 * is a plain token, otherwise a new one; see currentRequest). A handler that throws gets a 500 in GraphQL
 * form whose reference is the request id, and a log line under that id (never the request's content).
 * Port 0 picks a free port.
 */
export async function listen(
  handle: (req: IncomingMessage, res: ServerResponse, scope: RequestScope) => Promise<void>,
  opts: { port: number; host?: string; logger: Logger; failureMessage: string },
): Promise<Listening> {
  const http = createServer((req, res) => {
    const scope = beginRequest(requestIdFrom(req.headers['x-request-id']));
    inRequest(scope, () => handle(req, res, scope)).catch((e: Error) => {
      opts.logger.error('request failed', { requestId: scope.requestId, error: e.message });
      scope.codes.push('INTERNAL_SERVER_ERROR');
      if (!res.headersSent) {
        sendJson(res, 500, { errors: [{ message: `${opts.failureMessage} Report reference ${scope.requestId} if it persists.`, extensions: { code: 'INTERNAL_SERVER_ERROR', reference: scope.requestId } }] }, { 'x-request-id': scope.requestId });
      } else res.end();
    });
  });
  http.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port, opts.host ?? '127.0.0.1', () => {
      http.off('error', reject);
      resolve();
    });
  });
  return {
    http,
    port: (http.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => http.close(() => resolve())),
  };
}
