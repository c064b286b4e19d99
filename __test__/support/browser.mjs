// The browser side of the dashboard tests: Debian's chromium driven by playwright-core, and the
// steps every view test takes (post events, open a view, take a screenshot).

import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { repoRoot, tempDir } from './harness.mjs';

const CHROMIUM = process.env.SENTRIAL_CHROMIUM || '/usr/bin/chromium';
const SHOTS = path.join(repoRoot, '.artifacts', 'screenshots');

/**
 * A headless chromium with a fresh profile. Resolves to { browser, page, pageErrors, close() }:
 * `pageErrors` collects script errors and console errors (a CSP violation is one), except the
 * 401 of a signed-out fetch.
 */
export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}. The dashboard tests drive a real browser: install Debian's ` +
        '`chromium` package (apt-get install -y chromium; .ci/run does this) or set SENTRIAL_CHROMIUM.',
    );
  }
  const { chromium } = await import('playwright-core');
  const profile = tempDir('sentrial-chromium-');
  const browser = await chromium.launchPersistentContext(profile.dir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1360, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = browser.pages()[0] ?? (await browser.newPage());
  const pageErrors = [];
  page.on('pageerror', (err) => pageErrors.push(String(err)));
  page.on(
    'console',
    (msg) => msg.type() === 'error' && !/401 \(Unauthorized\)/.test(msg.text()) && pageErrors.push(msg.text()),
  );
  const close = async () => {
    await browser.close();
    profile.cleanup();
  };
  return { browser, page, pageErrors, close };
}

/** Posts protocol-v1 events straight to the collector, as an SDK would. */
export async function postEvents(collector, events) {
  const res = await fetch(`${collector.url}/v1/batch`, {
    method: 'POST',
    headers: { authorization: `Bearer ${collector.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ protocol: 1, events }),
  });
  assert.equal(res.status, 200, await res.text());
}

/** A full-page screenshot into .artifacts/screenshots/NAME.png, from the top. */
export async function screenshot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** A screenshot of one element into .artifacts/screenshots/NAME.png. */
export async function elementShot(locator, name) {
  mkdirSync(SHOTS, { recursive: true });
  await locator.scrollIntoViewIfNeeded();
  await locator.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

/** Opens a dashboard path and waits until its view has rendered. */
/**
 * A browser signed in to `collector`'s dashboard through the link its banner printed (which signs
 * in with every scope): `launchBrowser()`'s { browser, page, pageErrors, close() }.
 */
export async function signedInBrowser(collector) {
  const chrome = await launchBrowser();
  await chrome.page.goto(collector.dashboardUrl);
  await chrome.page.waitForSelector('body[data-ready="true"]');
  return chrome;
}

export async function openView(page, collector, p) {
  await page.goto(collector.url + p);
  await page.waitForSelector('body[data-ready="true"]');
}
