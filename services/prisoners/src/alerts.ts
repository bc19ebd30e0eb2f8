import type { AlertScan } from '@treaty/service-kit';

/**
 * What this service puts in the alert stream (DESIGN §12): nothing. Its facts are detainees' records,
 * personal data that is read for a stated purpose and logged (DESIGN §10); a stream fanned out to every
 * monitor is no place for them, and none of the stream's events (incidents, disputes, milestones,
 * snap-back, telemetry, tranches, redress) is a prisoners fact. An exchange wave that misses its
 * milestone reaches the stream as that milestone's `milestone.missed`, raised by milestones.
 * The outbox and its watcher still run here, as in every service, so the anatomy stays the same and a
 * future event needs no new machinery.
 */
export const prisonersAlertScan: AlertScan = async () => [];
