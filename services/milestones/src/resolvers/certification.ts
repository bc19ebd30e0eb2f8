import type { Certification as CertificationRow } from '../entities/index.js';

export const Certification = {
  evidence(c: CertificationRow) {
    return c.evidence;
  },
};
