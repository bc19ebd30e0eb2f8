import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAllDemos, type DemoResult } from '@treaty/launcher';
import { startFederation, type Federation } from '@treaty/testing';
import { ALL_SERVICES } from './services.js';

/** Day 24 of the demo agreement, 09:30. */
const NOW = '2026-06-15T09:30:00.000Z';
const OPERATION = readFile(new URL('../gateway/operations/incentives-and-variable-tranches.graphql', import.meta.url), 'utf8');
const AID = 'Sustained aid through the Sorrel corridor';
const REOPENING = 'Reopening of the Sorrel crossing to commercial cargo';

/**
 * Issue 20, parts 1 and 3, through the real gateway on the demo: the variable tranche on the aid corridor
 * projects its payout from the trucks corridors counts, and the fishing permits held in escrow have
 * their first quarter released on the certified lists.
 */
describe('variable tranches and graduated incentives in the demo', () => {
  let f: Federation;
  let demo: DemoResult;
  beforeAll(async () => {
    f = await startFederation(ALL_SERVICES, { now: NOW });
    demo = await loadAllDemos(f.url, (claims) => f.token(claims), () => {}, f.clock.now());
  });
  afterAll(() => f?.stop());

  it('answers the example operation for anyone, with the payout measured by corridors and the permits step by step', async () => {
    const { body } = await f.request(await OPERATION, { id: demo.agreementId });
    expect(body.errors).toBeUndefined();
    const a = body.data.agreement;
    const aid = a.milestones.find((m: any) => m.title === AID);
    expect(aid.tranches).toHaveLength(1);
    const [variable] = aid.tranches;
    expect(variable).toMatchObject({ status: 'HELD', amount: { amount: '300000.00', currency: 'USD' }, performance: { metric: 'TRUCKS_DELIVERED', threshold: 120, remainder: 'CARRY_TO_TRANCHE' } });
    // The band follows from what corridors measures: trucks delivered in the window, against 120.
    const { body: measured } = await f.request(`query ($id: ID!) { agreement(id: $id) { milestones { title trucksDelivered } } }`, { id: demo.agreementId });
    const trucks = measured.data.agreement.milestones.find((m: any) => m.title === AID).trucksDelivered as number;
    const ratioBp = Math.floor((trucks * 10000) / 120);
    const pays = ratioBp >= 9000 ? 10000 : ratioBp >= 6000 ? 5000 : 0;
    expect(variable.projectedPayout).toEqual({ measured: trucks, ratio: ratioBp / 10000, bandFromBasisPoints: pays === 10000 ? 9000 : pays === 5000 ? 6000 : null, paysBasisPoints: pays, remainder: pays === 10000 ? null : 'CARRY_TO_TRANCHE' });
    expect(a.milestones.find((m: any) => m.title === REOPENING).tranches.map((t: any) => t.carriedIn.amount)).toEqual(['0.00', '0.00']);

    expect(a.incentiveEscrows).toEqual([
      {
        kind: 'PERMIT',
        unit: 'fishing permits off the Sorrel coast',
        totalUnits: 400,
        milestonesMet: 1,
        underSnapBack: false,
        held: 300,
        withBeneficiary: 100,
        reverted: 0,
        steps: [
          { step: 1, units: 100, milestonesNeeded: 1, status: 'RELEASED' },
          { step: 2, units: 100, milestonesNeeded: 2, status: 'PENDING' },
          { step: 3, units: 100, milestonesNeeded: 3, status: 'PENDING' },
          { step: 4, units: 100, milestonesNeeded: 4, status: 'PENDING' },
        ],
      },
    ]);
  });
});
