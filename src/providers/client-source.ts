import type { DataCacheClient } from '../client/data-cache-client.js';

/**
 * What a provider object fetches through: a client, or a function that resolves to one (how
 * DataCacheProviders opens the cache on first use).
 */
export type ClientSource = DataCacheClient | (() => Promise<DataCacheClient>);

export function clientGetter(source: ClientSource): () => Promise<DataCacheClient> {
  return typeof source === 'function' ? source : () => Promise.resolve(source);
}
