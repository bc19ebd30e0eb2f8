import type { DemoContext } from './demo.js';
import type { GuarantorsDemo } from './demo-guarantors.js';

/**
 * The cross-service part of the demo, after every subgraph has loaded its own facts: the Day-7 lists
 * milestone (certified) gets its tranche released by two people in two roles; snap-back clauses are on
 * record; and a dispute lodged 40 hours ago is close to its joint-commission deadline.
 */
export async function loadStoryDemo(ctx: DemoContext, g: GuarantorsDemo): Promise<void> {
  const mediator = ctx.as({ agency: 'Office of the Special Envoy for Veltria', roles: ['MEDIATOR'], subject: 'envoy-deputy' });
  const unOfficer = ctx.as({ agency: 'UN Veltria Peace Dividend Fund', roles: ['GUARANTOR'], guarantorId: g.unFund, subject: 'unpdf-release-officer' });

  ctx.progress('tranche on the certified lists milestone: funded, approved by the mediator, released by the fund');
  // Each tranche draws only on money reserved for it; the fund's earlier deposits are reserved for its
  // Day-30 and Day-60 tranches, so this one is funded by a deposit of its own.
  await unOfficer(`mutation ($input: DepositToEscrowInput!) { depositToEscrow(input: $input) { id } }`, {
    input: { escrowAccountId: g.account, guarantorId: g.unFund, amount: '250000.00', currency: 'USD', reference: 'UNPDF transfer 2026/038' },
  });
  const { createTranche } = await unOfficer(`mutation ($input: CreateTrancheInput!) { createTranche(input: $input) { id } }`, {
    input: { escrowAccountId: g.account, milestoneId: ctx.milestoneIds.lists, guarantorId: g.unFund, amount: '250000.00', currency: 'USD', description: 'On delivery of complete detainee lists' },
  });
  await mediator(`mutation ($input: ApproveTrancheReleaseInput!) { approveTrancheRelease(input: $input) { id } }`, {
    input: { trancheId: createTranche.id, note: 'Lists certified by the Joint Monitoring Cell on Day 6' },
  });
  await unOfficer(`mutation ($input: ReleaseTrancheInput!) { releaseTranche(input: $input) { id } }`, { input: { trancheId: createTranche.id } });

  ctx.progress('snap-back clauses');
  const clause = `mutation ($input: AddSnapBackClauseInput!) { addSnapBackClause(input: $input) { id } }`;
  await mediator(clause, {
    input: {
      agreementId: ctx.agreementId,
      trigger: 'VIOLATIONS_THRESHOLD',
      threshold: 3,
      windowHours: 72,
      reverts: 'Annex IV: corridors return to Phase 1 cargo; tranches on later milestones are withheld',
    },
  });
  await mediator(clause, {
    input: { agreementId: ctx.agreementId, trigger: 'MILESTONE_MISSED', milestoneId: ctx.milestoneIds.firstRelease, reverts: 'Annex IV: Phase 2 reopening suspended' },
  });
  await mediator(clause, { input: { agreementId: ctx.agreementId, trigger: 'RULING_CONFIRMS_BREACH', reverts: 'Annex IV: relief measures revert' } });

  ctx.progress('a dispute close to its joint-commission deadline');
  const government = ctx.as({ agency: 'Delegation of the Republic of Veltria', roles: ['PARTY'], partyId: ctx.partyIds.government });
  await government(`mutation ($input: FileDisputeInput!) { fileDispute(input: $input) { id } }`, {
    input: {
      agreementId: ctx.agreementId,
      milestoneId: ctx.milestoneIds.aidCorridor,
      allegation: 'Convoys on the Sorrel corridor held at the Ridge checkpoint beyond the agreed inspection time',
      accusedPartyId: ctx.partyIds.movement,
      lodgedAt: new Date(ctx.now.getTime() - 40 * 3_600_000).toISOString(),
    },
  });
}
