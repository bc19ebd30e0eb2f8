import { BadUserInputError, DomainError, ErrorCode } from '@treaty/service-kit';
import type { Window } from '../../domain/metrics.js';

/**
 * Reads a field another subgraph supplies through `@requires`. The gateway puts it in the entity's
 * representation as plain JSON; when it is missing, the field was asked for outside the gateway.
 */
export function required<T>(value: T | undefined | null, field: string, owner = 'milestones'): T {
  if (value === undefined || value === null) {
    throw new DomainError(
      ErrorCode.BAD_USER_INPUT,
      `${field} comes from the ${owner} service through the gateway (@requires) and was not supplied; query this field through the gateway.`,
    );
  }
  return value;
}

/** A DateTime supplied in a representation (an ISO string). */
export function requiredDate(value: string | undefined | null, field: string): Date {
  const date = new Date(required(value, field));
  if (Number.isNaN(date.getTime())) throw BadUserInputError.one(field, `${field} "${value}" is not a valid DateTime.`);
  return date;
}

/** A metric window from field arguments: a missing bound is open; from must come before until. */
export function window(from: Date | null | undefined, until: Date | null | undefined, names: [string, string] = ['from', 'until']): Window {
  if (from && until && from.getTime() >= until.getTime()) {
    throw BadUserInputError.one(names[1], `${names[1]} ${until.toISOString()} is not after ${names[0]} ${from.toISOString()}; a window runs from its start up to (not including) its end.`);
  }
  return { from: from ?? null, until: until ?? null };
}
