import { randomUUID } from 'node:crypto';
import { BadUserInputError, DomainError, ErrorCode, NotFoundError, Problems, actor, isUuid, raiseAlert } from '@treaty/service-kit';
import { AgreementParty, Dispute, DisputeRuling, RedressCase, RedressDelivery } from '../../entities/index.js';
import { checkDelivery, checkRedressCase, redressDeliveredAlert, redressOpenedAlert } from '../../domain/redress.js';
import type { MutationOpenRedressCaseArgs, MutationRecordRedressDeliveredArgs } from '../../generated/graphql.js';
import type { Context } from '../../context.js';
import { redressDeliveredFact, redressOpenedFact } from '../../evidence.js';
import { findAgreement, onceOnly } from './shared.js';

/** What a validated violation is, for the refusals that say a basis is not one. */
const VALIDATED = 'a redress case is opened only on a validated violation: an incident the monitors VERIFIED (verifyIncident, corridors service) or a dispute ruled BREACH_CONFIRMED';

export const redressMutations = {
  async openRedressCase(_: unknown, { input }: MutationOpenRedressCaseArgs, ctx: Context) {
    const now = ctx.clock.now();
    const p = new Problems();
    checkRedressCase(p, input, now);
    p.throwIfAny();
    return ctx.db.transaction(async (m) => {
      const agreement = await findAgreement(m, input.agreementId);
      const parties = await m.find(AgreementParty, { where: { agreementId: agreement.id }, relations: { party: true } });
      if (!parties.some((ap) => ap.partyId === input.owedByPartyId)) {
        throw BadUserInputError.one(
          'input.owedByPartyId',
          `The owing party must be a party to "${agreement.title}": ${parties.map((ap) => `${ap.party.name} (${ap.partyId})`).join(' or ')}.`,
        );
      }
      if (input.basis === 'INCIDENT') {
        // Verification belongs to the corridors service: ask it now, never trust the caller's word.
        const incident = await ctx.peers.corridors.incident(input.incidentId!);
        if (!incident) throw new NotFoundError('incident', input.incidentId!, 'Incidents are reported to the corridors service; list them with { agreement(id: "…") { incidents { id verificationState } } }.');
        if (incident.agreement.id !== agreement.id) throw BadUserInputError.one('input.incidentId', `Incident ${incident.id} concerns another agreement than "${agreement.title}".`);
        if (incident.verificationState !== 'VERIFIED') {
          throw new DomainError(ErrorCode.INVALID_TRANSITION, `Incident ${incident.id} is ${incident.verificationState}, not VERIFIED: ${VALIDATED}.`, { verificationState: incident.verificationState });
        }
      } else {
        const dispute = await m.findOneBy(Dispute, { id: input.disputeId! });
        if (!dispute) throw new NotFoundError('dispute', input.disputeId!, 'List disputes with { agreement(id: "…") { disputes { id ruling { outcome } } } }.');
        if (dispute.agreementId !== agreement.id) throw BadUserInputError.one('input.disputeId', `Dispute ${dispute.id} was filed under another agreement than "${agreement.title}".`);
        const ruling = await m.findOneBy(DisputeRuling, { disputeId: dispute.id });
        if (ruling?.outcome !== 'BREACH_CONFIRMED') {
          const state = ruling ? `was ruled ${ruling.outcome}` : 'has no ruling yet';
          throw new DomainError(ErrorCode.INVALID_TRANSITION, `Dispute ${dispute.id} ${state}: ${VALIDATED}.`, { outcome: ruling?.outcome ?? null });
        }
      }
      const redress = m.create(RedressCase, {
        id: randomUUID(),
        agreementId: agreement.id,
        basis: input.basis,
        incidentId: input.basis === 'INCIDENT' ? input.incidentId! : null,
        disputeId: input.basis === 'RULING' ? input.disputeId! : null,
        remedy: input.remedy.trim(),
        owedByPartyId: input.owedByPartyId,
        dueAt: input.dueAt,
        openedBy: actor(ctx.caller),
        openedAt: now,
      });
      await m.insert(RedressCase, redress);
      await ctx.evidence.append(m, { kind: 'redress-opened', subject: redress.id, fact: redressOpenedFact(redress), by: ctx.caller });
      await raiseAlert(m, redressOpenedAlert(redress));
      return redress;
    });
  },

  async recordRedressDelivered(_: unknown, { input }: MutationRecordRedressDeliveredArgs, ctx: Context) {
    const now = ctx.clock.now();
    const deliveredAt = input.deliveredAt ?? now;
    const p = new Problems();
    checkDelivery(p, { deliveredAt, evidence: input.evidence }, now, null);
    p.throwIfAny();
    const already = async () => {
      const d = await ctx.db.getRepository(RedressDelivery).findOneByOrFail({ caseId: input.caseId });
      return new DomainError(ErrorCode.INVALID_TRANSITION, `This case's remedy was already recorded delivered (at ${d.deliveredAt.toISOString()}, by ${d.recordedBy}); a delivery is recorded once.`);
    };
    return onceOnly(already, () =>
      ctx.db.transaction(async (m) => {
        const redress = isUuid(input.caseId) ? await m.getRepository(RedressCase).createQueryBuilder('c').setLock('pessimistic_write').where('c.id = :id', { id: input.caseId }).getOne() : null;
        if (!redress) throw new NotFoundError('redress case', input.caseId, 'List the cases with { agreement(id: "…") { redressCases { id status } } }.');
        if (await m.existsBy(RedressDelivery, { caseId: redress.id })) throw await already();
        checkDelivery(p, { deliveredAt, evidence: input.evidence }, now, redress.openedAt);
        p.throwIfAny();
        const delivery = m.create(RedressDelivery, {
          caseId: redress.id,
          deliveredAt,
          evidence: input.evidence.map((e) => ({ reference: e.reference.trim(), description: e.description?.trim() || null, sha256: e.sha256?.toLowerCase() ?? null })),
          recordedBy: actor(ctx.caller),
          recordedAt: now,
        });
        await m.insert(RedressDelivery, delivery);
        await ctx.evidence.append(m, { kind: 'redress-delivered', subject: redress.id, fact: redressDeliveredFact(delivery), by: ctx.caller });
        await raiseAlert(m, redressDeliveredAlert(redress, delivery));
        return redress;
      }),
    );
  },
};
