import { randomUUID } from 'node:crypto';
import { In } from 'typeorm';
import { DomainError, ErrorCode, Problems, actor, isUniqueViolation, isUuid } from '@treaty/service-kit';
import { ManifestEntry } from '../../entities/index.js';
import { checkIdList, checkManifestAdditions } from '../../domain/rules.js';
import { isLiving } from '../../domain/priority.js';
import type { MutationAddToManifestArgs, MutationRemoveFromManifestArgs } from '../../generated/graphql.js';
import type { Context } from '../../context.js';
import { held, lockDetainees, lockWave } from './shared.js';
import { listStatuses, ratioOf, refuseReleasedOrOpen, refuseRemainsWithoutTerm, refuseSequencing, refuseUnlessAgreed, refuseUnlessPlanned } from './manifest-rules.js';

export const manifestMutations = {
  async addToManifest(_: unknown, { input }: MutationAddToManifestArgs, ctx: Context) {
    const p = new Problems();
    checkIdList(p, 'input.detaineeIds', input.detaineeIds, 500, 'manifest');
    p.throwIfAny();
    const now = ctx.clock.now();
    try {
      return await ctx.db.transaction(async (m) => {
        const wave = await lockWave(m, input.waveId);
        const detainees = await lockDetainees(m, input.detaineeIds);
        refuseUnlessPlanned(wave, 'take more detainees');
        const already = await m.findBy(ManifestEntry, { waveId: wave.id, detaineeId: In(input.detaineeIds) });
        checkManifestAdditions(p, detainees, wave, already.map((a) => a.detaineeId));
        p.throwIfAny();
        await refuseReleasedOrOpen(m, wave, input.detaineeIds);
        refuseUnlessAgreed(await listStatuses(m, wave.agreementId, input.detaineeIds, now), wave, 'take these detainees');
        refuseRemainsWithoutTerm(wave, await ratioOf(m, wave), detainees, 'take these remains');
        await refuseSequencing(m, wave, detainees.filter(isLiving).map(held), now, 'take these detainees');
        await m.insert(
          ManifestEntry,
          detainees.map((d) => ({ id: randomUUID(), waveId: wave.id, detaineeId: d.id, addedAt: now, addedBy: actor(ctx.caller) })),
        );
        return wave;
      });
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw new DomainError(ErrorCode.ALREADY_RELEASED, 'A detainee in this request was put on another open manifest by another request a moment ago; reload the waves.');
      }
      throw e;
    }
  },

  async removeFromManifest(_: unknown, { input }: MutationRemoveFromManifestArgs, ctx: Context) {
    const p = new Problems();
    checkIdList(p, 'input.detaineeIds', input.detaineeIds, 500, 'manifest');
    p.throwIfAny();
    return ctx.db.transaction(async (m) => {
      const wave = await lockWave(m, input.waveId);
      refuseUnlessPlanned(wave, 'change its manifest');
      const ids = input.detaineeIds.filter(isUuid);
      const entries = ids.length ? await m.findBy(ManifestEntry, { waveId: wave.id, detaineeId: In(ids) }) : [];
      input.detaineeIds.forEach((id, i) => {
        if (!entries.some((e) => e.detaineeId === id)) p.add(`input.detaineeIds[${i}]`, `Detainee ${id} is not on the manifest of wave ${wave.sequence}.`);
      });
      p.throwIfAny();
      await m.delete(ManifestEntry, { id: In(entries.map((e) => e.id)) });
      return wave;
    });
  },
};
