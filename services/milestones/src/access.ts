import { anyone, authenticated, role, type AccessRules, type SiblingGrants } from '@treaty/service-kit';

/** The roles that handle confidential reports: the monitoring cell and the mediator. */
const handlers = role('MONITOR', 'MEDIATOR');

/**
 * Who may do what in this service. Agreement summaries, milestones and their status are public; the
 * evidence behind a certification and its notes are for partner agencies only.
 */
export const rules: AccessRules = {
  'Mutation.createAgreement': role('MEDIATOR'),
  'Mutation.addMilestone': role('MEDIATOR'),
  'Mutation.certifyMilestone': role('MONITOR'),
  'Mutation.waiveMilestone': role('MEDIATOR'),
  // Filed by the monitors, the mediator, or a party to the agreement (checked in the resolver).
  'Mutation.fileDispute': role('MEDIATOR', 'MONITOR', 'PARTY'),
  // The bodies that sit on dispute tiers; the resolver checks the tier the dispute is before now and, at
  // a GUARANTOR tier, that the token's guarantor is committed to the agreement (asked of guarantors).
  'Mutation.ruleOnDispute': role('MEDIATOR', 'GUARANTOR', 'MONITOR'),
  'Mutation.addSnapBackClause': role('MEDIATOR'),
  'Mutation.liftSnapBack': role('MEDIATOR'),
  'Agreement.disputes': authenticated,
  'Milestone.disputes': authenticated,
  'Certification.evidence': authenticated,
  'Certification.notes': authenticated,
  'Certification.issuances': authenticated,
  'Certification.record': authenticated,
  // The confidential channel. Anyone, without a token, submits a report and follows it with its receipt
  // (the receipt is the key; the reporter's view never shows the report's content). Only the handlers
  // read reports, and what a report says is @personal: their reads also need X-Purpose
  // incident-investigation and are access-logged. PARTY, GUARANTOR, AGENCY and INTERMEDIARY never read them.
  'Mutation.submitConfidentialReport': anyone,
  'Mutation.addToConfidentialReport': anyone,
  'Query.confidentialReportByReceipt': anyone,
  'Query.confidentialReports': handlers,
  'Query.confidentialReport': handlers,
  'Mutation.replyToConfidentialReport': handlers,
  'Mutation.reviewConfidentialReport': handlers,
  'ConfidentialReport.what': handlers,
  'ConfidentialReport.where': handlers,
  'ConfidentialReport.when': handlers,
  'ConfidentialReport.whenText': handlers,
  'ConfidentialReport.contact': handlers,
  'ConfidentialReport.messages': handlers,
  'ConfidentialReportMessage.text': handlers,
  // Redress: opened by the mediator, delivery recorded by the mediator or the monitors; read by partner
  // agencies (any role, as disputes are). The remedy is not personal data, but not public either.
  'Mutation.openRedressCase': role('MEDIATOR'),
  'Mutation.recordRedressDelivered': role('MEDIATOR', 'MONITOR'),
  'Query.redressCase': authenticated,
  'Agreement.redressCases': authenticated,
  'RedressCase.remedy': authenticated,
  'RedressCase.delivery': authenticated,
};

/**
 * What sibling services may ask when they call as themselves (never for a caller): corridors and
 * prisoners confirm an agreement (its phase's permitted cargo, entry into force, parties, milestones);
 * guarantors confirms milestones and agreements by reference (status, snap-back, parties). All public.
 */
export const siblings: SiblingGrants = {
  corridors: ['Query.agreement'],
  prisoners: ['Query.agreement'],
  guarantors: ['Query._entities'],
};
