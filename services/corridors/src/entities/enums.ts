/** The enumerations of the schema, as stored. Each list is mirrored by a CHECK constraint in the migration. */

export const CARGO_CLASSES = ['HUMANITARIAN_AID', 'MEDICAL_EVACUATION', 'COMMERCIAL', 'FUEL', 'CIVILIAN_MOVEMENT'] as const;
export type CargoClass = (typeof CARGO_CLASSES)[number];

export const CORRIDOR_KINDS = ['LAND_CROSSING', 'SEA_CORRIDOR', 'AIR_BRIDGE'] as const;
export type CorridorKind = (typeof CORRIDOR_KINDS)[number];

export const CORRIDOR_STATUSES = ['OPEN', 'RESTRICTED', 'CLOSED'] as const;
export type CorridorStatus = (typeof CORRIDOR_STATUSES)[number];

export const CLOSURE_CAUSES = ['SECURITY', 'WEATHER', 'INSPECTION_BACKLOG', 'POLITICAL', 'OTHER'] as const;
export type ClosureCause = (typeof CLOSURE_CAUSES)[number];

export const CONVOY_STATUSES = ['REQUESTED', 'CLEARED', 'DENIED', 'AT_CROSSING', 'INSPECTED', 'IN_TRANSIT', 'DELIVERED', 'INTERCEPTED', 'RETURNED'] as const;
export type ConvoyStatus = (typeof CONVOY_STATUSES)[number];

export const INSPECTION_KINDS = ['PRIMARY', 'SECONDARY'] as const;
export type InspectionKind = (typeof INSPECTION_KINDS)[number];

export const INSPECTION_RESULTS = ['PASSED', 'PARTIAL', 'REJECTED'] as const;
export type InspectionResult = (typeof INSPECTION_RESULTS)[number];

export const INCIDENT_CATEGORIES = ['CEASEFIRE_VIOLATION', 'SHELLING', 'SMALL_ARMS_FIRE', 'MOVEMENT_RESTRICTION', 'CONVOY_OBSTRUCTION', 'OTHER'] as const;
export type IncidentCategory = (typeof INCIDENT_CATEGORIES)[number];

export const INCIDENT_SEVERITIES = ['MATERIAL', 'MINOR'] as const;
export type IncidentSeverity = (typeof INCIDENT_SEVERITIES)[number];

export const VERIFICATION_STATES = ['REPORTED', 'UNDER_REVIEW', 'VERIFIED', 'FALSE', 'INCONCLUSIVE'] as const;
export type VerificationState = (typeof VERIFICATION_STATES)[number];

export const CONFIDENCES = ['LOW', 'MEDIUM', 'HIGH'] as const;
export type Confidence = (typeof CONFIDENCES)[number];

/** PostgreSQL returns numeric as a string; tonnes are exact decimals in the database and numbers here. */
export const decimal = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};

export const WINDOW_PURPOSES = ['REPAIR', 'EVACUATION', 'DEMINING', 'RECOVERY_OF_REMAINS', 'AID_DISTRIBUTION', 'OTHER'] as const;
export type WindowPurpose = (typeof WINDOW_PURPOSES)[number];

export const WINDOW_AREA_KINDS = ['POLYGON', 'CIRCLE'] as const;
export type WindowAreaKind = (typeof WINDOW_AREA_KINDS)[number];

export const WINDOW_STATUSES = ['SCHEDULED', 'ACTIVE', 'ENDED', 'CLOSED_EARLY', 'CANCELLED'] as const;
export type WindowStatus = (typeof WINDOW_STATUSES)[number];
