import { afterEach } from 'vitest';
import { startDashboard, type Dashboard } from '../../src/dashboard/dashboard-server.js';

const started: Dashboard[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((dashboard) => dashboard.close()));
});

/** startDashboard, closed after the test. */
export async function serve(...args: Parameters<typeof startDashboard>): Promise<Dashboard> {
  const dashboard = await startDashboard(...args);
  started.push(dashboard);
  return dashboard;
}
