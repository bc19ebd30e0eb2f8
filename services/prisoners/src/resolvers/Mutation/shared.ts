import type { EntityManager } from 'typeorm';
import { NotFoundError, isUuid } from '@treaty/service-kit';
import { Detainee, ExchangeWave, ListDeadline, ListEntry, type DetaineeCategory } from '../../entities/index.js';
import type { Held } from '../../domain/priority.js';
import type { AgreementFacts } from '../../peers.js';
import type { Context } from '../../context.js';

export const LIST_HINT = 'List the detainees you can see with { detainees(agreementId: "...") { id category } }.';
export const WAVE_HINT = 'List waves with { exchangeWaves(agreementId: "...") { id sequence status } }.';

/**
 * The agreement as the milestones service, which owns agreements, milestones and parties, knows it now;
 * NOT_FOUND when it has no such agreement.
 */
export async function agreementOrFail(ctx: Context, agreementId: string, path = 'input.agreementId'): Promise<AgreementFacts> {
  if (!isUuid(agreementId)) throw new NotFoundError('agreement', agreementId, 'List agreements with { agreements { id title } }.');
  const agreement = await ctx.peers.milestones.agreement(agreementId);
  if (!agreement) throw new NotFoundError('agreement', agreementId, `List agreements with { agreements { id title } } (${path}).`);
  return agreement;
}

// ---------------------------------------------------------------------------------------------------
// Reads inside a transaction.

/**
 * Serialises every change to an agreement's waves and manifests (and its handovers): the sequencing rule
 * reads the whole agreement's waves, so two such changes must not interleave. The key is namespaced so it
 * cannot meet another advisory lock.
 */
export async function lockAgreementWaves(m: EntityManager, agreementId: string): Promise<void> {
  await m.query(`SELECT pg_advisory_xact_lock(hashtextextended('prisoners.waves:' || $1, 0))`, [agreementId]);
}

/** Loads a wave, then locks its agreement's waves and re-reads it so that what is checked is current. */
export async function lockWave(m: EntityManager, waveId: string): Promise<ExchangeWave> {
  const found = isUuid(waveId) ? await m.findOneBy(ExchangeWave, { id: waveId }) : null;
  if (!found) throw new NotFoundError('exchange wave', waveId, WAVE_HINT);
  await lockAgreementWaves(m, found.agreementId);
  return m.findOneByOrFail(ExchangeWave, { id: waveId });
}

export async function lockEntry(m: EntityManager, entryId: string): Promise<ListEntry> {
  const found = isUuid(entryId)
    ? await m.getRepository(ListEntry).createQueryBuilder('e').setLock('pessimistic_write').where('e.id = :id', { id: entryId }).getOne()
    : null;
  if (!found) throw new NotFoundError('list entry', entryId, 'List entries with { detaineeLists(agreementId: "...") { entries { id status } } }.');
  return found;
}

/** Loads and locks detainees (so concurrent manifest changes and handovers of one person run one at a time). */
export async function lockDetainees(m: EntityManager, ids: string[]): Promise<Detainee[]> {
  const bad = ids.find((id) => !isUuid(id));
  if (bad) throw new NotFoundError('detainee', bad, LIST_HINT);
  const rows = await m.getRepository(Detainee).createQueryBuilder('d').setLock('pessimistic_write').where('d.id IN (:...ids)', { ids }).orderBy('d.id').getMany();
  const missing = ids.find((id) => !rows.some((r) => r.id === id));
  if (missing) throw new NotFoundError('detainee', missing, LIST_HINT);
  return ids.map((id) => rows.find((r) => r.id === id)!);
}

export async function deadlinesOf(m: EntityManager, agreementId: string): Promise<ListDeadline | null> {
  return m.findOneBy(ListDeadline, { agreementId });
}

export function held(d: { id: string; holdingPartyId: string; category: DetaineeCategory }): Held {
  return { detaineeId: d.id, holdingPartyId: d.holdingPartyId, category: d.category };
}
