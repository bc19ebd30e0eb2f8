import { randomUUID } from 'node:crypto';
import { BadUserInputError, NotFoundError, Problems, actor, isUniqueViolation, isUuid } from '@treaty/service-kit';
import { CARGO_CLASSES, Corridor, CorridorClosure } from '../../entities/index.js';
import { checkClosure, checkCorridor } from '../../domain/rules.js';
import type { MutationCreateCorridorArgs, MutationRecordCorridorClosureArgs } from '../../generated/graphql.js';
import type { Context } from '../../context.js';
import { CORRIDOR_HINT, agreementOrFail, trimmed } from './shared.js';

export const corridorMutations = {
  async createCorridor(_: unknown, { input }: MutationCreateCorridorArgs, ctx: Context) {
    const p = new Problems();
    checkCorridor(p, input);
    p.throwIfAny();
    const agreement = await agreementOrFail(ctx, input.agreementId);
    const handles = input.handles ? CARGO_CLASSES.filter((c) => input.handles!.includes(c)) : [...CARGO_CLASSES];

    try {
      return await ctx.db.transaction(async (m) => {
        const clash = await m
          .getRepository(Corridor)
          .createQueryBuilder('c')
          .where('c.agreement_id = :agreementId AND lower(btrim(c.name)) = lower(btrim(:name))', { agreementId: agreement.id, name: input.name })
          .getOne();
        if (clash) {
          throw BadUserInputError.one('input.name', `"${agreement.title}" already has a corridor named "${clash.name}" (id ${clash.id}); choose another name, or use that corridor.`);
        }
        const corridor = m.create(Corridor, {
          id: randomUUID(),
          agreementId: agreement.id,
          name: input.name.trim(),
          kind: input.kind,
          latitude: input.latitude,
          longitude: input.longitude,
          handles,
          telemetryGapMinutes: input.telemetryGapMinutes ?? 30,
          createdBy: actor(ctx.caller),
        });
        await m.insert(Corridor, corridor);
        return m.findOneByOrFail(Corridor, { id: corridor.id });
      });
    } catch (e) {
      if (isUniqueViolation(e, 'corridor_agreement_name_key')) {
        throw BadUserInputError.one('input.name', `A corridor named "${input.name.trim()}" was registered under this agreement by another request a moment ago; choose another name.`);
      }
      throw e;
    }
  },

  async recordCorridorClosure(_: unknown, { input }: MutationRecordCorridorClosureArgs, ctx: Context) {
    const p = new Problems();
    checkClosure(p, input);
    p.throwIfAny();
    return ctx.db.transaction(async (m) => {
      const corridor = isUuid(input.corridorId) ? await m.findOneBy(Corridor, { id: input.corridorId }) : null;
      if (!corridor) throw new NotFoundError('corridor', input.corridorId, CORRIDOR_HINT);
      await m.insert(CorridorClosure, {
        id: randomUUID(),
        corridorId: corridor.id,
        startsAt: input.startsAt,
        endsAt: input.endsAt,
        cause: input.cause,
        note: trimmed(input.note),
        recordedBy: actor(ctx.caller),
        recordedBySubject: ctx.caller.subject,
        recordedAt: ctx.clock.now(),
      });
      return corridor;
    });
  },
};
