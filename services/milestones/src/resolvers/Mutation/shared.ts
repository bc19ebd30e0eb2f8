import type { EntityManager } from 'typeorm';
import { NotFoundError, isUuid } from '@treaty/service-kit';
import { Agreement, Milestone } from '../../entities/index.js';

/** One definition for every service (the kit's): re-exported so the mutation files import their helpers from one place. */
export { onceOnly } from '@treaty/service-kit';

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

