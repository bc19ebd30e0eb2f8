import { randomUUID } from 'node:crypto';
import { In } from 'typeorm';
import { BadUserInputError, DomainError, ErrorCode, NotFoundError, Problems, actor, isUniqueViolation, isUuid } from '@treaty/service-kit';
import { Detainee, ExchangeWave, ManifestEntry, RatioTerm } from '../../entities/index.js';
import { isLiving } from '../../domain/priority.js';
import { checkRatio } from '../../domain/waves.js';
import { checkInForce, checkPartyTo, checkText, checkWavePlan, checkWaveSequence, defaultCounterpart } from '../../domain/rules.js';
import type { MutationPlanExchangeWaveArgs, MutationRecordSequencingExceptionArgs, MutationSealManifestArgs, MutationWithdrawExchangeWaveArgs } from '../../generated/graphql.js';
import type { Context } from '../../context.js';
import { agreementOrFail, held, lockAgreementWaves, lockWave } from './shared.js';
import { listStatuses, refuseRemainsWithoutTerm, refuseSequencing, refuseUnlessAgreed, refuseUnlessPlanned, refuseUnmetRatio } from './manifest-rules.js';

export const waveMutations = {
  async planExchangeWave(_: unknown, { input }: MutationPlanExchangeWaveArgs, ctx: Context) {
    const p = new Problems();
    checkWavePlan(p, input.sequence, input.ratio, input.sequencingException?.reason);
    p.throwIfAny();
    const agreement = await agreementOrFail(ctx, input.agreementId);
    if (!isUuid(input.milestoneId) || !agreement.milestones.some((x) => x.id === input.milestoneId)) {
      throw new NotFoundError(
        'milestone',
        input.milestoneId,
        `"${agreement.title}" has no such milestone; its milestones are ${agreement.milestones.map((x) => `"${x.title}" (${x.id})`).join(', ') || 'none yet'}.`,
      );
    }
    if (input.ratio) checkPartyTo(p, 'input.ratio.basePartyId', input.ratio.basePartyId, agreement);
    checkInForce(p, 'input.scheduledAt', input.scheduledAt, agreement, 'scheduledAt');
    p.throwIfAny();
    const now = ctx.clock.now();
    try {
      return await ctx.db.transaction(async (m) => {
        await lockAgreementWaves(m, agreement.id);
        const waves = await m.find(ExchangeWave, { where: { agreementId: agreement.id }, order: { sequence: 'ASC' } });
        checkWaveSequence(p, input.sequence, waves);
        p.throwIfAny();
        const wave = m.create(ExchangeWave, {
          id: randomUUID(),
          agreementId: agreement.id,
          milestoneId: input.milestoneId,
          sequence: input.sequence,
          scheduledAt: input.scheduledAt,
          ratioBasePartyId: input.ratio?.basePartyId ?? null,
          exceptionReason: input.sequencingException?.reason.trim() ?? null,
          exceptionBy: input.sequencingException ? actor(ctx.caller) : null,
          exceptionAt: input.sequencingException ? now : null,
          plannedBy: actor(ctx.caller),
          plannedAt: now,
          sealedAt: null,
          sealedBy: null,
        });
        await m.insert(ExchangeWave, wave);
        if (input.ratio) {
          await m.insert(
            RatioTerm,
            input.ratio.terms.map((t) => ({ waveId: wave.id, category: t.category, counterpartPerDetainee: t.counterpartPerDetainee, counterpart: t.counterpart ?? defaultCounterpart(t.category) })),
          );
        }
        return wave;
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw BadUserInputError.one('input.sequence', `Sequence ${input.sequence} was taken by another request a moment ago; reload the waves and choose the next number.`);
      throw e;
    }
  },

  async recordSequencingException(_: unknown, { input }: MutationRecordSequencingExceptionArgs, ctx: Context) {
    const p = new Problems();
    checkText(p, 'input.reason', input.reason, 'Reason', 2000);
    p.throwIfAny();
    return ctx.db.transaction(async (m) => {
      const wave = await lockWave(m, input.waveId);
      refuseUnlessPlanned(wave, 'be given a sequencing exception');
      if (wave.exceptionReason) {
        throw BadUserInputError.one('input.waveId', `Wave ${wave.sequence} already carries an exception recorded by ${wave.exceptionBy} at ${wave.exceptionAt!.toISOString()}.`);
      }
      Object.assign(wave, { exceptionReason: input.reason.trim(), exceptionBy: actor(ctx.caller), exceptionAt: ctx.clock.now() });
      await m.save(ExchangeWave, wave);
      return wave;
    });
  },

  async sealManifest(_: unknown, { input }: MutationSealManifestArgs, ctx: Context) {
    const now = ctx.clock.now();
    return ctx.db.transaction(async (m) => {
      const wave = await lockWave(m, input.waveId);
      if (wave.sealedAt) {
        throw new DomainError(ErrorCode.INVALID_TRANSITION, `Wave ${wave.sequence} was already sealed at ${wave.sealedAt.toISOString()} by ${wave.sealedBy}.`, { waveId: wave.id });
      }
      refuseUnlessPlanned(wave, 'be sealed');
      const earlier = await m
        .getRepository(ExchangeWave)
        .createQueryBuilder('w')
        // A withdrawn wave never takes place, so it holds no later wave back.
        .where('w.agreement_id = :a AND w.sequence < :s AND w.sealed_at IS NULL AND w.withdrawn_at IS NULL', { a: wave.agreementId, s: wave.sequence })
        .orderBy('w.sequence', 'ASC')
        .getMany();
      if (earlier.length) {
        throw BadUserInputError.one(
          'input.waveId',
          `Waves are sealed in order: seal wave ${earlier.map((w) => `${w.sequence} (${w.id})`).join(', ')} before wave ${wave.sequence}, ` +
            'or withdraw a wave that will not take place (withdrawExchangeWave).',
        );
      }
      const entries = await m.findBy(ManifestEntry, { waveId: wave.id });
      if (entries.length === 0) throw BadUserInputError.one('input.waveId', `Wave ${wave.sequence} has an empty manifest; add detainees with addToManifest before sealing it.`);
      const detainees = await m.findBy(Detainee, { id: In(entries.map((e) => e.detaineeId)) });
      refuseUnlessAgreed(await listStatuses(m, wave.agreementId, detainees.map((d) => d.id), now), wave, 'be sealed');
      await refuseSequencing(m, wave, detainees.filter(isLiving).map(held), now, 'be sealed');
      const terms = await m.findBy(RatioTerm, { waveId: wave.id });
      const ratio = wave.ratioBasePartyId ? { basePartyId: wave.ratioBasePartyId, terms } : null;
      refuseRemainsWithoutTerm(wave, ratio, detainees, 'be sealed');
      refuseUnmetRatio(wave, checkRatio(detainees, ratio), detainees);
      Object.assign(wave, { sealedAt: now, sealedBy: actor(ctx.caller) });
      await m.save(ExchangeWave, wave);
      return wave;
    });
  },

  /**
   * A PLANNED wave that will not take place: its manifest is emptied (its detainees may go on another
   * wave) and it stops holding later waves back. No handover can rest on it, since only a sealed wave
   * has handovers, so nothing that changes anyone's freedom is undone.
   */
  async withdrawExchangeWave(_: unknown, { input }: MutationWithdrawExchangeWaveArgs, ctx: Context) {
    const p = new Problems();
    checkText(p, 'input.reason', input.reason, 'Reason', 2000);
    p.throwIfAny();
    return ctx.db.transaction(async (m) => {
      const wave = await lockWave(m, input.waveId);
      refuseUnlessPlanned(wave, 'be withdrawn');
      await m.delete(ManifestEntry, { waveId: wave.id });
      Object.assign(wave, { withdrawnAt: ctx.clock.now(), withdrawnBy: actor(ctx.caller), withdrawalReason: input.reason.trim() });
      await m.save(ExchangeWave, wave);
      return wave;
    });
  },
};
