import { randomUUID } from 'node:crypto';
import { BadUserInputError, DomainError, ErrorCode, NotFoundError, Problems, actor, isUniqueViolation, isUuid } from '@treaty/service-kit';
import { Corridor, LocalisedWindow, LocalisedWindowClosure } from '../../entities/index.js';
import { checkText } from '../../domain/rules.js';
import { areaBoundingBox, checkWindow, checkWindowInForce, closureRefusal, windowStatus } from '../../domain/windows.js';
import type { MutationCloseLocalisedWindowArgs, MutationCreateLocalisedWindowArgs } from '../../generated/graphql.js';
import type { Context } from '../../context.js';
import { windowClosureFact, windowFact } from '../../evidence.js';
import { shapeOf } from '../helpers/windows.js';
import { CORRIDOR_HINT, agreementOrFail } from './shared.js';

const WINDOW_HINT = 'List windows with { agreement(id: "…") { localisedWindows { id status } } }.';
const MAX_REASON = 500;

/** INVALID_TRANSITION unless the window may be closed now; `why` names what it is and what to do instead. */
function refuseClosure(w: LocalisedWindow, now: Date): void {
  const why = closureRefusal(shapeOf(w), now);
  if (why !== null) {
    const status = windowStatus(shapeOf(w), now);
    throw new DomainError(ErrorCode.INVALID_TRANSITION, `Localised window ${w.id} is ${status} and cannot be closed. ${why}`, { status });
  }
}

export const windowMutations = {
  async createLocalisedWindow(_: unknown, { input }: MutationCreateLocalisedWindowArgs, ctx: Context) {
    const now = ctx.clock.now();
    const p = new Problems();
    const area = checkWindow(p, { description: input.description, from: input.from, until: input.until, area: input.area }, now);
    p.throwIfAny();

    const agreement = await agreementOrFail(ctx, input.agreementId);
    let corridorId: string | null = null;
    if (input.corridorId != null) {
      const corridor = isUuid(input.corridorId) ? await ctx.db.getRepository(Corridor).findOneBy({ id: input.corridorId }) : null;
      if (!corridor) throw new NotFoundError('corridor', input.corridorId, CORRIDOR_HINT);
      if (corridor.agreementId !== agreement.id) {
        throw BadUserInputError.one(
          'input.corridorId',
          `${corridor.name} serves agreement ${corridor.agreementId}, not "${agreement.title}" (${agreement.id}); give one of its corridors, or omit corridorId for all of them.`,
        );
      }
      corridorId = corridor.id;
    }
    checkWindowInForce(p, input.from, agreement);
    p.throwIfAny();

    const box = areaBoundingBox(area!);
    return ctx.db.transaction(async (m) => {
      const row = m.create(LocalisedWindow, {
        id: randomUUID(),
        agreementId: agreement.id,
        corridorId,
        purpose: input.purpose,
        description: input.description.trim(),
        from: input.from,
        until: input.until,
        areaKind: area!.kind,
        vertexLatitudes: area!.kind === 'POLYGON' ? area!.vertices.map((v) => v.latitude) : null,
        vertexLongitudes: area!.kind === 'POLYGON' ? area!.vertices.map((v) => v.longitude) : null,
        centreLatitude: area!.kind === 'CIRCLE' ? area!.centre.latitude : null,
        centreLongitude: area!.kind === 'CIRCLE' ? area!.centre.longitude : null,
        radiusMetres: area!.kind === 'CIRCLE' ? area!.radiusMetres : null,
        ...box,
        createdBy: actor(ctx.caller),
        createdBySubject: ctx.caller.subject,
        createdAt: now,
      });
      await m.insert(LocalisedWindow, row);
      // Logged as stored (read back), so the entry and the export's currentFact encode the same values.
      const stored = await m.findOneOrFail(LocalisedWindow, { where: { id: row.id }, relations: { closure: true } });
      await ctx.evidence.append(m, { kind: 'localised-window', subject: stored.id, fact: windowFact(stored), by: ctx.caller });
      return stored;
    });
  },

  async closeLocalisedWindow(_: unknown, { input }: MutationCloseLocalisedWindowArgs, ctx: Context) {
    // Refusals come in a fixed order: NOT_FOUND, INVALID_TRANSITION, then BAD_USER_INPUT. A window that
    // cannot be closed is refused as such even when the reason is missing too.
    const now = ctx.clock.now();
    const found = isUuid(input.windowId) ? await ctx.db.getRepository(LocalisedWindow).findOne({ where: { id: input.windowId }, relations: { closure: true } }) : null;
    if (!found) throw new NotFoundError('localised window', input.windowId, WINDOW_HINT);
    refuseClosure(found, now);
    const p = new Problems();
    checkText(p, 'input.reason', input.reason, 'Reason', MAX_REASON);
    p.throwIfAny();

    try {
      return await ctx.db.transaction(async (m) => {
        const locked = await m.getRepository(LocalisedWindow).createQueryBuilder('w').setLock('pessimistic_write').where('w.id = :id', { id: found.id }).getOneOrFail();
        locked.closure = await m.findOneBy(LocalisedWindowClosure, { windowId: locked.id });
        refuseClosure(locked, now);
        const closure = m.create(LocalisedWindowClosure, {
          windowId: locked.id,
          closedAt: now,
          reason: input.reason.trim(),
          closedBy: actor(ctx.caller),
          closedBySubject: ctx.caller.subject,
        });
        await m.insert(LocalisedWindowClosure, closure);
        await ctx.evidence.append(m, { kind: 'localised-window-closure', subject: locked.id, fact: windowClosureFact(closure), by: ctx.caller });
        return m.findOneOrFail(LocalisedWindow, { where: { id: locked.id }, relations: { closure: true } });
      });
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw new DomainError(ErrorCode.INVALID_TRANSITION, `Localised window ${found.id} was closed by another request a moment ago; reload it to see its closure.`, { status: 'CLOSED_EARLY' });
      }
      throw e;
    }
  },
};
