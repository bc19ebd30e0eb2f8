import type { Incident as IncidentRow, IncidentVerification as StepRow } from '../entities/index.js';
import { currentVerificationState } from '../domain/verification.js';
import type { Context } from '../context.js';
import { windowsOfIncident } from './helpers/windows.js';

/** The VERIFIED step of an incident, if its latest step is one. */
async function verifiedStep(i: IncidentRow, ctx: Context): Promise<StepRow | null> {
  const steps = await ctx.loaders.verificationsOfIncident.load(i.id);
  const last = steps[steps.length - 1];
  return last?.state === 'VERIFIED' ? last : null;
}

export const Incident = {
  agreement(i: IncidentRow) {
    return { id: i.agreementId };
  },
  reportedSeverity(i: IncidentRow) {
    return i.severity;
  },
  corridor(i: IncidentRow, _: unknown, ctx: Context) {
    return i.corridorId ? ctx.loaders.corridor.load(i.corridorId) : null;
  },
  convoy(i: IncidentRow, _: unknown, ctx: Context) {
    return i.convoyId ? ctx.loaders.convoy.load(i.convoyId) : null;
  },
  async verificationState(i: IncidentRow, _: unknown, ctx: Context) {
    return currentVerificationState(await ctx.loaders.verificationsOfIncident.load(i.id));
  },
  async severity(i: IncidentRow, _: unknown, ctx: Context) {
    return (await verifiedStep(i, ctx))?.severity ?? i.severity;
  },
  async attributedParty(i: IncidentRow, _: unknown, ctx: Context) {
    const id = (await verifiedStep(i, ctx))?.attributedPartyId;
    return id ? { id } : null;
  },
  verifications(i: IncidentRow, _: unknown, ctx: Context) {
    return ctx.loaders.verificationsOfIncident.load(i.id);
  },
  windows(i: IncidentRow, _: unknown, ctx: Context) {
    return windowsOfIncident(i, ctx);
  },
  async insideWindow(i: IncidentRow, _: unknown, ctx: Context) {
    return (await windowsOfIncident(i, ctx)).length > 0;
  },
};
