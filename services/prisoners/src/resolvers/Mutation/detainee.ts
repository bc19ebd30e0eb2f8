import { randomUUID } from 'node:crypto';
import { BadUserInputError, Problems, actor } from '@treaty/service-kit';
import { Detainee, ManifestEntry, ProofOfLife } from '../../entities/index.js';
import { checkDetainee, checkPartyTo, checkPast, checkText } from '../../domain/rules.js';
import type { MutationRecordProofOfLifeArgs, MutationRegisterDetaineeArgs } from '../../generated/graphql.js';
import type { Context } from '../../context.js';
import { agreementOrFail, lockDetainees } from './shared.js';

export const detaineeMutations = {
  async registerDetainee(_: unknown, { input }: MutationRegisterDetaineeArgs, ctx: Context) {
    const p = new Problems();
    checkDetainee(p, input, ctx.clock.now());
    p.throwIfAny();
    const agreement = await agreementOrFail(ctx, input.agreementId);
    checkPartyTo(p, 'input.holdingPartyId', input.holdingPartyId, agreement);
    checkPartyTo(p, 'input.affiliatedPartyId', input.affiliatedPartyId, agreement);
    p.throwIfAny();
    return ctx.db.transaction(async (m) => {
      const detainee = m.create(Detainee, {
        id: randomUUID(),
        agreementId: agreement.id,
        name: input.name.trim(),
        dateOfBirth: input.dateOfBirth,
        holdingPartyId: input.holdingPartyId,
        affiliatedPartyId: input.affiliatedPartyId,
        category: input.category,
        medicalNotes: input.medicalNotes?.trim() || null,
        registeredAt: ctx.clock.now(),
        registeredBy: actor(ctx.caller),
      });
      await m.insert(Detainee, detainee);
      return detainee;
    });
  },

  async recordProofOfLife(_: unknown, { input }: MutationRecordProofOfLifeArgs, ctx: Context) {
    const p = new Problems();
    const now = ctx.clock.now();
    checkText(p, 'input.verifier', input.verifier, 'Verifier');
    checkPast(p, 'input.observedAt', input.observedAt, now, 'observedAt');
    p.throwIfAny();
    return ctx.db.transaction(async (m) => {
      const [detainee] = await lockDetainees(m, [input.detaineeId]);
      const release = await m.findOneBy(ManifestEntry, { detaineeId: detainee!.id, outcome: 'CONSENTS' });
      if (release) {
        throw BadUserInputError.one('input.detaineeId', `Detainee ${detainee!.id} was released at ${release.confirmedAt!.toISOString()}; proof of life is recorded for detainees still held.`);
      }
      const proof = m.create(ProofOfLife, {
        id: randomUUID(),
        detaineeId: detainee!.id,
        method: input.method,
        observedAt: input.observedAt,
        verifier: input.verifier.trim(),
        recordedAt: now,
        recordedBy: actor(ctx.caller),
      });
      await m.insert(ProofOfLife, proof);
      return proof;
    });
  },
};
