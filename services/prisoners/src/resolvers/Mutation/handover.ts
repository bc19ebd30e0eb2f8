import { BadUserInputError, DomainError, ErrorCode, NotFoundError, Problems, actor, isUniqueViolation, isUuid } from '@treaty/service-kit';
import { ExchangeWave, ManifestEntry, ProofOfLife, type InterviewOutcome } from '../../entities/index.js';
import { proofOfLifeAgeDays, proofOfLifeFresh } from '../../domain/waves.js';
import { checkHandover, checkInForce, wrongKindFor } from '../../domain/rules.js';
import type { MutationConfirmHandoverArgs } from '../../generated/graphql.js';
import type { Context } from '../../context.js';
import { WAVE_HINT, agreementOrFail, lockDetainees, lockWave } from './shared.js';
import { handoverFact } from '../../evidence.js';

export const handoverMutations = {
  async confirmHandover(_: unknown, { input }: MutationConfirmHandoverArgs, ctx: Context) {
    const p = new Problems();
    const now = ctx.clock.now();
    checkHandover(p, input, now);
    p.throwIfAny();
    const planned = isUuid(input.waveId) ? await ctx.db.getRepository(ExchangeWave).findOneBy({ id: input.waveId }) : null;
    if (!planned) throw new NotFoundError('exchange wave', input.waveId, WAVE_HINT);
    // The proof-of-life limit belongs to the agreement, owned by the milestones service: ask it, never the client.
    const agreement = await agreementOrFail(ctx, planned.agreementId);
    checkInForce(p, 'input.confirmedAt', input.confirmedAt, agreement, 'confirmedAt');
    p.throwIfAny();
    try {
      return await ctx.db.transaction(async (m) => {
        const wave = await lockWave(m, planned.id);
        const [detainee] = await lockDetainees(m, [input.detaineeId]);
        const wrongKind = wrongKindFor('interview', detainee!);
        if (wrongKind) throw BadUserInputError.one('input.detaineeId', wrongKind);
        if (!wave.sealedAt) {
          throw new DomainError(ErrorCode.INVALID_TRANSITION, `Wave ${wave.sequence} is PLANNED; the mediator seals its manifest (sealManifest) before handovers begin.`, { waveId: wave.id });
        }
        const entry = await m.findOneBy(ManifestEntry, { waveId: wave.id, detaineeId: detainee!.id });
        if (!entry) throw BadUserInputError.one('input.detaineeId', `Detainee ${detainee!.id} is not on the manifest of wave ${wave.sequence}.`);
        if (entry.outcome === 'CONSENTS') {
          throw new DomainError(ErrorCode.ALREADY_RELEASED, `Detainee ${detainee!.id} was already released on wave ${wave.sequence} at ${entry.confirmedAt!.toISOString()}; a release is recorded once.`, { detaineeId: detainee!.id });
        }
        if (entry.outcome === 'REFUSES') {
          throw new DomainError(
            ErrorCode.INVALID_TRANSITION,
            `Detainee ${detainee!.id} refused to return at ${entry.confirmedAt!.toISOString()} and the refusal stands for wave ${wave.sequence}; if they change their mind, the mediator puts them on a later wave.`,
            { detaineeId: detainee!.id },
          );
        }
        if (input.interview === 'CONSENTS') {
          const elsewhere = await m.findOneBy(ManifestEntry, { detaineeId: detainee!.id, outcome: 'CONSENTS' });
          if (elsewhere) throw new DomainError(ErrorCode.ALREADY_RELEASED, `Detainee ${detainee!.id} was already released at ${elsewhere.confirmedAt!.toISOString()}.`, { detaineeId: detainee!.id });
          const latest = await m
            .getRepository(ProofOfLife)
            .createQueryBuilder('pl')
            .where('pl.detainee_id = :id AND pl.observed_at <= :at', { id: detainee!.id, at: input.confirmedAt })
            .orderBy('pl.observed_at', 'DESC')
            .getOne();
          if (!proofOfLifeFresh(latest?.observedAt ?? null, input.confirmedAt, agreement.proofOfLifeMaxAgeDays)) {
            const seen = latest
              ? `the latest proof of life before the handover was observed at ${latest.observedAt.toISOString()}, ${proofOfLifeAgeDays(latest.observedAt, input.confirmedAt).toFixed(1)} days earlier`
              : 'there is no proof of life before the handover';
            throw new DomainError(
              ErrorCode.PROOF_OF_LIFE_STALE,
              `Detainee ${detainee!.id} cannot be handed over: ${seen}, and "${agreement.title}" allows at most ${agreement.proofOfLifeMaxAgeDays} days. ` +
                'Record a new proof of life (recordProofOfLife), then confirm the handover.',
              { detaineeId: detainee!.id, maxAgeDays: agreement.proofOfLifeMaxAgeDays },
            );
          }
        }
        const outcome: InterviewOutcome = input.interview;
        const { seal } = await ctx.crypto.sealer(m);
        Object.assign(entry, {
          outcome,
          fitToTravel: input.medicalCheck.fitToTravel,
          medicalCheckNotes: seal('manifest_entry', 'medical_check_notes', entry.id, input.medicalCheck.notes?.trim() || null),
          confirmedAt: input.confirmedAt,
          confirmedBy: actor(ctx.caller),
          recordedAt: now,
        });
        await m.save(ManifestEntry, entry);
        await ctx.evidence.append(m, { kind: 'handover', subject: entry.id, fact: handoverFact(entry), by: ctx.caller });
        return entry;
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new DomainError(ErrorCode.ALREADY_RELEASED, `Detainee ${input.detaineeId} was released by another request a moment ago; a release is recorded once.`);
      throw e;
    }
  },
};
