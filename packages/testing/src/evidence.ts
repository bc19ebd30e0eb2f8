import type { KeyObject } from 'node:crypto';
import { generateSigningKey, openEvidenceLog, type Clock, type EvidenceLog, type FactKind } from '@treaty/service-kit';

/**
 * A service's evidence log for a test that builds the service in-process: with the key of the running
 * replica it shares a database with (startSubgraphs' evidenceKeys), or a fresh one.
 */
export function testEvidenceLog(service: { name: string; evidenceFacts: readonly FactKind[] }, clock: Clock, key: KeyObject = generateSigningKey()): EvidenceLog {
  return openEvidenceLog(service, { key, clock });
}
