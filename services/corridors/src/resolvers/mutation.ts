import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import {
  BadUserInputError,
  DomainError,
  ErrorCode,
  ForbiddenError,
  NotFoundError,
  Problems,
  describeCaller,
  hasRole,
  isUniqueViolation,
  isUuid,
  type Caller,
} from '@treaty/service-kit';
import {
  CARGO_CLASSES,
  Convoy,
  ConvoyCargoLine,
  ConvoyEvent,
  Corridor,
  CorridorClosure,
  Incident,
  IncidentVerification,
  Inspection,
  RejectedItem,
  type CargoClass,
  type ClosureCause,
  type Confidence,
  type ConvoyStatus,
  type CorridorKind,
  type IncidentCategory,
  type IncidentSeverity,
  type InspectionKind,
  type InspectionResult,
  type VerificationState,
} from '../entities/index.js';
import { allowedNext, currentStatus, describeAllowed, stepKind } from '../domain/convoy-status.js';
import { currentVerificationState, verificationAllowedNext } from '../domain/verification.js';
import { MAX_POINTS_PER_BATCH, classifyPoints, type PointDraft } from '../domain/positions.js';
import {
  checkCargoLines,
  checkClosure,
  checkCorridor,
  checkIncident,
  checkInspection,
  checkOptionalText,
  checkReportedTime,
  checkText,
  checkVerification,
  outside,
  type CargoLineDraft,
  type RejectedItemDraft,
} from '../domain/rules.js';
import type { AgreementFacts } from '../peers.js';
import type { Context } from '../context.js';

export interface CreateCorridorInput {
  agreementId: string;
  name: string;
  kind: CorridorKind;
  latitude: number;
  longitude: number;
  handles?: CargoClass[] | null;
  telemetryGapMinutes?: number | null;
}

export interface RecordCorridorClosureInput {
  corridorId: string;
  startsAt: Date;
  endsAt: Date;
  cause: ClosureCause;
  note?: string | null;
}

export interface RequestConvoyInput {
  corridorId: string;
  cargo: CargoLineDraft[];
  onBehalfOf?: string | null;
  requestedAt?: Date | null;
  note?: string | null;
}

export interface AdvanceConvoyInput {
  convoyId: string;
  to: ConvoyStatus;
  at?: Date | null;
  note?: string | null;
}

export interface RecordInspectionInput {
  convoyId: string;
  kind: InspectionKind;
  team: string[];
  startedAt: Date;
  endedAt: Date;
  result: InspectionResult;
  rejectedItems?: RejectedItemDraft[] | null;
  notes?: string | null;
}

export interface ReportIncidentInput {
  agreementId?: string | null;
  corridorId?: string | null;
  convoyId?: string | null;
  category: IncidentCategory;
  occurredAt: Date;
  latitude: number;
  longitude: number;
  placeDescription: string;
  severity: IncidentSeverity;
  description: string;
}

export interface VerifyIncidentInput {
  incidentId: string;
  state: VerificationState;
  confidence?: Confidence | null;
  severity?: IncidentSeverity | null;
  attributedPartyId?: string | null;
  findings?: string | null;
}

/** The agency recorded as the author of a write. */
function actor(caller: Caller): string {
  return caller.agency ?? caller.subject ?? 'unknown';
}

const trimmed = (s: string | null | undefined) => s?.trim() || null;

const CORRIDOR_HINT = 'List corridors with { agreement(id: "…") { corridors { id name } } }.';
const CONVOY_HINT = 'List convoys with { corridor(id: "…") { convoys { id status } } }.';

async function agreementOrFail(ctx: Context, id: string): Promise<AgreementFacts> {
  const agreement = isUuid(id) ? await ctx.milestones.agreement(id) : null;
  if (!agreement) throw new NotFoundError('agreement', id, 'List agreements with { agreements { id title } }.');
  return agreement;
}

/**
 * Refuses cargo that the agreement's current phase does not permit, or that the corridor does not
 * handle, naming what is allowed today.
 */
function refuseCargoOutside(lines: readonly { cargoClass: string }[], agreement: AgreementFacts, corridor: Corridor): void {
  const notPermitted = outside(lines, agreement.permittedCargo);
  const notHandled = outside(lines, corridor.handles).filter((c) => !notPermitted.includes(c));
  if (notPermitted.length === 0 && notHandled.length === 0) return;
  const allowedToday = CARGO_CLASSES.filter((c) => agreement.permittedCargo.includes(c) && corridor.handles.includes(c));
  const parts: string[] = [];
  if (notPermitted.length) {
    parts.push(
      agreement.permittedCargo.length
        ? `${notPermitted.join(', ')} ${notPermitted.length === 1 ? 'is' : 'are'} not permitted by the current phase of "${agreement.title}", which permits ${agreement.permittedCargo.join(', ')} today.`
        : `"${agreement.title}" permits no cargo today (no phase is running), so ${notPermitted.join(', ')} cannot pass.`,
    );
  }
  if (notHandled.length) parts.push(`${corridor.name} does not handle ${notHandled.join(', ')}; it handles ${corridor.handles.join(', ')}.`);
  parts.push(
    allowedToday.length
      ? `Allowed through ${corridor.name} today: ${allowedToday.join(', ')}. Remove the other lines or use another corridor.`
      : `Nothing may pass through ${corridor.name} today.`,
  );
  throw new DomainError(ErrorCode.CARGO_NOT_PERMITTED, parts.join(' '), {
    refused: [...notPermitted, ...notHandled],
    permittedToday: allowedToday,
    phasePermits: agreement.permittedCargo,
    corridorHandles: corridor.handles,
  });
}

function invalidTransition(convoy: Convoy, from: ConvoyStatus, to: ConvoyStatus, allowed: readonly ConvoyStatus[], why = ''): DomainError {
  return new DomainError(ErrorCode.INVALID_TRANSITION, `Convoy ${convoy.id} is ${from} and cannot move to ${to}. ${why}${describeAllowed(from, allowed)}`, {
    status: from,
    to,
    allowed,
  });
}

/** Loads a convoy and locks it, so concurrent transitions and inspections of it run one at a time. */
async function lockConvoy(m: EntityManager, id: string): Promise<Convoy> {
  const found = isUuid(id)
    ? await m.getRepository(Convoy).createQueryBuilder('cv').setLock('pessimistic_write').where('cv.id = :id', { id }).getOne()
    : null;
  if (!found) throw new NotFoundError('convoy', id, CONVOY_HINT);
  return found;
}

/** Where a convoy stands: its transitions, its status and the result of its latest inspection. */
async function convoyState(m: EntityManager, convoyId: string) {
  const [events, latest] = await Promise.all([
    m.find(ConvoyEvent, { where: { convoyId }, order: { sequence: 'ASC' } }),
    m.findOne(Inspection, { where: { convoyId }, order: { startedAt: 'DESC', endedAt: 'DESC' } }),
  ]);
  const status = currentStatus(events);
  const latestInspection = latest?.result ?? null;
  return { events, last: events[events.length - 1]!, status, latestInspection, latestInspectionRow: latest, allowed: allowedNext(status, latestInspection) };
}

function rejectedAfterInspection(latest: InspectionResult | null, to: ConvoyStatus): string {
  return latest === 'REJECTED' && to !== 'RETURNED' ? 'Its latest inspection REJECTED the cargo, so it can only be RETURNED. ' : '';
}

export const Mutation = {
  async createCorridor(_: unknown, { input }: { input: CreateCorridorInput }, ctx: Context) {
    const p = new Problems();
    checkCorridor(p, input);
    p.throwIfAny();
    const agreement = await agreementOrFail(ctx, input.agreementId);
    const handles = input.handles ? CARGO_CLASSES.filter((c) => input.handles!.includes(c)) : [...CARGO_CLASSES];

    try {
      return await ctx.db.transaction(async (m) => {
        const clash = await m
          .getRepository(Corridor)
          .createQueryBuilder('c')
          .where('c.agreement_id = :agreementId AND lower(btrim(c.name)) = lower(btrim(:name))', { agreementId: agreement.id, name: input.name })
          .getOne();
        if (clash) {
          throw BadUserInputError.one('input.name', `"${agreement.title}" already has a corridor named "${clash.name}" (id ${clash.id}); choose another name, or use that corridor.`);
        }
        const corridor = m.create(Corridor, {
          id: randomUUID(),
          agreementId: agreement.id,
          name: input.name.trim(),
          kind: input.kind,
          latitude: input.latitude,
          longitude: input.longitude,
          handles,
          telemetryGapMinutes: input.telemetryGapMinutes ?? 30,
          createdBy: actor(ctx.caller),
        });
        await m.insert(Corridor, corridor);
        return m.findOneByOrFail(Corridor, { id: corridor.id });
      });
    } catch (e) {
      if (isUniqueViolation(e, 'corridor_agreement_name_key')) {
        throw BadUserInputError.one('input.name', `A corridor named "${input.name.trim()}" was registered under this agreement by another request a moment ago; choose another name.`);
      }
      throw e;
    }
  },

  async recordCorridorClosure(_: unknown, { input }: { input: RecordCorridorClosureInput }, ctx: Context) {
    const p = new Problems();
    checkClosure(p, input);
    p.throwIfAny();
    return ctx.db.transaction(async (m) => {
      const corridor = isUuid(input.corridorId) ? await m.findOneBy(Corridor, { id: input.corridorId }) : null;
      if (!corridor) throw new NotFoundError('corridor', input.corridorId, CORRIDOR_HINT);
      await m.insert(CorridorClosure, {
        id: randomUUID(),
        corridorId: corridor.id,
        startsAt: input.startsAt,
        endsAt: input.endsAt,
        cause: input.cause,
        note: trimmed(input.note),
        recordedBy: actor(ctx.caller),
        recordedBySubject: ctx.caller.subject,
        recordedAt: ctx.clock.now(),
      });
      return corridor;
    });
  },

  async requestConvoy(_: unknown, { input }: { input: RequestConvoyInput }, ctx: Context) {
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
        input.cargo.map((l, position) => ({ convoyId: convoy.id, cargoClass: l.cargoClass as CargoClass, position, tonnes: l.tonnes, trucks: l.trucks })),
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

  async advanceConvoy(_: unknown, { input }: { input: AdvanceConvoyInput }, ctx: Context) {
    const caller = ctx.caller;
    const now = ctx.clock.now();
    const at = input.at ?? now;
    const p = new Problems();
    checkOptionalText(p, 'input.note', input.note, 'Note');
    if (input.at) checkReportedTime(p, 'input.at', input.at, now, 'at');
    if (input.to === 'INSPECTED') {
      p.add('input.to', 'A convoy becomes INSPECTED when its primary inspection is recorded: the monitoring cell calls recordInspection (MONITOR role).');
    }
    p.throwIfAny();

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
    if (!before.allowed.includes(input.to)) {
      throw invalidTransition(convoy, before.status, input.to, before.allowed, rejectedAfterInspection(before.latestInspection, input.to));
    }
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
        if (!state.allowed.includes(input.to)) {
          throw invalidTransition(locked, state.status, input.to, state.allowed, rejectedAfterInspection(state.latestInspection, input.to));
        }
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

  async recordInspection(_: unknown, { input }: { input: RecordInspectionInput }, ctx: Context) {
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
            throw invalidTransition(convoy, state.status, 'INSPECTED', state.allowed, 'A primary inspection is recorded for a convoy AT_CROSSING and moves it to INSPECTED. ');
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
        const remaining = new Map(
          lines.map((l) => {
            const e = earlier.find((x) => x.cargo_class === l.cargoClass);
            return [l.cargoClass as string, { trucks: l.trucks - (e?.trucks ?? 0), kg: Math.round(l.tonnes * 1000) - Math.round(Number(e?.tonnes ?? 0) * 1000) }];
          }),
        );
        items.forEach((it, i) => {
          const left = remaining.get(it.cargoClass);
          if (!left) {
            p.add(`input.rejectedItems[${i}].cargoClass`, `The convoy carries no ${it.cargoClass}; it carries ${lines.map((l) => l.cargoClass).join(', ')}.`);
            return;
          }
          left.trucks -= it.trucks ?? 0;
          left.kg -= Math.round((it.tonnes ?? 0) * 1000);
          if (left.trucks < 0) p.add(`input.rejectedItems[${i}].trucks`, `More trucks of ${it.cargoClass} turned back than the convoy still carries; check the figures.`);
          if (left.kg < 0) p.add(`input.rejectedItems[${i}].tonnes`, `More tonnes of ${it.cargoClass} turned back than the convoy still carries; check the figures.`);
        });
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
              cargoClass: it.cargoClass as CargoClass,
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

  /**
   * One SELECT for the convoys named and one INSERT … ON CONFLICT DO NOTHING for every valid point,
   * whatever the size of the batch. The insert is a single statement, so it is atomic by itself.
   */
  async recordConvoyPositions(_: unknown, { input }: { input: { points: PointDraft[] } }, ctx: Context) {
    const points = input.points;
    if (points.length === 0 || points.length > MAX_POINTS_PER_BATCH) {
      throw BadUserInputError.one('input.points', `A batch holds 1 to ${MAX_POINTS_PER_BATCH} points; got ${points.length}. Split larger uploads into several batches.`);
    }
    const now = ctx.clock.now();
    const ids = [...new Set(points.map((pt) => pt.convoyId).filter(isUuid).map((id) => id.toLowerCase()))];
    const rows: { id: string; agency: string }[] = ids.length ? await ctx.db.query('SELECT id, agency FROM convoy WHERE id = ANY($1::uuid[])', [ids]) : [];
    const { valid, rejected } = classifyPoints(points, new Map(rows.map((r) => [r.id, r.agency])), ctx.caller.agency, now);

    let stored = 0;
    if (valid.length) {
      const columns = { device: [] as string[], sequence: [] as number[], convoy: [] as string[], time: [] as string[], lat: [] as number[], lon: [] as number[] };
      for (const i of valid) {
        const pt = points[i]!;
        columns.device.push(pt.deviceId);
        columns.sequence.push(pt.sequence);
        columns.convoy.push(pt.convoyId.toLowerCase());
        columns.time.push(pt.deviceTime.toISOString());
        columns.lat.push(pt.latitude);
        columns.lon.push(pt.longitude);
      }
      const [result]: { n: number }[] = await ctx.db.query(
        `WITH inserted AS (
           INSERT INTO convoy_position (device_id, sequence, convoy_id, device_time, received_at, latitude, longitude)
           SELECT u.device_id, u.sequence, u.convoy_id, u.device_time, $5::timestamptz, u.latitude, u.longitude
           FROM unnest($1::text[], $2::integer[], $3::uuid[], $4::timestamptz[], $6::float8[], $7::float8[])
             AS u(device_id, sequence, convoy_id, device_time, latitude, longitude)
           ON CONFLICT (device_id, sequence) DO NOTHING
           RETURNING 1
         )
         SELECT count(*)::int AS n FROM inserted`,
        [columns.device, columns.sequence, columns.convoy, columns.time, now.toISOString(), columns.lat, columns.lon],
      );
      stored = result!.n;
    }
    return { accepted: valid.length, new: stored, duplicates: valid.length - stored, rejected };
  },

  async reportIncident(_: unknown, { input }: { input: ReportIncidentInput }, ctx: Context) {
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
    } else {
      agreementId = (await agreementOrFail(ctx, agreementId!)).id;
    }

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
      return incident;
    });
  },

  async verifyIncident(_: unknown, { input }: { input: VerifyIncidentInput }, ctx: Context) {
    const p = new Problems();
    checkVerification(p, input);
    p.throwIfAny();

    const incident = isUuid(input.incidentId) ? await ctx.db.getRepository(Incident).findOneBy({ id: input.incidentId }) : null;
    if (!incident) throw new NotFoundError('incident', input.incidentId, 'List incidents with { agreement(id: "…") { incidents { id verificationState } } }.');
    const refuse = (state: VerificationState) =>
      new DomainError(
        ErrorCode.INVALID_TRANSITION,
        `Incident ${incident.id} is ${state} and cannot move to ${input.state}. ` +
          (verificationAllowedNext(state).length ? `From ${state} it may move to ${verificationAllowedNext(state).join(' or ')}.` : `${state} is a final finding.`),
        { state, to: input.state, allowed: verificationAllowedNext(state) },
      );
    const before = currentVerificationState(await ctx.db.getRepository(IncidentVerification).find({ where: { incidentId: incident.id }, order: { sequence: 'ASC' } }));
    if (!verificationAllowedNext(before).includes(input.state)) throw refuse(before);

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
        const state = currentVerificationState(steps);
        if (!verificationAllowedNext(state).includes(input.state)) throw refuse(state);
        await m.insert(IncidentVerification, {
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
        });
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
