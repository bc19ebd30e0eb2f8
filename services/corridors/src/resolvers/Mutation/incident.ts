import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { BadUserInputError, DomainError, ErrorCode, NotFoundError, Problems, actor, isUniqueViolation, isUuid, raiseAlert } from '@treaty/service-kit';
import { Convoy, Corridor, Incident, IncidentVerification, LocalisedWindow, type VerificationState } from '../../entities/index.js';
import { currentVerificationState, verificationAllowedNext, verificationRefusal } from '../../domain/verification.js';
import { checkInForce, checkIncident, checkVerification } from '../../domain/rules.js';
import type { MutationReportIncidentArgs, MutationVerifyIncidentArgs } from '../../generated/graphql.js';
import type { Context } from '../../context.js';
import { CONVOY_HINT, CORRIDOR_HINT, agreementOrFail, trimmed } from './shared.js';
import { incidentVerificationFact } from '../../evidence.js';
import { incidentReported, incidentVerified } from '../../alerts.js';
import { windowsHolding } from '../helpers/windows.js';

/**
 * The ids of the localised windows an incident is inside, as they stand in `m` now: its agreement's
 * windows (one statement), tested by the rules of src/domain/windows.ts. Oldest opening first.
 */
async function windowIdsOf(m: EntityManager, incident: Incident): Promise<string[]> {
  const windows = await m.find(LocalisedWindow, { where: { agreementId: incident.agreementId }, relations: { closure: true }, order: { from: 'ASC', id: 'ASC' } });
  return windowsHolding(windows, incident, incident.occurredAt).map((w) => w.id);
}

export const incidentMutations = {
  async reportIncident(_: unknown, { input }: MutationReportIncidentArgs, ctx: Context) {
    const now = ctx.clock.now();
    const p = new Problems();
    checkIncident(p, input, now);
    p.throwIfAny();

    let agreementId = input.agreementId?.toLowerCase() ?? null;
    let corridorId = input.corridorId?.toLowerCase() ?? null;
    const convoyId = input.convoyId?.toLowerCase() ?? null;
    if (convoyId) {
      const convoy = isUuid(convoyId) ? await ctx.db.getRepository(Convoy).findOneBy({ id: convoyId }) : null;
      if (!convoy) throw new NotFoundError('convoy', input.convoyId!, CONVOY_HINT);
      if (corridorId && corridorId !== convoy.corridorId) {
        throw BadUserInputError.one('input.corridorId', `Convoy ${convoy.id} travels through corridor ${convoy.corridorId}, not ${corridorId}; give the convoy's corridor or omit corridorId.`);
      }
      corridorId = convoy.corridorId;
    }
    if (corridorId) {
      const corridor = isUuid(corridorId) ? await ctx.db.getRepository(Corridor).findOneBy({ id: corridorId }) : null;
      if (!corridor) throw new NotFoundError('corridor', input.corridorId!, CORRIDOR_HINT);
      if (agreementId && agreementId !== corridor.agreementId) {
        throw BadUserInputError.one('input.agreementId', `${corridor.name} serves agreement ${corridor.agreementId}, not ${agreementId}; give that agreement or omit agreementId.`);
      }
      agreementId = corridor.agreementId;
    }
    // Confirmed with milestones whichever way the agreement was named: it owns entry into force.
    const agreement = await agreementOrFail(ctx, agreementId!);
    agreementId = agreement.id;
    checkInForce(p, input.occurredAt, agreement, now);
    p.throwIfAny();

    return ctx.db.transaction(async (m) => {
      const incident = m.create(Incident, {
        id: randomUUID(),
        agreementId: agreementId!,
        corridorId,
        convoyId,
        category: input.category,
        occurredAt: input.occurredAt,
        latitude: input.latitude,
        longitude: input.longitude,
        placeDescription: input.placeDescription.trim(),
        severity: input.severity,
        description: input.description.trim(),
        reportedBy: actor(ctx.caller),
        reportedBySubject: ctx.caller.subject,
        reportedAt: now,
      });
      await m.insert(Incident, incident);
      await raiseAlert(m, incidentReported(incident, await windowIdsOf(m, incident)));
      return incident;
    });
  },

  async verifyIncident(_: unknown, { input }: MutationVerifyIncidentArgs, ctx: Context) {
    // Refusals come in a fixed order: NOT_FOUND, INVALID_TRANSITION, then BAD_USER_INPUT. An illegal move
    // is refused as such even when the step is malformed too: completing it would not make it legal.
    const incident = isUuid(input.incidentId) ? await ctx.db.getRepository(Incident).findOneBy({ id: input.incidentId }) : null;
    if (!incident) throw new NotFoundError('incident', input.incidentId, 'List incidents with { agreement(id: "…") { incidents { id verificationState } } }.');
    /** INVALID_TRANSITION unless the machine allows the step from `state`. */
    const refuseIllegal = (state: VerificationState) => {
      const why = verificationRefusal(state, input.state);
      if (why !== null) {
        throw new DomainError(ErrorCode.INVALID_TRANSITION, `Incident ${incident.id} is ${state} and cannot move to ${input.state}. ${why}`, {
          state,
          to: input.state,
          allowed: verificationAllowedNext(state),
        });
      }
    };
    refuseIllegal(currentVerificationState(await ctx.db.getRepository(IncidentVerification).find({ where: { incidentId: incident.id }, order: { sequence: 'ASC' } })));

    const p = new Problems();
    checkVerification(p, input);
    p.throwIfAny();

    let attributedPartyId: string | null = null;
    if (input.attributedPartyId) {
      const agreement = await agreementOrFail(ctx, incident.agreementId);
      const party = agreement.parties.find((x) => x.id.toLowerCase() === input.attributedPartyId!.toLowerCase());
      if (!party) {
        throw BadUserInputError.one(
          'input.attributedPartyId',
          `An incident is attributed to a party to "${agreement.title}": ${agreement.parties.map((x) => `${x.name} (${x.id})`).join(', ')}.`,
        );
      }
      attributedPartyId = party.id;
    }

    try {
      return await ctx.db.transaction(async (m) => {
        const locked = await m.getRepository(Incident).createQueryBuilder('i').setLock('pessimistic_write').where('i.id = :id', { id: incident.id }).getOneOrFail();
        const steps = await m.find(IncidentVerification, { where: { incidentId: locked.id }, order: { sequence: 'ASC' } });
        refuseIllegal(currentVerificationState(steps));
        const step = m.create(IncidentVerification, {
          id: randomUUID(),
          incidentId: locked.id,
          sequence: steps.length + 1,
          state: input.state,
          confidence: input.confidence ?? null,
          severity: input.state === 'VERIFIED' ? (input.severity ?? locked.severity) : null,
          attributedPartyId,
          findings: trimmed(input.findings),
          verifiedBy: actor(ctx.caller),
          verifiedBySubject: ctx.caller.subject,
          at: ctx.clock.now(),
          // Whether the incident was inside a window, as the windows stand when the step is taken.
          windowIds: await windowIdsOf(m, locked),
        });
        await m.insert(IncidentVerification, step);
        await ctx.evidence.append(m, { kind: 'incident-verification', subject: step.id, fact: incidentVerificationFact(step, locked), by: ctx.caller });
        if (step.state === 'VERIFIED') await raiseAlert(m, incidentVerified(step, locked));
        return locked;
      });
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw new DomainError(ErrorCode.INVALID_TRANSITION, 'Another verification step for this incident was recorded a moment ago; reload it to see its state.');
      }
      throw e;
    }
  },
};
