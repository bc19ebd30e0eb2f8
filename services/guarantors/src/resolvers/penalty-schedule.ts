import type { PenaltySchedule as PenaltyScheduleRow } from '../entities/index.js';
import { ref } from './shared.js';

export const PenaltySchedule = {
  agreement(s: PenaltyScheduleRow) {
    return ref(s.agreementId);
  },
};
