import { isUniqueViolation } from './errors.js';

/**
 * Small helpers every service's mutations share.
 */

/** Free text as stored: trimmed, and null when nothing is left. */
export const trimmed = (s: string | null | undefined): string | null => s?.trim() || null;

/**
 * Runs a write that a unique constraint (`constraint`, or any) makes happen once; when a concurrent
 * request got there first, the caller gets `refusal()` instead of an internal error. The refusal may
 * read what the winner wrote (it runs after the losing transaction has rolled back).
 */
export async function onceOnly<T>(refusal: () => Error | Promise<Error>, write: () => Promise<T>, constraint?: string): Promise<T> {
  try {
    return await write();
  } catch (e) {
    if (isUniqueViolation(e, constraint)) throw await refusal();
    throw e;
  }
}
