import type { EntityManager } from 'typeorm';
import { DomainError, ErrorCode, NotFoundError, isUuid } from '@treaty/service-kit';
import { Convoy, ConvoyEvent, Inspection, type Corridor, type ConvoyStatus, type InspectionResult } from '../../entities/index.js';
import { allowedNext, currentStatus, describeAllowed } from '../../domain/convoy-status.js';
import { cargoRefusal } from '../../domain/rules.js';
import type { AgreementFacts } from '../../peers.js';
import type { Context } from '../../context.js';

/** One definition for every service (the kit's): re-exported so the mutation files import their helpers from one place. */
export { trimmed } from '@treaty/service-kit';

/** Helpers the mutation files share: lookups that refuse with NOT_FOUND, the cargo check, convoy state. */


export const CORRIDOR_HINT = 'List corridors with { agreement(id: "…") { corridors { id name } } }.';
export const CONVOY_HINT = 'List convoys with { corridor(id: "…") { convoys { id status } } }.';

/** The agreement as milestones sees it now; NOT_FOUND when it has none by that id. */
export async function agreementOrFail(ctx: Context, id: string): Promise<AgreementFacts> {
  const agreement = isUuid(id) ? await ctx.peers.milestones.agreement(id) : null;
  if (!agreement) throw new NotFoundError('agreement', id, 'List agreements with { agreements { id title } }.');
  return agreement;
}

/**
 * Refuses cargo that the agreement's current phase does not permit, or that the corridor does not
 * handle, naming what is allowed today.
 */
export function refuseCargoOutside(lines: readonly { cargoClass: string }[], agreement: AgreementFacts, corridor: Corridor): void {
  const refusal = cargoRefusal(lines, agreement, corridor);
  if (refusal) throw new DomainError(ErrorCode.CARGO_NOT_PERMITTED, refusal.message, refusal.details);
}

/** INVALID_TRANSITION: where the convoy stands, the move refused, and `why` (what may follow, how to get there). */
export function invalidTransition(convoy: Convoy, from: ConvoyStatus, to: ConvoyStatus, allowed: readonly ConvoyStatus[], why = describeAllowed(from, allowed)): DomainError {
  return new DomainError(ErrorCode.INVALID_TRANSITION, `Convoy ${convoy.id} is ${from} and cannot move to ${to}. ${why}`, {
    status: from,
    to,
    allowed,
  });
}

/** Loads a convoy and locks it, so concurrent transitions and inspections of it run one at a time. */
export async function lockConvoy(m: EntityManager, id: string): Promise<Convoy> {
  const found = isUuid(id)
    ? await m.getRepository(Convoy).createQueryBuilder('cv').setLock('pessimistic_write').where('cv.id = :id', { id }).getOne()
    : null;
  if (!found) throw new NotFoundError('convoy', id, CONVOY_HINT);
  return found;
}

/** Where a convoy stands: its transitions, its status and the result of its latest inspection. */
export async function convoyState(m: EntityManager, convoyId: string) {
  const [events, latest] = await Promise.all([
    m.find(ConvoyEvent, { where: { convoyId }, order: { sequence: 'ASC' } }),
    m.findOne(Inspection, { where: { convoyId }, order: { startedAt: 'DESC', endedAt: 'DESC' } }),
  ]);
  const status = currentStatus(events);
  const latestInspection: InspectionResult | null = latest?.result ?? null;
  return { events, last: events[events.length - 1]!, status, latestInspection, latestInspectionRow: latest, allowed: allowedNext(status, latestInspection) };
}
