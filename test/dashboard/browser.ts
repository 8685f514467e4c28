import { chromium, type Browser, type Locator } from 'playwright-core';
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

/** The few DOM calls `lineBreaksIn` makes, typed here because the tests compile without the DOM library. */
interface TextWalk {
  createTreeWalker(root: unknown, whatToShow: number): { nextNode(): { textContent: string | null } | null };
  createRange(): { setStart(node: unknown, offset: number): void; setEnd(node: unknown, offset: number): void; getBoundingClientRect(): { top: number; height: number } };
}

/**
 * Where an element's text wraps: the character just before each line break, read from the
 * laid-out glyphs. A URL that wraps only at its separators gives only `/`, `?`, `&`, `=`.
 */
export async function lineBreaksIn(element: Locator): Promise<string[]> {
  return element.evaluate((root) => {
    const document = (root as { ownerDocument: TextWalk }).ownerDocument;
    const walker = document.createTreeWalker(root, 4 /* NodeFilter.SHOW_TEXT */);
    const breaks: string[] = [];
    let lineTop: number | null = null;
    let previous = '';
    for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
      const text = node.textContent ?? '';
      for (let index = 0; index < text.length; index += 1) {
        const range = document.createRange();
        range.setStart(node, index);
        range.setEnd(node, index + 1);
        const box = range.getBoundingClientRect();
        if (box.height === 0) continue;
        if (lineTop !== null && box.top > lineTop + box.height / 2) breaks.push(previous);
        lineTop = box.top;
        previous = text[index]!;
      }
    }
    return breaks;
  });
}
