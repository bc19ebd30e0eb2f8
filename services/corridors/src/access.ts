import { authenticated, role, type AccessRules, type SiblingGrants } from '@treaty/service-kit';

/**
 * Who may do what in this service. Corridors, their status and every metric are public. Convoys,
 * incident reports, closure notes and logged position conflicts are for partner agencies (any role).
 *
 * Some rules depend on the record, so the mutation enforces them after loading it, with the same
 * FORBIDDEN refusal: advanceConvoy takes clearance decisions from MEDIATOR or MONITOR and movement steps
 * only from the AGENCY running the convoy; requestConvoy on behalf of another agency needs MEDIATOR;
 * recordConvoyPositions keeps only points of the caller's own agency's convoys.
 *
 * Localised windows: a MEDIATOR creates them (a window is agreed between the parties through the
 * mediator; the monitoring cell, whose findings a window flags, does not declare its own), a MEDIATOR or
 * MONITOR may close one early (that only narrows what is expected). Reading them needs a partner agency
 * token, as for convoys and incidents: a window says where and when people work in the open. The split of
 * verified violations by window is a metric, public like the others.
 */
export const rules: AccessRules = {
  'Mutation.createCorridor': role('MEDIATOR'),
  'Mutation.recordCorridorClosure': role('MEDIATOR', 'MONITOR'),
  'Mutation.requestConvoy': role('AGENCY', 'MEDIATOR'),
  'Mutation.advanceConvoy': role('MEDIATOR', 'MONITOR', 'AGENCY'),
  'Mutation.recordInspection': role('MONITOR'),
  'Mutation.recordConvoyPositions': role('AGENCY'),
  'Mutation.reportIncident': authenticated,
  'Mutation.verifyIncident': role('MONITOR'),
  'Mutation.createLocalisedWindow': role('MEDIATOR'),
  'Mutation.closeLocalisedWindow': role('MEDIATOR', 'MONITOR'),
  'Query.localisedWindow': authenticated,
  'Agreement.localisedWindows': authenticated,
  'Agreement.localisedWindowsPage': authenticated,
  'Query.convoy': authenticated,
  'Query.incident': authenticated,
  'Corridor.convoys': authenticated,
  'Corridor.convoysPage': authenticated,
  'Convoy.positionConflicts': authenticated,
  'Agreement.incidents': authenticated,
  'Agreement.incidentsPage': authenticated,
  'CorridorClosure.note': authenticated,
};

/**
 * What sibling services may ask when they call as themselves (never for a caller): milestones reads the
 * verified material violation times of agreements (snap-back) and confirms the incident a dispute names;
 * guarantors measures a variable tranche's benchmark (a milestone's trucks delivered, an agreement's
 * quiet hours: public fields of entities).
 */
export const siblings: SiblingGrants = {
  milestones: ['Query._entities', 'Query.incident'],
  guarantors: ['Query._entities'],
};
