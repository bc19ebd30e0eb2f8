import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NOW, monitor, relief, startCorridors, type Harness } from './harness.js';

// graphql-js runs a document's root mutation fields one after another: each answer must show its own
// write and every earlier one, never what an earlier field's selection read (kit subgraph.ts, forgettingReads).

let h: Harness;

beforeAll(async () => {
  h = await startCorridors();
});
afterAll(async () => {
  await h?.stop();
});
beforeEach(() => {
  h.clock.set(NOW);
});

const incident = (agreementId: string, occurredAt: string) => ({
  agreementId,
  category: 'SHELLING',
  occurredAt,
  latitude: 31.3,
  longitude: 34.4,
  placeDescription: 'Orchard road, 3 km north of the Sorrel crossing',
  severity: 'MATERIAL',
  description: 'Four impacts observed within 500 m of the waiting convoy.',
});

const STEPS = `id verificationState severity verifications { state } agreement { id verifiedViolations reviewing: incidents(state: UNDER_REVIEW) { id } }`;

describe('two root mutation fields in one document', () => {
  it('answers the second report with its own write and the first', async () => {
    const a = await h.createAgreement();
    const r = await h.run(
      relief,
      /* GraphQL */ `
        mutation ($i: ReportIncidentInput!, $j: ReportIncidentInput!) {
          a: reportIncident(input: $i) { id agreement { incidents { id } } }
          c: reportIncident(input: $j) { id agreement { incidents { id } } }
        }`,
      { i: incident(a.id, '2026-03-18T10:00:00Z'), j: incident(a.id, '2026-03-19T10:00:00Z') },
    );
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    const data = r.data as any;
    // Newest first.
    expect(data.a.agreement.incidents).toEqual([{ id: data.a.id }]);
    expect(data.c.agreement.incidents).toEqual([{ id: data.c.id }, { id: data.a.id }]);
  });

  it('answers each verification step of one incident with the steps before it', async () => {
    const a = await h.createAgreement();
    const reported = await h.ok(relief, `mutation ($i: ReportIncidentInput!) { reportIncident(input: $i) { id } }`, { i: incident(a.id, '2026-03-18T10:00:00Z') });
    const incidentId = reported.reportIncident.id as string;
    const r = await h.run(
      monitor,
      /* GraphQL */ `
        mutation ($review: VerifyIncidentInput!, $verify: VerifyIncidentInput!) {
          review: verifyIncident(input: $review) { ${STEPS} }
          verify: verifyIncident(input: $verify) { ${STEPS} }
        }`,
      {
        review: { incidentId, state: 'UNDER_REVIEW' },
        verify: { incidentId, state: 'VERIFIED', confidence: 'HIGH', severity: 'MINOR', findings: 'Crater analysis and two independent witnesses.' },
      },
    );
    expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
    const data = r.data as any;
    expect(data.review).toEqual({
      id: incidentId,
      verificationState: 'UNDER_REVIEW',
      severity: 'MATERIAL',
      verifications: [{ state: 'UNDER_REVIEW' }],
      agreement: { id: a.id, verifiedViolations: 0, reviewing: [{ id: incidentId }] },
    });
    expect(data.verify).toEqual({
      id: incidentId,
      verificationState: 'VERIFIED',
      severity: 'MINOR',
      verifications: [{ state: 'UNDER_REVIEW' }, { state: 'VERIFIED' }],
      agreement: { id: a.id, verifiedViolations: 1, reviewing: [] },
    });
  });
});
