import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAllDemos, type DemoResult } from '@treaty/launcher';
import { startFederation, type Federation } from '@treaty/testing';
import { ALL_SERVICES } from './services.js';

/** Day 24 of the demo agreement, 09:30. */
const NOW = '2026-06-15T09:30:00.000Z';
const OPERATION = readFile(new URL('../gateway/operations/remains-repatriation.graphql', import.meta.url), 'utf8');

/**
 * The repatriation of remains in the demo, through the real gateway (issue 20): wave 1 returns the
 * remains of three people beside seven living releases, and every count of living people stays as it
 * was; the compliance verdict that reads them through @requires is unchanged.
 */
describe('the demo repatriates remains beside the living, counted apart', () => {
  let f: Federation;
  let demo: DemoResult;
  beforeAll(async () => {
    f = await startFederation(ALL_SERVICES, { now: NOW });
    demo = await loadAllDemos(f.url, (claims) => f.token(claims), () => {}, f.clock.now());
  });
  afterAll(() => f?.stop());

  it('answers the example operation for a mediator: 7 living released, 3 remains repatriated, on one completed wave', async () => {
    const { body } = await f.request<any>(await OPERATION, { id: demo.agreementId }, await f.token({ roles: ['MEDIATOR'], agency: 'Office of the Envoy' }));
    expect(body.errors).toBeUndefined();
    const a = body.data.agreement;
    const first = a.milestones.find((m: any) => m.title === 'First release of priority detainees');
    expect(first).toMatchObject({ detaineesReleased: 7, priorityDetaineesReleased: 7, remainsRepatriated: 3 });
    expect(first.exchangeWaves).toEqual([
      { sequence: 1, status: 'COMPLETED', manifestSize: 8, released: 7, declined: 1, remainsOnManifest: 3, remainsRepatriated: 3 },
      { sequence: 2, status: 'PLANNED', manifestSize: 3, released: 0, declined: 0, remainsOnManifest: 0, remainsRepatriated: 0 },
    ]);
    const wave1 = a.exchangeWaves.find((w: any) => w.sequence === 1);
    expect(wave1.ratio).toMatchObject({ requiredCounterpart: 6, counterpartOnManifest: 6, requiredRemainsCounterpart: 2, remainsCounterpartOnManifest: 2, met: true });
    expect(wave1.ratio.terms).toContainEqual({ category: 'REMAINS', counterpartPerDetainee: 2, counterpart: 'REMAINS' });
    const remains = wave1.manifest.filter((e: any) => e.detainee.category === 'REMAINS');
    expect(remains.map((e: any) => e.status)).toEqual(['REPATRIATED', 'REPATRIATED', 'REPATRIATED']);
    expect(remains.every((e: any) => e.detainee.repatriatedAt && e.remainsHandover.confirmedBy === 'Impartial Committee for Detainee Welfare')).toBe(true);
    const parties = Object.fromEntries(a.parties.map((p: any) => [p.name, p]));
    expect(parties['Republic of Veltria'].remainsCounts).toEqual({ held: 0, repatriated: 2 });
    // The Alliance still holds one set of remains, registered and listed but not yet identified.
    expect(parties['Northern Ridge Alliance'].remainsCounts).toEqual({ held: 1, repatriated: 1 });
    const livingReleased = (p: any) => p.detaineeCounts.reduce((n: number, c: any) => n + c.released, 0);
    expect(livingReleased(parties['Republic of Veltria']) + livingReleased(parties['Northern Ridge Alliance'])).toBe(7);
  });

  it('shows the counts to anyone, and the ratios and manifests only to partner agencies', async () => {
    const { body } = await f.request<any>(await OPERATION, { id: demo.agreementId });
    expect(new Set(body.errors!.map((e: any) => e.extensions.code))).toEqual(new Set(['FORBIDDEN']));
    const first = body.data.agreement.milestones.find((m: any) => m.title === 'First release of priority detainees');
    expect(first).toMatchObject({ detaineesReleased: 7, remainsRepatriated: 3 });
    expect(body.data.agreement.exchangeWaves).toBeNull();
  });
});
