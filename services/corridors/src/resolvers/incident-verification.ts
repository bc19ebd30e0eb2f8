import { logEntryField } from '@treaty/service-kit';
import type { IncidentVerification as StepRow } from '../entities/index.js';

export const IncidentVerification = {
  logEntry: logEntryField('incident-verification', (s: StepRow) => s.id),
  attributedParty(v: StepRow) {
    return v.attributedPartyId ? { id: v.attributedPartyId } : null;
  },
};
