import { GraphQLError } from 'graphql';

/** Every code a client may see in `extensions.code` (DESIGN §5). */
export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  SEQUENCING_VIOLATION: 'SEQUENCING_VIOLATION',
  LIST_ENTRY_CONTESTED: 'LIST_ENTRY_CONTESTED',
  RATIO_VIOLATION: 'RATIO_VIOLATION',
  PROOF_OF_LIFE_STALE: 'PROOF_OF_LIFE_STALE',
  ALREADY_RELEASED: 'ALREADY_RELEASED',
  INVALID_TRANSITION: 'INVALID_TRANSITION',
  CARGO_NOT_PERMITTED: 'CARGO_NOT_PERMITTED',
  MILESTONE_NOT_CERTIFIED: 'MILESTONE_NOT_CERTIFIED',
  /** A depth, alias, token, directive or cost limit; refused before any subgraph is called. */
  OPERATION_TOO_COMPLEX: 'OPERATION_TOO_COMPLEX',
  /** Production: a caller without a token sent an operation that is not a trusted document. */
  OPERATION_NOT_TRUSTED: 'OPERATION_NOT_TRUSTED',
  /** The request body is over the gateway's limit (HTTP 413). */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** A subgraph is down or past its timeout; `extensions.service` names it. */
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  IDEMPOTENCY_KEY_REUSED: 'IDEMPOTENCY_KEY_REUSED',
  PURPOSE_REQUIRED: 'PURPOSE_REQUIRED',
  /** Over an abuse limit of a channel open without a token (the confidential channel); HTTP 429 with Retry-After. */
  RATE_LIMITED: 'RATE_LIMITED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const CLIENT_ERROR_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

/**
 * An error meant for the caller: a stable code and a message that says what was wrong and how to put
 * it right. Anything that is not a DomainError (or a GraphQL validation error) is masked.
 */
export class DomainError extends GraphQLError {
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message, { extensions: { code, ...(details ? { details } : {}) } });
    this.name = 'DomainError';
  }
  get code(): ErrorCode {
    return this.extensions.code as ErrorCode;
  }
}

/** One or more problems with the input; each problem names the field (`path`) it concerns. */
export class BadUserInputError extends DomainError {
  constructor(readonly problems: { path: string; message: string }[]) {
    super(
      ErrorCode.BAD_USER_INPUT,
      problems.length === 1
        ? `${problems[0]!.path}: ${problems[0]!.message}`
        : `The input has ${problems.length} problems: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`,
      { problems },
    );
  }
  static one(path: string, message: string): BadUserInputError {
    return new BadUserInputError([{ path, message }]);
  }
}

/** An English plural for a kind of record in a message: party → parties, escrow account → escrow accounts. */
export function plural(kind: string): string {
  if (/[^aeiou]y$/.test(kind)) return `${kind.slice(0, -1)}ies`;
  if (/(s|x|ch|sh)$/.test(kind)) return `${kind}es`;
  return `${kind}s`;
}

export class NotFoundError extends DomainError {
  constructor(kind: string, id: string, hint?: string) {
    super(
      ErrorCode.NOT_FOUND,
      `No ${kind} has id "${id}". ${hint ?? `Check the id; list the ${plural(kind)} you can see with a query first.`}`,
      { kind, id },
    );
  }
}

export class ForbiddenError extends DomainError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(ErrorCode.FORBIDDEN, message, details);
  }
}

/** A sibling service is down or past its timeout; `extensions.service` names it, as at the gateway. */
export class ServiceUnavailableError extends DomainError {
  constructor(
    readonly service: string,
    message: string,
  ) {
    super(ErrorCode.SERVICE_UNAVAILABLE, message);
    (this.extensions as Record<string, unknown>).service = service;
  }
}

export class UnauthenticatedError extends DomainError {
  constructor(message: string) {
    super(ErrorCode.UNAUTHENTICATED, message);
  }
}

/** Collects problems during validation so all of them are reported at once, before any write. */
export class Problems {
  private readonly list: { path: string; message: string }[] = [];
  add(path: string, message: string): this {
    this.list.push({ path, message });
    return this;
  }
  check(ok: boolean, path: string, message: string): this {
    if (!ok) this.add(path, message);
    return this;
  }
  get any(): boolean {
    return this.list.length > 0;
  }
  /** How many problems so far: a check compares it before and after to know whether it added any. */
  get size(): number {
    return this.list.length;
  }
  /** Throws BAD_USER_INPUT listing every problem, if there are any. */
  throwIfAny(): void {
    if (this.any) throw new BadUserInputError([...this.list]);
  }
}

/** True when `e` is PostgreSQL's unique_violation, optionally on one named constraint. */
export function isUniqueViolation(e: unknown, constraint?: string): boolean {
  const err = e as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } };
  const code = err?.code ?? err?.driverError?.code;
  const name = err?.constraint ?? err?.driverError?.constraint;
  return code === '23505' && (constraint === undefined || name === constraint);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs; anything else cannot name a record, and must not reach SQL as a malformed uuid. */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/**
 * graphql-js's refusal of a variable without the value it refused. It writes the whole value into the
 * message (`Variable "$input" got invalid value { name: "…", dateOfBirth: "…", medicalNotes: "…" };
 * Field "category" … was not provided.`), so one missing field of registerDetainee put a person's name,
 * birth date and medical notes into an error, which clients, proxies and their logs keep. This keeps
 * the variable, the path and the reason, and drops the value (also where the reason repeats it).
 * Messages of any other form are returned as they are.
 */
export function withoutEchoedValue(message: string): string {
  const head = /^Variable "\$([_A-Za-z][_0-9A-Za-z]*)" got invalid value /.exec(message);
  if (!head) return message;
  const rest = message.slice(head[0].length);
  // graphql-js prints the value with its inspect(): strings as JSON, objects and lists in brackets. Its
  // end is the first ` at "` or `; ` outside a string and outside brackets.
  let depth = 0;
  let inString = false;
  let end = -1;
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
    else if (depth <= 0 && (rest.startsWith(' at "', i) || rest.startsWith('; ', i))) {
      end = i;
      break;
    }
  }
  const variable = `Variable "$${head[1]}" got an invalid value`;
  if (end < 0) return `${variable}; check it against the operation's variable types.`;
  const value = rest.slice(0, end);
  let tail = rest.slice(end);
  // The reason may repeat the value: `String cannot represent a non string value: 5`, `Value "Z" does not exist in "C" enum`.
  if (value && tail.endsWith(`: ${value}`)) tail = `${tail.slice(0, -(value.length + 2))}.`;
  if (value) tail = tail.split(`Value ${value} does not exist`).join('The value does not exist');
  return `${variable}${tail}`;
}
