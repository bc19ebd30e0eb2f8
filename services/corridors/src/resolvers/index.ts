import { Agreement } from './agreement.js';
import { Convoy } from './convoy.js';
import { ConvoyEvent } from './convoy-event.js';
import { Corridor } from './corridor.js';
import { Incident } from './incident.js';
import { IncidentVerification } from './incident-verification.js';
import { Inspection } from './inspection.js';
import { ConvoyPosition } from './convoy-position.js';
import { LocalisedWindow, LocalisedWindowClosure } from './localised-window.js';
import { TelemetryGap } from './telemetry-gap.js';
import { Milestone } from './milestone.js';
import { Mutation } from './Mutation/index.js';
import { Party } from './party.js';
import { Query } from './query.js';

export const resolvers = { Query, Mutation, Agreement, Milestone, Party, Corridor, Convoy, ConvoyEvent, Inspection, Incident, IncidentVerification, ConvoyPosition, TelemetryGap, LocalisedWindow, LocalisedWindowClosure };
