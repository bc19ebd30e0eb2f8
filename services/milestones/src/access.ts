import { authenticated, role, type AccessRules, type SiblingGrants } from '@treaty/service-kit';

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
