import { describe, expect, it } from 'vitest';
import { createProviders } from '../../src/index.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';
import { cliEnvironment, runInProcess } from './run-cli.js';

describe('datacache queue list', () => {
  it('shows why a fetch failed, not its URL again, with keys redacted', async () => {
    const cacheDir = await temporaryDirectory();
    // A long URL with a key in it, on a port where nothing listens.
    const url = `http://127.0.0.1:9/a/rather/long/path/to/some/artist/data/that/goes/on.json?api_key=s3cr3t-k3y`;
    const providers = createProviders({ cacheDir, userAgent: 'datacache-tests/1.0 ( tests@example.org )', providers: { test: { ratePerSecond: Infinity } } });
    try {
      await providers.initialize();
      expect(await providers.client.getOrFetch({ url, provider: 'test', dataType: 'api', identifier: 'x', immediate: false })).toBeNull();
      expect(await providers.processQueue()).toMatchObject({ processed: 1, failed: 1 });
    } finally {
      await providers.close();
    }
    const list = await runInProcess(['queue', 'list'], { environment: cliEnvironment(cacheDir) });
    expect(list.code, list.stderr).toBe(0);
    const [header, row, ...rest] = list.stdout.trimEnd().split('\n');
    expect(rest).toEqual([]);
    expect(header).toMatch(/^state\s+priority\s+provider\s+attempts\s+due\s+url\s+last error$/u);
    expect(row).toMatch(/^pending\s+2\s+test\s+1\s+.*\s{2}connect ECONNREFUSED 127\.0\.0\.1:9$/u);
    expect(row!.match(/127\.0\.0\.1:9\/a\/rather/gu)).toHaveLength(1);
    expect(list.stdout).not.toContain('s3cr3t');
  });
});
