import type { DemoContext } from './demo.js';

/** A client for the gateway without a token, as a person without an account reaches it. */
export type AnonymousClient = <T = any>(query: string, variables?: Record<string, unknown>) => Promise<T>;

/**
 * The reporter's operations, as published in gateway/operations/ (confidential-report-*.graphql): in
 * production a caller without a token may run only those, so the demo sends the same documents.
 */
const SUBMIT = `mutation SubmitConfidentialReport($input: SubmitConfidentialReportInput!) {
  submitConfidentialReport(input: $input) { receipt report { reference status submittedAt } }
}`;
const ADD = `mutation AddToConfidentialReport($receipt: String!, $text: String!) {
  addToConfidentialReport(receipt: $receipt, text: $text) { reference status thread { from text at } }
}`;

/**
 * The milestones service's confidential channel and redress, after corridors has its incidents: a
 * resident reports the shelling east of the Sorrel crossing anonymously; the monitors answer, review the
 * report and link it to the incident they verified; the mediator opens a redress case owed by the
 * party it was attributed to, which the reporter can follow with the receipt (returned). Fictional throughout.
 */
export async function loadRemediesDemo(ctx: DemoContext, anonymous: AnonymousClient): Promise<{ receipt: string }> {
  const mediator = ctx.as({ agency: 'Office of the Special Envoy for Veltria', roles: ['MEDIATOR'], subject: 'envoy-remedies' });
  const monitor = ctx.as({ agency: 'Joint Monitoring Cell', roles: ['MONITOR'], subject: 'jmc-hotline' });

  ctx.progress('a confidential report, submitted without a token');
  const { submitConfidentialReport: submitted } = await anonymous<{ submitConfidentialReport: { receipt: string; report: { reference: string } } }>(
    SUBMIT,
    {
      input: {
        agreementId: ctx.agreementId,
        what: 'Shells fell on the orchards east of the Sorrel crossing before dawn. The irrigation channel that feeds six farms was broken and two sheds burnt down.',
        where: 'Orchard road, about 2 km east of the Sorrel crossing',
        whenText: 'four days ago, before dawn',
      },
    },
  );
  const reportId = submitted.report.reference;
  await anonymous(ADD, {
    receipt: submitted.receipt,
    text: 'The water has not reached the lower farms since. Nobody was hurt.',
  });

  ctx.progress('the monitors answer, review it and link it to the verified shelling');
  await monitor(`mutation ($input: ReviewConfidentialReportInput!) { reviewConfidentialReport(input: $input) { id } }`, { input: { reportId, status: 'UNDER_REVIEW' } });
  await monitor(`mutation ($input: ReplyToConfidentialReportInput!) { replyToConfidentialReport(input: $input) { id } }`, {
    input: { reportId, text: 'Thank you. Two patrols have visited the orchards and the channel; what you describe matches what they found.' },
  });
  const { agreement } = await monitor<{ agreement: { incidents: { id: string; category: string; verificationState: string }[] } }>(
    `query ($id: ID!) { agreement(id: $id) { incidents(state: VERIFIED) { id category verificationState } } }`,
    { id: ctx.agreementId },
  );
  const shelling = agreement.incidents.find((i) => i.category === 'SHELLING');
  if (!shelling) throw new Error('the corridors demo has no verified shelling incident to link the report to');
  await monitor(`mutation ($input: ReviewConfidentialReportInput!) { reviewConfidentialReport(input: $input) { id } }`, { input: { reportId, status: 'VALIDATED', incidentId: shelling.id } });

  ctx.progress('a redress case on the verified shelling, owed by the party it was attributed to');
  await mediator(`mutation ($input: OpenRedressCaseInput!) { openRedressCase(input: $input) { id } }`, {
    input: {
      agreementId: ctx.agreementId,
      basis: 'INCIDENT',
      incidentId: shelling.id,
      remedy: 'Repair of the Orchard road irrigation channel and compensation for the two sheds, paid through the joint commission (Annex V).',
      owedByPartyId: ctx.partyIds.movement,
      dueAt: new Date(ctx.now.getTime() + 14 * 24 * 3_600_000).toISOString(),
    },
  });
  ctx.progress(`follow the report with confidentialReportByReceipt(receipt: "${submitted.receipt}")`);
  return { receipt: submitted.receipt };
}
