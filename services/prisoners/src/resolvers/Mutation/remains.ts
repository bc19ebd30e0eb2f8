import { randomUUID } from 'node:crypto';
import { BadUserInputError, DomainError, ErrorCode, NotFoundError, Problems, actor, isUniqueViolation, isUuid } from '@treaty/service-kit';
import { Detainee, ExchangeWave, ManifestEntry, RemainsIdentification } from '../../entities/index.js';
import { identificationAt } from '../../domain/waves.js';
import { checkIdentification, checkInForce, checkPartyTo, checkPast, checkRemains, wrongKindFor } from '../../domain/rules.js';
import type { MutationConfirmRemainsHandoverArgs, MutationRecordRemainsIdentificationArgs, MutationRegisterRemainsArgs } from '../../generated/graphql.js';
import type { Context } from '../../context.js';
import { remainsHandoverFact, remainsIdentificationFact } from '../../evidence.js';
import { refuseSecondRegistration } from './detainee.js';
import { WAVE_HINT, agreementOrFail, lockDetainees, lockWave } from './shared.js';

/**
 * The repatriation of remains: a record of remains (a Detainee row in category REMAINS, so that it is
 * listed and put on manifests like any other), its identification instead of a proof of life, and its
 * handover, confirmed by the intermediary, instead of an interview. Identifications and handovers go to
 * the evidence log in their transaction.
 */
export const remainsMutations = {
  async registerRemains(_: unknown, { input }: MutationRegisterRemainsArgs, ctx: Context) {
    const p = new Problems();
    checkRemains(p, input, ctx.clock.now());
    p.throwIfAny();
    const agreement = await agreementOrFail(ctx, input.agreementId);
    checkPartyTo(p, 'input.holdingPartyId', input.holdingPartyId, agreement);
    checkPartyTo(p, 'input.affiliatedPartyId', input.affiliatedPartyId, agreement);
    p.throwIfAny();
    return ctx.db.transaction(async (m) => {
      const id = randomUUID();
      const name = input.name.trim();
      const dateOfBirth = input.dateOfBirth ?? null;
      const personIndex = ctx.crypto.personIndex(agreement.id, name, dateOfBirth, true);
      await refuseSecondRegistration(m, ctx, agreement.id, personIndex);
      const { seal } = await ctx.crypto.sealer(m);
      const remains = m.create(Detainee, {
        id,
        agreementId: agreement.id,
        name: seal('detainee', 'name', id, name)!,
        dateOfBirth: seal('detainee', 'date_of_birth', id, dateOfBirth),
        holdingPartyId: input.holdingPartyId,
        affiliatedPartyId: input.affiliatedPartyId,
        category: 'REMAINS',
        medicalNotes: null,
        registeredAt: ctx.clock.now(),
        registeredBy: actor(ctx.caller),
        personIndex,
      });
      await m.insert(Detainee, remains);
      return remains;
    });
  },

  async recordRemainsIdentification(_: unknown, { input }: MutationRecordRemainsIdentificationArgs, ctx: Context) {
    const p = new Problems();
    const now = ctx.clock.now();
    checkIdentification(p, input, now);
    p.throwIfAny();
    return ctx.db.transaction(async (m) => {
      const [remains] = await lockDetainees(m, [input.detaineeId]);
      const wrongKind = wrongKindFor('identification', remains!);
      if (wrongKind) throw BadUserInputError.one('input.detaineeId', wrongKind);
      const handedOver = await m.findOneBy(ManifestEntry, { detaineeId: remains!.id, outcome: 'REPATRIATED' });
      if (handedOver) {
        throw BadUserInputError.one(
          'input.detaineeId',
          `Remains ${remains!.id} were handed over at ${handedOver.confirmedAt!.toISOString()} on the strength of identification ${handedOver.remainsIdentificationId}; identification is recorded before the handover.`,
        );
      }
      const id = randomUUID();
      const { seal } = await ctx.crypto.sealer(m);
      const identification = m.create(RemainsIdentification, {
        id,
        detaineeId: remains!.id,
        method: input.method,
        identifiedBy: input.identifiedBy.trim(),
        identifiedAt: input.identifiedAt,
        evidenceReference: seal('remains_identification', 'evidence_reference', id, input.evidenceReference.trim()),
        findings: seal('remains_identification', 'findings', id, input.findings?.trim() || null),
        recordedAt: now,
        recordedBy: actor(ctx.caller),
      });
      await m.insert(RemainsIdentification, identification);
      await ctx.evidence.append(m, { kind: 'remains-identification', subject: id, fact: remainsIdentificationFact(identification), by: ctx.caller });
      return identification;
    });
  },

  async confirmRemainsHandover(_: unknown, { input }: MutationConfirmRemainsHandoverArgs, ctx: Context) {
    const p = new Problems();
    const now = ctx.clock.now();
    checkPast(p, 'input.confirmedAt', input.confirmedAt, now, 'confirmedAt');
    p.throwIfAny();
    const planned = isUuid(input.waveId) ? await ctx.db.getRepository(ExchangeWave).findOneBy({ id: input.waveId }) : null;
    if (!planned) throw new NotFoundError('exchange wave', input.waveId, WAVE_HINT);
    const agreement = await agreementOrFail(ctx, planned.agreementId);
    checkInForce(p, 'input.confirmedAt', input.confirmedAt, agreement, 'confirmedAt');
    p.throwIfAny();
    try {
      return await ctx.db.transaction(async (m) => {
        const wave = await lockWave(m, planned.id);
        const [remains] = await lockDetainees(m, [input.detaineeId]);
        const wrongKind = wrongKindFor('remains-handover', remains!);
        if (wrongKind) throw BadUserInputError.one('input.detaineeId', wrongKind);
        if (!wave.sealedAt) {
          throw new DomainError(ErrorCode.INVALID_TRANSITION, `Wave ${wave.sequence} is PLANNED; the mediator seals its manifest (sealManifest) before handovers begin.`, { waveId: wave.id });
        }
        const entry = await m.findOneBy(ManifestEntry, { waveId: wave.id, detaineeId: remains!.id });
        if (!entry) throw BadUserInputError.one('input.detaineeId', `Remains ${remains!.id} are not on the manifest of wave ${wave.sequence}.`);
        const before = await m.findOneBy(ManifestEntry, { detaineeId: remains!.id, outcome: 'REPATRIATED' });
        if (before) {
          throw new DomainError(
            ErrorCode.ALREADY_RELEASED,
            `Remains ${remains!.id} were already handed over${before.waveId === wave.id ? '' : ' on another wave'} at ${before.confirmedAt!.toISOString()}; a handover is recorded once.`,
            { detaineeId: remains!.id },
          );
        }
        const identifications = await m.findBy(RemainsIdentification, { detaineeId: remains!.id });
        const identification = identificationAt(identifications, input.confirmedAt);
        if (!identification) {
          const later = identifications.length
            ? ` (the earliest identification recorded was made at ${identifications.map((i) => i.identifiedAt.toISOString()).sort()[0]}, after the handover)`
            : '';
          throw new DomainError(
            ErrorCode.INVALID_TRANSITION,
            `Remains ${remains!.id} were not identified by ${input.confirmedAt.toISOString()}${later}, and unidentified remains are never handed over. ` +
              'Record how they were identified (recordRemainsIdentification: method, by whom, when, the evidence reference), then confirm the handover.',
            { detaineeId: remains!.id },
          );
        }
        Object.assign(entry, {
          outcome: 'REPATRIATED',
          fitToTravel: null,
          medicalCheckNotes: null,
          confirmedAt: input.confirmedAt,
          confirmedBy: actor(ctx.caller),
          recordedAt: now,
          remainsIdentificationId: identification.id,
        });
        await m.save(ManifestEntry, entry);
        await ctx.evidence.append(m, { kind: 'remains-handover', subject: entry.id, fact: remainsHandoverFact(entry), by: ctx.caller });
        return entry;
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new DomainError(ErrorCode.ALREADY_RELEASED, `Remains ${input.detaineeId} were handed over by another request a moment ago; a handover is recorded once.`);
      throw e;
    }
  },
};
