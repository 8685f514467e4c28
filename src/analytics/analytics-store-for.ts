import { PgAnalyticsStore } from '../backends/postgres/pg-analytics-store.js';
import { SqliteAnalyticsStore } from '../backends/sqlite/analytics-store.js';
import type { DataStorage } from '../storage/data-storage.js';
import type { AnalyticsStore } from './analytics-store.js';
import { FailoverAnalyticsStore } from './failover-analytics-store.js';

/**
 * Where a storage's analytics go: its cache database, or, with a shared tier, PostgreSQL (so a
 * station's machines count together) with the machine's database behind it for an outage.
 */
export function analyticsStoreFor(storage: DataStorage): AnalyticsStore {
  const local = new SqliteAnalyticsStore(storage.sharedConnection());
  const tier = storage.sharedTier();
  return tier === null ? local : new FailoverAnalyticsStore(new PgAnalyticsStore(tier), local, () => tier.available);
}
