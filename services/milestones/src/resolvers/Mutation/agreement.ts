import { randomUUID } from 'node:crypto';
import { In } from 'typeorm';
import { NotFoundError, Problems, actor, isUuid } from '@treaty/service-kit';
import { Agreement, AgreementParty, DisputeTier, Party, Phase } from '../../entities/index.js';
import { DEFAULT_TIERS } from '../../domain/disputes.js';
import { checkPartyDrafts, checkPhases, checkText, checkTiers } from '../../domain/rules.js';
import type { MutationCreateAgreementArgs } from '../../generated/graphql.js';
import type { Context } from '../../context.js';

export const agreementMutations = {
  async createAgreement(_: unknown, { input }: MutationCreateAgreementArgs, ctx: Context) {
    const p = new Problems();
    checkText(p, 'input.title', input.title, 'Title');
    if (input.mediator !== undefined && input.mediator !== null) checkText(p, 'input.mediator', input.mediator, 'Mediator');
    checkPartyDrafts(p, input.parties);
    checkPhases(p, input.phases);
    const polDays = input.proofOfLifeMaxAgeDays ?? 14;
    p.check(Number.isInteger(polDays) && polDays >= 1 && polDays <= 90, 'input.proofOfLifeMaxAgeDays', `proofOfLifeMaxAgeDays is ${polDays}; give a whole number of days from 1 to 90 (14 is usual).`);
    const tiers = input.disputeTiers ?? DEFAULT_TIERS;
    checkTiers(p, tiers);
    p.throwIfAny();

    return ctx.db.transaction(async (m) => {
      const existingIds = input.parties.filter((x) => x.id).map((x) => x.id!);
      const badId = existingIds.find((id) => !isUuid(id));
      if (badId) throw new NotFoundError('party', badId);
      const existing = existingIds.length ? await m.findBy(Party, { id: In(existingIds) }) : [];
      const missing = existingIds.find((id) => !existing.some((e) => e.id === id));
      if (missing) throw new NotFoundError('party', missing, 'Pass the id of a party already registered, or a name and kind to register a new one.');
      // checkPartyDrafts has made sure that a party without an id has a name and a kind.
      const drafts = input.parties.filter((x) => !x.id).map((x) => ({ id: randomUUID(), name: x.name!.trim(), kind: x.kind! }));
      const clashes = drafts.length ? await m.findBy(Party, { name: In(drafts.map((d) => d.name)) }) : [];
      for (const c of clashes) {
        p.add('input.parties', `A party named "${c.name}" is already registered (id ${c.id}); pass { id: "${c.id}" } to use it.`);
      }
      p.throwIfAny();

      const agreement = m.create(Agreement, {
        id: randomUUID(),
        title: input.title.trim(),
        mediator: input.mediator?.trim() || null,
        entryIntoForceAt: input.entryIntoForceAt,
        proofOfLifeMaxAgeDays: polDays,
        createdBy: actor(ctx.caller),
      });
      await m.insert(Agreement, agreement);
      if (drafts.length) await m.insert(Party, drafts);
      await m.insert(
        AgreementParty,
        [...existing.map((e) => e.id), ...drafts.map((d) => d.id)].map((partyId) => ({ agreementId: agreement.id, partyId })),
      );
      await m.insert(
        Phase,
        input.phases.map((ph) => ({
          id: randomUUID(),
          agreementId: agreement.id,
          ordinal: ph.ordinal,
          name: ph.name.trim(),
          startDay: ph.startDay,
          endDay: ph.endDay,
          permittedCargo: ph.permittedCargo,
        })),
      );
      await m.insert(
        DisputeTier,
        tiers.map((t) => ({ agreementId: agreement.id, ordinal: t.ordinal, name: t.name.trim(), hours: t.hours, rulingRole: t.rulingRole })),
      );
      return m.findOneByOrFail(Agreement, { id: agreement.id });
    });
  },
};
