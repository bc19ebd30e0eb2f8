import { randomUUID } from 'node:crypto';
import { In, type EntityManager } from 'typeorm';
import { BadUserInputError, ForbiddenError, NotFoundError, Problems, callPeer, hasRole, isUniqueViolation, isUuid, type Caller } from '@treaty/service-kit';
import {
  Agreement,
  AgreementParty,
  Benchmark,
  Certification,
  Dispute,
  DisputeRuling,
  DisputeTier,
  Milestone,
  SnapBackClause,
  SnapBackLift,
  Party,
  Phase,
  Waiver,
  type BenchmarkMetric,
  type CargoClass,
  type Comparator,
  type PartyKind,
  type RulingOutcome,
  type RulingRole,
  type SnapBackTriggerKind,
} from '../entities/index.js';
import { DEFAULT_TIERS, disputeStage } from '../domain/disputes.js';
import { snapBackOf } from './snap-back.js';
import { checkBenchmarks, checkEvidence, checkPartyDrafts, checkPhases, checkText, checkTiers, type BenchmarkDraft, type EvidenceDraft, type PartyDraft, type PhaseDraft, type TierDraft } from '../domain/rules.js';
import type { Context } from '../context.js';

export interface CreateAgreementInput {
  title: string;
  entryIntoForceAt: Date;
  parties: PartyDraft[];
  phases: PhaseDraft[];
  mediator?: string | null;
  proofOfLifeMaxAgeDays?: number | null;
  disputeTiers?: TierDraft[] | null;
}

export interface FileDisputeInput {
  agreementId: string;
  milestoneId?: string | null;
  incidentId?: string | null;
  allegation: string;
  accusedPartyId?: string | null;
  lodgedAt?: Date | null;
}

export interface RuleOnDisputeInput {
  disputeId: string;
  outcome: RulingOutcome;
  reasoning: string;
}

export interface AddSnapBackClauseInput {
  agreementId: string;
  trigger: SnapBackTriggerKind;
  milestoneId?: string | null;
  threshold?: number | null;
  windowHours?: number | null;
  reverts: string;
}

export interface LiftSnapBackInput {
  agreementId: string;
  reason: string;
}

async function findAgreement(m: EntityManager, id: string): Promise<Agreement> {
  const agreement = isUuid(id) ? await m.findOneBy(Agreement, { id }) : null;
  if (!agreement) throw new NotFoundError('agreement', id, 'List agreements with { agreements { id title } }.');
  return agreement;
}

export interface AddMilestoneInput {
  agreementId: string;
  phaseOrdinal: number;
  title: string;
  description?: string | null;
  obligatedPartyId: string;
  dueDay: number;
  benchmarks?: BenchmarkDraft[] | null;
}

export interface CertifyMilestoneInput {
  milestoneId: string;
  metAt?: Date | null;
  evidence: EvidenceDraft[];
  notes?: string | null;
}

export interface WaiveMilestoneInput {
  milestoneId: string;
  reason: string;
}

/** The agency recorded as the author of a write. */
function actor(caller: Caller): string {
  return caller.agency ?? caller.subject ?? 'unknown';
}

/** Loads a milestone and locks it, so concurrent certifications and waivers of it run one at a time. */
async function lockMilestone(m: EntityManager, id: string): Promise<Milestone> {
  const found = isUuid(id)
    ? await m.getRepository(Milestone).createQueryBuilder('ms').setLock('pessimistic_write').where('ms.id = :id', { id }).getOne()
    : null;
  if (!found) throw new NotFoundError('milestone', id, 'List milestones with { agreements { milestones { id title } } }.');
  return found;
}

async function refuseIfSettled(m: EntityManager, milestone: Milestone, attempted: 'certified' | 'waived'): Promise<void> {
  const [waiver, certification] = await Promise.all([
    m.findOneBy(Waiver, { milestoneId: milestone.id }),
    m.findOneBy(Certification, { milestoneId: milestone.id }),
  ]);
  if (waiver) {
    throw BadUserInputError.one(
      'input.milestoneId',
      `Milestone "${milestone.title}" was waived on ${waiver.waivedAt.toISOString()} by ${waiver.waivedBy} and cannot be ${attempted}.`,
    );
  }
  if (certification) {
    throw BadUserInputError.one(
      'input.milestoneId',
      `Milestone "${milestone.title}" was already certified by ${certification.verifier} (met at ${certification.metAt.toISOString()}) and cannot be ${attempted}.`,
    );
  }
}

export const Mutation = {
  async createAgreement(_: unknown, { input }: { input: CreateAgreementInput }, ctx: Context) {
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
      const drafts = input.parties.filter((x) => !x.id).map((x) => ({ id: randomUUID(), name: x.name!.trim(), kind: x.kind as PartyKind }));
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
          permittedCargo: ph.permittedCargo as CargoClass[],
        })),
      );
      await m.insert(
        DisputeTier,
        tiers.map((t) => ({ agreementId: agreement.id, ordinal: t.ordinal, name: t.name.trim(), hours: t.hours, rulingRole: t.rulingRole as RulingRole })),
      );
      return m.findOneByOrFail(Agreement, { id: agreement.id });
    });
  },

  async addMilestone(_: unknown, { input }: { input: AddMilestoneInput }, ctx: Context) {
    const p = new Problems();
    checkText(p, 'input.title', input.title, 'Title');
    const benchmarks = input.benchmarks ?? [];
    checkBenchmarks(p, benchmarks);
    p.throwIfAny();

    return ctx.db.transaction(async (m) => {
      const agreement = isUuid(input.agreementId) ? await m.findOneBy(Agreement, { id: input.agreementId }) : null;
      if (!agreement) throw new NotFoundError('agreement', input.agreementId, 'List agreements with { agreements { id title } }.');
      const phases = await m.find(Phase, { where: { agreementId: agreement.id }, order: { ordinal: 'ASC' } });
      const phase = phases.find((ph) => ph.ordinal === input.phaseOrdinal);
      const describe = (ph: Phase) => `phase ${ph.ordinal} "${ph.name}" (days ${ph.startDay}–${ph.endDay})`;
      if (!phase) {
        p.add('input.phaseOrdinal', `Agreement "${agreement.title}" has no phase ${input.phaseOrdinal}; its phases are ${phases.map(describe).join(', ')}.`);
      } else if (input.dueDay < phase.startDay || input.dueDay > phase.endDay) {
        const fitting = phases.find((ph) => input.dueDay >= ph.startDay && input.dueDay <= ph.endDay);
        p.add(
          'input.dueDay',
          `Day ${input.dueDay} is outside ${describe(phase)}; choose a due day within it` +
            (fitting ? `, or put the milestone in ${describe(fitting)}.` : '.'),
        );
      }
      const parties = await m.findBy(AgreementParty, { agreementId: agreement.id });
      if (!parties.some((ap) => ap.partyId === input.obligatedPartyId)) {
        const names = await m.findBy(Party, { id: In(parties.map((ap) => ap.partyId)) });
        p.add('input.obligatedPartyId', `The obligated party must be a party to "${agreement.title}": ${names.map((n) => `${n.name} (${n.id})`).join(', ')}.`);
      }
      p.throwIfAny();

      const milestone = m.create(Milestone, {
        id: randomUUID(),
        agreementId: agreement.id,
        phaseId: phase!.id,
        title: input.title.trim(),
        description: input.description?.trim() || null,
        obligatedPartyId: input.obligatedPartyId,
        dueDay: input.dueDay,
      });
      await m.insert(Milestone, milestone);
      if (benchmarks.length) {
        await m.insert(
          Benchmark,
          benchmarks.map((b, position) => ({
            id: randomUUID(),
            milestoneId: milestone.id,
            position,
            metric: b.metric as BenchmarkMetric,
            comparator: b.comparator as Comparator,
            threshold: b.threshold,
            description: b.description?.trim() || null,
          })),
        );
      }
      return m.findOneByOrFail(Milestone, { id: milestone.id });
    });
  },

  async certifyMilestone(_: unknown, { input }: { input: CertifyMilestoneInput }, ctx: Context) {
    const p = new Problems();
    checkEvidence(p, input.evidence);
    if (input.notes) checkText(p, 'input.notes', input.notes, 'Notes', 5000);
    p.throwIfAny();
    const now = ctx.clock.now();
    const metAt = input.metAt ?? now;

    try {
      return await ctx.db.transaction(async (m) => {
        const milestone = await lockMilestone(m, input.milestoneId);
        await refuseIfSettled(m, milestone, 'certified');
        const agreement = await m.findOneByOrFail(Agreement, { id: milestone.agreementId });
        if (metAt.getTime() > now.getTime()) {
          p.add('input.metAt', `metAt ${metAt.toISOString()} is in the future; certify what has happened, at the time it happened (now is ${now.toISOString()}).`);
        }
        if (metAt.getTime() < agreement.entryIntoForceAt.getTime()) {
          p.add('input.metAt', `metAt ${metAt.toISOString()} is before the agreement entered into force (${agreement.entryIntoForceAt.toISOString()}).`);
        }
        p.throwIfAny();
        await m.insert(Certification, {
          id: randomUUID(),
          milestoneId: milestone.id,
          verifier: actor(ctx.caller),
          verifierSubject: ctx.caller.subject,
          metAt,
          recordedAt: now,
          evidence: input.evidence.map((e) => ({ reference: e.reference.trim(), description: e.description?.trim() || null, sha256: e.sha256?.toLowerCase() ?? null })),
          notes: input.notes?.trim() || null,
        });
        return milestone;
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw BadUserInputError.one('input.milestoneId', 'This milestone was certified by another request a moment ago; reload it to see the certification.');
      throw e;
    }
  },

  async waiveMilestone(_: unknown, { input }: { input: WaiveMilestoneInput }, ctx: Context) {
    const p = new Problems();
    checkText(p, 'input.reason', input.reason, 'Reason', 5000);
    p.throwIfAny();
    try {
      return await ctx.db.transaction(async (m) => {
        const milestone = await lockMilestone(m, input.milestoneId);
        await refuseIfSettled(m, milestone, 'waived');
        await m.insert(Waiver, { id: randomUUID(), milestoneId: milestone.id, reason: input.reason.trim(), waivedBy: actor(ctx.caller), waivedAt: ctx.clock.now() });
        return milestone;
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw BadUserInputError.one('input.milestoneId', 'This milestone was waived by another request a moment ago; reload it to see the waiver.');
      throw e;
    }
  },

  async fileDispute(_: unknown, { input }: { input: FileDisputeInput }, ctx: Context) {
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
        const milestone = isUuid(input.milestoneId) ? await m.findOneBy(Milestone, { id: input.milestoneId }) : null;
        if (!milestone) throw new NotFoundError('milestone', input.milestoneId);
        if (milestone.agreementId !== agreement.id) p.add('input.milestoneId', `Milestone "${milestone.title}" belongs to another agreement.`);
      }
      if (input.accusedPartyId && !parties.includes(input.accusedPartyId)) p.add('input.accusedPartyId', `The accused party must be a party to "${agreement.title}".`);
      if (input.incidentId) {
        // Incidents belong to the corridors service: confirm the report exists and concerns this agreement.
        const { incident } = await callPeer<{ incident: { id: string; agreement: { id: string } } | null }>(
          ctx.peers,
          'corridors',
          ctx.caller,
          'query ($id: ID!) { incident(id: $id) { id agreement { id } } }',
          { id: input.incidentId },
        );
        if (!incident) throw new NotFoundError('incident', input.incidentId, 'Incidents are reported to the corridors service; list them with { agreement(id: "…") { incidents { id } } }.');
        if (incident.agreement.id !== agreement.id) p.add('input.incidentId', `Incident ${input.incidentId} concerns another agreement.`);
      }
      const now = ctx.clock.now();
      const lodgedAt = input.lodgedAt ?? now;
      if (lodgedAt.getTime() > now.getTime()) p.add('input.lodgedAt', `lodgedAt ${lodgedAt.toISOString()} is in the future; give when the complaint was received (now is ${now.toISOString()}).`);
      else if (now.getTime() - lodgedAt.getTime() > 7 * 24 * 3_600_000) p.add('input.lodgedAt', 'lodgedAt is more than 7 days ago; a complaint must be entered within a week of being lodged.');
      if (lodgedAt.getTime() < agreement.entryIntoForceAt.getTime()) p.add('input.lodgedAt', `lodgedAt is before the agreement entered into force (${agreement.entryIntoForceAt.toISOString()}).`);
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

  async ruleOnDispute(_: unknown, { input }: { input: RuleOnDisputeInput }, ctx: Context) {
    const p = new Problems();
    checkText(p, 'input.reasoning', input.reasoning, 'Reasoning', 10000);
    p.throwIfAny();
    try {
      return await ctx.db.transaction(async (m) => {
        const dispute = isUuid(input.disputeId)
          ? await m.getRepository(Dispute).createQueryBuilder('d').setLock('pessimistic_write').where('d.id = :id', { id: input.disputeId }).getOne()
          : null;
        if (!dispute) throw new NotFoundError('dispute', input.disputeId);
        const ruling = await m.findOneBy(DisputeRuling, { disputeId: dispute.id });
        if (ruling) throw BadUserInputError.one('input.disputeId', `This dispute was already ruled on (${ruling.outcome}) by ${ruling.ruledBy} at ${ruling.ruledAt.toISOString()}; a dispute has one ruling.`);
        const tiers = await m.find(DisputeTier, { where: { agreementId: dispute.agreementId }, order: { ordinal: 'ASC' } });
        const now = ctx.clock.now();
        const stage = disputeStage(dispute.filedAt, tiers, null, now);
        if (stage.kind === 'EXHAUSTED') {
          throw BadUserInputError.one('input.disputeId', `Every tier's clock ran out (the last at ${stage.since.toISOString()}); the dispute can no longer be ruled on under the agreement's ladder.`);
        }
        if (stage.kind === 'OPEN' && !hasRole(ctx.caller, stage.tier.rulingRole)) {
          throw new ForbiddenError(
            `The dispute is before tier ${stage.tier.ordinal} (${stage.tier.name}) until ${stage.deadline.toISOString()}; only the ${stage.tier.rulingRole} role rules there.`,
            { needs: stage.tier.rulingRole },
          );
        }
        await m.insert(DisputeRuling, {
          disputeId: dispute.id,
          outcome: input.outcome,
          reasoning: input.reasoning.trim(),
          tierOrdinal: stage.kind === 'OPEN' ? stage.tier.ordinal : 0,
          ruledBy: actor(ctx.caller),
          ruledAt: now,
        });
        return dispute;
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw BadUserInputError.one('input.disputeId', 'This dispute was ruled on by another request a moment ago; reload it to see the ruling.');
      throw e;
    }
  },

  async addSnapBackClause(_: unknown, { input }: { input: AddSnapBackClauseInput }, ctx: Context) {
    const p = new Problems();
    checkText(p, 'input.reverts', input.reverts, 'Reverts', 5000);
    if (input.trigger === 'VIOLATIONS_THRESHOLD') {
      if (!Number.isInteger(input.threshold) || input.threshold! < 1) p.add('input.threshold', 'A violations clause needs threshold: a whole number of violations, 1 or more.');
      if (!Number.isInteger(input.windowHours) || input.windowHours! < 1 || input.windowHours! > 8760) p.add('input.windowHours', 'A violations clause needs windowHours from 1 to 8760 (e.g. 72).');
    } else if (input.threshold != null || input.windowHours != null) {
      p.add('input', `threshold and windowHours apply only to VIOLATIONS_THRESHOLD clauses; remove them for ${input.trigger}.`);
    }
    if (input.milestoneId && input.trigger !== 'MILESTONE_MISSED') p.add('input.milestoneId', 'milestoneId applies only to MILESTONE_MISSED clauses.');
    p.throwIfAny();
    return ctx.db.transaction(async (m) => {
      const agreement = await findAgreement(m, input.agreementId);
      if (input.milestoneId) {
        const milestone = isUuid(input.milestoneId) ? await m.findOneBy(Milestone, { id: input.milestoneId }) : null;
        if (!milestone) throw new NotFoundError('milestone', input.milestoneId);
        if (milestone.agreementId !== agreement.id) throw BadUserInputError.one('input.milestoneId', `Milestone "${milestone.title}" belongs to another agreement.`);
      }
      const clause = m.create(SnapBackClause, {
        id: randomUUID(),
        agreementId: agreement.id,
        trigger: input.trigger,
        milestoneId: input.milestoneId ?? null,
        threshold: input.threshold ?? null,
        windowHours: input.windowHours ?? null,
        reverts: input.reverts.trim(),
        createdAt: ctx.clock.now(),
      });
      await m.insert(SnapBackClause, clause);
      return clause;
    });
  },

  async liftSnapBack(_: unknown, { input }: { input: LiftSnapBackInput }, ctx: Context) {
    const p = new Problems();
    checkText(p, 'input.reason', input.reason, 'Reason', 5000);
    p.throwIfAny();
    const agreement = await findAgreement(ctx.db.manager, input.agreementId);
    const state = await snapBackOf(agreement, ctx);
    if (!state.active) throw BadUserInputError.one('input.agreementId', `No snap-back is in force under "${agreement.title}"; there is nothing to lift.`);
    await ctx.db.transaction(async (m) => {
      // Serialise lifts of one agreement so two mediators cannot lift the same trigger twice.
      await m.getRepository(Agreement).createQueryBuilder('a').setLock('pessimistic_write').where('a.id = :id', { id: agreement.id }).getOne();
      const last = await m.findOne(SnapBackLift, { where: { agreementId: agreement.id }, order: { liftedAt: 'DESC' } });
      if (last && state.triggeredAt && last.liftedAt.getTime() >= state.triggeredAt.getTime()) {
        throw BadUserInputError.one('input.agreementId', `Snap-back was already lifted at ${last.liftedAt.toISOString()} by ${last.liftedBy}.`);
      }
      await m.insert(SnapBackLift, { id: randomUUID(), agreementId: agreement.id, reason: input.reason.trim(), liftedBy: actor(ctx.caller), liftedAt: ctx.clock.now() });
    });
    ctx.snapBack.delete(agreement.id);
    ctx.loaders.liftsOfAgreement.clear(agreement.id);
    return agreement;
  },
};
