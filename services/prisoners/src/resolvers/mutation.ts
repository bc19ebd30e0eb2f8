import { randomUUID } from 'node:crypto';
import { In, type EntityManager } from 'typeorm';
import {
  BadUserInputError,
  DomainError,
  ErrorCode,
  ForbiddenError,
  NotFoundError,
  Problems,
  hasRole,
  isUniqueViolation,
  isUuid,
  type Caller,
} from '@treaty/service-kit';
import {
  Detainee,
  DetaineeList,
  ExchangeWave,
  ListDeadline,
  ListEntry,
  ManifestEntry,
  ProofOfLife,
  RatioTerm,
  type ContestReason,
  type DetaineeCategory,
  type InterviewOutcome,
  type ProofOfLifeMethod,
  type Resolution,
} from '../entities/index.js';
import { entryCommentDueAt, listEntryStatus, type Deadlines, type ListEntryStatus } from '../domain/lists.js';
import { describeCategories, sequencingViolations, type Held } from '../domain/priority.js';
import { checkRatio, proofOfLifeAgeDays, proofOfLifeFresh } from '../domain/waves.js';
import {
  checkContest,
  checkDeadlines,
  checkDetainee,
  checkHandover,
  checkIdList,
  checkPast,
  checkText,
  checkWavePlan,
  type DetaineeDraft,
  type HandoverDraft,
  type RatioDraft,
} from '../domain/rules.js';
import type { ScheduleSource } from './agreement.js';
import type { Context } from '../context.js';

export interface RegisterDetaineeInput extends DetaineeDraft {
  agreementId: string;
}

export interface SubmitDetaineeListInput {
  agreementId: string;
  submittingPartyId: string;
  detaineeIds: string[];
  submittedAt?: Date | null;
  note?: string | null;
}

export interface ContestListEntryInput {
  entryId: string;
  reason: ContestReason;
  note?: string | null;
}

export interface ResolveListEntryInput {
  entryId: string;
  outcome: Resolution;
  note?: string | null;
}

export interface SetListDeadlinesInput extends Deadlines {
  agreementId: string;
}

export interface PlanExchangeWaveInput {
  agreementId: string;
  milestoneId: string;
  sequence: number;
  scheduledAt: Date;
  ratio?: RatioDraft | null;
  sequencingException?: { reason: string } | null;
}

export interface ManifestChangeInput {
  waveId: string;
  detaineeIds: string[];
}

export interface RecordProofOfLifeInput {
  detaineeId: string;
  method: ProofOfLifeMethod;
  observedAt: Date;
  verifier: string;
}

export interface ConfirmHandoverInput extends HandoverDraft {
  waveId: string;
  detaineeId: string;
}

/** The agency recorded as the author of a write. */
function actor(caller: Caller): string {
  return caller.agency ?? caller.subject ?? 'unknown';
}

const LIST_HINT = 'List the detainees you can see with { detainees(agreementId: "...") { id category } }.';
const WAVE_HINT = 'List waves with { exchangeWaves(agreementId: "...") { id sequence status } }.';

// ---------------------------------------------------------------------------------------------------
// Confirmations with the milestones service, which owns agreements, milestones and parties.

interface PeerAgreement {
  id: string;
  title: string;
  entryIntoForceAt: string;
  proofOfLifeMaxAgeDays: number;
  parties: { id: string; name: string }[];
  milestones: { id: string; title: string }[];
}

/** The agreement as its owner knows it now; NOT_FOUND when the milestones service has no such agreement. */
async function confirmAgreement(ctx: Context, agreementId: string, path = 'input.agreementId'): Promise<PeerAgreement> {
  if (!isUuid(agreementId)) throw new NotFoundError('agreement', agreementId, 'List agreements with { agreements { id title } }.');
  const data = await ctx.milestones<{ agreement: PeerAgreement | null }>(
    `query ($id: ID!) { agreement(id: $id) { id title entryIntoForceAt proofOfLifeMaxAgeDays parties { id name } milestones { id title } } }`,
    { id: agreementId },
  );
  if (!data.agreement) throw new NotFoundError('agreement', agreementId, `List agreements with { agreements { id title } } (${path}).`);
  return data.agreement;
}

function describeParties(a: PeerAgreement): string {
  return a.parties.map((x) => `${x.name} (${x.id})`).join(', ');
}

// ---------------------------------------------------------------------------------------------------
// Reads inside a transaction.

/**
 * Serialises every change to an agreement's waves and manifests (and its handovers): the sequencing rule
 * reads the whole agreement's waves, so two such changes must not interleave. The key is namespaced so it
 * cannot meet another advisory lock.
 */
async function lockAgreementWaves(m: EntityManager, agreementId: string): Promise<void> {
  await m.query(`SELECT pg_advisory_xact_lock(hashtextextended('prisoners.waves:' || $1, 0))`, [agreementId]);
}

/** Loads a wave, then locks its agreement's waves and re-reads it so that what is checked is current. */
async function lockWave(m: EntityManager, waveId: string): Promise<ExchangeWave> {
  const found = isUuid(waveId) ? await m.findOneBy(ExchangeWave, { id: waveId }) : null;
  if (!found) throw new NotFoundError('exchange wave', waveId, WAVE_HINT);
  await lockAgreementWaves(m, found.agreementId);
  return m.findOneByOrFail(ExchangeWave, { id: waveId });
}

async function lockEntry(m: EntityManager, entryId: string): Promise<ListEntry> {
  const found = isUuid(entryId)
    ? await m.getRepository(ListEntry).createQueryBuilder('e').setLock('pessimistic_write').where('e.id = :id', { id: entryId }).getOne()
    : null;
  if (!found) throw new NotFoundError('list entry', entryId, 'List entries with { detaineeLists(agreementId: "...") { entries { id status } } }.');
  return found;
}

/** Loads and locks detainees (so concurrent manifest changes and handovers of one person run one at a time). */
async function lockDetainees(m: EntityManager, ids: string[]): Promise<Detainee[]> {
  const bad = ids.find((id) => !isUuid(id));
  if (bad) throw new NotFoundError('detainee', bad, LIST_HINT);
  const rows = await m.getRepository(Detainee).createQueryBuilder('d').setLock('pessimistic_write').where('d.id IN (:...ids)', { ids }).orderBy('d.id').getMany();
  const missing = ids.find((id) => !rows.some((r) => r.id === id));
  if (missing) throw new NotFoundError('detainee', missing, LIST_HINT);
  return ids.map((id) => rows.find((r) => r.id === id)!);
}

async function deadlinesOf(m: EntityManager, agreementId: string): Promise<ListDeadline | null> {
  return m.findOneBy(ListDeadline, { agreementId });
}

/** The status of each detainee's live list entry (null when on no list), derived as the read side does. */
async function listStatuses(m: EntityManager, agreementId: string, detaineeIds: string[], now: Date): Promise<Map<string, ListEntryStatus | null>> {
  const deadlines = await deadlinesOf(m, agreementId);
  const entries = detaineeIds.length
    ? await m
        .getRepository(ListEntry)
        .createQueryBuilder('e')
        .innerJoinAndSelect('e.list', 'l')
        .where('e.detainee_id IN (:...ids)', { ids: detaineeIds })
        .andWhere(`e.resolution IS DISTINCT FROM 'REMOVED'`)
        .getMany()
    : [];
  const out = new Map<string, ListEntryStatus | null>(detaineeIds.map((id) => [id, null]));
  for (const e of entries) {
    const commentDueAt = entryCommentDueAt(deadlines, e.list.submittedAt);
    out.set(e.detaineeId, listEntryStatus({ resolution: e.resolution, contestReason: e.contestReason, commentDueAt, now }));
  }
  return out;
}

/**
 * The detainees the sequencing rule protects, for these holders: agreed (derived, as on the read side),
 * unreleased, and on no wave of the agreement numbered up to `sequence` (this wave included).
 */
async function waitingDetainees(m: EntityManager, agreementId: string, holderIds: string[], sequence: number, now: Date): Promise<Held[]> {
  if (holderIds.length === 0) return [];
  const deadlines = await deadlinesOf(m, agreementId);
  const rows: { id: string; holding_party_id: string; category: DetaineeCategory; resolution: Resolution | null; contest_reason: ContestReason | null; submitted_at: Date }[] =
    await m.query(
      `SELECT d.id, d.holding_party_id, d.category, e.resolution, e.contest_reason, l.submitted_at
         FROM detainee d
         JOIN detainee_list_entry e ON e.detainee_id = d.id AND e.resolution IS DISTINCT FROM 'REMOVED'
         JOIN detainee_list l ON l.id = e.list_id
        WHERE d.agreement_id = $1 AND d.holding_party_id = ANY($2::uuid[])
          AND NOT EXISTS (SELECT 1 FROM manifest_entry r WHERE r.detainee_id = d.id AND r.outcome = 'CONSENTS')
          AND NOT EXISTS (SELECT 1 FROM manifest_entry me JOIN exchange_wave w ON w.id = me.wave_id
                           WHERE me.detainee_id = d.id AND w.sequence <= $3)`,
      [agreementId, holderIds, sequence],
    );
  return rows
    .filter((r) => listEntryStatus({ resolution: r.resolution, contestReason: r.contest_reason, commentDueAt: entryCommentDueAt(deadlines, r.submitted_at), now }) === 'AGREED')
    .map((r) => ({ detaineeId: r.id, holdingPartyId: r.holding_party_id, category: r.category }));
}

// ---------------------------------------------------------------------------------------------------
// The manifest rules, shared by addToManifest and sealManifest. Each throws its code; none writes.

function refuseUnlessAgreed(statuses: Map<string, ListEntryStatus | null>, wave: ExchangeWave, action: string): void {
  const notAgreed = [...statuses].filter(([, s]) => s !== 'AGREED');
  if (notAgreed.length === 0) return;
  const describe = ([id, s]: [string, ListEntryStatus | null]) => `${id} (${s === null ? 'on no list' : s})`;
  throw new DomainError(
    ErrorCode.LIST_ENTRY_CONTESTED,
    `Wave ${wave.sequence} cannot ${action}: only detainees whose list entry is AGREED may go on a manifest, and ${notAgreed.map(describe).join(', ')} ` +
      `${notAgreed.length === 1 ? 'is' : 'are'} not. A contested or submitted entry is settled with resolveListEntry (MEDIATOR); a detainee on no list must first be listed.`,
    { detaineeIds: notAgreed.map(([id]) => id), statuses: Object.fromEntries(notAgreed) },
  );
}

async function refuseSequencing(m: EntityManager, wave: ExchangeWave, placed: Held[], now: Date, action: string): Promise<void> {
  if (wave.exceptionReason) return;
  const holders = [...new Set(placed.map((p) => p.holdingPartyId))];
  const waiting = await waitingDetainees(m, wave.agreementId, holders, wave.sequence, now);
  const violations = sequencingViolations(placed, waiting, false);
  if (violations.length === 0) return;
  const ahead = new Map<string, Held>();
  for (const v of violations) for (const w of v.waitingAhead) ahead.set(w.detaineeId, w);
  const offenders = violations.map((v) => v.placed);
  throw new DomainError(
    ErrorCode.SEQUENCING_VIOLATION,
    `Wave ${wave.sequence} cannot ${action}: it would carry ${describeCategories(offenders)} (${offenders.map((o) => o.detaineeId).join(', ')}) while agreed, ` +
      `unreleased detainees of a higher priority held by the same party are on no wave up to this one: ${describeCategories([...ahead.values()])} ` +
      `(${[...ahead.keys()].join(', ')}). Put them on this or an earlier wave first, or have the mediator record a sequencing exception for this wave.`,
    { detaineeIds: offenders.map((o) => o.detaineeId), waitingAhead: [...ahead.keys()] },
  );
}

/** ALREADY_RELEASED for a detainee released before, or still on another wave's open manifest. */
async function refuseReleasedOrOpen(m: EntityManager, wave: ExchangeWave, detaineeIds: string[]): Promise<void> {
  const entries = await m
    .getRepository(ManifestEntry)
    .createQueryBuilder('me')
    .innerJoinAndSelect('me.wave', 'w')
    .where('me.detainee_id IN (:...ids)', { ids: detaineeIds })
    .andWhere(`(me.outcome = 'CONSENTS' OR (me.outcome IS NULL AND me.wave_id <> :wave))`, { wave: wave.id })
    .getMany();
  if (entries.length === 0) return;
  const describe = (e: ManifestEntry) =>
    e.outcome === 'CONSENTS'
      ? `${e.detaineeId} was released on wave ${e.wave.sequence} at ${e.confirmedAt!.toISOString()}`
      : `${e.detaineeId} is on the open manifest of wave ${e.wave.sequence} (${e.waveId})`;
  throw new DomainError(
    ErrorCode.ALREADY_RELEASED,
    `Wave ${wave.sequence} cannot take ${entries.map(describe).join('; ')}. A detainee is released once and is on at most one open manifest; ` +
      'remove them from the other wave first if they are to move.',
    { detaineeIds: [...new Set(entries.map((e) => e.detaineeId))] },
  );
}

function held(d: Detainee): Held {
  return { detaineeId: d.id, holdingPartyId: d.holdingPartyId, category: d.category };
}

function refuseUnlessPlanned(wave: ExchangeWave, action: string): void {
  if (wave.sealedAt) {
    throw new DomainError(
      ErrorCode.INVALID_TRANSITION,
      `Wave ${wave.sequence} was sealed at ${wave.sealedAt.toISOString()} by ${wave.sealedBy}; its manifest is fixed and it cannot ${action}. Plan another wave for further detainees.`,
      { waveId: wave.id },
    );
  }
}

// ---------------------------------------------------------------------------------------------------

export const Mutation = {
  async registerDetainee(_: unknown, { input }: { input: RegisterDetaineeInput }, ctx: Context) {
    const p = new Problems();
    checkDetainee(p, input, ctx.clock.now());
    p.throwIfAny();
    const agreement = await confirmAgreement(ctx, input.agreementId);
    for (const key of ['holdingPartyId', 'affiliatedPartyId'] as const) {
      if (!agreement.parties.some((x) => x.id === input[key])) {
        p.add(`input.${key}`, `${input[key]} is not a party to "${agreement.title}"; its parties are ${describeParties(agreement)}.`);
      }
    }
    p.throwIfAny();
    return ctx.db.transaction(async (m) => {
      const detainee = m.create(Detainee, {
        id: randomUUID(),
        agreementId: agreement.id,
        name: input.name.trim(),
        dateOfBirth: input.dateOfBirth,
        holdingPartyId: input.holdingPartyId,
        affiliatedPartyId: input.affiliatedPartyId,
        category: input.category,
        medicalNotes: input.medicalNotes?.trim() || null,
        registeredAt: ctx.clock.now(),
        registeredBy: actor(ctx.caller),
      });
      await m.insert(Detainee, detainee);
      return detainee;
    });
  },

  async submitDetaineeList(_: unknown, { input }: { input: SubmitDetaineeListInput }, ctx: Context) {
    const p = new Problems();
    const now = ctx.clock.now();
    checkIdList(p, 'input.detaineeIds', input.detaineeIds, 1000, 'list');
    if (input.note) checkText(p, 'input.note', input.note, 'Note', 2000);
    if (input.submittedAt) {
      if (!hasRole(ctx.caller, 'MEDIATOR')) {
        p.add('input.submittedAt', "Only a MEDIATOR may record when a list was handed over; omit submittedAt and the list is timestamped on receipt.");
      }
      checkPast(p, 'input.submittedAt', input.submittedAt, now, 'submittedAt');
    }
    p.throwIfAny();
    if (!isUuid(input.agreementId)) throw new NotFoundError('agreement', input.agreementId, 'List agreements with { agreements { id title } }.');

    try {
      return await ctx.db.transaction(async (m) => {
        const detainees = await lockDetainees(m, input.detaineeIds);
        detainees.forEach((d, i) => {
          const at = `input.detaineeIds[${i}]`;
          if (d.agreementId !== input.agreementId) {
            p.add(at, `Detainee ${d.id} is registered under another agreement (${d.agreementId}); list them there.`);
          } else if (d.holdingPartyId !== input.submittingPartyId && d.affiliatedPartyId !== input.submittingPartyId) {
            p.add(at, `Detainee ${d.id} is neither held by nor belongs to party ${input.submittingPartyId}; a party lists only detainees it holds or that belong to it.`);
          }
        });
        const live = await m
          .getRepository(ListEntry)
          .createQueryBuilder('e')
          .where('e.detainee_id IN (:...ids)', { ids: input.detaineeIds })
          .andWhere(`e.resolution IS DISTINCT FROM 'REMOVED'`)
          .getMany();
        for (const e of live) {
          p.add(
            `input.detaineeIds[${input.detaineeIds.indexOf(e.detaineeId)}]`,
            `Detainee ${e.detaineeId} is already on list ${e.listId} (entry ${e.id}); contest or resolve that entry instead of listing them twice.`,
          );
        }
        p.throwIfAny();
        const list = m.create(DetaineeList, {
          id: randomUUID(),
          agreementId: input.agreementId,
          submittingPartyId: input.submittingPartyId,
          submittedAt: input.submittedAt ?? now,
          recordedAt: now,
          recordedBy: actor(ctx.caller),
          note: input.note?.trim() || null,
        });
        await m.insert(DetaineeList, list);
        await m.insert(
          ListEntry,
          input.detaineeIds.map((detaineeId, position) => ({ id: randomUUID(), listId: list.id, detaineeId, position })),
        );
        return list;
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw BadUserInputError.one('input.detaineeIds', 'A detainee on this list was listed by another request a moment ago; reload the lists and submit the others.');
      throw e;
    }
  },

  async contestListEntry(_: unknown, { input }: { input: ContestListEntryInput }, ctx: Context) {
    const p = new Problems();
    checkContest(p, input.reason, input.note);
    p.throwIfAny();
    const now = ctx.clock.now();
    return ctx.db.transaction(async (m) => {
      const entry = await lockEntry(m, input.entryId);
      const list = await m.findOneByOrFail(DetaineeList, { id: entry.listId });
      const detainee = await m.findOneByOrFail(Detainee, { id: entry.detaineeId });
      const otherSide = detainee.holdingPartyId === list.submittingPartyId ? detainee.affiliatedPartyId : detainee.holdingPartyId;
      if (ctx.caller.partyId !== otherSide) {
        throw new ForbiddenError(
          `Only the other side may contest this entry: party ${otherSide}, the party of detainee ${detainee.id} that did not submit list ${list.id}. ` +
            `This request acts for ${ctx.caller.partyId ?? 'no party'}.`,
          { entryId: entry.id, otherSide },
        );
      }
      const commentDueAt = entryCommentDueAt(await deadlinesOf(m, list.agreementId), list.submittedAt);
      const status = listEntryStatus({ resolution: entry.resolution, contestReason: entry.contestReason, commentDueAt, now });
      if (status !== 'SUBMITTED') {
        const why =
          status === 'CONTESTED'
            ? `was already contested (${entry.contestReason}) at ${entry.contestedAt!.toISOString()}; the mediator settles it with resolveListEntry`
            : entry.resolution
              ? `was resolved as ${entry.resolution} by ${entry.resolvedBy} at ${entry.resolvedAt!.toISOString()}`
              : `was deemed AGREED when its comment period ended at ${commentDueAt!.toISOString()} without a contest; raise it with the mediator`;
        throw new DomainError(ErrorCode.INVALID_TRANSITION, `List entry ${entry.id} ${why}. Only a SUBMITTED entry can be contested.`, { entryId: entry.id, status });
      }
      Object.assign(entry, {
        contestReason: input.reason,
        contestNote: input.note?.trim() || null,
        contestingPartyId: otherSide,
        contestedAt: now,
        contestedBy: actor(ctx.caller),
      });
      await m.save(ListEntry, entry);
      return entry;
    });
  },

  async resolveListEntry(_: unknown, { input }: { input: ResolveListEntryInput }, ctx: Context) {
    const p = new Problems();
    if (input.note) checkText(p, 'input.note', input.note, 'Note', 2000);
    p.throwIfAny();
    const now = ctx.clock.now();
    return ctx.db.transaction(async (m) => {
      const entry = await lockEntry(m, input.entryId);
      const list = await m.findOneByOrFail(DetaineeList, { id: entry.listId });
      const commentDueAt = entryCommentDueAt(await deadlinesOf(m, list.agreementId), list.submittedAt);
      const status = listEntryStatus({ resolution: entry.resolution, contestReason: entry.contestReason, commentDueAt, now });
      if (status === 'AGREED' || status === 'REMOVED') {
        const why = entry.resolution
          ? `was already resolved as ${entry.resolution} by ${entry.resolvedBy} at ${entry.resolvedAt!.toISOString()}`
          : `is AGREED: its comment period ended at ${commentDueAt!.toISOString()} without a contest`;
        throw new DomainError(ErrorCode.INVALID_TRANSITION, `List entry ${entry.id} ${why}; only a SUBMITTED or CONTESTED entry can be resolved.`, { entryId: entry.id, status });
      }
      Object.assign(entry, { resolution: input.outcome, resolutionNote: input.note?.trim() || null, resolvedAt: now, resolvedBy: actor(ctx.caller) });
      await m.save(ListEntry, entry);
      return entry;
    });
  },

  async setListDeadlines(_: unknown, { input }: { input: SetListDeadlinesInput }, ctx: Context): Promise<ScheduleSource> {
    const agreement = await confirmAgreement(ctx, input.agreementId);
    const now = ctx.clock.now();
    try {
      return await ctx.db.transaction(async (m) => {
        const current = await m.getRepository(ListDeadline).createQueryBuilder('d').setLock('pessimistic_write').where('d.agreement_id = :id', { id: agreement.id }).getOne();
        const p = new Problems();
        checkDeadlines(p, input, current, now);
        if (input.submissionDueAt.getTime() < new Date(agreement.entryIntoForceAt).getTime()) {
          p.add('input.submissionDueAt', `submissionDueAt is before "${agreement.title}" entered into force (${agreement.entryIntoForceAt}).`);
        }
        p.throwIfAny();
        const row = m.create(ListDeadline, {
          agreementId: agreement.id,
          submissionDueAt: input.submissionDueAt,
          commentDueAt: input.commentDueAt,
          setBy: actor(ctx.caller),
          setAt: now,
        });
        if (current) await m.update(ListDeadline, { agreementId: agreement.id }, row);
        else await m.insert(ListDeadline, row);
        return { agreementId: agreement.id, deadlines: row, parties: agreement.parties.map((x) => ({ id: x.id })) };
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw BadUserInputError.one('input.agreementId', 'The deadlines were set by another request a moment ago; reload them and try again.');
      throw e;
    }
  },

  async planExchangeWave(_: unknown, { input }: { input: PlanExchangeWaveInput }, ctx: Context) {
    const p = new Problems();
    checkWavePlan(p, input.sequence, input.ratio, input.sequencingException?.reason);
    p.throwIfAny();
    const agreement = await confirmAgreement(ctx, input.agreementId);
    if (!isUuid(input.milestoneId) || !agreement.milestones.some((x) => x.id === input.milestoneId)) {
      throw new NotFoundError(
        'milestone',
        input.milestoneId,
        `"${agreement.title}" has no such milestone; its milestones are ${agreement.milestones.map((x) => `"${x.title}" (${x.id})`).join(', ') || 'none yet'}.`,
      );
    }
    if (input.ratio && !agreement.parties.some((x) => x.id === input.ratio!.basePartyId)) {
      p.add('input.ratio.basePartyId', `${input.ratio.basePartyId} is not a party to "${agreement.title}"; its parties are ${describeParties(agreement)}.`);
    }
    if (input.scheduledAt.getTime() < new Date(agreement.entryIntoForceAt).getTime()) {
      p.add('input.scheduledAt', `scheduledAt is before "${agreement.title}" entered into force (${agreement.entryIntoForceAt}).`);
    }
    p.throwIfAny();
    const now = ctx.clock.now();
    try {
      return await ctx.db.transaction(async (m) => {
        await lockAgreementWaves(m, agreement.id);
        const waves = await m.find(ExchangeWave, { where: { agreementId: agreement.id }, order: { sequence: 'ASC' } });
        const taken = waves.find((w) => w.sequence === input.sequence);
        if (taken) {
          const next = Math.max(...waves.map((w) => w.sequence)) + 1;
          p.add('input.sequence', `Sequence ${input.sequence} is already wave ${taken.id} (scheduled ${taken.scheduledAt.toISOString()}); the next free number is ${next}.`);
        }
        const lastSealed = waves.filter((w) => w.sealedAt).at(-1);
        if (!taken && lastSealed && input.sequence < lastSealed.sequence) {
          p.add('input.sequence', `Wave ${lastSealed.sequence} is already sealed and waves are sealed in order; number the new wave after ${lastSealed.sequence}.`);
        }
        p.throwIfAny();
        const wave = m.create(ExchangeWave, {
          id: randomUUID(),
          agreementId: agreement.id,
          milestoneId: input.milestoneId,
          sequence: input.sequence,
          scheduledAt: input.scheduledAt,
          ratioBasePartyId: input.ratio?.basePartyId ?? null,
          exceptionReason: input.sequencingException?.reason.trim() ?? null,
          exceptionBy: input.sequencingException ? actor(ctx.caller) : null,
          exceptionAt: input.sequencingException ? now : null,
          plannedBy: actor(ctx.caller),
          plannedAt: now,
          sealedAt: null,
          sealedBy: null,
        });
        await m.insert(ExchangeWave, wave);
        if (input.ratio) {
          await m.insert(
            RatioTerm,
            input.ratio.terms.map((t) => ({ waveId: wave.id, category: t.category, counterpartPerDetainee: t.counterpartPerDetainee })),
          );
        }
        return wave;
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw BadUserInputError.one('input.sequence', `Sequence ${input.sequence} was taken by another request a moment ago; reload the waves and choose the next number.`);
      throw e;
    }
  },

  async recordSequencingException(_: unknown, { input }: { input: { waveId: string; reason: string } }, ctx: Context) {
    const p = new Problems();
    checkText(p, 'input.reason', input.reason, 'Reason', 2000);
    p.throwIfAny();
    return ctx.db.transaction(async (m) => {
      const wave = await lockWave(m, input.waveId);
      refuseUnlessPlanned(wave, 'be given a sequencing exception');
      if (wave.exceptionReason) {
        throw BadUserInputError.one('input.waveId', `Wave ${wave.sequence} already carries an exception recorded by ${wave.exceptionBy} at ${wave.exceptionAt!.toISOString()}.`);
      }
      Object.assign(wave, { exceptionReason: input.reason.trim(), exceptionBy: actor(ctx.caller), exceptionAt: ctx.clock.now() });
      await m.save(ExchangeWave, wave);
      return wave;
    });
  },

  async addToManifest(_: unknown, { input }: { input: ManifestChangeInput }, ctx: Context) {
    const p = new Problems();
    checkIdList(p, 'input.detaineeIds', input.detaineeIds, 500, 'manifest');
    p.throwIfAny();
    const now = ctx.clock.now();
    try {
      return await ctx.db.transaction(async (m) => {
        const wave = await lockWave(m, input.waveId);
        const detainees = await lockDetainees(m, input.detaineeIds);
        refuseUnlessPlanned(wave, 'take more detainees');
        const already = await m.findBy(ManifestEntry, { waveId: wave.id, detaineeId: In(input.detaineeIds) });
        detainees.forEach((d, i) => {
          if (d.agreementId !== wave.agreementId) p.add(`input.detaineeIds[${i}]`, `Detainee ${d.id} is registered under another agreement (${d.agreementId}) than wave ${wave.sequence}.`);
          if (already.some((a) => a.detaineeId === d.id)) p.add(`input.detaineeIds[${i}]`, `Detainee ${d.id} is already on the manifest of wave ${wave.sequence}.`);
        });
        p.throwIfAny();
        await refuseReleasedOrOpen(m, wave, input.detaineeIds);
        refuseUnlessAgreed(await listStatuses(m, wave.agreementId, input.detaineeIds, now), wave, 'take these detainees');
        await refuseSequencing(m, wave, detainees.map(held), now, 'take these detainees');
        await m.insert(
          ManifestEntry,
          detainees.map((d) => ({ id: randomUUID(), waveId: wave.id, detaineeId: d.id, addedAt: now, addedBy: actor(ctx.caller) })),
        );
        return wave;
      });
    } catch (e) {
      if (isUniqueViolation(e)) {
        throw new DomainError(ErrorCode.ALREADY_RELEASED, 'A detainee in this request was put on another open manifest by another request a moment ago; reload the waves.');
      }
      throw e;
    }
  },

  async removeFromManifest(_: unknown, { input }: { input: ManifestChangeInput }, ctx: Context) {
    const p = new Problems();
    checkIdList(p, 'input.detaineeIds', input.detaineeIds, 500, 'manifest');
    p.throwIfAny();
    return ctx.db.transaction(async (m) => {
      const wave = await lockWave(m, input.waveId);
      refuseUnlessPlanned(wave, 'change its manifest');
      const ids = input.detaineeIds.filter(isUuid);
      const entries = ids.length ? await m.findBy(ManifestEntry, { waveId: wave.id, detaineeId: In(ids) }) : [];
      input.detaineeIds.forEach((id, i) => {
        if (!entries.some((e) => e.detaineeId === id)) p.add(`input.detaineeIds[${i}]`, `Detainee ${id} is not on the manifest of wave ${wave.sequence}.`);
      });
      p.throwIfAny();
      await m.delete(ManifestEntry, { id: In(entries.map((e) => e.id)) });
      return wave;
    });
  },

  async sealManifest(_: unknown, { input }: { input: { waveId: string } }, ctx: Context) {
    const now = ctx.clock.now();
    return ctx.db.transaction(async (m) => {
      const wave = await lockWave(m, input.waveId);
      if (wave.sealedAt) {
        throw new DomainError(ErrorCode.INVALID_TRANSITION, `Wave ${wave.sequence} was already sealed at ${wave.sealedAt.toISOString()} by ${wave.sealedBy}.`, { waveId: wave.id });
      }
      const earlier = await m
        .getRepository(ExchangeWave)
        .createQueryBuilder('w')
        .where('w.agreement_id = :a AND w.sequence < :s AND w.sealed_at IS NULL', { a: wave.agreementId, s: wave.sequence })
        .orderBy('w.sequence', 'ASC')
        .getMany();
      if (earlier.length) {
        throw BadUserInputError.one('input.waveId', `Waves are sealed in order: seal wave ${earlier.map((w) => `${w.sequence} (${w.id})`).join(', ')} before wave ${wave.sequence}.`);
      }
      const entries = await m.findBy(ManifestEntry, { waveId: wave.id });
      if (entries.length === 0) throw BadUserInputError.one('input.waveId', `Wave ${wave.sequence} has an empty manifest; add detainees with addToManifest before sealing it.`);
      const detainees = await m.findBy(Detainee, { id: In(entries.map((e) => e.detaineeId)) });
      refuseUnlessAgreed(await listStatuses(m, wave.agreementId, detainees.map((d) => d.id), now), wave, 'be sealed');
      await refuseSequencing(m, wave, detainees.map(held), now, 'be sealed');
      const terms = await m.findBy(RatioTerm, { waveId: wave.id });
      const ratio = wave.ratioBasePartyId ? { basePartyId: wave.ratioBasePartyId, terms } : null;
      const check = checkRatio(detainees, ratio);
      if (!check.met) {
        throw new DomainError(
          ErrorCode.RATIO_VIOLATION,
          `Wave ${wave.sequence} does not meet its agreed ratio: for the base party's ${describeCategories(detainees.filter((d) => d.holdingPartyId === wave.ratioBasePartyId))} ` +
            `the other side must release at least ${check.required}, and the manifest has ${check.counterpart}. Add ${check.required - check.counterpart} more held by the other side, ` +
            'or take some of the base party’s detainees off the manifest.',
          { required: check.required, counterpart: check.counterpart },
        );
      }
      Object.assign(wave, { sealedAt: now, sealedBy: actor(ctx.caller) });
      await m.save(ExchangeWave, wave);
      return wave;
    });
  },

  async recordProofOfLife(_: unknown, { input }: { input: RecordProofOfLifeInput }, ctx: Context) {
    const p = new Problems();
    const now = ctx.clock.now();
    checkText(p, 'input.verifier', input.verifier, 'Verifier');
    checkPast(p, 'input.observedAt', input.observedAt, now, 'observedAt');
    p.throwIfAny();
    return ctx.db.transaction(async (m) => {
      const [detainee] = await lockDetainees(m, [input.detaineeId]);
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

  async confirmHandover(_: unknown, { input }: { input: ConfirmHandoverInput }, ctx: Context) {
    const p = new Problems();
    const now = ctx.clock.now();
    checkHandover(p, input, now);
    p.throwIfAny();
    const planned = isUuid(input.waveId) ? await ctx.db.getRepository(ExchangeWave).findOneBy({ id: input.waveId }) : null;
    if (!planned) throw new NotFoundError('exchange wave', input.waveId, WAVE_HINT);
    // The proof-of-life limit belongs to the agreement, owned by the milestones service: ask it, never the client.
    const agreement = await confirmAgreement(ctx, planned.agreementId);
    if (input.confirmedAt.getTime() < new Date(agreement.entryIntoForceAt).getTime()) {
      throw BadUserInputError.one('input.confirmedAt', `confirmedAt is before "${agreement.title}" entered into force (${agreement.entryIntoForceAt}).`);
    }
    try {
      return await ctx.db.transaction(async (m) => {
        const wave = await lockWave(m, planned.id);
        const [detainee] = await lockDetainees(m, [input.detaineeId]);
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
        Object.assign(entry, {
          outcome,
          fitToTravel: input.medicalCheck.fitToTravel,
          medicalCheckNotes: input.medicalCheck.notes?.trim() || null,
          confirmedAt: input.confirmedAt,
          confirmedBy: actor(ctx.caller),
          recordedAt: now,
        });
        await m.save(ManifestEntry, entry);
        return entry;
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new DomainError(ErrorCode.ALREADY_RELEASED, `Detainee ${input.detaineeId} was released by another request a moment ago; a release is recorded once.`);
      throw e;
    }
  },
};
