import { logEntryField } from '@treaty/service-kit';
import type { Certification as CertificationRow, DisputeRuling, Waiver as WaiverRow } from '../entities/index.js';

export const Certification = {
  evidence(c: CertificationRow) {
    return c.evidence;
  },
  logEntry: logEntryField('certification', (c: CertificationRow) => c.id),
};

export const Waiver = {
  logEntry: logEntryField('waiver', (w: WaiverRow) => w.id),
};

export const Ruling = {
  logEntry: logEntryField('ruling', (r: DisputeRuling) => r.disputeId),
};
