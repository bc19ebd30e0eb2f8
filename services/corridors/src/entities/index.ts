import { Convoy } from './convoy.entity.js';
import { ConvoyCargoLine } from './convoy-cargo-line.entity.js';
import { ConvoyEvent } from './convoy-event.entity.js';
import { ConvoyPosition } from './convoy-position.entity.js';
import { ConvoyPositionConflict } from './convoy-position-conflict.entity.js';
import { Corridor } from './corridor.entity.js';
import { CorridorClosure } from './corridor-closure.entity.js';
import { Incident } from './incident.entity.js';
import { IncidentVerification } from './incident-verification.entity.js';
import { Inspection } from './inspection.entity.js';
import { RejectedItem } from './rejected-item.entity.js';
import { LocalisedWindow } from './localised-window.entity.js';
import { LocalisedWindowClosure } from './localised-window-closure.entity.js';

export { Convoy, ConvoyCargoLine, ConvoyEvent, ConvoyPosition, ConvoyPositionConflict, Corridor, CorridorClosure, Incident, IncidentVerification, Inspection, LocalisedWindow, LocalisedWindowClosure, RejectedItem };
export * from './enums.js';

/** Listed explicitly (never globbed) so the data source works the same from src and dist. */
export const entities = [Corridor, CorridorClosure, Convoy, ConvoyCargoLine, ConvoyEvent, Inspection, RejectedItem, ConvoyPosition, ConvoyPositionConflict, Incident, IncidentVerification, LocalisedWindow, LocalisedWindowClosure];
