import { logEntryField } from '@treaty/service-kit';
import type { Certification as CertificationRow, DisputeRuling, Waiver as WaiverRow } from '../entities/index.js';
import type { Context } from '../context.js';

export const Certification = {
  evidence(c: CertificationRow) {
    return c.evidence;
  },
  issuances(c: CertificationRow, _: unknown, ctx: Context) {
    const stored = c.kindEvidence && 'issuances' in c.kindEvidence ? c.kindEvidence.issuances : null;
    return stored?.map((i) => ({ party: ctx.loaders.party.load(i.partyId), issuedAt: new Date(i.issuedAt), reference: i.reference, sha256: i.sha256 })) ?? null;
  },
  record(c: CertificationRow) {
    const r = c.kindEvidence && 'record' in c.kindEvidence ? c.kindEvidence.record : null;
    return r ? { reference: r.reference, institution: r.institution, enactedAt: new Date(r.enactedAt) } : null;
  },
  logEntry: logEntryField('certification', (c: CertificationRow) => c.id),
};

export const Waiver = {
  logEntry: logEntryField('waiver', (w: WaiverRow) => w.id),
};

export const Ruling = {
  logEntry: logEntryField('ruling', (r: DisputeRuling) => r.disputeId),
};
