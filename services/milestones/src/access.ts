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
  'Certification.evidence': authenticated,
  'Certification.notes': authenticated,
};
