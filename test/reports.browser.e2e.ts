import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { loadAllDemos, type DemoResult } from '@treaty/launcher';
import { startFederation, type Federation } from '@treaty/testing';
import { ALL_SERVICES } from './services.js';

/**
 * The public page and the weekly bulletin in a real browser (Debian's Chromium, headless; .ci/run
 * installs it), with the network cut except loopback: a journalist's phone and a printer get the same
 * page, whole, with nothing fetched from anywhere. Screenshots (and the bulletin as an A4 PDF) are
 * saved to test/screenshots/, which git ignores.
 */
const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p): p is string => !!p && existsSync(p));
if (!CHROMIUM) {
  // CI installs Chromium (.ci/run), so there a missing browser is a failure, not a skip.
  if (process.env.CI) throw new Error('No Chromium found, and CI must run the browser tests: apt-get install chromium, or set CHROMIUM_PATH.');
  console.warn('[reports.browser] skipped: no Chromium found (apt-get install chromium, or set CHROMIUM_PATH). The public page and bulletin were not tested in a browser.');
}

const NOW = '2026-06-15T09:30:00.000Z';
export const SCREENSHOTS = new URL('./screenshots/', import.meta.url);

describe.skipIf(!CHROMIUM)('the public page and the bulletin in Chromium', () => {
  let f: Federation;
  let demo: DemoResult;
  let browser: Browser;
  let base: string;
  /** Every request a page made that did not go to the gateway on loopback. */
  const outside: string[] = [];

  beforeAll(async () => {
    f = await startFederation(ALL_SERVICES, { now: NOW });
    demo = await loadAllDemos(f.url, (claims) => f.token(claims), () => {}, f.clock.now());
    base = f.url.replace(/\/graphql$/, '');
    await mkdir(SCREENSHOTS, { recursive: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await f?.stop();
  });

  /** A page whose every request off loopback is cut and recorded. */
  async function open(path: string, viewport: { width: number; height: number }): Promise<Page> {
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === '127.0.0.1' || url.hostname === 'localhost') return route.continue();
      outside.push(url.href);
      return route.abort('internetdisconnected');
    });
    const page = await context.newPage();
    const response = await page.goto(`${base}${path}`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    return page;
  }

  it('shows a journalist, on a desktop and on a phone, who is behind, with the charts drawn', async () => {
    const desktop = await open(`/public/agreements/${demo.agreementId}`, { width: 1280, height: 900 });
    await expect.poll(() => desktop.locator('h1').innerText()).toBe('Veltria Ceasefire and Phased Exchange Framework');
    expect(await desktop.getByRole('heading', { name: 'Who is behind: milestones by party' }).isVisible()).toBe(true);
    // Three charts, each laid out with a real size and a name a screen reader reads.
    const charts = desktop.locator('svg.chart');
    expect(await charts.count()).toBe(3);
    for (let i = 0; i < 3; i += 1) {
      const box = await charts.nth(i).boundingBox();
      expect(box!.width).toBeGreaterThan(300);
      expect(box!.height).toBeGreaterThan(80);
      expect(await charts.nth(i).getAttribute('role')).toBe('img');
    }
    expect(await desktop.getByRole('img', { name: 'Milestones of each party by outcome' }).count()).toBe(1);
    expect(await desktop.locator('svg.chart rect').count()).toBeGreaterThan(10);
    const text = await desktop.locator('main').innerText();
    expect(text).toMatch(/Quiet hours\s+\d/);
    expect(text).toContain('Exchange of complete detainee lists');
    await desktop.screenshot({ path: new URL('public-agreement-desktop.png', SCREENSHOTS).pathname, fullPage: true });

    const phone = await open(`/public/agreements/${demo.agreementId}`, { width: 390, height: 844 });
    // Nothing wider than the phone's screen but the tables, which scroll in their own boxes.
    const overflow = await phone.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(1);
    const chartWidth = (await phone.locator('svg.chart').first().boundingBox())!.width;
    expect(chartWidth).toBeLessThanOrEqual(390);
    await phone.screenshot({ path: new URL('public-agreement-phone.png', SCREENSHOTS).pathname, fullPage: true });
    expect(outside).toEqual([]);
  });

  it('prints the weekly bulletin cleanly to A4, with its charts, and nothing fetched', async () => {
    const page = await open(`/public/agreements/${demo.agreementId}/bulletin/2026-W25`, { width: 1024, height: 900 });
    expect(await page.locator('h1').innerText()).toBe('Weekly bulletin 2026-W25');
    for (const section of ['Where each party stands', 'Due this week', 'Met, missed and waived', 'Released', 'Delivered', 'Verified violations', 'Disputed and ruled']) {
      expect(await page.getByRole('heading', { name: section, exact: true }).isVisible()).toBe(true);
    }
    expect(await page.locator('svg.chart').count()).toBe(3);
    await page.screenshot({ path: new URL('bulletin-2026-W25.png', SCREENSHOTS).pathname, fullPage: true });
    await page.emulateMedia({ media: 'print' });
    // In print the navigation goes; the content stays.
    expect(await page.locator('nav').isVisible()).toBe(false);
    expect(await page.locator('svg.chart').first().isVisible()).toBe(true);
    await page.screenshot({ path: new URL('bulletin-2026-W25-print.png', SCREENSHOTS).pathname, fullPage: true });
    const pdf = await page.pdf({ preferCSSPageSize: true, printBackground: true });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    // A4 is 595 × 842 points: every page of the PDF has that size.
    const sizes = [...pdf.toString('latin1').matchAll(/\/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]/g)].map((m) => [Math.round(Number(m[1])), Math.round(Number(m[2]))]);
    expect(sizes.length).toBeGreaterThanOrEqual(1);
    for (const s of sizes) expect(s).toEqual([595, 842]);
    await writeFile(new URL('bulletin-2026-W25.pdf', SCREENSHOTS), pdf);
    expect(outside).toEqual([]);
  });
});
