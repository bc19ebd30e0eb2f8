import { randomUUID } from 'node:crypto';
import { IsNull, type EntityManager } from 'typeorm';
import { BadUserInputError, Problems, actor, hasRole } from '@treaty/service-kit';
import { Detainee, ManifestEntry, ProofOfLife } from '../../entities/index.js';
import { PERSONAL_DATA_ROLES, visibleTo } from '../../access.js';
import { checkDetainee, checkPartyTo, checkPast, checkText, wrongKindFor } from '../../domain/rules.js';
import type { MutationRecordProofOfLifeArgs, MutationRegisterDetaineeArgs } from '../../generated/graphql.js';
import type { Context } from '../../context.js';
import { agreementOrFail, lockDetainees } from './shared.js';

/**
 * Refuses a second registration of one person under an agreement: a detainee (or, for remains, a record
 * of remains) with the same blind index (normalised name and date of birth, see
 * PersonalDataCipher.personIndex) that is not yet erased.
 */
export async function refuseSecondRegistration(m: EntityManager, ctx: Context, agreementId: string, personIndex: string): Promise<void> {
  // Two registrations of one person at the same moment meet here: the second waits, then finds the first.
  await m.query(`SELECT pg_advisory_xact_lock(hashtextextended('prisoners.person:' || $1, 0))`, [personIndex]);
  const twins = await m.findBy(Detainee, { agreementId, personIndex, personalDataPurgedAt: IsNull() });
  // Only a caller who may read the record's personal data is told of it. A PARTY may not: naming the
  // record would tell it that record's name and date of birth (the ones it just typed), and refusing
  // without naming it would still say whether that person is registered. Its registration goes ahead;
  // the mediator sees both records, and the lists' DUPLICATE contest settles them.
  const mayRead = hasRole(ctx.caller, ...PERSONAL_DATA_ROLES);
  const twin = mayRead ? twins.find((t) => visibleTo(ctx.caller, t)) : undefined;
  if (twin?.category === 'REMAINS') {
    throw BadUserInputError.one(
      'input.name',
      `Remains ${twin.id} under this agreement are registered with the same name and date of birth (or the same name, neither with a date of birth), so this would register the remains of the same person twice. ` +
        `If they are the same, use that record (detainee(id: "${twin.id}")); if not, register them with the name in full, and the date of birth if it is known, so that the two can be told apart.`,
    );
  }
  if (twin) {
    throw BadUserInputError.one(
      'input.name',
      `Detainee ${twin.id} under this agreement has the same name and date of birth, so this would register the same person twice. ` +
        `If it is the same person, use that record (detainee(id: "${twin.id}")); if it is someone else, register them with their name in full as the lists give it (with a father's or family name, for example) so that the two can be told apart.`,
    );
  }
}

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
      const id = randomUUID();
      const name = input.name.trim();
      const personIndex = ctx.crypto.personIndex(agreement.id, name, input.dateOfBirth);
      await refuseSecondRegistration(m, ctx, agreement.id, personIndex);
      const { seal } = await ctx.crypto.sealer(m);
      const detainee = m.create(Detainee, {
        id,
        agreementId: agreement.id,
        name: seal('detainee', 'name', id, name)!,
        dateOfBirth: seal('detainee', 'date_of_birth', id, input.dateOfBirth)!,
        holdingPartyId: input.holdingPartyId,
        affiliatedPartyId: input.affiliatedPartyId,
        category: input.category,
        medicalNotes: seal('detainee', 'medical_notes', id, input.medicalNotes?.trim() || null),
        registeredAt: ctx.clock.now(),
        registeredBy: actor(ctx.caller),
        personIndex,
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
      const wrongKind = wrongKindFor('proof-of-life', detainee!);
      if (wrongKind) throw BadUserInputError.one('input.detaineeId', wrongKind);
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
