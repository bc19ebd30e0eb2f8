import type { DemoContext } from './demo.js';

/**
 * The guarantors' part of the demo: two guarantors (a UN fund and a regional organisation), their
 * commitments in each status, one funded escrow account for the government's benefit, the agreement's
 * penalty schedule, tranches on the Day-30 and Day-60 milestones, a variable tranche paying by the trucks
 * delivered through the Sorrel corridor, and fishing permits held in escrow for the Northern Ridge
 * Alliance, released a quarter at a time as milestones are met. No tranche is approved or released here:
 * that belongs to the cross-service story.
 */

const REGISTER = `mutation ($input: RegisterGuarantorInput!) { registerGuarantor(input: $input) { id } }`;
const PLEDGE = `mutation ($input: PledgeInput!) { pledge(input: $input) { id } }`;
const ADVANCE = `mutation ($input: AdvanceCommitmentInput!) { advanceCommitment(input: $input) { id status } }`;
const OPEN_ACCOUNT = `mutation ($input: OpenEscrowAccountInput!) { openEscrowAccount(input: $input) { id } }`;
const DEPOSIT = `mutation ($input: DepositToEscrowInput!) { depositToEscrow(input: $input) { id } }`;
const SET_PENALTY = `mutation ($input: SetPenaltyScheduleInput!) { setPenaltySchedule(input: $input) { forfeitBasisPoints } }`;
const CREATE_TRANCHE = `mutation ($input: CreateTrancheInput!) { createTranche(input: $input) { id } }`;
const BENCHMARKS = `query ($id: ID!) { agreement(id: $id) { milestones { id benchmarks { id metric } } } }`;
const CREATE_INCENTIVE = `mutation ($input: CreateIncentiveEscrowInput!) { createIncentiveEscrow(input: $input) { id } }`;
const APPROVE_STEP = `mutation ($input: ApproveIncentiveStepInput!) { approveIncentiveStep(input: $input) { id } }`;
const RELEASE_STEP = `mutation ($input: ReleaseIncentiveStepInput!) { releaseIncentiveStep(input: $input) { id } }`;

/** Ids the cross-service story builds on. */
export interface GuarantorsDemo {
  unFund: string;
  council: string;
  account: string;
}

export async function loadGuarantorsDemo(ctx: DemoContext): Promise<GuarantorsDemo> {
  const mediator = ctx.as({ agency: 'Office of the Special Envoy for Veltria', roles: ['MEDIATOR'] });

  ctx.progress('guarantors');
  const unFund = (
    await mediator(REGISTER, { input: { name: 'UN Veltria Peace Dividend Fund', kind: 'UN_BODY', roles: ['FUNDER', 'MONITOR'] } })
  ).registerGuarantor.id as string;
  const council = (
    await mediator(REGISTER, { input: { name: 'Council of Southern Littoral States', kind: 'REGIONAL_ORGANISATION', roles: ['FUNDER', 'SECURITY_GUARANTOR'] } })
  ).registerGuarantor.id as string;
  const un = ctx.as({ agency: 'UN Veltria Peace Dividend Fund', roles: ['GUARANTOR'], guarantorId: unFund });
  const littoral = ctx.as({ agency: 'Council of Southern Littoral States', roles: ['GUARANTOR'], guarantorId: council });

  ctx.progress('commitments: pledged, committed and paid');
  const pledge = async (as: typeof un, input: Record<string, unknown>) =>
    (await as(PLEDGE, { input: { agreementId: ctx.agreementId, ...input } })).pledge.id as string;
  const advance = (as: typeof un, commitmentId: string, status: 'COMMITTED' | 'PAID') => as(ADVANCE, { input: { commitmentId, status } });

  const paid = await pledge(un, { guarantorId: unFund, kind: 'FUNDING_PLEDGE', amount: '2500000.00', currency: 'USD', description: 'Phase 1 recovery window' });
  await advance(un, paid, 'COMMITTED');
  await advance(un, paid, 'PAID');
  const committed = await pledge(un, { guarantorId: unFund, kind: 'FUNDING_PLEDGE', amount: '1000000.00', currency: 'USD', description: 'Phase 2 reopening support' });
  await advance(un, committed, 'COMMITTED');
  await pledge(littoral, { guarantorId: council, kind: 'FUNDING_PLEDGE', amount: '750000.00', currency: 'USD', description: 'Crossing rehabilitation at Sorrel' });
  const assurance = await pledge(littoral, {
    guarantorId: council,
    kind: 'SECURITY_ASSURANCE',
    description: 'Naval patrols off the Sorrel coast to protect aid shipments through Phase 1',
  });
  await advance(littoral, assurance, 'COMMITTED');

  ctx.progress('escrow account, deposits and penalty schedule');
  const account = (
    await mediator(OPEN_ACCOUNT, { input: { agreementId: ctx.agreementId, beneficiaryPartyId: ctx.partyIds.government, currency: 'USD' } })
  ).openEscrowAccount.id as string;
  await un(DEPOSIT, { input: { escrowAccountId: account, guarantorId: unFund, amount: '1500000.00', currency: 'USD', reference: 'UNPDF transfer 2026/031' } });
  await littoral(DEPOSIT, { input: { escrowAccountId: account, guarantorId: council, amount: '250000.00', currency: 'USD', reference: 'CSLS wire 88-412' } });
  await mediator(SET_PENALTY, { input: { agreementId: ctx.agreementId, forfeitBasisPoints: 2500, description: 'Annex III, clause 7: a quarter of a missed milestone\'s tranche returns to its guarantor' } });

  ctx.progress('tranches on the Day-30 and Day-60 milestones');
  const tranche = async (as: typeof un, guarantorId: string, milestoneId: string, amount: string, description: string, performance?: Record<string, unknown>) =>
    (await as(CREATE_TRANCHE, { input: { escrowAccountId: account, milestoneId, guarantorId, amount, currency: 'USD', description, ...(performance ? { performance } : {}) } })).createTranche.id as string;
  // Day 30: fully funded by the UN fund. Day 60: the UN share is covered, the Council's only in part.
  await tranche(un, unFund, ctx.milestoneIds.firstRelease!, '1000000.00', 'Released on the first priority release');
  const unReopening = await tranche(mediator, unFund, ctx.milestoneIds.reopening!, '500000.00', 'UN share on the reopening of the Sorrel crossing');
  await tranche(littoral, council, ctx.milestoneIds.reopening!, '400000.00', 'Council share on the reopening of the Sorrel crossing');

  ctx.progress('a variable tranche on the trucks delivered through the Sorrel corridor');
  // After the EU's variable tranches: all of it at 90 % of the 120 trucks or more, half at 60 %, nothing
  // below; what is not paid goes on to the UN share of the reopening. Funded by a deposit of its own, so
  // the fund's earlier deposits stay reserved for its earlier tranches.
  const { agreement } = await mediator(BENCHMARKS, { id: ctx.agreementId });
  const aid = agreement.milestones.find((m: { id: string }) => m.id === ctx.milestoneIds.aidCorridor);
  const trucks = aid.benchmarks.find((b: { metric: string }) => b.metric === 'TRUCKS_DELIVERED').id as string;
  await un(DEPOSIT, { input: { escrowAccountId: account, guarantorId: unFund, amount: '300000.00', currency: 'USD', reference: 'UNPDF transfer 2026/035' } });
  await tranche(un, unFund, ctx.milestoneIds.aidCorridor!, '300000.00', 'Paid by the trucks delivered through the Sorrel corridor by Day 30', {
    benchmarkId: trucks,
    bands: [
      { fromBasisPoints: 9000, paysBasisPoints: 10000 },
      { fromBasisPoints: 6000, paysBasisPoints: 5000 },
    ],
    remainder: 'CARRY_TO_TRANCHE',
    carryToTrancheId: unReopening,
  });

  ctx.progress('fishing permits in escrow, released a quarter per milestone met');
  const envoy = ctx.as({ agency: 'Office of the Special Envoy for Veltria', roles: ['MEDIATOR'], subject: 'envoy-incentives-desk' });
  const permitsOfficer = ctx.as({ agency: 'Council of Southern Littoral States', roles: ['GUARANTOR'], guarantorId: council, subject: 'csls-permits-officer' });
  const permits = (
    await permitsOfficer(CREATE_INCENTIVE, {
      input: {
        agreementId: ctx.agreementId,
        beneficiaryPartyId: ctx.partyIds.movement,
        guarantorId: council,
        kind: 'PERMIT',
        unit: 'fishing permits off the Sorrel coast',
        totalUnits: 400,
        stepBasisPoints: 2500,
        milestonesPerStep: 1,
        milestoneIds: [ctx.milestoneIds.lists, ctx.milestoneIds.firstRelease, ctx.milestoneIds.aidCorridor, ctx.milestoneIds.reopening],
        description: 'Annex V: seasonal permits for the coastal villages, a quarter per milestone met; they revert under snap-back',
      },
    })
  ).createIncentiveEscrow.id as string;
  // The lists were certified on Day 6: the first quarter is earned.
  await envoy(APPROVE_STEP, { input: { incentiveEscrowId: permits, step: 1, note: 'Lists certified by the Joint Monitoring Cell on Day 6' } });
  await permitsOfficer(RELEASE_STEP, { input: { incentiveEscrowId: permits, step: 1 } });
  return { unFund, council, account };
}
