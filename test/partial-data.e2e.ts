import { createServer, type Socket } from 'node:net';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAllDemos, type DemoResult } from '@treaty/launcher';
import { startFederation, type Federation } from '@treaty/testing';
import { ALL_SERVICES } from './services.js';

/** Day 24 of the demo agreement. */
const NOW = '2026-06-15T09:30:00.000Z';
const HEADLINE = readFile(new URL('../gateway/operations/compliance.graphql', import.meta.url), 'utf8');
const TIMEOUT_MS = 1_000;

async function federationWithDemo(): Promise<{ f: Federation; demo: DemoResult }> {
  const f = await startFederation(ALL_SERVICES, { now: NOW, gateway: { subgraphTimeoutMs: { milestones: 5_000, prisoners: 5_000, corridors: TIMEOUT_MS, guarantors: 5_000 } } });
  const demo = await loadAllDemos(f.url, (claims) => f.token(claims), () => {}, f.clock.now());
  return { f, demo };
}

/** What an internal address in an error would look like; none may reach a caller. */
const INTERNAL = /127\.0\.0\.1|localhost:|http:\/\/|ECONNREFUSED|stack/i;

describe('a subgraph that is down costs only its own fields', () => {
  let f: Federation;
  let demo: DemoResult;
  let before: any;
  beforeAll(async () => {
    ({ f, demo } = await federationWithDemo());
    before = (await f.request(await HEADLINE, { id: demo.agreementId })).body;
    await f.running.prisoners!.close();
  });
  afterAll(() => f?.stop());

  it('answers the headline query with prisoners down: the agreement, its milestones and the other three services\' facts, prisoners\' fields null', async () => {
    expect(before.errors).toBeUndefined();
    const { status, body } = await f.request<any>(await HEADLINE, { id: demo.agreementId });
    const errors: any[] = body.errors ?? [];
    expect(status).toBe(200);
    const a = body.data.agreement;
    expect(a).not.toBeNull();
    expect(a.title).toBe(before.data.agreement.title);
    expect(a.quietHours).toBe(before.data.agreement.quietHours);
    expect(a.snapBack).toEqual(before.data.agreement.snapBack);
    expect(a.scorecard).toEqual(before.data.agreement.scorecard);
    expect(a.milestones).toHaveLength(before.data.agreement.milestones.length);
    a.milestones.forEach((m: any, i: number) => {
      const was = before.data.agreement.milestones[i];
      // milestones, corridors and guarantors still answer ...
      expect({ title: m.title, status: m.status, trucksDelivered: m.trucksDelivered, escrowFundedRatio: m.escrowFundedRatio, tranches: m.tranches }).toEqual({
        title: was.title,
        status: was.status,
        trucksDelivered: was.trucksDelivered,
        escrowFundedRatio: was.escrowFundedRatio,
        tranches: was.tranches,
      });
      // ... prisoners' facts are null, and so is the verdict that requires them.
      expect(m.exchangeWaves).toBeNull();
      expect(m.detaineesReleased).toBeNull();
      expect(m.compliance).toBeNull();
    });
    expect(before.data.agreement.milestones.some((m: any) => m.detaineesReleased > 0)).toBe(true);
    const unavailable = errors.filter((e: any) => e.extensions.code === 'SERVICE_UNAVAILABLE');
    expect(unavailable.length).toBeGreaterThan(0);
    expect(errors.every((e: any) => e.extensions.code === 'SERVICE_UNAVAILABLE' && e.extensions.service === 'prisoners')).toBe(true);
    expect(unavailable[0].message).toMatch(/^The prisoners service is not reachable, so the fields it provides are null in this answer/);
    expect(JSON.stringify(errors)).not.toMatch(INTERNAL);
  });

  it('answers a prisoners-only query with SERVICE_UNAVAILABLE naming prisoners and nothing internal', async () => {
    const { body } = await f.request('query ($id: ID!) { exchangeWaves(agreementId: $id) { sequence } }', { id: demo.agreementId }, await f.token({ roles: ['MEDIATOR'] }));
    expect(body.data).toBeNull();
    expect(body.errors).toHaveLength(1);
    expect(body.errors![0]!.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', service: 'prisoners' });
    expect(JSON.stringify(body)).not.toMatch(INTERNAL);
  });
});

describe('a subgraph that stops answering is given up on at its timeout', () => {
  let f: Federation;
  let demo: DemoResult;
  const held: Socket[] = [];
  let silent: ReturnType<typeof createServer>;
  beforeAll(async () => {
    ({ f, demo } = await federationWithDemo());
    // Like a process stopped with SIGSTOP: the port accepts connections, and nothing ever answers.
    const port = f.running.corridors!.port;
    await f.running.corridors!.close();
    silent = createServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    held.forEach((s) => s.destroy());
    await new Promise((resolve) => silent?.close(resolve));
    await f?.stop();
  });

  it('answers the headline query once corridors\' timeout passes, with corridors\' fields null and the rest complete', async () => {
    const { status, body } = await f.request<any>(await HEADLINE, { id: demo.agreementId });
    const errors: any[] = body.errors ?? [];
    expect(held.length).toBeGreaterThan(0);
    expect(status).toBe(200);
    const a = body.data.agreement;
    expect(a.title).toBe('Veltria Ceasefire and Phased Exchange Framework');
    expect(a.quietHours).toBeNull();
    expect(a.milestones.length).toBeGreaterThan(0);
    for (const m of a.milestones) {
      expect(m.trucksDelivered).toBeNull();
      expect(m.exchangeWaves).not.toBeNull();
      expect(typeof m.detaineesReleased).toBe('number');
      expect(typeof m.escrowFundedRatio).toBe('number');
    }
    // Every error is corridors' own, or a tranche whose status depends on the snap-back state that
    // corridors' outage left unknown (its amount is still shown).
    for (const e of errors) {
      if (e.extensions.service === 'corridors') continue;
      expect(e.extensions).toEqual({ code: 'SERVICE_UNAVAILABLE', service: 'milestones' });
      expect(e.path.slice(-3, -1)).toEqual(['tranches', e.path.at(-2)]);
      expect(e.path.at(-1)).toBe('status');
      expect(e.message).toContain("the agreement's snap-back state was not available");
    }
    // The agreement's snap-back state needs corridors' violation times: unknown, and the gateway never
    // asked milestones for it without them (every error is corridors' or a tranche's, above).
    expect(a.snapBack).toBeNull();
    expect(errors.filter((e: any) => e.extensions.service === 'corridors').length).toBeGreaterThan(0);
    for (const m of a.milestones) for (const t of m.tranches ?? []) expect(t.amount.amount).toMatch(/^\d+\.\d{2}$/);
    const gatewayTimeout = errors.find((e: any) => e.path?.at(-1) === 'quietHours' || e.path?.at(-1) === 'trucksDelivered' || e.message.includes(`within ${TIMEOUT_MS / 1000} s`));
    expect(gatewayTimeout).toMatchObject({ extensions: { code: 'SERVICE_UNAVAILABLE', service: 'corridors' } });
    expect(gatewayTimeout.message).toContain(`did not answer within ${TIMEOUT_MS / 1000} s`);
    expect(JSON.stringify(errors)).not.toMatch(INTERNAL);
  });
});
