import { randomUUID } from 'node:crypto';
import type { GraphQLFormattedError } from 'graphql';
import { CLIENT_ERROR_CODES, currentRequest, withoutEchoedValue, type Logger } from '@treaty/service-kit/edge';

/** Codes graphql-js and Apollo Server give to malformed requests and documents; safe to show as they are. */
const REQUEST_CODES = new Set(['GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST', 'OPERATION_RESOLUTION_FAILURE', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED']);

/**
 * graphql-js reports a value it cannot accept (a literal of the wrong type, an Int out of range, a
 * variable that does not coerce) as a validation error; for the caller it is bad input.
 */
const VALUE_REFUSAL = /^(Expected value of type|Expected type|Int cannot represent|Float cannot represent|String cannot represent|Boolean cannot represent|ID cannot represent|Enum ".*" cannot represent|Variable "\$[^"]*" (got invalid value|of required type|of non-null type)|Value ".*" does not exist in ".*" enum)/;

/** Extension keys a client may see; everything else (a subgraph's response, URL, stack, SQL) is dropped. */
const PUBLIC_EXTENSIONS = ['code', 'service', 'details', 'problems', 'reference', 'argumentPath', 'retryAfterSeconds'] as const;

/** A last guard on text: no internal address may leave, whatever produced the message. */
function scrub(message: string): string {
  return message
    // graphql-armor cuts `Did you mean "title"` out of a suggestion in production and leaves its "?".
    .replace(/\. \?$/, '.')
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"')]+/gi, '[internal address]')
    .replace(/\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b/g, '[internal address]')
    .replace(/\blocalhost:\d{1,5}\b/gi, '[internal address]');
}

function publicExtensions(ext: Record<string, unknown> | undefined, code: string): Record<string, unknown> {
  const out: Record<string, unknown> = { code };
  for (const key of PUBLIC_EXTENSIONS) if (key !== 'code' && ext?.[key] !== undefined) out[key] = ext[key];
  // @apollo/gateway names the subgraph an error came from `serviceName`; our contract says `service`.
  if (out.service === undefined && typeof ext?.serviceName === 'string') out.service = ext.serviceName;
  return out;
}

/**
 * The gateway's formatError: every error reaching a client has a documented code and nothing internal.
 * Errors the caller can act on keep their message; anything else is logged with a reference and masked.
 */
export function formatGatewayError(logger: Logger) {
  return (formatted: GraphQLFormattedError, error?: unknown): GraphQLFormattedError => {
    const ext = formatted.extensions as Record<string, unknown> | undefined;
    let code = typeof ext?.code === 'string' ? ext.code : undefined;
    // Apollo Server stamps every validation error GRAPHQL_VALIDATION_FAILED; a rule that reported a more
    // precise code (a limit: OPERATION_TOO_COMPLEX; an unsafe literal: BAD_USER_INPUT) keeps it.
    const reported = (error as { originalError?: { extensions?: Record<string, unknown> } } | undefined)?.originalError?.extensions?.code;
    if (code === 'GRAPHQL_VALIDATION_FAILED' && (reported === 'OPERATION_TOO_COMPLEX' || reported === 'BAD_USER_INPUT')) code = reported;
    if ((code === 'GRAPHQL_VALIDATION_FAILED' || code === undefined || code === 'BAD_USER_INPUT') && VALUE_REFUSAL.test(formatted.message)) code = 'BAD_USER_INPUT';
    if (code === 'GRAPHQL_VALIDATION_FAILED' && formatted.message === 'Validation aborted.') {
      // graphql-js stops comparing fields that share a response name once a budget of pairs is spent
      // (a selection of `id id id …` a thousand times), and says only this.
      return {
        message: 'The operation is too complex: it asks for fields of the same name so many times that checking they agree was stopped. Ask each field once per selection, or split the operation.',
        extensions: { code: 'OPERATION_TOO_COMPLEX' },
      };
    }
    if (code && (CLIENT_ERROR_CODES.has(code) || REQUEST_CODES.has(code))) {
      // withoutEchoedValue: a refused variable is named, never repeated (it may hold a detainee's name).
      return { message: scrub(withoutEchoedValue(formatted.message)), ...(formatted.locations ? { locations: formatted.locations } : {}), ...(formatted.path ? { path: formatted.path } : {}), extensions: publicExtensions(ext, code) };
    }
    const maskedBySubgraph = typeof ext?.serviceName === 'string' && typeof ext.reference === 'string';
    const wordedByDataSource = typeof ext?.service === 'string' && ext.serviceName === undefined;
    if (code === 'INTERNAL_SERVER_ERROR' && (maskedBySubgraph || wordedByDataSource)) {
      // Already masked by the subgraph (logged under its reference), or worded by SignedDataSource for the caller.
      return { message: scrub(formatted.message), ...(formatted.path ? { path: formatted.path } : {}), extensions: publicExtensions(ext, code) };
    }
    // The request id is the reference: the caller quotes it, support finds this line and the request's own.
    const reference = currentRequest()?.requestId ?? randomUUID();
    logger.error('internal error', { requestId: reference, reference, code, service: ext?.serviceName ?? ext?.service, error: formatted.message.slice(0, 500) });
    return {
      message: `Internal error in the gateway; nothing was changed by the failing step. Report reference ${reference} if it persists.`,
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: 'INTERNAL_SERVER_ERROR', reference, ...(typeof ext?.serviceName === 'string' ? { service: ext.serviceName } : {}) },
    };
  };
}
