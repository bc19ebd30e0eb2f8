import { authenticated, either, hasRole, ownParty, role, type AccessRules, type Caller, type SiblingGrants } from '@treaty/service-kit';
import type { Detainee } from './entities/index.js';

/**
 * Personal data (the fields schema.graphql marks @personal): readable by the intermediary and the
 * mediator only. The kit adds the purpose check and the access log to every @personal field, and stops
 * the service if one of them has no rule here. registerDetainee's duplicate check tells only these roles.
 */
export const PERSONAL_DATA_ROLES = ['INTERMEDIARY', 'MEDIATOR'] as const;
const personal = role(...PERSONAL_DATA_ROLES);

type Input = { input: Record<string, unknown> };
const inputField = (name: string) => (_: unknown, args: Record<string, unknown>) => (args as Input).input?.[name] as string | undefined;

/**
 * Who may do what in this service. Counts (per party, per milestone) and wave summaries are public;
 * detainee records, lists and manifests need a partner agency's token, and a PARTY caller sees only its
 * own party's detainees (see `visibleTo`); names, dates of birth and medical notes, and the evidence and
 * findings of an identification of remains, are personal data.
 */
export const rules: AccessRules = {
  'Mutation.registerDetainee': either(role('MEDIATOR', 'INTERMEDIARY'), ownParty(inputField('holdingPartyId')), ownParty(inputField('affiliatedPartyId'))),
  'Mutation.registerRemains': either(role('MEDIATOR', 'INTERMEDIARY'), ownParty(inputField('holdingPartyId')), ownParty(inputField('affiliatedPartyId'))),
  'Mutation.submitDetaineeList': either(role('MEDIATOR'), ownParty(inputField('submittingPartyId'))),
  // The resolver also checks that the PARTY is the other side of the entry (it needs the entry to know).
  'Mutation.contestListEntry': role('PARTY'),
  'Mutation.resolveListEntry': role('MEDIATOR'),
  'Mutation.setListDeadlines': role('MEDIATOR'),
  'Mutation.planExchangeWave': role('MEDIATOR'),
  'Mutation.recordSequencingException': role('MEDIATOR'),
  'Mutation.addToManifest': role('MEDIATOR'),
  'Mutation.removeFromManifest': role('MEDIATOR'),
  'Mutation.sealManifest': role('MEDIATOR'),
  'Mutation.withdrawExchangeWave': role('MEDIATOR'),
  'Mutation.recordProofOfLife': role('INTERMEDIARY'),
  'Mutation.confirmHandover': role('INTERMEDIARY'),
  // The intermediary identifies remains and confirms their handover, as it sees the living and hands them over.
  'Mutation.recordRemainsIdentification': role('INTERMEDIARY'),
  'Mutation.confirmRemainsHandover': role('INTERMEDIARY'),

  'Query.detainee': authenticated,
  'Query.detainees': authenticated,
  'Query.detaineesPage': authenticated,
  'Query.detaineeLists': authenticated,
  'Query.personalDataAccessLog': role('MEDIATOR'),
  'Query.personalDataAccessLogPage': role('MEDIATOR'),
  'Detainee.__resolveReference': authenticated,
  'Detainee.name': personal,
  'Detainee.dateOfBirth': personal,
  'Detainee.medicalNotes': personal,
  'Handover.medicalNotes': personal,
  'RemainsIdentification.evidenceReference': personal,
  'RemainsIdentification.findings': personal,
  'Agreement.detaineeLists': authenticated,
  'Agreement.listSchedule': authenticated,
  'ExchangeWave.manifest': authenticated,
  'ExchangeWave.sequencingException': authenticated,
  'ExchangeWave.withdrawalReason': authenticated,
};

/**
 * The party whose detainees a caller is limited to, or null when the caller sees every detainee. A
 * caller whose only role is PARTY sees the detainees its party holds or to which they belong; any other
 * role of a partner agency sees all of them.
 */
export function partyScope(caller: Caller): { partyId: string | null } | null {
  if (!hasRole(caller, 'PARTY')) return null;
  if (hasRole(caller, 'MEDIATOR', 'INTERMEDIARY', 'MONITOR', 'GUARANTOR', 'AGENCY')) return null;
  return { partyId: caller.partyId };
}

export function visibleTo(caller: Caller, d: Pick<Detainee, 'holdingPartyId' | 'affiliatedPartyId'>): boolean {
  const scope = partyScope(caller);
  return scope === null || (scope.partyId !== null && (d.holdingPartyId === scope.partyId || d.affiliatedPartyId === scope.partyId));
}

/**
 * Detainee records are read through the gateway only, with a purpose. The one sibling call is guarantors
 * measuring a variable tranche's benchmark: a milestone's public release counts through `_entities`
 * (`Detainee.__resolveReference` is not granted, so no detainee is reachable that way).
 */
export const siblings: SiblingGrants = {
  guarantors: ['Query._entities'],
};
