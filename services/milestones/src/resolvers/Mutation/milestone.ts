import { randomUUID } from 'node:crypto';
import { In, type EntityManager } from 'typeorm';
import { BadUserInputError, NotFoundError, Problems, actor, isUuid } from '@treaty/service-kit';
import { Agreement, AgreementParty, Benchmark, Certification, Milestone, Party, Phase, Waiver, type KindEvidence } from '../../entities/index.js';
import { checkKind, checkKindEvidence } from '../../domain/communications.js';
import { checkBenchmarks, checkEvidence, checkMetAt, checkText } from '../../domain/rules.js';
import type { MutationAddMilestoneArgs, MutationCertifyMilestoneArgs, MutationWaiveMilestoneArgs } from '../../generated/graphql.js';
import type { Context } from '../../context.js';
import { findAgreement, onceOnly } from './shared.js';
import { certificationFact, waiverFact } from '../../evidence.js';

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

/**
 * When a milestone was met and the evidence of its kind to store: for an OBLIGATION the verifier's metAt
 * (now when omitted); for a STATEMENT the last issuance of the set, for a DOMESTIC_STEP the enactment,
 * checked against the milestone's terms (domain/communications.ts). Problems are added to `p`.
 */
async function evidenceOfKind(m: EntityManager, p: Problems, milestone: Milestone, input: MutationCertifyMilestoneArgs['input'], entryIntoForceAt: Date, now: Date) {
  const terms = {
    statement: milestone.terms && 'statement' in milestone.terms ? milestone.terms.statement : null,
    domesticStep: milestone.terms && 'domesticStep' in milestone.terms ? milestone.terms.domesticStep : null,
  };
  const issuerIds = terms.statement ? [milestone.obligatedPartyId, ...terms.statement.synchronisedWithPartyIds] : [milestone.obligatedPartyId];
  const found = await m.findBy(Party, { id: In(issuerIds) });
  const issuers = issuerIds.map((id) => found.find((x) => x.id === id) ?? { id, name: id });
  const issuances = input.issuances?.map((i) => ({ partyId: i.partyId, issuedAt: i.issuedAt, reference: i.reference, sha256: i.sha256 ?? null }));
  const derived = checkKindEvidence(p, milestone.kind, terms, { issuances, record: input.record ?? null }, issuers, { entryIntoForceAt, now });
  if (milestone.kind === 'OBLIGATION') return { metAt: input.metAt ?? now, kindEvidence: null };
  if (input.metAt) {
    p.add('input.metAt', `A ${milestone.kind} is met ${milestone.kind === 'STATEMENT' ? 'at the last issuance of the set' : 'when the step was enacted'}; leave metAt out.`);
  }
  const kindEvidence: KindEvidence | null = !derived
    ? null
    : milestone.kind === 'STATEMENT'
      ? { issuances: issuances!.map((i) => ({ partyId: issuers.find((x) => x.id.toLowerCase() === i.partyId.toLowerCase())!.id, issuedAt: i.issuedAt.toISOString(), reference: i.reference.trim(), sha256: i.sha256?.toLowerCase() ?? null })) }
      : { record: { reference: input.record!.reference.trim(), institution: input.record!.institution.trim(), enactedAt: input.record!.enactedAt.toISOString() } };
  return { metAt: derived ?? now, kindEvidence };
}

export const milestoneMutations = {
  async addMilestone(_: unknown, { input }: MutationAddMilestoneArgs, ctx: Context) {
    const p = new Problems();
    checkText(p, 'input.title', input.title, 'Title');
    const benchmarks = input.benchmarks ?? [];
    checkBenchmarks(p, benchmarks);
    p.throwIfAny();

    return ctx.db.transaction(async (m) => {
      const agreement = await findAgreement(m, input.agreementId);
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
      const names = await m.findBy(Party, { id: In(parties.map((ap) => ap.partyId)) });
      if (!parties.some((ap) => ap.partyId === input.obligatedPartyId)) {
        p.add('input.obligatedPartyId', `The obligated party must be a party to "${agreement.title}": ${names.map((n) => `${n.name} (${n.id})`).join(', ')}.`);
      }
      const kind = checkKind(p, input, input.obligatedPartyId, names);
      p.throwIfAny();

      const milestone = m.create(Milestone, {
        id: randomUUID(),
        agreementId: agreement.id,
        phaseId: phase!.id,
        title: input.title.trim(),
        description: input.description?.trim() || null,
        obligatedPartyId: input.obligatedPartyId,
        dueDay: input.dueDay,
        kind: kind.kind,
        terms: kind.statement ? { statement: kind.statement } : kind.domesticStep ? { domesticStep: kind.domesticStep } : null,
      });
      await m.insert(Milestone, milestone);
      if (benchmarks.length) {
        await m.insert(
          Benchmark,
          benchmarks.map((b, position) => ({
            id: randomUUID(),
            milestoneId: milestone.id,
            position,
            metric: b.metric,
            comparator: b.comparator,
            threshold: b.threshold,
            description: b.description?.trim() || null,
          })),
        );
      }
      return m.findOneByOrFail(Milestone, { id: milestone.id });
    });
  },

  async certifyMilestone(_: unknown, { input }: MutationCertifyMilestoneArgs, ctx: Context) {
    const p = new Problems();
    checkEvidence(p, input.evidence);
    if (input.notes) checkText(p, 'input.notes', input.notes, 'Notes', 5000);
    p.throwIfAny();
    const now = ctx.clock.now();

    return onceOnly(() => BadUserInputError.one('input.milestoneId', 'This milestone was certified by another request a moment ago; reload it to see the certification.'), () =>
      ctx.db.transaction(async (m) => {
        const milestone = await lockMilestone(m, input.milestoneId);
        await refuseIfSettled(m, milestone, 'certified');
        const agreement = await m.findOneByOrFail(Agreement, { id: milestone.agreementId });
        const { metAt, kindEvidence } = await evidenceOfKind(m, p, milestone, input, agreement.entryIntoForceAt, now);
        checkMetAt(p, metAt, now, agreement.entryIntoForceAt);
        p.throwIfAny();
        const certification = m.create(Certification, {
          id: randomUUID(),
          milestoneId: milestone.id,
          verifier: actor(ctx.caller),
          verifierSubject: ctx.caller.subject,
          metAt,
          recordedAt: now,
          evidence: input.evidence.map((e) => ({ reference: e.reference.trim(), description: e.description?.trim() || null, sha256: e.sha256?.toLowerCase() ?? null })),
          notes: input.notes?.trim() || null,
          kindEvidence,
        });
        await m.insert(Certification, certification);
        await ctx.evidence.append(m, { kind: 'certification', subject: certification.id, fact: certificationFact(certification), by: ctx.caller });
        return milestone;
      }),
    );
  },

  async waiveMilestone(_: unknown, { input }: MutationWaiveMilestoneArgs, ctx: Context) {
    const p = new Problems();
    checkText(p, 'input.reason', input.reason, 'Reason', 5000);
    p.throwIfAny();
    return onceOnly(() => BadUserInputError.one('input.milestoneId', 'This milestone was waived by another request a moment ago; reload it to see the waiver.'), () =>
      ctx.db.transaction(async (m) => {
        const milestone = await lockMilestone(m, input.milestoneId);
        await refuseIfSettled(m, milestone, 'waived');
        const waiver = m.create(Waiver, { id: randomUUID(), milestoneId: milestone.id, reason: input.reason.trim(), waivedBy: actor(ctx.caller), waivedAt: ctx.clock.now() });
        await m.insert(Waiver, waiver);
        await ctx.evidence.append(m, { kind: 'waiver', subject: waiver.id, fact: waiverFact(waiver), by: ctx.caller });
        return milestone;
      }),
    );
  },
};
