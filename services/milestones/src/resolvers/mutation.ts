import { randomUUID } from 'node:crypto';
import { In, type EntityManager } from 'typeorm';
import { BadUserInputError, NotFoundError, Problems, isUniqueViolation, isUuid, type Caller } from '@treaty/service-kit';
import {
  Agreement,
  AgreementParty,
  Benchmark,
  Certification,
  Milestone,
  Party,
  Phase,
  Waiver,
  type BenchmarkMetric,
  type CargoClass,
  type Comparator,
  type PartyKind,
} from '../entities/index.js';
import { checkBenchmarks, checkEvidence, checkPartyDrafts, checkPhases, checkText, type BenchmarkDraft, type EvidenceDraft, type PartyDraft, type PhaseDraft } from '../domain/rules.js';
import type { Context } from '../context.js';

export interface CreateAgreementInput {
  title: string;
  entryIntoForceAt: Date;
  parties: PartyDraft[];
  phases: PhaseDraft[];
  mediator?: string | null;
  proofOfLifeMaxAgeDays?: number | null;
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
};
