import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import type { RunningGateway } from '../src/index.js';
import { startBareGateway } from './bare-gateway.js';

/**
 * The playground in a real browser (Debian's Chromium; .ci/run installs it). A token pasted into the
 * Headers tab must not outlive the page: a shared computer or any script on the origin would find it in
 * localStorage.
 */
const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p): p is string => !!p && existsSync(p));
if (!CHROMIUM) {
  // CI installs Chromium (.ci/run), so there a missing browser is a failure, not a skip.
  if (process.env.CI) throw new Error('No Chromium found, and CI must run the browser tests: apt-get install chromium, or set CHROMIUM_PATH.');
  console.warn('[playground.browser] skipped: no Chromium found (apt-get install chromium, or set CHROMIUM_PATH).');
}

const SECRET = 'eyJhbGciOiJFZERTQSJ9.secret-playground-token.sig';

describe.skipIf(!CHROMIUM)('the playground in Chromium', () => {
  let gateway: RunningGateway;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    ({ gateway, base } = await startBareGateway());
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // A new, empty profile each time (Playwright's own); no network here, so no background services.
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
  });

  it('opens with the example operations as tabs, and keeps a pasted token out of the browser\'s storage', async () => {
    const page = await browser.newPage();
    const outside: string[] = [];
    page.on('request', (r) => void (!r.url().startsWith(base) && outside.push(r.url())));
    await page.goto(`${base}/graphql`, { waitUntil: 'networkidle' });
    await page.locator('.graphiql-tab').first().waitFor({ timeout: 20_000 });
    expect(await page.locator('.graphiql-tab').count()).toBeGreaterThanOrEqual(6);

    await page.getByText('Headers', { exact: true }).click();
    const headers = page.locator('.graphiql-editor-tool .graphiql-editor').last();
    await headers.click();
    await page.keyboard.type(`{"authorization": "Bearer ${SECRET}"`);
    // The editor reflects what was typed (so the check below is not vacuous) ...
    await expect.poll(() => headers.innerText()).toContain(SECRET);
    // ... GraphiQL writes its state to storage on a debounce: give it time, then look everywhere.
    await page.waitForTimeout(1_500);
    // Runs in the page, where the DOM's storages exist (this package's types are Node's only).
    const stored = await page.evaluate('JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage } })') as string;
    expect(stored).toContain('graphiql'); // GraphiQL does keep its tabs there ...
    expect(stored).not.toContain(SECRET); // ... but never the headers.

    await page.reload({ waitUntil: 'networkidle' });
    await page.locator('.graphiql-tab').first().waitFor();
    expect(await page.content()).not.toContain(SECRET);
    expect(outside, 'the playground must load nothing from outside the gateway').toEqual([]);
  }, 60_000);

  it('opens the personal-data example with its X-Purpose header already in the Headers tab', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/graphql`, { waitUntil: 'networkidle' });
    await page.locator('.graphiql-tab', { hasText: 'WaveManifests' }).click();
    await page.getByText('Headers', { exact: true }).click();
    const headers = page.locator('.graphiql-editor-tool .graphiql-editor').last();
    await expect.poll(() => headers.innerText()).toContain('"X-Purpose": "release-verification"');
    // Another example has no such header: the header belongs to that tab only.
    await page.locator('.graphiql-tab', { hasText: 'WaveProgress' }).click();
    await expect.poll(() => headers.innerText()).not.toContain('X-Purpose');
  }, 60_000);
});
