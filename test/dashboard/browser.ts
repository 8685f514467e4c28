import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, inject } from 'vitest';
import { CHROMIUM_ARGS } from '../helpers/chromium.js';

const found = inject('chromium');
/** Debian's Chromium as the test setup found it; undefined when the browser tests must skip. */
export const chromiumPath = 'path' in found ? found.path : undefined;
if (chromiumPath === undefined) console.warn(`dashboard browser tests skipped: ${'missing' in found ? found.missing : ''}`);

/**
 * One headless Chromium for the tests of a describe block: launched before them, closed after.
 * Call it inside the block; the returned function gives the browser.
 */
export function sharedBrowser(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS, headless: true });
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => browser!;
}
