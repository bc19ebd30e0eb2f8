import type { EntityManager } from 'typeorm';
import { DomainError, ErrorCode } from '@treaty/service-kit';
import { ListEntry, ManifestEntry, RatioTerm, type ContestReason, type Detainee, type DetaineeCategory, type ExchangeWave, type Resolution } from '../../entities/index.js';
import { entryCommentDueAt, listEntryStatus, type ListEntryStatus } from '../../domain/lists.js';
import { describeCategories, sequencingViolations, type Held } from '../../domain/priority.js';
import { notAgreed } from '../../domain/rules.js';
import { remainsWithoutTerm, type Ratio, type RatioCheck } from '../../domain/waves.js';
import { deadlinesOf } from './shared.js';

// The manifest rules, shared by addToManifest and sealManifest. Each throws its code; none writes.

/** The status of each detainee's live list entry (null when on no list), derived as the read side does. */
export async function listStatuses(m: EntityManager, agreementId: string, detaineeIds: string[], now: Date): Promise<Map<string, ListEntryStatus | null>> {
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
 * The detainees the sequencing rule protects, for these holders: living, agreed (derived, as on the read
 * side), unreleased, and on no wave of the agreement numbered up to `sequence` (this wave included).
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
        WHERE d.agreement_id = $1 AND d.holding_party_id = ANY($2::uuid[]) AND d.category <> 'REMAINS'
          AND NOT EXISTS (SELECT 1 FROM manifest_entry r WHERE r.detainee_id = d.id AND r.outcome = 'CONSENTS')
          AND NOT EXISTS (SELECT 1 FROM manifest_entry me JOIN exchange_wave w ON w.id = me.wave_id
                           WHERE me.detainee_id = d.id AND w.sequence <= $3)`,
      [agreementId, holderIds, sequence],
    );
  return rows
    .filter((r) => listEntryStatus({ resolution: r.resolution, contestReason: r.contest_reason, commentDueAt: entryCommentDueAt(deadlines, r.submitted_at), now }) === 'AGREED')
    .map((r) => ({ detaineeId: r.id, holdingPartyId: r.holding_party_id, category: r.category }));
}

export function refuseUnlessAgreed(statuses: Map<string, ListEntryStatus | null>, wave: ExchangeWave, action: string): void {
  const refused = notAgreed(statuses);
  if (refused.length === 0) return;
  const describe = ([id, s]: [string, ListEntryStatus | null]) => `${id} (${s === null ? 'on no list' : s})`;
  throw new DomainError(
    ErrorCode.LIST_ENTRY_CONTESTED,
    `Wave ${wave.sequence} cannot ${action}: only detainees whose list entry is AGREED may go on a manifest, and ${refused.map(describe).join(', ')} ` +
      `${refused.length === 1 ? 'is' : 'are'} not. A contested or submitted entry is settled with resolveListEntry (MEDIATOR); a detainee on no list must first be listed.`,
    { detaineeIds: refused.map(([id]) => id), statuses: Object.fromEntries(refused) },
  );
}

export async function refuseSequencing(m: EntityManager, wave: ExchangeWave, placed: Held[], now: Date, action: string): Promise<void> {
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

/** ALREADY_RELEASED for a detainee released before (or remains handed over before), or still on another wave's open manifest. */
export async function refuseReleasedOrOpen(m: EntityManager, wave: ExchangeWave, detaineeIds: string[]): Promise<void> {
  const entries = await m
    .getRepository(ManifestEntry)
    .createQueryBuilder('me')
    .innerJoinAndSelect('me.wave', 'w')
    .where('me.detainee_id IN (:...ids)', { ids: detaineeIds })
    .andWhere(`(me.outcome IN ('CONSENTS', 'REPATRIATED') OR (me.outcome IS NULL AND me.wave_id <> :wave))`, { wave: wave.id })
    .getMany();
  if (entries.length === 0) return;
  const describe = (e: ManifestEntry) =>
    e.outcome === 'CONSENTS'
      ? `detainee ${e.detaineeId} was already released on wave ${e.wave.sequence} at ${e.confirmedAt!.toISOString()}`
      : e.outcome === 'REPATRIATED'
        ? `remains ${e.detaineeId} were already handed over on wave ${e.wave.sequence} at ${e.confirmedAt!.toISOString()}`
        : `detainee ${e.detaineeId} is already on the open manifest of wave ${e.wave.sequence} (${e.waveId})`;
  const n = new Set(entries.map((e) => e.detaineeId)).size;
  throw new DomainError(
    ErrorCode.ALREADY_RELEASED,
    `Wave ${wave.sequence} cannot take ${n === 1 ? 'this detainee' : `${n} of these detainees`}: ${entries.map(describe).join('; ')}. ` +
      'A detainee is released once (remains handed over once) and is on at most one open manifest at a time; to move someone, remove them from the other wave first.',
    { detaineeIds: [...new Set(entries.map((e) => e.detaineeId))] },
  );
}

/** INVALID_TRANSITION for a sealed wave: its manifest is fixed. */
export function refuseUnlessPlanned(wave: ExchangeWave, action: string): void {
  if (wave.withdrawnAt) {
    throw new DomainError(
      ErrorCode.INVALID_TRANSITION,
      `Wave ${wave.sequence} was withdrawn at ${wave.withdrawnAt.toISOString()} by ${wave.withdrawnBy} and cannot ${action}. Plan a new wave (numbered after the sealed ones) instead.`,
      { waveId: wave.id },
    );
  }
  if (wave.sealedAt) {
    throw new DomainError(
      ErrorCode.INVALID_TRANSITION,
      `Wave ${wave.sequence} was sealed at ${wave.sealedAt.toISOString()} by ${wave.sealedBy}; its manifest is fixed and it cannot ${action}. Plan another wave for further detainees.`,
      { waveId: wave.id },
    );
  }
}

/** A wave's agreed ratio with its terms, or null when it has none. */
export async function ratioOf(m: EntityManager, wave: ExchangeWave): Promise<Ratio | null> {
  if (!wave.ratioBasePartyId) return null;
  return { basePartyId: wave.ratioBasePartyId, terms: await m.findBy(RatioTerm, { waveId: wave.id }) };
}

/**
 * RATIO_VIOLATION for remains on a wave whose ratio has no REMAINS term (or that has no ratio): the
 * repatriation of remains is agreed as a term of its own, never slipped onto an exchange of the living.
 */
export function refuseRemainsWithoutTerm(wave: ExchangeWave, ratio: Ratio | null, records: Pick<Detainee, 'id' | 'category'>[], action: string): void {
  const refused = remainsWithoutTerm(records, ratio);
  if (refused.length === 0) return;
  const ids = refused.map((r) => r.id);
  throw new DomainError(
    ErrorCode.RATIO_VIOLATION,
    `Wave ${wave.sequence} cannot ${action}: ${ids.join(', ')} ${ids.length === 1 ? 'is a record' : 'are records'} of remains, and the wave's ` +
      `${ratio ? 'ratio has no REMAINS term' : 'has no ratio, so no REMAINS term'}. Remains travel only on a wave whose agreed ratio has one: plan a wave with, for example, ` +
      'ratio: { basePartyId: "...", terms: [{ category: REMAINS, counterpartPerDetainee: 1, counterpart: REMAINS }] }, and put the remains on it.',
    { detaineeIds: ids },
  );
}

/**
 * RATIO_VIOLATION when the manifest does not give, in return for the base party's, enough living
 * detainees or enough remains (called after refuseRemainsWithoutTerm, which covers the other way to fail).
 */
export function refuseUnmetRatio(wave: ExchangeWave, check: RatioCheck, records: Pick<Detainee, 'holdingPartyId' | 'category'>[]): void {
  if (check.met) return;
  const short: string[] = [];
  if (check.counterpart < check.required) {
    short.push(`release at least ${check.required} living detainees, and the manifest has ${check.counterpart}: add ${check.required - check.counterpart} more held by the other side`);
  }
  if (check.remainsCounterpart < check.requiredRemains) {
    short.push(
      `hand over the remains of at least ${check.requiredRemains} people, and the manifest has ${check.remainsCounterpart}: add ${check.requiredRemains - check.remainsCounterpart} more held by the other side`,
    );
  }
  throw new DomainError(
    ErrorCode.RATIO_VIOLATION,
    `Wave ${wave.sequence} does not meet its agreed ratio: for the base party's ${describeCategories(records.filter((d) => d.holdingPartyId === wave.ratioBasePartyId))} ` +
      `the other side must ${short.join('; and it must ')}. Remains never count for living detainees, nor the living for remains. ` +
      'Otherwise, take some of the base party’s detainees off the manifest.',
    { required: check.required, counterpart: check.counterpart, requiredRemains: check.requiredRemains, remainsCounterpart: check.remainsCounterpart },
  );
}
