import { DAY_MS, type Role } from '@treaty/service-kit';
import { gql } from './client.js';
import { loadDemo, type DemoContext, type DemoResult } from './demo.js';
import { loadCorridorsDemo } from './demo-corridors.js';
import { loadGuarantorsDemo } from './demo-guarantors.js';
import { loadPrisonersDemo } from './demo-prisoners.js';
import { loadRemediesDemo } from './demo-remedies.js';
import { loadStoryDemo } from './demo-story.js';

export type Mint = (claims: { agency: string; roles: Role[]; partyId?: string; guarantorId?: string; subject?: string }) => Promise<string>;

/**
 * Loads the whole demo through the gateway, as partner agencies would: the agreement and its milestones,
 * then each subgraph's facts, then the cross-service story, then a confidential report and the redress
 * it leads to. `progress` reports each step.
 */
export async function loadAllDemos(url: string, mint: Mint, progress: (msg: string) => void, now = new Date()): Promise<DemoResult> {
  const mediator = await mint({ agency: 'Office of the Special Envoy for Veltria', roles: ['MEDIATOR'], subject: 'demo-loader' });
  const monitor = await mint({ agency: 'Joint Monitoring Cell', roles: ['MONITOR'], subject: 'demo-loader' });
  const base = await loadDemo(url, { mediator, monitor }, (m) => progress(`milestones: ${m}`), now);
  const step = (name: string): DemoContext => ({
    ...base,
    now,
    at: (day, hour = 12) => new Date(base.day0.getTime() + day * DAY_MS + hour * 3_600_000).toISOString(),
    progress: (m) => progress(`${name}: ${m}`),
    as(claims) {
      let token: Promise<string> | undefined;
      return async (query, variables) => gql(url, query, variables ?? {}, await (token ??= mint(claims)));
    },
  });
  await loadPrisonersDemo(step('prisoners'));
  await loadCorridorsDemo(step('corridors'));
  const guarantors = await loadGuarantorsDemo(step('guarantors'));
  await loadStoryDemo(step('compliance'), guarantors);
  const remedies = await loadRemediesDemo(step('milestones'), (query, variables) => gql(url, query, variables ?? {}));
  return { ...base, confidentialReceipt: remedies.receipt };
}
