import { authenticated, role, type AccessRules } from '@treaty/service-kit';

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
  // The bodies that sit on dispute tiers; the resolver checks the tier the dispute is before now.
  'Mutation.ruleOnDispute': role('MEDIATOR', 'GUARANTOR', 'MONITOR'),
  'Mutation.addSnapBackClause': role('MEDIATOR'),
  'Mutation.liftSnapBack': role('MEDIATOR'),
  'Agreement.disputes': authenticated,
  'Milestone.disputes': authenticated,
  'Certification.evidence': authenticated,
  'Certification.notes': authenticated,
};
