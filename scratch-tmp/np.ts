import { DataCacheProviders } from '../src/index.js';
const p = new DataCacheProviders({ cacheDir: '/tmp/np-cache' });
console.log(await p.setNowPlaying('Beyoncé', { queue: false }));
console.log(await p.nowPlaying());
console.log(await p.setNowPlaying(null));
console.log(await p.nowPlaying());
await p.close();
