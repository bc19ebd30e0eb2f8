import { randomUUID } from 'node:crypto';
import { BadUserInputError, DomainError, ErrorCode, Problems, actor, isUniqueViolation } from '@treaty/service-kit';
import { ConvoyCargoLine, ConvoyEvent, Inspection, RejectedItem } from '../../entities/index.js';
import { checkInspection, remainingCargoProblems } from '../../domain/rules.js';
import { describeAllowed } from '../../domain/convoy-status.js';
import type { MutationRecordInspectionArgs } from '../../generated/graphql.js';
import type { Context } from '../../context.js';
import { convoyState, invalidTransition, lockConvoy, trimmed } from './shared.js';

export const inspectionMutations = {
  async recordInspection(_: unknown, { input }: MutationRecordInspectionArgs, ctx: Context) {
    const now = ctx.clock.now();
    const p = new Problems();
    checkInspection(p, input, now);
    p.throwIfAny();
    const items = input.rejectedItems ?? [];

    try {
      return await ctx.db.transaction(async (m) => {
        const convoy = await lockConvoy(m, input.convoyId);
        const state = await convoyState(m, convoy.id);
        if (input.kind === 'PRIMARY') {
          if (state.status !== 'AT_CROSSING') {
            throw invalidTransition(
              convoy,
              state.status,
              'INSPECTED',
              state.allowed,
              `A primary inspection is recorded for a convoy AT_CROSSING and moves it to INSPECTED. ${describeAllowed(state.status, state.allowed)}` +
                (state.status === 'INSPECTED' ? ' To examine it again, record a SECONDARY inspection.' : ''),
            );
          }
          const arrived = [...state.events].reverse().find((e) => e.toStatus === 'AT_CROSSING')!;
          if (input.startedAt.getTime() < arrived.at.getTime()) {
            p.add('input.startedAt', `startedAt ${input.startedAt.toISOString()} is before the convoy reached the crossing (${arrived.at.toISOString()}).`);
          }
        } else {
          if (state.status !== 'INSPECTED') {
            throw BadUserInputError.one(
              'input.kind',
              `A SECONDARY inspection re-examines an INSPECTED convoy at the crossing; this convoy is ${state.status}.` +
                (state.status === 'AT_CROSSING' ? ' Record its PRIMARY inspection first.' : ''),
            );
          }
          const previous = state.latestInspectionRow!;
          if (input.startedAt.getTime() < previous.endedAt.getTime()) {
            p.add('input.startedAt', `startedAt ${input.startedAt.toISOString()} is before the previous inspection ended (${previous.endedAt.toISOString()}).`);
          }
        }

        // Rejected items must be cargo the convoy still carries: its lines less what earlier inspections turned back.
        const lines = await m.find(ConvoyCargoLine, { where: { convoyId: convoy.id }, order: { position: 'ASC' } });
        const earlier: { cargo_class: string; trucks: number; tonnes: string }[] = await m.query(
          `SELECT r.cargo_class, sum(r.trucks)::int AS trucks, sum(r.tonnes)::text AS tonnes
           FROM inspection_rejected_item r JOIN inspection i ON i.id = r.inspection_id
           WHERE i.convoy_id = $1 GROUP BY r.cargo_class`,
          [convoy.id],
        );
        const turnedBack = earlier.map((r) => ({ cargoClass: r.cargo_class, trucks: r.trucks, tonnes: Number(r.tonnes) }));
        for (const x of remainingCargoProblems(lines, turnedBack, items)) p.add(x.path, x.message);
        p.throwIfAny();

        const inspection = m.create(Inspection, {
          id: randomUUID(),
          convoyId: convoy.id,
          kind: input.kind,
          team: input.team.map((a) => a.trim()),
          startedAt: input.startedAt,
          endedAt: input.endedAt,
          result: input.result,
          recordedBy: actor(ctx.caller),
          recordedBySubject: ctx.caller.subject,
          recordedAt: now,
          notes: trimmed(input.notes),
        });
        await m.insert(Inspection, inspection);
        if (items.length) {
          await m.insert(
            RejectedItem,
            items.map((it, position) => ({
              inspectionId: inspection.id,
              position,
              cargoClass: it.cargoClass,
              description: it.description.trim(),
              reason: it.reason.trim(),
              trucks: it.trucks ?? 0,
              tonnes: it.tonnes ?? 0,
            })),
          );
        }
        if (input.kind === 'PRIMARY') {
          await m.insert(ConvoyEvent, {
            id: randomUUID(),
            convoyId: convoy.id,
            sequence: state.last.sequence + 1,
            fromStatus: 'AT_CROSSING',
            toStatus: 'INSPECTED',
            at: input.endedAt,
            recordedAt: now,
            byAgency: actor(ctx.caller),
            bySubject: ctx.caller.subject,
            note: `${input.kind} inspection: ${input.result}`,
          });
        }
        return inspection;
      });
    } catch (e) {
      if (isUniqueViolation(e, 'inspection_primary_key') || isUniqueViolation(e, 'convoy_event_convoy_sequence_key')) {
        throw new DomainError(ErrorCode.INVALID_TRANSITION, 'Another request recorded an inspection or moved this convoy a moment ago; reload it before recording again.');
      }
      throw e;
    }
  },
};
