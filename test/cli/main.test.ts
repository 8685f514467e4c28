import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runTypeScript } from '../helpers/child-process.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

describe('the datacache command', () => {
  it('prints its version', async () => {
    const result = await runTypeScript('../../src/cli/main.ts', ['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(version);
  });

  it('says plainly that commands are not available yet, and exits 2', async () => {
    const result = await runTypeScript('../../src/cli/main.ts', ['stats']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/"stats" is not available yet/);
  });
});
