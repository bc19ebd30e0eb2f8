import { randomUUID } from 'node:crypto';
import { BadUserInputError, ForbiddenError, NotFoundError, Problems, actor, hasRole, isUuid } from '@treaty/service-kit';
import { Agreement, AgreementParty, Dispute, DisputeRuling, DisputeTier } from '../../entities/index.js';
import { disputeStage, guarantorStandingRefusal, tierRoleRefusal } from '../../domain/disputes.js';
import { checkLodgedAt, checkText } from '../../domain/rules.js';
import type { MutationFileDisputeArgs, MutationRuleOnDisputeArgs } from '../../generated/graphql.js';
import type { Context } from '../../context.js';
import { findAgreement, findMilestone, onceOnly } from './shared.js';
import { rulingFact } from '../../evidence.js';

export const disputeMutations = {
  async fileDispute(_: unknown, { input }: MutationFileDisputeArgs, ctx: Context) {
    const p = new Problems();
    checkText(p, 'input.allegation', input.allegation, 'Allegation', 5000);
    if (Boolean(input.milestoneId) === Boolean(input.incidentId)) p.add('input', 'Give exactly one of milestoneId (a milestone disputed) and incidentId (an incident disputed).');
    if (input.incidentId && !isUuid(input.incidentId)) p.add('input.incidentId', `"${input.incidentId}" is not an incident id; incident ids are UUIDs from the corridors service.`);
    p.throwIfAny();
    return ctx.db.transaction(async (m) => {
      const agreement = await findAgreement(m, input.agreementId);
      const parties = (await m.findBy(AgreementParty, { agreementId: agreement.id })).map((ap) => ap.partyId);
      if (hasRole(ctx.caller, 'PARTY') && !hasRole(ctx.caller, 'MEDIATOR', 'MONITOR') && !parties.includes(ctx.caller.partyId ?? '')) {
        throw new ForbiddenError(`Only a party to "${agreement.title}" may file a dispute under it; your token acts for party ${ctx.caller.partyId}.`);
      }
      if (input.milestoneId) {
        const milestone = await findMilestone(m, input.milestoneId);
        if (milestone.agreementId !== agreement.id) p.add('input.milestoneId', `Milestone "${milestone.title}" belongs to another agreement.`);
      }
      if (input.accusedPartyId && !parties.includes(input.accusedPartyId)) p.add('input.accusedPartyId', `The accused party must be a party to "${agreement.title}".`);
      // A party's dispute is its complaint against the other side; a confirmed ruling on it can trigger a
      // snap-back, so a party cannot set that off against itself. Its own breach is reported as an incident.
      const filingAsParty = hasRole(ctx.caller, 'PARTY') && !hasRole(ctx.caller, 'MEDIATOR', 'MONITOR');
      if (filingAsParty && input.accusedPartyId && input.accusedPartyId === ctx.caller.partyId) {
        p.add('input.accusedPartyId', 'A party files a dispute against another party, not its own; to put a breach by your own side on record, report it as an incident (reportIncident), or ask the mediator or a monitor to file the dispute.');
      }
      if (input.incidentId) {
        // Incidents belong to the corridors service: confirm the report exists and concerns this agreement.
        const incident = await ctx.peers.corridors.incident(input.incidentId);
        if (!incident) throw new NotFoundError('incident', input.incidentId, 'Incidents are reported to the corridors service; list them with { agreement(id: "…") { incidents { id } } }.');
        if (incident.agreement.id !== agreement.id) p.add('input.incidentId', `Incident ${input.incidentId} concerns another agreement.`);
      }
      const now = ctx.clock.now();
      const lodgedAt = input.lodgedAt ?? now;
      checkLodgedAt(p, lodgedAt, now, agreement.entryIntoForceAt);
      p.throwIfAny();
      const dispute = m.create(Dispute, {
        id: randomUUID(),
        agreementId: agreement.id,
        milestoneId: input.milestoneId ?? null,
        incidentId: input.incidentId ?? null,
        allegation: input.allegation.trim(),
        accusedPartyId: input.accusedPartyId ?? null,
        filedBy: actor(ctx.caller),
        filedBySubject: ctx.caller.subject,
        filedAt: lodgedAt,
        recordedAt: now,
      });
      await m.insert(Dispute, dispute);
      return dispute;
    });
  },

  async ruleOnDispute(_: unknown, { input }: MutationRuleOnDisputeArgs, ctx: Context) {
    const p = new Problems();
    checkText(p, 'input.reasoning', input.reasoning, 'Reasoning', 10000);
    p.throwIfAny();
    return onceOnly(() => BadUserInputError.one('input.disputeId', 'This dispute was ruled on by another request a moment ago; reload it to see the ruling.'), () =>
      ctx.db.transaction(async (m) => {
        const dispute = isUuid(input.disputeId)
          ? await m.getRepository(Dispute).createQueryBuilder('d').setLock('pessimistic_write').where('d.id = :id', { id: input.disputeId }).getOne()
          : null;
        if (!dispute) throw new NotFoundError('dispute', input.disputeId);
        const earlier = await m.findOneBy(DisputeRuling, { disputeId: dispute.id });
        if (earlier) throw BadUserInputError.one('input.disputeId', `This dispute was already ruled on (${earlier.outcome}) by ${earlier.ruledBy} at ${earlier.ruledAt.toISOString()}; a dispute has one ruling.`);
        const [tiers, agreement] = await Promise.all([
          m.find(DisputeTier, { where: { agreementId: dispute.agreementId }, order: { ordinal: 'ASC' } }),
          m.findOneByOrFail(Agreement, { id: dispute.agreementId }),
        ]);
        const now = ctx.clock.now();
        const stage = disputeStage(dispute.filedAt, tiers, null, now);
        if (stage.kind === 'EXHAUSTED') {
          throw BadUserInputError.one('input.disputeId', `Every tier's clock ran out (the last at ${stage.since.toISOString()}); the dispute can no longer be ruled on under the agreement's ladder.`);
        }
        if (stage.kind === 'OPEN') {
          const refused = tierRoleRefusal(stage, ctx.caller, agreement.title);
          if (refused) throw new ForbiddenError(refused, { needs: stage.tier.rulingRole });
          if (stage.tier.rulingRole === 'GUARANTOR') {
            // The token says which guarantor the caller acts for; whether that guarantor stands behind this
            // agreement is for the guarantors service, which owns commitments, to say (DESIGN §4).
            const guarantorId = ctx.caller.guarantorId!;
            const found = await ctx.peers.guarantors.commitmentsTo(guarantorId, agreement.id);
            const standing = found && { id: found.id, name: found.name, commitments: found.commitments.length };
            const notOne = guarantorStandingRefusal(stage, guarantorId, agreement.title, standing);
            if (notOne) throw new ForbiddenError(notOne, { needs: stage.tier.rulingRole });
          }
        }
        const ruling = m.create(DisputeRuling, {
          disputeId: dispute.id,
          outcome: input.outcome,
          reasoning: input.reasoning.trim(),
          tierOrdinal: stage.kind === 'OPEN' ? stage.tier.ordinal : 0,
          ruledBy: actor(ctx.caller),
          ruledAt: now,
        });
        await m.insert(DisputeRuling, ruling);
        await ctx.evidence.append(m, { kind: 'ruling', subject: ruling.disputeId, fact: rulingFact(ruling), by: ctx.caller });
        return dispute;
      }),
    );
  },
};
