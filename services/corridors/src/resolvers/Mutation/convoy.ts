import { randomUUID } from 'node:crypto';
import { BadUserInputError, DomainError, ErrorCode, ForbiddenError, NotFoundError, Problems, actor, describeCaller, hasRole, isUniqueViolation, isUuid } from '@treaty/service-kit';
import { Convoy, ConvoyCargoLine, ConvoyEvent, Corridor, type ConvoyStatus, type InspectionResult } from '../../entities/index.js';
import { advanceRefusal, stepKind } from '../../domain/convoy-status.js';
import { checkCargoLines, checkOptionalText, checkReportedTime, checkText } from '../../domain/rules.js';
import type { MutationAdvanceConvoyArgs, MutationRequestConvoyArgs } from '../../generated/graphql.js';
import type { Context } from '../../context.js';
import { CONVOY_HINT, CORRIDOR_HINT, agreementOrFail, convoyState, invalidTransition, lockConvoy, refuseCargoOutside, trimmed } from './shared.js';

/** INVALID_TRANSITION unless advanceConvoy may take the convoy from where it stands to `to`. */
function refuseIllegalMove(convoy: Convoy, state: { status: ConvoyStatus; allowed: readonly ConvoyStatus[]; latestInspection: InspectionResult | null }, to: ConvoyStatus): void {
  const why = advanceRefusal(state.status, to, state.latestInspection);
  if (why !== null) throw invalidTransition(convoy, state.status, to, state.allowed, why);
}

export const convoyMutations = {
  async requestConvoy(_: unknown, { input }: MutationRequestConvoyArgs, ctx: Context) {
    const caller = ctx.caller;
    const now = ctx.clock.now();
    const p = new Problems();
    checkCargoLines(p, input.cargo);
    checkOptionalText(p, 'input.note', input.note, 'Note');
    if (input.requestedAt) checkReportedTime(p, 'input.requestedAt', input.requestedAt, now, 'requestedAt');
    let agency: string;
    if (input.onBehalfOf !== null && input.onBehalfOf !== undefined) {
      if (!hasRole(caller, 'MEDIATOR')) {
        throw new ForbiddenError(
          `Requesting a convoy on behalf of another agency (onBehalfOf) needs the MEDIATOR role; this request comes from ${describeCaller(caller)}. ` +
            'An AGENCY omits onBehalfOf and requests for its own agency.',
          { needs: 'the MEDIATOR role' },
        );
      }
      checkText(p, 'input.onBehalfOf', input.onBehalfOf, 'Agency name');
      agency = input.onBehalfOf.trim();
    } else if (hasRole(caller, 'AGENCY') && caller.agency) {
      agency = caller.agency;
    } else {
      p.add('input.onBehalfOf', 'Name the agency that will run the convoy in onBehalfOf: a MEDIATOR requests convoys on behalf of an agency.');
      agency = '';
    }
    p.throwIfAny();

    const corridor = isUuid(input.corridorId) ? await ctx.db.getRepository(Corridor).findOneBy({ id: input.corridorId }) : null;
    if (!corridor) throw new NotFoundError('corridor', input.corridorId, CORRIDOR_HINT);
    refuseCargoOutside(input.cargo, await agreementOrFail(ctx, corridor.agreementId), corridor);

    return ctx.db.transaction(async (m) => {
      const convoy = m.create(Convoy, {
        id: randomUUID(),
        corridorId: corridor.id,
        agency,
        requestedBy: actor(caller),
        requestedBySubject: caller.subject,
        requestedAt: input.requestedAt ?? now,
        recordedAt: now,
        note: trimmed(input.note),
      });
      await m.insert(Convoy, convoy);
      await m.insert(
        ConvoyCargoLine,
        input.cargo.map((l, position) => ({ convoyId: convoy.id, cargoClass: l.cargoClass, position, tonnes: l.tonnes, trucks: l.trucks })),
      );
      await m.insert(ConvoyEvent, {
        id: randomUUID(),
        convoyId: convoy.id,
        sequence: 1,
        fromStatus: null,
        toStatus: 'REQUESTED',
        at: convoy.requestedAt,
        recordedAt: now,
        byAgency: actor(caller),
        bySubject: caller.subject,
        note: convoy.note,
      });
      return convoy;
    });
  },

  async advanceConvoy(_: unknown, { input }: MutationAdvanceConvoyArgs, ctx: Context) {
    const caller = ctx.caller;
    const now = ctx.clock.now();
    const at = input.at ?? now;

    // Refusals come in a fixed order: NOT_FOUND, FORBIDDEN, INVALID_TRANSITION, then BAD_USER_INPUT. An
    // illegal move is refused as such even when other fields are wrong too: fixing them would not help.
    const convoy = isUuid(input.convoyId) ? await ctx.db.getRepository(Convoy).findOneBy({ id: input.convoyId }) : null;
    if (!convoy) throw new NotFoundError('convoy', input.convoyId, CONVOY_HINT);
    const kind = stepKind(input.to);
    if (kind === 'CLEARANCE' && !hasRole(caller, 'MEDIATOR', 'MONITOR')) {
      throw new ForbiddenError(
        `Moving a convoy to ${input.to} is a clearance decision and needs the MEDIATOR or MONITOR role; this request comes from ${describeCaller(caller)}.`,
        { needs: 'one of the roles MEDIATOR, MONITOR' },
      );
    }
    if (kind === 'MOVEMENT' && !(hasRole(caller, 'AGENCY') && caller.agency === convoy.agency)) {
      throw new ForbiddenError(
        `Moving a convoy to ${input.to} is a movement step and needs the AGENCY role of the agency running the convoy (${convoy.agency}); this request comes from ${describeCaller(caller)}.`,
        { needs: `the AGENCY role for ${convoy.agency}` },
      );
    }

    // Checked once before confirming cargo with milestones (so a refused move calls nobody), and again
    // under the lock, where it decides.
    const before = await convoyState(ctx.db.manager, convoy.id);
    refuseIllegalMove(convoy, before, input.to);

    const p = new Problems();
    checkOptionalText(p, 'input.note', input.note, 'Note');
    if (input.at) checkReportedTime(p, 'input.at', input.at, now, 'at');
    p.throwIfAny();

    if (input.to === 'CLEARED') {
      const [corridor, lines] = await Promise.all([
        ctx.db.getRepository(Corridor).findOneByOrFail({ id: convoy.corridorId }),
        ctx.db.getRepository(ConvoyCargoLine).findBy({ convoyId: convoy.id }),
      ]);
      refuseCargoOutside(lines, await agreementOrFail(ctx, corridor.agreementId), corridor);
    }

    try {
      return await ctx.db.transaction(async (m) => {
        const locked = await lockConvoy(m, convoy.id);
        const state = await convoyState(m, locked.id);
        refuseIllegalMove(locked, state, input.to);
        if (at.getTime() < state.last.at.getTime()) {
          throw BadUserInputError.one(
            'input.at',
            `at ${at.toISOString()} is before the convoy's previous step (${state.last.toStatus} at ${state.last.at.toISOString()}); steps are recorded in the order they happened.`,
          );
        }
        await m.insert(ConvoyEvent, {
          id: randomUUID(),
          convoyId: locked.id,
          sequence: state.last.sequence + 1,
          fromStatus: state.status,
          toStatus: input.to,
          at,
          recordedAt: now,
          byAgency: actor(caller),
          bySubject: caller.subject,
          note: trimmed(input.note),
        });
        return locked;
      });
    } catch (e) {
      if (isUniqueViolation(e, 'convoy_event_convoy_sequence_key')) {
        throw new DomainError(ErrorCode.INVALID_TRANSITION, 'Another request moved this convoy a moment ago; reload it to see its status, then retry if the move still applies.');
      }
      throw e;
    }
  },
};
