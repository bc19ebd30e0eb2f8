import { ExactlyOnce1795250000000, AlertOutbox1795280000000, EvidenceLog1795270000000, logFactsRecordedBefore } from '@treaty/service-kit';
import { evidenceFacts } from '../evidence.js';
import { CreateCorridorsSchema1795232000000 } from './1795232000000-CreateCorridorsSchema.js';
import { PositionsPerConvoy1795240000000 } from './1795240000000-PositionsPerConvoy.js';
import { LocalisedWindows1795265000000 } from './1795265000000-LocalisedWindows.js';
import { PositionsConvoyCheckedPerStatement1795300000000 } from './1795300000000-PositionsConvoyCheckedPerStatement.js';
import { DeviceIdsInByteOrder1795310000000 } from './1795310000000-DeviceIdsInByteOrder.js';

/** In the order they apply: this service's tables, then the kit's store of used credentials and Idempotency-Keys, localised windows (before the log's first entries are written: they read these tables), its evidence log, the entries of facts recorded before the log existed, the alert outbox, positions' reference to their convoy checked per statement, and device ids in byte order. */
export const migrations = [CreateCorridorsSchema1795232000000, PositionsPerConvoy1795240000000, ExactlyOnce1795250000000, LocalisedWindows1795265000000, EvidenceLog1795270000000, logFactsRecordedBefore({ name: 'corridors', evidenceFacts }), AlertOutbox1795280000000, PositionsConvoyCheckedPerStatement1795300000000, DeviceIdsInByteOrder1795310000000];
