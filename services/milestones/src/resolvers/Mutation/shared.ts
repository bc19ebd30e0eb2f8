import type { EntityManager } from 'typeorm';
import { BadUserInputError, NotFoundError, isUniqueViolation, isUuid } from '@treaty/service-kit';
import { Agreement, Milestone } from '../../entities/index.js';

/** Helpers the mutation files share: lookups that refuse with NOT_FOUND, and first-write-wins. */

export async function findAgreement(m: EntityManager, id: string): Promise<Agreement> {
  const agreement = isUuid(id) ? await m.findOneBy(Agreement, { id }) : null;
  if (!agreement) throw new NotFoundError('agreement', id, 'List agreements with { agreements { id title } }.');
  return agreement;
}

/** A milestone an input names, which the caller must then check belongs to the agreement in hand. */
export async function findMilestone(m: EntityManager, id: string): Promise<Milestone> {
  const milestone = isUuid(id) ? await m.findOneBy(Milestone, { id }) : null;
  if (!milestone) throw new NotFoundError('milestone', id);
  return milestone;
}

/**
 * Runs a write that a unique constraint makes happen once; when a concurrent request got there first,
 * the caller is refused at `path` with `message` instead of an internal error.
 */
export async function onceOnly<T>(path: string, message: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (e) {
    if (isUniqueViolation(e)) throw BadUserInputError.one(path, message);
    throw e;
  }
}
