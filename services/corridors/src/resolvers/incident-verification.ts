import type { IncidentVerification as StepRow } from '../entities/index.js';

export const IncidentVerification = {
  attributedParty(v: StepRow) {
    return v.attributedPartyId ? { id: v.attributedPartyId } : null;
  },
};
